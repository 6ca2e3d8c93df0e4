"""Run Sigma rules through pySigma's SQLite backend on an in-memory event table.

The table follows the layout the backend is written for (Zircolite's): one table `logs`, one
column per flattened event field, every column `TEXT COLLATE NOCASE`, the event time as ISO-8601
text in the column `timestamp`, and SQLite's `rowid` as the event identifier. Events are inserted
in stream order, so rowid N is event index N-1.
"""

from __future__ import annotations

import json
import random
import sqlite3
from datetime import UTC, datetime

import yaml
from sigma.backends.sqlite import sqliteBackend
from sigma.backends.sqlite.correlation import quote
from sigma.collection import SigmaCollection
from sigma.correlations import SigmaCorrelationRule
from sigma.exceptions import SigmaError

TABLE = "logs"
TIMESTAMP_FIELD = "timestamp"


def rfc3339(seconds):
    """Unix seconds (the backend's `ts`, rounded to milliseconds) as RFC 3339 UTC."""
    if seconds is None:
        return None
    moment = datetime.fromtimestamp(seconds, tz=UTC)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    millis = round(seconds * 1000) % 1000
    if millis:
        text += f".{millis:03d}"
    return text + "Z"


def _cell(value):
    """How a flattened JSON value is stored: Zircolite keeps booleans as 'true'/'false'."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True)
    return value


def load_events(connection, events, fields):
    """Create `logs` with the events' fields plus `fields`, insert the events in order."""
    # SQLite column names are case-insensitive: "user" and "User" are one column.
    columns = {}
    for name in sorted({k for e in events for k in e} | set(fields) | {TIMESTAMP_FIELD}):
        columns.setdefault(name.lower(), name)
    columns = sorted(columns.values(), key=str.lower)
    ddl = ", ".join(f"{quote(c)} TEXT COLLATE NOCASE" for c in columns)
    connection.execute(f"CREATE TABLE {TABLE} ({ddl})")
    for event in events:
        keys = list(event)
        if keys:
            names = ", ".join(quote(k) for k in keys)
            marks = ", ".join("?" for _ in keys)
            connection.execute(
                f"INSERT INTO {TABLE} ({names}) VALUES ({marks})",
                [_cell(event[k]) for k in keys],
            )
        else:
            connection.execute(f"INSERT INTO {TABLE} DEFAULT VALUES")


def parse(rules_yaml, seed):
    # Filters rename their detections with a random prefix, which ends up in the digest that
    # names the correlation's temporary relations: seed it so the SQL is reproducible.
    random.seed(seed)
    return SigmaCollection.from_yaml(rules_yaml)


def _event_index(evidence_id):
    """'0:<rowid>' (the backend's table-scoped event id) as the event's index in the stream."""
    _, rowid = evidence_id.split(":", 1)
    return int(rowid) - 1


def _number(value):
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


class Conversion:
    """One collection converted twice: plain SQL (what is stored) and the zircolite plan."""

    def __init__(self, rules_yaml, seed):
        self.sql = sqliteBackend().convert(parse(rules_yaml, seed))
        self.plans = json.loads(
            sqliteBackend().convert(parse(rules_yaml, seed), output_format="zircolite")
        )
        if len(self.sql) != len(self.plans):
            raise RuntimeError("default and zircolite outputs differ in length")

    def required_fields(self):
        fields = set()
        for entry in self.plans:
            fields.update(entry.get("required_fields", []))
        return fields


def _alert(row, child_alerts):
    return {
        "group": json.loads(row["group_keys"]),
        "window_start": rfc3339(row["window_start"]),
        "window_end": rfc3339(row["window_end"]),
        "value": _number(row["metric_value"]),
        "events": sorted(_event_index(e) for e in json.loads(row["event_ids"])),
        **(
            {"child_alerts": [child_alerts[c] for c in json.loads(row["child_alert_ids"])]}
            if child_alerts
            else {}
        ),
    }


def _staged_alerts(connection, plan):
    """Materialize the plan's stages; return root rows and every node's alerts by alert id."""
    for stage in plan["prepare"]:
        connection.execute(f"CREATE TEMP TABLE {quote(stage['name'])} AS {stage['select']}")
    children = {}
    for stage in plan["prepare"]:
        if stage["name"].endswith("_alerts"):
            for alert_id, group_keys, end in connection.execute(
                f"SELECT alert_id, group_keys, end FROM {quote(stage['name'])}"
            ):
                children[alert_id] = {
                    "group": json.loads(group_keys),
                    "window_end": rfc3339(end),
                }
    cursor = connection.execute(plan["query"])
    names = [d[0] for d in cursor.description]
    rows = [dict(zip(names, r)) for r in cursor]
    for stage in reversed(plan["prepare"]):
        connection.execute(f"DROP TABLE temp.{quote(stage['name'])}")
    return rows, children


def run_correlation(connection, sql, plan):
    """Alerts of the correlation query; the staged plan must return the same rows."""
    cursor = connection.execute(sql)
    names = [d[0] for d in cursor.description]
    direct = [dict(zip(names, r)) for r in cursor]
    staged, alerts_by_id = _staged_alerts(connection, plan)
    if direct != staged:
        raise RuntimeError("the WITH query and the staged plan disagree")
    nested = any(json.loads(r["child_alert_ids"]) for r in direct)
    alerts = [_alert(r, alerts_by_id if nested else None) for r in direct]
    # The SQL orders by time, then by alert id as text ("...:10" before "...:2").
    return sorted(
        alerts, key=lambda a: (a["window_end"], json.dumps(a["group"]), a["window_start"])
    )


def first_alerts(alerts):
    """Per group the earliest window end: what the engine's first alert must reproduce."""
    first = {}
    for alert in alerts:
        key = json.dumps(alert["group"], sort_keys=True)
        if key not in first or alert["window_end"] < first[key]["window_end"]:
            first[key] = {"group": alert["group"], "window_end": alert["window_end"]}
    return [first[k] for k in sorted(first)]


def run_detection(connection, sql):
    return sorted(r[0] - 1 for r in connection.execute(sql.replace("SELECT *", "SELECT rowid", 1)))


def rule_key(rule):
    """How a case names a rule: its name, else its id, else its title."""
    if rule.name:
        return rule.name
    return str(rule.id) if rule.id else rule.title


def evaluate(rules_yaml, events, seed):
    """Everything a case records: SQL, alerts (or detection matches), per-rule matches."""
    try:
        conversion = Conversion(rules_yaml, seed)
    except (SigmaError, ValueError) as error:
        return {"error": f"{type(error).__name__}: {error}"}
    collection = parse(rules_yaml, seed)
    collection.resolve_rule_references()
    connection = sqlite3.connect(":memory:")
    load_events(connection, events, conversion.required_fields() | _detection_fields(collection))
    result = {"error": None, "matches": _base_matches(connection, rules_yaml, seed)}
    correlations = [
        (sql, plan)
        for sql, plan in zip(conversion.sql, conversion.plans)
        if plan.get("result_type") == "correlation"
    ]
    if len(correlations) > 1:
        raise RuntimeError("a case must output exactly one correlation")
    if correlations:
        sql, plan = correlations[0]
        alerts = run_correlation(connection, sql, plan["correlation_plan"])
        result.update(
            sql=sql, correlation=plan["title"], expected=alerts, first_alerts=first_alerts(alerts)
        )
    else:
        result.update(
            sql=";\n".join(conversion.sql), correlation=None, expected=None, first_alerts=None
        )
    return result


def _detection_fields(collection):
    backend = sqliteBackend()
    fields = set()
    for rule in collection.rules:
        if not isinstance(rule, SigmaCorrelationRule):
            fields.update(backend.required_fields(rule))
    return fields


def _base_matches(connection, rules_yaml, seed):
    """Events each detection rule matches (filters applied), every rule output standalone."""
    # Without the correlation documents nothing disables the referenced rules' output.
    documents = [d for d in yaml.safe_load_all(rules_yaml) if "correlation" not in d]
    random.seed(seed)
    collection = SigmaCollection.from_dicts(documents)
    matches = {}
    for rule in collection.rules:
        (sql,) = sqliteBackend().convert(SigmaCollection([rule]))
        matches[rule_key(rule)] = run_detection(connection, sql)
    return matches
