"""The correlation model of tests/fixtures/correlations/README.md, in plain Python.

It is written from reading the SQL that pysigma-backend-sqlite 2.1.1 generates, not from that
SQL's code paths, and it is checked against the SQL's rows for every stored case: where the two
disagree the README is wrong. It takes which events each base rule matched from the SQL (the
`matches` of a case); everything after that (groups, windows, metrics, conditions, order,
negation, chains) is its own.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from dataclasses import dataclass
from datetime import datetime

import yaml

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "M": 2629746, "y": 31556952}
OPERATORS = {
    "gt": lambda a, b: a > b,
    "gte": lambda a, b: a >= b,
    "lt": lambda a, b: a < b,
    "lte": lambda a, b: a <= b,
    "eq": lambda a, b: a == b,
    "neq": lambda a, b: a != b,
}
NUMERIC_KINDS = ("value_sum", "value_avg", "value_median", "value_percentile")
JSON_NUMBER = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?\Z")
ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def stored(value):
    """An event value as the TEXT column holds it (NULL for absent and JSON null)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True)
    return str(value)


def fold(value):
    """Group keys and value_count values: ASCII-only case folding of text."""
    return value.translate(ASCII_LOWER) if isinstance(value, str) else value


def number(value):
    """A JSON number, or a text that is one after trimming spaces; anything else is absent."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str) and JSON_NUMBER.match(value.strip(" ")):
        return float(value.strip(" "))
    return None


def seconds(timestamp):
    if not isinstance(timestamp, str):
        return None
    try:
        moment = datetime.fromisoformat(timestamp)
    except ValueError:
        return None
    return round(moment.timestamp() * 1000) / 1000


@dataclass(frozen=True)
class Row:
    """One input of a correlation: an event of a base rule or an alert of a child correlation."""

    eid: object
    ts: float
    payload: tuple  # sorted (field, value) pairs
    evidence: frozenset  # raw event indices
    children: frozenset  # child alert ids


@dataclass(frozen=True)
class Entry:
    slot: int  # position of the referenced rule in `rules`
    row: Row
    group: tuple  # folded group-by values
    value: object  # the counted field's value; a float or None for the numeric types


def stage_times(window, slots):
    """temporal_ordered: per stage, the earliest time strictly after the last placed stage."""
    times, previous = [], None
    for slot in slots:
        later = [
            e.row.ts for e in window if e.slot == slot and (previous is None or e.row.ts > previous)
        ]
        times.append(min(later) if later else None)
        if later:
            previous = min(later)
    return times


@dataclass(frozen=True)
class Alert:
    node: str
    start: float
    end: float
    group: tuple  # (field, folded value) in group-by order
    metric: object
    evidence: frozenset
    children: frozenset

    @property
    def ident(self):
        return (self.node, self.group, self.end, self.start)


# -- the boolean (extended) condition -----------------------------------------------------


def parse_expression(text):
    tokens = re.findall(r"\(|\)|[A-Za-z_][A-Za-z0-9_]*", text)
    position = 0

    def peek():
        return tokens[position] if position < len(tokens) else None

    def take():
        nonlocal position
        position += 1
        return tokens[position - 1]

    def disjunction():
        node = conjunction()
        while peek() == "or":
            take()
            node = ("or", node, conjunction())
        return node

    def conjunction():
        node = negation()
        while peek() == "and":
            take()
            node = ("and", node, negation())
        return node

    def negation():
        if peek() == "not":
            take()
            return ("not", negation())
        if peek() == "(":
            take()
            node = disjunction()
            take()
            return node
        return ("ref", take())

    return disjunction()


def terms(node, negative=False):
    """Disjunctive normal form: [(rules that must be present, rules that must be absent)]."""
    if node[0] == "ref":
        return [(set(), {node[1]}) if negative else ({node[1]}, set())]
    if node[0] == "not":
        return terms(node[1], not negative)
    conjunction = (node[0] == "and") != negative
    children = [terms(arg, negative) for arg in node[1:]]
    if not conjunction:
        return [t for child in children for t in child]
    result = [(set(), set())]
    for child in children:
        result = [(a | c, b | d) for a, b in result for c, d in child if not (a | c) & (b | d)]
    return result


def referenced_in(expression):
    names = []
    for token in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", expression):
        if token not in ("and", "or", "not") and token not in names:
            names.append(token)
    return names


# -- evaluation ----------------------------------------------------------------------------


class Model:
    def __init__(self, documents, events, matches):
        self.events = events
        self.times = [seconds(e.get("timestamp")) for e in events]
        self.by_ref = {}
        for doc in documents:
            for key in ("name", "id"):
                if doc.get(key) is not None and "filter" not in doc:
                    self.by_ref.setdefault(str(doc[key]), doc)
        self.matches = matches
        valid = [t for t in self.times if t is not None]
        self.horizon = max(valid) if valid else None
        self.alerts = {}

    def key(self, doc):
        return doc.get("name") or str(doc.get("id") or doc["title"])

    def raw_payload(self, index):
        return {k: stored(v) for k, v in self.events[index].items()}

    def rows(self, doc):
        """The rows a correlation over `doc` reads."""
        if "correlation" not in doc:
            return [
                Row(
                    ("e", i),
                    self.times[i],
                    tuple(sorted(self.raw_payload(i).items())),
                    frozenset([i]),
                    frozenset(),
                )
                for i in self.matches[self.key(doc)]
                if self.times[i] is not None
            ]
        kind = doc["correlation"]["type"]
        rows = []
        for alert in self.evaluate(doc):
            override = dict(alert.group)
            override[kind] = alert.metric
            override["sigma_metric"] = alert.metric
            for index in alert.evidence:
                payload = self.raw_payload(index)
                payload.update(override)
                rows.append(
                    Row(
                        alert.ident,
                        alert.end,
                        tuple(sorted(payload.items())),
                        alert.evidence,
                        frozenset([alert.ident]),
                    )
                )
        return rows

    def contexts(self, doc, fields):
        """(eid, ts, group) of every table row under `doc`, for a purely negative condition."""
        if "correlation" not in doc:
            return {
                (("e", i), self.times[i], tuple(fold(self.raw_payload(i).get(f)) for f in fields))
                for i in range(len(self.events))
            }
        result = set()
        for ref in self.references(doc):
            mapping = self.alias_mapping(doc, ref)
            result |= self.contexts(self.by_ref[ref], [mapping.get(f, f) for f in fields])
        return result

    def references(self, doc):
        body = doc["correlation"]
        if body.get("rules") is not None:
            return list(body["rules"])
        return referenced_in(body["condition"])

    def alias_mapping(self, doc, ref):
        target = self.by_ref[ref]
        names = {ref, str(target.get("name")), str(target.get("id"))}
        aliases = doc["correlation"].get("aliases") or {}
        return {
            alias: field
            for alias, fields in aliases.items()
            for name, field in fields.items()
            if name in names
        }

    def evaluate(self, doc):
        key = self.key(doc)
        if key not in self.alerts:
            self.alerts[key] = self.compute(doc, key)
        return self.alerts[key]

    def entries(self, doc, kind, group_by, value_field):
        """One entry per (referenced rule, input row) whose time and group are present."""
        result = set()
        for slot, ref in enumerate(self.references(doc)):
            mapping = self.alias_mapping(doc, ref)
            for row in self.rows(self.by_ref[ref]):
                payload = dict(row.payload)
                group = tuple(fold(payload.get(mapping.get(f, f))) for f in group_by)
                value = payload.get(mapping.get(value_field, value_field)) if value_field else None
                if kind in NUMERIC_KINDS:
                    value = number(value)
                if row.ts is not None and all(g is not None for g in group):
                    result.add(Entry(slot, row, group, value))
        return result

    def clauses(self, doc, kind, condition):
        """The branches: (slots present, slots absent), and whether stages are a k-subset."""
        refs = self.references(doc)
        if isinstance(condition, str):
            names = {}
            for slot, ref in enumerate(refs):
                target = self.by_ref[ref]
                names[ref] = slot
                names[str(target.get("name") or target.get("id"))] = slot
            dnf = terms(parse_expression(condition))
            return [({names[r] for r in p}, {names[r] for r in n}) for p, n in dnf], False
        ((op, threshold),) = [(k, v) for k, v in condition.items() if k in OPERATORS]
        if kind == "temporal_ordered" and op in ("gt", "gte"):
            required = max(0, math.floor(threshold) + 1 if op == "gt" else math.ceil(threshold))
            subsets = itertools.combinations(range(len(refs)), required)
            return [(set(c), set()) for c in subsets], True
        return [(set(), set())], False

    def anchors(self, doc, entries, group_by, positive, negative):
        """(time, group) of every window: matching events, or for a purely negative branch
        every table row that has the group fields."""
        if negative and not positive:
            return {
                (ts, g)
                for _, ts, g in self.contexts(doc, group_by)
                if ts is not None and all(v is not None for v in g)
            }
        return {(e.row.ts, e.group) for e in entries if not negative or e.slot in positive}

    def compute(self, doc, key):
        body = doc["correlation"]
        kind = body["type"]
        group_by = body.get("group-by") or []
        if isinstance(group_by, str):
            group_by = [group_by]
        span = int(body["timespan"][:-1]) * UNITS[body["timespan"][-1]]
        condition = body.get("condition")
        if condition is None:
            condition = {"gte": len(self.references(doc))}
        extended = isinstance(condition, str)
        value_field = None if extended else condition.get("field")
        entries = self.entries(doc, kind, group_by, value_field)
        clauses, partial = self.clauses(doc, kind, condition)
        found = {}
        for positive, negative in clauses:
            for ts, group in self.anchors(doc, entries, group_by, positive, negative):
                start, end = (ts, ts + span) if negative else (ts - span, ts)
                if negative and end > self.horizon:
                    continue
                window = [e for e in entries if e.group == group and start <= e.row.ts <= end]
                present = {e.slot for e in window}
                if not positive <= present or negative & present:
                    continue
                if extended or partial:
                    slots = sorted(positive)
                else:
                    slots = list(range(len(self.references(doc))))
                stages = []
                if kind == "temporal_ordered":
                    stages = stage_times(window, slots)
                    # A required stage must be placed; with a plain lt/eq/neq condition, every
                    # rule present in the window must be.
                    if any(
                        t is None and (extended or partial or s in present)
                        for s, t in zip(slots, stages)
                    ):
                        continue
                metric = self.metric(kind, condition, window)
                if not extended:
                    ((op, threshold),) = [(k, v) for k, v in condition.items() if k in OPERATORS]
                    if metric is None or not OPERATORS[op](metric, threshold):
                        continue
                kept = window
                if extended and positive:
                    kept = [e for e in kept if e.slot in positive]
                if stages:
                    chosen = set(zip(slots, stages))
                    kept = [e for e in kept if (e.slot, e.row.ts) in chosen]
                if kind in NUMERIC_KINDS:
                    kept = [e for e in kept if e.value is not None]
                evidence = frozenset(i for e in kept for i in e.row.evidence)
                children = frozenset(c for e in kept for c in e.row.children)
                if negative and not positive:
                    evidence = frozenset(
                        eid[1]
                        for eid, t, g in self.contexts(doc, group_by)
                        if g == group and t == start
                    )
                # Branches describing the same window merge into one alert.
                old_metric, old_evidence, old_children = found.get(
                    (start, end, group), (metric, evidence, children)
                )
                found[(start, end, group)] = (
                    max(old_metric, metric),
                    evidence | old_evidence,
                    children | old_children,
                )
        return [
            Alert(key, start, end, tuple(zip(group_by, group)), metric, evidence, children)
            for (start, end, group), (metric, evidence, children) in found.items()
        ]

    def metric(self, kind, condition, window):
        if kind.startswith("temporal"):
            return len({e.slot for e in window})
        if kind == "event_count":
            return len({e.row.eid for e in window})
        # The SQL's relation of distinct (event, time, group, value) rows.
        values = {(e.row.eid, e.value) for e in window}
        present = [v for _, v in values if v is not None]
        if kind == "value_count":
            return len({fold(v) for v in present})
        if not present:
            return None
        if kind == "value_sum":
            return sum(present)
        if kind == "value_avg":
            return sum(present) / len(present)
        p = 50 if kind == "value_median" else condition["percentile"]
        ordered = sorted(present)
        position = (len(ordered) - 1) * (float(p) / 100)
        low = int(position)
        fraction = position - low
        result = ordered[low] * (1 - fraction)
        if low + 1 < len(ordered):
            result += ordered[low + 1] * fraction
        return result


def _close(a, b):
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    return a == b


def check_against_model(case, result):
    """Raise unless the model yields exactly the SQL's alerts for this case."""
    if result["expected"] is None:
        return
    from corr_sqlite import rfc3339

    documents = list(yaml.safe_load_all(_yaml(case)))
    root = [d for d in documents if "correlation" in d][-1]
    model = Model(documents, case.events, result["matches"])
    alerts = model.evaluate(root)
    nested = any(a.children for a in alerts)
    by_ident = {a.ident: a for node in model.alerts.values() for a in node}

    def child(ident):
        alert = by_ident[ident]
        return {"group": dict(alert.group), "window_end": rfc3339(alert.end)}

    mine = [
        {
            "group": dict(a.group),
            "window_start": rfc3339(a.start),
            "window_end": rfc3339(a.end),
            "value": a.metric,
            "events": sorted(a.evidence),
            **(
                {"child_alerts": sorted((child(c) for c in a.children), key=json.dumps)}
                if nested
                else {}
            ),
        }
        for a in alerts
    ]

    def normal(alerts_list):
        out = []
        for a in alerts_list:
            a = dict(a)
            if "child_alerts" in a:
                a["child_alerts"] = sorted(a["child_alerts"], key=json.dumps)
            out.append(a)
        return sorted(out, key=lambda a: json.dumps({**a, "value": None}, sort_keys=True))

    theirs, ours = normal(result["expected"]), normal(mine)
    same = len(theirs) == len(ours) and all(
        {**t, "value": None} == {**o, "value": None} and _close(t["value"], o["value"])
        for t, o in zip(theirs, ours)
    )
    if not same:
        raise AssertionError(
            f"{case.name}: the model disagrees with the SQL\n"
            f"SQL:   {json.dumps(theirs)}\nmodel: {json.dumps(ours)}"
        )


def _yaml(case):
    from corr_cases import to_yaml

    return to_yaml(case.documents)
