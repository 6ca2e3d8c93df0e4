"""Hand-written cases: one per boundary of the model (see tests/fixtures/correlations/README.md)."""

from __future__ import annotations

from corr_cases import Case, bases, correlation, event, sigma_filter

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "M": 2629746, "y": 31556952}


def brute_force(condition, group_by=("User",), timespan="5m", rules=("failed",)):
    return correlation(
        "Brute force", "event_count", list(rules), timespan, condition, list(group_by) or None
    )


def event_count_cases():
    yield Case(
        "event_count-window-both-ends",
        "event_count",
        "Window [t - 5m, t]: an event exactly 5m before t counts, one 5m 1s before does not.",
        bases("failed") + [brute_force({"gte": 2})],
        [
            event(0, "failed", User="alice"),
            event(300, "failed", User="alice"),
            event(601, "failed", User="alice"),
            event(0, "failed", User="bob"),
            event(301, "failed", User="bob"),
        ],
        ["boundary"],
    )
    yield Case(
        "event_count-equal-timestamps",
        "event_count",
        "Three events at one instant: one window end, all three counted.",
        bases("failed") + [brute_force({"gte": 3})],
        [event(10, "failed", User="alice") for _ in range(3)] + [event(10, "failed", User="bob")],
        ["equal-timestamps"],
    )
    yield Case(
        "event_count-out-of-order",
        "event_count",
        "The stream arrives newest first; windows follow the timestamps, not the order.",
        bases("failed") + [brute_force({"gte": 3})],
        [event(t, "failed", User="alice") for t in (240, 180, 120, 60, 0)],
        ["out-of-order"],
    )
    yield Case(
        "event_count-missing-group-field",
        "event_count",
        "Events lacking User (absent, JSON null) never count; an empty string is a group.",
        bases("failed") + [brute_force({"gte": 2})],
        [
            event(0, "failed"),
            event(1, "failed"),
            {**event(2, "failed"), "User": None},
            event(3, "failed", User="alice"),
            event(4, "failed", User=""),
            event(5, "failed", User=""),
        ],
        ["missing-group-field"],
    )
    yield Case(
        "event_count-no-group-by",
        "event_count",
        "No group-by: one series over every matching event, with or without User.",
        bases("failed", "success") + [brute_force({"gte": 3}, group_by=())],
        [
            event(0, "failed", User="alice"),
            event(30, "failed"),
            event(60, "success", User="alice"),
            event(90, "failed", User="bob"),
            event(400, "failed", User="bob"),
        ],
        ["no-group-by"],
    )
    yield Case(
        "event_count-two-group-fields",
        "event_count",
        "group-by [User, Host]: both values equal (case-insensitively); a missing Host drops it.",
        bases("failed") + [brute_force({"gte": 2}, group_by=("User", "Host"))],
        [
            event(0, "failed", User="alice", Host="WS1"),
            event(10, "failed", User="ALICE", Host="ws1"),
            event(20, "failed", User="alice", Host="WS2"),
            event(30, "failed", User="alice"),
            event(40, "failed", User="bob", Host="WS1"),
        ],
        ["multi-group-by", "case-folding"],
    )
    yield Case(
        "event_count-event-in-two-rules",
        "event_count",
        "An event matching two referenced rules is one event.",
        bases("failed", "failed_admin")
        + [brute_force({"gte": 2}, rules=("failed", "failed_admin"))],
        [
            event(0, "failed", User="admin1"),
            event(10, "failed", User="admin1"),
            event(20, "failed", User="alice"),
        ],
        ["overlapping-rules"],
    )
    yield Case(
        "event_count-rule-by-id",
        "event_count",
        "rules names the base rule by its id.",
        bases("failed")
        + [brute_force({"gte": 2}, rules=("0e95725d-7320-415d-80f7-004da920fc11",))],
        [event(0, "failed", User="alice"), event(5, "failed", User="alice")],
        ["reference-by-id"],
    )
    for unit, seconds in UNITS.items():
        yield Case(
            f"event_count-timespan-unit-{unit}",
            "event_count",
            f"timespan 1{unit} = {seconds} s: events exactly 1{unit} apart count together, "
            f"1{unit} + 1 s apart do not.",
            bases("failed") + [brute_force({"gte": 2}, timespan=f"1{unit}")],
            [
                event(0, "failed", User="alice"),
                event(seconds, "failed", User="alice"),
                event(0, "failed", User="bob"),
                event(seconds + 1, "failed", User="bob"),
            ],
            ["boundary", "timespan-unit"],
        )
    yield Case(
        "event_count-lt-only-observed-groups",
        "event_count",
        "lt 2: a group alerts at every window end holding one event; a group with no events "
        "never alerts, and lt 1 could never hold.",
        bases("failed", "success") + [brute_force({"lt": 2})],
        [
            event(0, "failed", User="alice"),
            event(100, "failed", User="alice"),
            event(500, "failed", User="alice"),
            event(50, "failed", User="bob"),
            event(60, "success", User="carol"),
        ],
        ["lt"],
    )
    yield Case(
        "event_count-lt-1-never",
        "event_count",
        "lt 1: every window ends at a matching event, so the count is at least 1.",
        bases("failed") + [brute_force({"lt": 1})],
        [event(0, "failed", User="alice"), event(1000, "failed", User="bob")],
        ["lt"],
    )
    yield Case(
        "event_count-alerts-repeat",
        "event_count",
        "Every later window end where the condition still holds is another alert.",
        bases("failed") + [brute_force({"gte": 2})],
        [event(t, "failed", User="alice") for t in (0, 60, 120, 180, 600, 960)],
        ["repeat"],
    )
    yield Case(
        "event_count-non-ascii-case",
        "event_count",
        "SQLite's lower() folds ASCII only: 'Émile' and 'émile' are two groups in the "
        "reference, 'Bob' and 'bob' one.",
        bases("failed") + [brute_force({"gte": 2})],
        [
            event(0, "failed", User="Émile"),
            event(10, "failed", User="émile"),
            event(20, "failed", User="Bob"),
            event(30, "failed", User="bob"),
        ],
        ["case-folding", "ascii-only-folding"],
    )
    yield Case(
        "event_count-fractional-seconds",
        "event_count",
        "Millisecond timestamps: 300.000 s apart is inside a 5m window, 300.001 s is not.",
        bases("failed") + [brute_force({"gte": 2})],
        [
            event(0.25, "failed", User="alice"),
            event(300.25, "failed", User="alice"),
            event(0.5, "failed", User="bob"),
            event(300.501, "failed", User="bob"),
        ],
        ["boundary", "milliseconds"],
    )
    yield Case(
        "event_count-unreadable-timestamp",
        "event_count",
        "An event whose timestamp is missing or unreadable is dropped by the SQL (the engine "
        "reports it instead); the others still count.",
        bases("failed") + [brute_force({"gte": 2})],
        [
            event(0, "failed", User="alice"),
            {"timestamp": "yesterday", "EventID": 4625, "User": "alice"},
            {"EventID": 4625, "User": "alice"},
            event(30, "failed", User="alice"),
        ],
        ["invalid-timestamp"],
    )
    yield Case(
        "event_count-number-and-string-group",
        "event_count",
        "A group value 42 and '42' are one group: the table stores both as text.",
        bases("failed") + [brute_force({"gte": 2}, group_by=("LogonId",))],
        [event(0, "failed", LogonId=42), event(10, "failed", LogonId="42")],
        ["group-value-types"],
    )


def spray(condition, field="Host", group_by=("User",), timespan="5m"):
    return correlation(
        "Password spray",
        "value_count",
        ["failed"],
        timespan,
        {**condition, "field": field},
        list(group_by) or None,
    )


def value_count_cases():
    yield Case(
        "value_count-case-insensitive-values",
        "value_count",
        "Distinct Host values compare case-insensitively: WS1 and ws1 are one value.",
        bases("failed") + [spray({"gte": 2})],
        [
            event(0, "failed", User="alice", Host="WS1"),
            event(10, "failed", User="alice", Host="ws1"),
            event(20, "failed", User="alice", Host="WS2"),
            event(20, "failed", User="bob", Host="WS1"),
            event(25, "failed", User="bob", Host="Ws1"),
        ],
        ["case-folding"],
    )
    yield Case(
        "value_count-absent-values",
        "value_count",
        "An event lacking the counted field still ends a window and is evidence, but adds no "
        "value; lt 1 then holds at a window of such events only.",
        bases("failed") + [spray({"lt": 1})],
        [
            event(0, "failed", User="alice"),
            event(10, "failed", User="alice", Host="WS1"),
            event(400, "failed", User="alice"),
        ],
        ["lt", "missing-value-field"],
    )
    yield Case(
        "value_count-boundary-no-group-by",
        "value_count",
        "No group-by; values exactly 5m apart count together.",
        bases("failed") + [spray({"gte": 3}, group_by=())],
        [
            event(0, "failed", User="alice", Host="a"),
            event(150, "failed", User="bob", Host="b"),
            event(300, "failed", Host="c"),
            event(301, "failed", Host="d"),
        ],
        ["boundary", "no-group-by"],
    )
    yield Case(
        "value_count-field-equals-group",
        "value_count",
        "Counting distinct User per Host (spray from one host).",
        bases("failed") + [spray({"gt": 2}, field="User", group_by=("Host",))],
        [
            event(i * 20, "failed", User=u, Host="WS9")
            for i, u in enumerate(["a", "b", "B", "c", "d"])
        ],
        [],
    )


def sequence(kind, rules, condition=None, timespan="5m", group_by=("User",), **extra):
    return correlation(
        "Sequence", kind, rules, timespan, condition, list(group_by) or None, **extra
    )


def temporal_cases():
    yield Case(
        "temporal-default-condition-boundary",
        "temporal",
        "No condition: all referenced rules (gte 2) in [t - 5m, t]; 5m apart counts, 5m 1s not.",
        bases("failed", "success") + [sequence("temporal", ["failed", "success"])],
        [
            event(0, "failed", User="alice"),
            event(300, "success", User="alice"),
            event(0, "success", User="bob"),
            event(301, "failed", User="bob"),
        ],
        ["boundary", "default-condition"],
    )
    yield Case(
        "temporal-two-of-three",
        "temporal",
        "gte 2 of three rules, any order.",
        bases("failed", "success", "logoff")
        + [sequence("temporal", ["failed", "success", "logoff"], {"gte": 2})],
        [
            event(0, "logoff", User="alice"),
            event(60, "failed", User="alice"),
            event(0, "failed", User="bob"),
            event(30, "failed", User="bob"),
        ],
        [],
    )
    yield Case(
        "temporal-equal-timestamps",
        "temporal",
        "Two rules matching at the same instant are both present.",
        bases("failed", "success") + [sequence("temporal", ["failed", "success"])],
        [event(50, "success", User="alice"), event(50, "failed", User="ALICE")],
        ["equal-timestamps", "case-folding"],
    )
    yield Case(
        "temporal-one-event-two-rules",
        "temporal",
        "One event matching both referenced rules makes both present.",
        bases("failed", "failed_admin") + [sequence("temporal", ["failed", "failed_admin"])],
        [event(0, "failed", User="admin7"), event(5, "failed", User="alice")],
        ["overlapping-rules"],
    )
    yield Case(
        "temporal-lte-and-neq",
        "temporal",
        "lte 1: windows holding one rule alert, windows holding both do not.",
        bases("failed", "success") + [sequence("temporal", ["failed", "success"], {"lte": 1})],
        [
            event(0, "failed", User="alice"),
            event(60, "success", User="alice"),
            event(1000, "success", User="alice"),
        ],
        ["lte"],
    )


def temporal_ordered_cases():
    yield Case(
        "temporal_ordered-order-matters",
        "temporal_ordered",
        "failed then success alerts; success then failed does not.",
        bases("failed", "success") + [sequence("temporal_ordered", ["failed", "success"])],
        [
            event(0, "failed", User="alice"),
            event(60, "success", User="alice"),
            event(0, "success", User="bob"),
            event(60, "failed", User="bob"),
        ],
        ["order"],
    )
    yield Case(
        "temporal_ordered-equal-timestamps",
        "temporal_ordered",
        "Equal timestamps are not in order: each stage must be strictly later.",
        bases("failed", "success") + [sequence("temporal_ordered", ["failed", "success"])],
        [
            event(30, "failed", User="alice"),
            event(30, "success", User="alice"),
            event(30, "failed", User="bob"),
            event(30.001, "success", User="bob"),
        ],
        ["order", "equal-timestamps"],
    )
    yield Case(
        "temporal_ordered-boundary",
        "temporal_ordered",
        "failed exactly 5m before success counts; 5m 1s before does not.",
        bases("failed", "success") + [sequence("temporal_ordered", ["failed", "success"])],
        [
            event(0, "failed", User="alice"),
            event(300, "success", User="alice"),
            event(0, "failed", User="bob"),
            event(301, "success", User="bob"),
        ],
        ["boundary", "order"],
    )
    yield Case(
        "temporal_ordered-two-of-three",
        "temporal_ordered",
        "gte 2 of [failed, success, logoff]: any ordered pair of the list; an out-of-order "
        "third type does not veto it.",
        bases("failed", "success", "logoff")
        + [sequence("temporal_ordered", ["failed", "success", "logoff"], {"gte": 2})],
        [
            event(0, "logoff", User="alice"),
            event(10, "failed", User="alice"),
            event(20, "success", User="alice"),
            event(0, "logoff", User="bob"),
            event(10, "success", User="bob"),
            event(0, "success", User="carol"),
            event(10, "failed", User="carol"),
        ],
        ["order", "partial-order"],
    )
    yield Case(
        "temporal_ordered-first-occurrence",
        "temporal_ordered",
        "Repeated stages: each stage takes its earliest time after the previous stage.",
        bases("failed", "success", "logoff")
        + [sequence("temporal_ordered", ["failed", "success", "logoff"])],
        [
            event(0, "success", User="alice"),
            event(10, "failed", User="alice"),
            event(20, "failed", User="alice"),
            event(30, "success", User="alice"),
            event(40, "logoff", User="alice"),
            event(50, "success", User="alice"),
        ],
        ["order"],
    )
    yield Case(
        "temporal_ordered-lt",
        "temporal_ordered",
        "lt 2 (not a gt/gte threshold): every referenced rule present in the window must be "
        "in list order, and fewer than 2 rules present.",
        bases("failed", "success")
        + [sequence("temporal_ordered", ["failed", "success"], {"lt": 2})],
        [
            event(0, "success", User="alice"),
            event(60, "failed", User="alice"),
            event(0, "failed", User="bob"),
        ],
        ["order", "lt"],
    )
    yield Case(
        "temporal_ordered-gt-fraction",
        "temporal_ordered",
        "gt 1.5 asks for floor(1.5) + 1 = 2 rules of the list in order.",
        bases("failed", "success", "logoff")
        + [sequence("temporal_ordered", ["failed", "success", "logoff"], {"gt": 1.5})],
        [
            event(0, "success", User="alice"),
            event(10, "logoff", User="alice"),
            event(0, "logoff", User="bob"),
            event(10, "failed", User="bob"),
        ],
        ["order", "partial-order", "float-threshold"],
    )
    yield Case(
        "temporal_ordered-neq",
        "temporal_ordered",
        "neq 2 over two rules: the present rules in order, and not both of them.",
        bases("failed", "success")
        + [sequence("temporal_ordered", ["failed", "success"], {"neq": 2}, timespan="1m")],
        [
            event(0, "failed", User="alice"),
            event(30, "success", User="alice"),
            event(200, "success", User="alice"),
            event(0, "success", User="bob"),
            event(20, "failed", User="bob"),
        ],
        ["order", "neq"],
    )
    yield Case(
        "temporal_ordered-eq",
        "temporal_ordered",
        "eq 2 over two rules: both present and in order.",
        bases("failed", "success")
        + [sequence("temporal_ordered", ["failed", "success"], {"eq": 2}, timespan="1m")],
        [
            event(0, "failed", User="alice"),
            event(30, "success", User="alice"),
            event(100, "failed", User="alice"),
            event(90, "success", User="alice"),
        ],
        ["order", "eq"],
    )
    yield Case(
        "temporal_ordered-one-event-two-rules",
        "temporal_ordered",
        "One event matching both rules is not an ordered pair (same instant).",
        bases("failed", "failed_admin")
        + [sequence("temporal_ordered", ["failed", "failed_admin"])],
        [
            event(0, "failed", User="admin1"),
            event(10, "failed", User="admin2"),
            event(20, "failed", User="admin2"),
        ],
        ["order", "overlapping-rules"],
    )


def metric(kind, condition, group_by=("User",), timespan="5m"):
    return correlation(
        "Volume",
        kind,
        ["transfer"],
        timespan,
        {**condition, "field": "Bytes"},
        list(group_by) or None,
    )


SPELLINGS = [10, "20", " 5 ", "1e2", "0x10", "abc", True, 2.5, -7, None, "", "3.0"]


def value_metric_cases():
    for kind in ("value_sum", "value_avg"):
        yield Case(
            f"{kind}-number-spellings",
            kind,
            "Bytes as numbers, numeric strings (also padded and in exponent form), junk, a "
            "boolean, an empty string and absence: only numbers and JSON-number strings count.",
            bases("transfer") + [metric(kind, {"gte": 0}, timespan="1h")],
            [event(i, "transfer", User="alice", Bytes=v) for i, v in enumerate(SPELLINGS)],
            ["numeric-parsing"],
        )
        yield Case(
            f"{kind}-float-threshold-boundary",
            kind,
            "A fractional threshold (gt 25.5) and the 1m window's both ends.",
            bases("transfer") + [metric(kind, {"gt": 25.5}, timespan="1m")],
            [
                event(0, "transfer", User="alice", Bytes=20),
                event(60, "transfer", User="alice", Bytes=31),
                event(121, "transfer", User="alice", Bytes=26),
                event(0, "transfer", User="bob", Bytes=25.5),
                event(30, "transfer", User="bob", Bytes=25.5),
            ],
            ["boundary", "float-threshold"],
        )
        yield Case(
            f"{kind}-lt-no-numbers",
            kind,
            "A window without any number has no value: even lt does not alert there.",
            bases("transfer") + [metric(kind, {"lt": 1000})],
            [
                event(0, "transfer", User="alice", Bytes="n/a"),
                event(10, "transfer", User="alice"),
                event(600, "transfer", User="alice", Bytes=5),
            ],
            ["lt", "missing-value-field"],
        )
    yield Case(
        "value_sum-no-group-by",
        "value_sum",
        "No group-by: one running sum, negative values included.",
        bases("transfer") + [metric("value_sum", {"gte": 50}, group_by=())],
        [
            event(0, "transfer", User="alice", Bytes=40),
            event(10, "transfer", Bytes=30),
            event(20, "transfer", User="bob", Bytes=-25),
            event(30, "transfer", User="bob", Bytes=10),
        ],
        ["no-group-by"],
    )


PERCENTILE_VALUES = [15, 1, 7, 3, 20, 3]


def percentile_cases():
    for p in (0, 25, 50, 90, 100):
        yield Case(
            f"value_percentile-p{p}",
            "value_percentile",
            f"Percentile {p} with linear interpolation between closest ranks, over "
            f"{PERCENTILE_VALUES} arriving one by one (each prefix is a window).",
            bases("transfer") + [metric("value_percentile", {"gte": 0, "percentile": p})],
            [
                event(i * 10, "transfer", User="alice", Bytes=v)
                for i, v in enumerate(PERCENTILE_VALUES)
            ]
            + [event(5, "transfer", User="alice", Bytes="junk")],
            ["percentile", "interpolation"],
        )
    yield Case(
        "value_percentile-threshold",
        "value_percentile",
        "Percentile 90 gt 10 per User; a lone value is its own percentile.",
        bases("transfer") + [metric("value_percentile", {"gt": 10, "percentile": 90})],
        [
            event(0, "transfer", User="alice", Bytes=5),
            event(10, "transfer", User="alice", Bytes=50),
            event(20, "transfer", User="bob", Bytes=11),
            event(400, "transfer", User="alice", Bytes=9),
        ],
        ["percentile"],
    )
    yield Case(
        "value_median-odd-even",
        "value_median",
        "value_median is percentile 50: the middle value, or the mean of the two middle ones.",
        bases("transfer") + [metric("value_median", {"gte": 0})],
        [event(i * 10, "transfer", User="alice", Bytes=v) for i, v in enumerate([4, 10, 1, 8, 8])],
        ["percentile", "interpolation"],
    )
    yield Case(
        "value_median-threshold-eq",
        "value_median",
        "value_median eq 8 per User.",
        bases("transfer") + [metric("value_median", {"eq": 8})],
        [
            event(0, "transfer", User="alice", Bytes=8),
            event(10, "transfer", User="alice", Bytes=6),
            event(20, "transfer", User="alice", Bytes=10),
            event(0, "transfer", User="bob", Bytes="8"),
        ],
        ["percentile", "eq"],
    )


def extended_cases():
    three = bases("failed", "success", "logoff")
    yield Case(
        "temporal-extended-and",
        "temporal_extended",
        "'failed and success' is the default temporal condition written out.",
        three[:2] + [sequence("temporal", ["failed", "success"], "failed and success")],
        [
            event(0, "failed", User="alice"),
            event(60, "success", User="alice"),
            event(0, "failed", User="bob"),
        ],
        ["extended"],
    )
    yield Case(
        "temporal-extended-or",
        "temporal_extended",
        "'failed or success': every window end of either rule alerts.",
        three[:2] + [sequence("temporal", ["failed", "success"], "failed or success")],
        [
            event(0, "failed", User="alice"),
            event(60, "success", User="alice"),
            event(400, "success", User="bob"),
        ],
        ["extended"],
    )
    yield Case(
        "temporal-extended-and-not",
        "temporal_extended",
        "'failed and not success' looks forward: window [t, t + 5m] from each failed event, "
        "no success in it, and only once the stream has reached t + 5m (the latest event's "
        "time, 09:16:40, is the horizon): dave's window ends exactly there and alerts, "
        "frank's ends after it and does not.",
        three[:2] + [sequence("temporal", ["failed", "success"], "failed and not success")],
        [
            event(0, "failed", User="alice"),
            event(300, "success", User="alice"),
            event(0, "failed", User="bob"),
            event(301, "success", User="bob"),
            event(100, "failed", User="carol"),
            event(700, "failed", User="dave"),
            event(900, "failed", User="frank"),
            event(1000, "logoff", User="erin"),
        ],
        ["extended", "negation", "horizon", "boundary"],
    )
    yield Case(
        "temporal-extended-not-only",
        "temporal_extended",
        "'not success' alone: windows [t, t + 1m] start at every event of the table that has "
        "the group field (any rule or none) and hold no success.",
        three[:2] + [sequence("temporal", ["success"], "not success", timespan="1m")],
        [
            event(0, 4672, User="alice"),
            event(30, "success", User="alice"),
            event(100, "failed", User="bob"),
            event(120, "success", User="carol"),
            event(200, "logoff"),
            event(400, 4672, User="dave"),
        ],
        ["extended", "negation", "horizon"],
    )
    yield Case(
        "temporal-extended-nested",
        "temporal_extended",
        "'failed and (success or not logoff)' in disjunctive normal form: "
        "(failed and success) or (failed and not logoff).",
        three
        + [
            sequence(
                "temporal",
                ["failed", "success", "logoff"],
                "failed and (success or not logoff)",
                timespan="1m",
            )
        ],
        [
            event(0, "failed", User="alice"),
            event(30, "logoff", User="alice"),
            event(40, "success", User="alice"),
            event(0, "failed", User="bob"),
            event(30, "logoff", User="bob"),
            event(0, "failed", User="carol"),
            event(500, "logoff", User="zed"),
        ],
        ["extended", "negation"],
    )
    yield Case(
        "temporal-extended-rules-omitted",
        "temporal_extended",
        "No rules list: the condition's identifiers are the referenced rules.",
        three[:2] + [sequence("temporal", None, "success and failed")],
        [event(0, "failed", User="alice"), event(10, "success", User="alice")],
        ["extended"],
    )
    yield Case(
        "temporal_ordered-extended-and",
        "temporal_ordered_extended",
        "temporal_ordered with 'success and failed': the order is the rules list's "
        "(failed, success), not the expression's.",
        three[:2] + [sequence("temporal_ordered", ["failed", "success"], "success and failed")],
        [
            event(0, "failed", User="alice"),
            event(60, "success", User="alice"),
            event(0, "success", User="bob"),
            event(60, "failed", User="bob"),
        ],
        ["extended", "order"],
    )
    yield Case(
        "temporal_ordered-extended-and-not",
        "temporal_ordered_extended",
        "temporal_ordered 'failed and success and not logoff': forward window from each "
        "failed or success event, failed before success, no logoff.",
        three
        + [
            sequence(
                "temporal_ordered",
                ["failed", "success", "logoff"],
                "failed and success and not logoff",
                timespan="2m",
            )
        ],
        [
            event(0, "failed", User="alice"),
            event(60, "success", User="alice"),
            event(0, "failed", User="bob"),
            event(30, "success", User="bob"),
            event(90, "logoff", User="bob"),
            event(600, "logoff", User="zed"),
        ],
        ["extended", "order", "negation", "horizon"],
    )


def alias_cases():
    yield Case(
        "temporal-aliases",
        "temporal",
        "Alias user = failed's TargetUserName and success's User; success's TargetUserName "
        "is not looked at.",
        bases("failed", "success")
        + [
            sequence(
                "temporal",
                ["failed", "success"],
                group_by=("user",),
                aliases={"user": {"failed": "TargetUserName", "success": "User"}},
            )
        ],
        [
            event(0, "failed", TargetUserName="Alice"),
            event(60, "success", User="ALICE"),
            event(70, "success", TargetUserName="bob"),
            event(80, "failed", TargetUserName="bob"),
        ],
        ["aliases", "case-folding"],
    )
    yield Case(
        "event_count-aliases-by-id",
        "event_count",
        "Aliases keyed by rule id.",
        bases("failed", "success")
        + [
            correlation(
                "Logons",
                "event_count",
                ["0e95725d-7320-415d-80f7-004da920fc11", "success"],
                "5m",
                {"gte": 2},
                ["user"],
                aliases={
                    "user": {
                        "0e95725d-7320-415d-80f7-004da920fc11": "TargetUserName",
                        "success": "User",
                    }
                },
            )
        ],
        [
            event(0, "failed", TargetUserName="alice"),
            event(10, "success", User="alice"),
            event(20, "success", TargetUserName="alice"),
        ],
        ["aliases", "reference-by-id"],
    )
    yield Case(
        "event_count-alias-fallback",
        "event_count",
        "An alias that does not map a referenced rule reads that rule's field of the alias's "
        "own name (success: User).",
        bases("failed", "success")
        + [
            correlation(
                "Logons",
                "event_count",
                ["failed", "success"],
                "5m",
                {"gte": 2},
                ["User"],
                aliases={"User": {"failed": "TargetUserName"}},
            )
        ],
        [
            event(0, "failed", TargetUserName="alice"),
            event(10, "success", User="alice"),
            event(20, "failed", User="alice"),
        ],
        ["aliases"],
    )


def many_failures(timespan="2m", threshold=2, group_by=("User",), name="many_failures"):
    return correlation(
        "Many failures",
        "event_count",
        ["failed"],
        timespan,
        {"gte": threshold},
        list(group_by),
        name=name,
    )


BURST = [
    event(0, "failed", User="alice", Host="WS1"),
    event(30, "failed", User="alice", Host="ws1"),
    event(60, "failed", User="alice", Host="WS2"),
    event(90, "failed", User="alice"),
    event(100, "success", User="alice", Host="WS2"),
    event(0, "failed", User="bob", Host="WS1"),
    event(500, "success", User="bob", Host="WS1"),
]


def chain_cases():
    yield Case(
        "chain-event_count-over-event_count",
        "event_count",
        "A chain counts the child's alerts (one per window end where the child held) in its "
        "own window, per group.",
        bases("failed")
        + [
            many_failures(),
            correlation(
                "Repeated bursts", "event_count", ["many_failures"], "10m", {"gte": 2}, ["User"]
            ),
        ],
        BURST,
        ["chain"],
    )
    yield Case(
        "chain-failures-then-success",
        "temporal_ordered",
        "Brute force then success: a child alert (at its window end) before a success.",
        bases("failed", "success")
        + [
            many_failures(),
            sequence("temporal_ordered", ["many_failures", "success"], timespan="10m"),
        ],
        BURST,
        ["chain", "order"],
    )
    yield Case(
        "chain-value_count-over-evidence",
        "value_count",
        "A chain's value_count of a field the child does not group by reads it from the "
        "child alerts' evidence events.",
        bases("failed")
        + [
            many_failures(),
            correlation(
                "Hosts in bursts",
                "value_count",
                ["many_failures"],
                "10m",
                {"gte": 2, "field": "Host"},
                ["User"],
            ),
        ],
        BURST,
        ["chain"],
    )
    yield Case(
        "chain-value_sum-of-child-metric",
        "value_sum",
        "The field event_count of a child event_count alert is the child's count.",
        bases("failed")
        + [
            many_failures(),
            correlation(
                "Burst volume",
                "value_sum",
                ["many_failures"],
                "10m",
                {"gte": 6, "field": "event_count"},
                ["User"],
            ),
        ],
        BURST,
        ["chain", "child-metric"],
    )
    yield Case(
        "chain-three-levels",
        "event_count",
        "event_count over event_count over event_count.",
        bases("failed")
        + [
            many_failures(),
            correlation(
                "Bursts",
                "event_count",
                ["many_failures"],
                "5m",
                {"gte": 2},
                ["User"],
                name="bursts",
            ),
            correlation("Burst storm", "event_count", ["bursts"], "1h", {"gte": 2}, ["User"]),
        ],
        BURST,
        ["chain"],
    )
    yield Case(
        "chain-regroup-by-evidence-field",
        "event_count",
        "Child grouped by User, parent by Host: the parent's group comes from the child "
        "alerts' evidence events, so one child alert can count in several Host groups.",
        bases("failed")
        + [
            many_failures(),
            correlation(
                "Burst hosts", "event_count", ["many_failures"], "10m", {"gte": 1}, ["Host"]
            ),
        ],
        BURST,
        ["chain", "regroup"],
    )
    yield Case(
        "event_count-generate",
        "event_count",
        "generate: true also outputs the referenced rule's own query; the alerts are the same.",
        bases("failed")
        + [
            correlation(
                "Brute force", "event_count", ["failed"], "5m", {"gte": 2}, ["User"], generate=True
            )
        ],
        [event(0, "failed", User="alice"), event(10, "failed", User="alice")],
        ["generate"],
    )


ADMIN_HOST = {"selection": {"Host|startswith": "adm"}}
FILTER_EVENTS = [
    event(0, "failed", User="alice", Host="ADM01"),
    event(10, "failed", User="alice", Host="ws1"),
    event(20, "failed", User="alice"),
    event(30, "success", User="alice", Host="adm02"),
    event(40, "success", User="bob", Host="ws2"),
    event(50, "failed", User="adm_bob", Host="ws3"),
]


def filter_case(name, description, filters, features, rules=("failed", "success"), extra=()):
    return Case(
        name,
        "filter",
        description,
        bases(*rules) + list(filters) + list(extra),
        FILTER_EVENTS,
        ["filter"] + features,
    )


def filter_cases():
    not_admin = "not selection"
    yield filter_case(
        "filter-by-name",
        "rules: [failed] adds 'and not selection' to failed only.",
        [sigma_filter("Admin hosts", ["failed"], ADMIN_HOST, not_admin)],
        ["reference-by-name"],
    )
    yield filter_case(
        "filter-by-id",
        "rules names the rule by id.",
        [
            sigma_filter(
                "Admin hosts", ["5c1f8b0e-3f4e-4b55-9a8f-2d0e6c1b7a21"], ADMIN_HOST, not_admin
            )
        ],
        ["reference-by-id"],
    )
    yield filter_case(
        "filter-any",
        "rules: any applies to every rule whose log source fits.",
        [sigma_filter("Admin hosts", "any", ADMIN_HOST, not_admin)],
        ["any"],
    )
    yield filter_case(
        "filter-empty-list",
        "rules: [] means any.",
        [sigma_filter("Admin hosts", [], ADMIN_HOST, not_admin)],
        ["any"],
    )
    yield filter_case(
        "filter-unknown-rule",
        "A filter naming no loaded rule changes nothing.",
        [sigma_filter("Admin hosts", ["nosuch"], ADMIN_HOST, not_admin)],
        ["unknown-reference"],
    )
    yield filter_case(
        "filter-logsource-mismatch",
        "The filter's log source (service: other) does not fit: not applied.",
        [
            sigma_filter(
                "Admin hosts", "any", ADMIN_HOST, not_admin, {"product": "test", "service": "other"}
            )
        ],
        ["logsource"],
    )
    yield filter_case(
        "filter-logsource-superset",
        "A filter log source with a category the rules lack does not fit either.",
        [
            sigma_filter(
                "Admin hosts",
                "any",
                ADMIN_HOST,
                not_admin,
                {"category": "authentication", "product": "test"},
            )
        ],
        ["logsource"],
    )
    yield filter_case(
        "filter-positive-condition",
        "condition: selection (the spec example's polarity) keeps only the "
        "matching events: pySigma ANDs the filter's condition as written. The "
        "event lacking Host is dropped.",
        [sigma_filter("Only admin hosts", ["failed"], ADMIN_HOST, "selection")],
        ["polarity", "missing-field"],
    )
    yield filter_case(
        "filter-one-of-pattern",
        "'not 1 of sel_*' over two selections; an event lacking Host stays.",
        [
            sigma_filter(
                "Admin",
                ["failed"],
                {"sel_host": {"Host|startswith": "adm"}, "sel_user": {"User|startswith": "adm_"}},
                "not 1 of sel_*",
            )
        ],
        ["pattern", "missing-field"],
    )
    yield filter_case(
        "filter-two-filters",
        "Two filters on one rule: both conditions ANDed.",
        [
            sigma_filter("Admin hosts", ["failed"], ADMIN_HOST, not_admin),
            sigma_filter("No ws1", ["failed"], {"selection": {"Host": "WS1"}}, "not selection"),
        ],
        ["several"],
    )
    yield filter_case(
        "filter-correlation-name",
        "Filters never apply to correlation rules: naming one changes nothing.",
        [sigma_filter("Admin hosts", ["brute"], ADMIN_HOST, not_admin)],
        ["correlation"],
        extra=[
            correlation(
                "Brute force", "event_count", ["failed"], "5m", {"gte": 1}, None, name="brute"
            )
        ],
    )
    yield filter_case(
        "filter-then-correlation",
        "Events a filter removes do not count in a correlation over the rule.",
        [sigma_filter("Admin hosts", "any", ADMIN_HOST, not_admin)],
        ["correlation"],
        extra=[
            correlation(
                "Brute force", "event_count", ["failed"], "5m", {"gte": 2}, ["User"], name="brute"
            )
        ],
    )


def error_case(name, description, body, features=()):
    doc = {"title": "Broken", "name": "broken", "status": "test", "correlation": body}
    return Case(
        name,
        "error",
        description,
        bases("failed", "success") + [doc],
        [event(0, "failed", User="alice")],
        ["error"] + list(features),
    )


def error_cases():
    ok = {"type": "event_count", "rules": ["failed"], "timespan": "5m", "condition": {"gte": 1}}
    yield error_case(
        "error-value_count-field-list",
        "A list in condition.field: pySigma parses it, the SQLite backend refuses.",
        {**ok, "type": "value_count", "condition": {"gte": 1, "field": ["User", "Host"]}},
        ["backend-unsupported"],
    )
    yield error_case(
        "error-condition-range",
        "Two operators (a range): pySigma wants one.",
        {**ok, "condition": {"gt": 1, "lte": 5}},
    )
    yield error_case(
        "error-condition-unknown-key",
        "An unknown key in condition.",
        {**ok, "condition": {"gte": 1, "over": 2}},
    )
    yield error_case(
        "error-percentile-missing",
        "value_percentile without percentile.",
        {**ok, "type": "value_percentile", "condition": {"gte": 1, "field": "Bytes"}},
    )
    yield error_case(
        "error-percentile-range",
        "percentile 101.",
        {
            **ok,
            "type": "value_percentile",
            "condition": {"gte": 1, "field": "Bytes", "percentile": 101},
        },
    )
    yield error_case(
        "error-value-type-without-field",
        "value_sum without condition.field.",
        {**ok, "type": "value_sum"},
    )
    yield error_case(
        "error-unknown-reference", "rules names no loaded rule.", {**ok, "rules": ["faild"]}
    )
    yield error_case(
        "error-timespan-no-unit", "timespan '5' lacks a unit.", {**ok, "timespan": "5"}
    )
    yield error_case("error-timespan-zero", "timespan '0m'.", {**ok, "timespan": "0m"})
    yield error_case("error-timespan-word", "timespan '5min'.", {**ok, "timespan": "5min"})
    yield error_case("error-unknown-type", "type 'event_counts'.", {**ok, "type": "event_counts"})
    yield error_case(
        "error-missing-condition",
        "event_count without condition.",
        {k: v for k, v in ok.items() if k != "condition"},
    )
    yield error_case(
        "error-missing-timespan", "No timespan.", {k: v for k, v in ok.items() if k != "timespan"}
    )
    yield error_case(
        "error-extended-on-event_count",
        "A string condition on event_count.",
        {**ok, "condition": "failed"},
    )
    yield error_case(
        "error-extended-uppercase",
        "Uppercase AND is not an operator in pySigma.",
        {
            "type": "temporal",
            "rules": ["failed", "success"],
            "timespan": "5m",
            "condition": "failed AND success",
        },
    )
    yield error_case(
        "error-extended-unlisted-rule",
        "The condition names a rule the rules list lacks.",
        {
            "type": "temporal",
            "rules": ["failed"],
            "timespan": "5m",
            "condition": "failed and success",
        },
    )
    yield error_case(
        "error-cycle-self",
        "A correlation referencing itself.",
        {**ok, "rules": ["broken"]},
        ["cycle"],
    )
    yield Case(
        "error-cycle-two",
        "error",
        "Two correlations referencing each other.",
        bases("failed")
        + [
            correlation("A", "event_count", ["b"], "5m", {"gte": 1}, name="a"),
            correlation("B", "event_count", ["a"], "5m", {"gte": 1}, name="b"),
        ],
        [event(0, "failed", User="alice")],
        ["error", "cycle"],
    )


def hand_cases():
    for group in (
        event_count_cases,
        value_count_cases,
        temporal_cases,
        temporal_ordered_cases,
        value_metric_cases,
        percentile_cases,
        extended_cases,
        alias_cases,
        chain_cases,
        filter_cases,
        error_cases,
    ):
        yield from group()
