"""The correlation and filter cases: base rules, one correlation (or filter), an event stream.

Hand-written cases pin each boundary the model has; seeded random streams add volume. Every
random choice comes from a `random.Random` seeded with "<seed>:<case name>", so a case does not
change when another is added.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import yaml

EPOCH = datetime(2026, 3, 1, 9, 0, 0, tzinfo=UTC)

BASE_RULES = {
    "failed": ("Failed logon", "0e95725d-7320-415d-80f7-004da920fc11", {"EventID": 4625}),
    "success": ("Successful logon", "5c1f8b0e-3f4e-4b55-9a8f-2d0e6c1b7a21", {"EventID": 4624}),
    "logoff": ("Logoff", "9d7e2a4c-1b3f-4e8a-b6c5-0f1e2d3c4b5a", {"EventID": 4634}),
    "transfer": ("Outbound transfer", "a4b3c2d1-e5f6-4a7b-8c9d-0e1f2a3b4c5d", {"EventID": 5156}),
    # Matches a subset of `failed`'s events: one event, two referenced rules.
    "failed_admin": (
        "Failed admin logon",
        "3e2d1c0b-a9f8-4e7d-8c6b-5a4f3e2d1c0b",
        {"EventID": 4625, "User|startswith": "adm"},
    ),
}
EVENT_ID = {name: body["EventID"] for name, (_, _, body) in BASE_RULES.items()}
NOISE_EVENT_ID = 4672


def base_rule(name, product="test", service="auth"):
    title, rule_id, selection = BASE_RULES[name]
    return {
        "title": title,
        "id": rule_id,
        "name": name,
        "status": "test",
        "logsource": {"product": product, "service": service},
        "detection": {"selection": selection, "condition": "selection"},
        "level": "low",
    }


def correlation(
    title,
    kind,
    rules,
    timespan,
    condition=None,
    group_by=None,
    aliases=None,
    name=None,
    generate=None,
):
    body = {"type": kind}
    if rules is not None:
        body["rules"] = rules
    if aliases is not None:
        body["aliases"] = aliases
    if group_by is not None:
        body["group-by"] = group_by
    body["timespan"] = timespan
    if condition is not None:
        body["condition"] = condition
    if generate is not None:
        body["generate"] = generate
    doc = {"title": title}
    if name:
        doc["name"] = name
    doc.update({"status": "test", "correlation": body, "level": "high"})
    return doc


def sigma_filter(title, rules, detections, condition, logsource=None):
    return {
        "title": title,
        "logsource": logsource or {"product": "test"},
        "filter": {"rules": rules, **detections, "condition": condition},
    }


def to_yaml(documents):
    return "---\n".join(
        yaml.safe_dump(d, sort_keys=False, default_flow_style=None, width=100) for d in documents
    )


def at(seconds):
    moment = EPOCH + timedelta(seconds=seconds)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if moment.microsecond:
        text += f".{moment.microsecond // 1000:03d}"
    return text + "Z"


def event(seconds, rule=None, **fields):
    """An event at EPOCH + seconds; `rule` names the base rule whose EventID it carries."""
    record = {"timestamp": at(seconds)}
    if rule is not None:
        record["EventID"] = EVENT_ID.get(rule, rule)
    record.update({k: v for k, v in fields.items() if v is not None})
    return record


@dataclass
class Case:
    name: str
    kind: str  # the correlation type, "filter" or "error": the file name's suffix
    description: str
    documents: list
    events: list
    features: list = field(default_factory=list)


# -- random streams ------------------------------------------------------------------------

USERS = ["alice", "Alice", "ALICE", "bob", "Bob", "carol", None]
HOSTS = ["WS1", "ws1", "WS2", "srv-01", "SRV-01", None]
AMOUNTS = [10, 20, "30", 2.5, 0, -5, 100, "abc", None]


def random_stream(rng, rules, span, count, value_field=None, values=None):
    """Events of the referenced rules and noise on a grid of span/4: many equal timestamps,
    many pairs exactly one timespan apart, one second past it now and then, out of order."""
    step = max(1, span // 4)
    offsets = []
    for _ in range(count):
        offset = rng.randrange(0, 13) * step
        if rng.random() < 0.15:
            offset += 1
        offsets.append(offset)
    offsets.sort()
    for _ in range(count // 3):
        i, j = rng.randrange(count), rng.randrange(count)
        offsets[i], offsets[j] = offsets[j], offsets[i]
    events = []
    for offset in offsets:
        rule = rng.choice(rules + ["noise"] if rng.random() < 0.2 else rules)
        fields = {"User": rng.choice(USERS), "Host": rng.choice(HOSTS)}
        if value_field:
            fields[value_field] = rng.choice(values or AMOUNTS)
        events.append(event(offset, NOISE_EVENT_ID if rule == "noise" else rule, **fields))
    return events


def bases(*names):
    return [base_rule(n) for n in names]


OPERATORS = ["gt", "gte", "lt", "lte", "eq", "neq"]


def random_cases(seed):
    cases = []

    def rng_for(name):
        return random.Random(f"{seed}:{name}")

    for op in OPERATORS:
        name = f"event_count-random-{op}"
        rng = rng_for(name)
        threshold = {"gt": 2, "gte": 3, "lt": 2, "lte": 1, "eq": 2, "neq": 1}[op]
        cases.append(
            Case(
                name,
                "event_count",
                f"Random stream, event_count {op} {threshold} per User over 1m.",
                bases("failed", "success")
                + [
                    correlation(
                        "Many failures", "event_count", ["failed"], "1m", {op: threshold}, ["User"]
                    )
                ],
                random_stream(rng, ["failed", "success"], 60, 16),
                ["random", op],
            )
        )
    for op in ("gte", "lte", "eq", "neq"):
        name = f"value_count-random-{op}"
        rng = rng_for(name)
        threshold = {"gte": 3, "lte": 1, "eq": 2, "neq": 1}[op]
        cases.append(
            Case(
                name,
                "value_count",
                f"Random stream, distinct Host {op} {threshold} per User over 2m.",
                bases("failed")
                + [
                    correlation(
                        "Spray",
                        "value_count",
                        ["failed"],
                        "2m",
                        {op: threshold, "field": "Host"},
                        ["User"],
                    )
                ],
                random_stream(rng, ["failed"], 120, 16),
                ["random", op],
            )
        )
    for kind, op in (
        ("temporal", "gte"),
        ("temporal", "lt"),
        ("temporal", "neq"),
        ("temporal_ordered", "gte"),
        ("temporal_ordered", "lt"),
    ):
        name = f"{kind}-random-{op}"
        rng = rng_for(name)
        threshold = {"gte": 2, "lt": 2, "neq": 2}[op]
        cases.append(
            Case(
                name,
                kind,
                f"Random stream, {kind} over failed, success, logoff with {op} {threshold}.",
                bases("failed", "success", "logoff")
                + [
                    correlation(
                        "Sequence",
                        kind,
                        ["failed", "success", "logoff"],
                        "1m",
                        {op: threshold},
                        ["User"],
                    )
                ],
                random_stream(rng, ["failed", "success", "logoff"], 60, 18),
                ["random", op],
            )
        )
    for kind, op in (("value_sum", "gte"), ("value_avg", "lt"), ("value_median", "gt")):
        name = f"{kind}-random-{op}"
        rng = rng_for(name)
        threshold = rng.choice([15, 25.5, 40])
        cases.append(
            Case(
                name,
                kind,
                f"Random stream, {kind} of Bytes {op} {threshold} per User over 1m; "
                "numbers, numeric strings, junk and absent values.",
                bases("transfer")
                + [
                    correlation(
                        "Volume",
                        kind,
                        ["transfer"],
                        "1m",
                        {op: threshold, "field": "Bytes"},
                        ["User"],
                    )
                ],
                random_stream(rng, ["transfer"], 60, 14, "Bytes"),
                ["random", op],
            )
        )
    for percentile in (75,):
        name = f"value_percentile-random-p{percentile}"
        rng = rng_for(name)
        cases.append(
            Case(
                name,
                "value_percentile",
                f"Random stream, percentile {percentile} of Bytes >= 10 per User over 1m.",
                bases("transfer")
                + [
                    correlation(
                        "Volume percentile",
                        "value_percentile",
                        ["transfer"],
                        "1m",
                        {"gte": 10, "field": "Bytes", "percentile": percentile},
                        ["User"],
                    )
                ],
                random_stream(rng, ["transfer"], 60, 14, "Bytes"),
                ["random", "percentile"],
            )
        )
    for expression, kind in (
        ("failed and success", "temporal_ordered"),
        ("failed and not success", "temporal"),
        ("success or logoff", "temporal"),
    ):
        name = f"{kind}-extended-random-{expression.replace(' ', '_')}"
        rng = rng_for(name)
        events = random_stream(rng, ["failed", "success", "logoff"], 60, 16)
        cases.append(
            Case(
                name,
                kind + "_extended",
                f"Random stream, {kind} with the boolean condition '{expression}' over 2m.",
                bases("failed", "success", "logoff")
                + [
                    correlation(
                        "Boolean sequence",
                        kind,
                        [r for r in ("failed", "success", "logoff") if r in expression.split()],
                        "2m",
                        expression,
                        ["User"],
                    )
                ],
                events,
                ["random", "extended"],
            )
        )
    return cases


EXPRESSIONS = [
    "failed and success",
    "failed or success",
    "failed and not success",
    "not logoff",
    "failed and (success or not logoff)",
    "(failed or logoff) and not success",
    "success and failed and logoff",
]
KINDS = [
    "event_count",
    "value_count",
    "temporal",
    "temporal_ordered",
    "value_sum",
    "value_avg",
    "value_median",
    "value_percentile",
]


def fuzz_case(seed, number):
    """A random correlation of any type (maybe over a child correlation) on a random stream:
    not stored, only used to check the model against the SQL on more shapes than the cases."""
    rng = random.Random(f"{seed}:fuzz:{number}")
    kind = rng.choice(KINDS)
    span = rng.choice([30, 60, 120])
    group_by = rng.choice([["User"], ["User", "Host"], None])
    rules = rng.choice([["failed"], ["failed", "success"], ["failed", "success", "logoff"]])
    condition = {rng.choice(OPERATORS): rng.choice([0, 1, 2, 3, 2.5, 15])}
    documents = bases("failed", "success", "logoff", "failed_admin")
    value_field = None
    if kind in ("value_count",):
        value_field = rng.choice(["Host", "User"])
    elif kind.startswith("value_"):
        value_field = "Bytes"
    if value_field:
        condition["field"] = value_field
    if kind == "value_percentile":
        condition["percentile"] = rng.choice([0, 10, 33, 50, 90, 100])
    if kind.startswith("temporal") and rng.random() < 0.4:
        condition = rng.choice(EXPRESSIONS)
        rules = [r for r in ("failed", "success", "logoff") if r in re.findall(r"\w+", condition)]
    if rng.random() < 0.2:
        rules = rules + ["failed_admin"] if isinstance(condition, dict) else rules
    if rng.random() < 0.25 and isinstance(condition, dict):
        child = correlation(
            "Child",
            rng.choice(["event_count", "temporal"]),
            ["failed", "success"],
            f"{span}s",
            {"gte": rng.choice([1, 2])},
            group_by,
            name="child",
        )
        documents.append(child)
        rules = ["child"] + rules[1:]
    aliases = None
    if rng.random() < 0.2 and "child" not in rules:
        group_by = ["account"]
        aliases = {"account": {"failed": "TargetUserName", "success": "User"}}
    documents.append(
        correlation("Fuzz", kind, rules, f"{span}s", condition, group_by, aliases=aliases)
    )
    users = ["alice", "Alice", "bob", "BOB", None, "adm_x"]
    events = random_stream(
        rng, ["failed", "success", "logoff"], span, rng.randrange(6, 22), "Bytes"
    )
    for e in events:
        e["User"] = rng.choice(users)
        if e["User"] is None:
            del e["User"]
        if rng.random() < 0.3:
            e["TargetUserName"] = rng.choice(users[:4])
    return Case(f"fuzz-{number}", kind, "fuzz", documents, events, ["fuzz"])
