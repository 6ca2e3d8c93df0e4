#!/usr/bin/env python3
"""pySigma as the oracle for the built-in processing pipelines (crates/engine/pipelines/*.yml).

Run without arguments (any python3): for every active SigmaHQ Windows rule it applies
  (a) the original Python pipeline from its package (pySigma 1.5.1 in .venv-pipelines),
  (b) our YAML data file loaded by pySigma 1.5.1 (.venv-pipelines) and
  (c) our YAML data file loaded by pySigma 2.0.1 (.venv, the project's semantic reference),
compares the processed rules of (b) and (c) with (a), prints the agreement per pipeline, writes the
differences to out/differences.txt and stores (a) as tests/fixtures/pipelines/<pipeline>.jsonl.

`pipelines.py dump --source original|yaml --out DIR` is the stage that runs inside a venv; the driver
calls it. See README.md beside this file.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
CORPUS = ROOT.parent / "shared" / "corpus" / "sigmahq"
PIPELINE_DIR = ROOT / "crates" / "engine" / "pipelines"
FIXTURE_DIR = ROOT / "tests" / "fixtures" / "pipelines"
# Hand-written rules that reach the branches the SigmaHQ rules leave out (boolean Initiated, typed
# values, keywords, field references, every category the pipelines name); stored apart from the
# corpus outputs so a test can use them where the corpus is absent.
SYNTHETIC_DIR = HERE / "synthetic"
OUT_DIR = HERE / "out"
RULE_FOLDERS = (
    "rules",
    "rules-emerging-threats",
    "rules-threat-hunting",
    "rules-placeholder",
    "rules-compliance",
)
PIPELINES = ("sysmon", "windows_audit", "windows_logsource", "ecs_windows", "ecs_windows_old")
# The corpus pins these two dates, so the stored fixtures name them.
CORPUS_NAME = "SigmaHQ/sigma at commit 8eaafff1"


# ---------------------------------------------------------------------------------------------
# Stage inside a venv: apply the pipelines and write one JSON line per rule.


def original_pipelines() -> dict:
    from sigma.pipelines.elasticsearch.windows import ecs_windows, ecs_windows_old
    from sigma.pipelines.sysmon import sysmon_pipeline
    from sigma.pipelines.windows import windows_audit_pipeline, windows_logsource_pipeline

    return {
        "sysmon": sysmon_pipeline(),
        "windows_audit": windows_audit_pipeline(),
        "windows_logsource": windows_logsource_pipeline(),
        "ecs_windows": ecs_windows(),
        "ecs_windows_old": ecs_windows_old(),
    }


def yaml_pipelines() -> dict:
    from sigma.processing.pipeline import ProcessingPipeline

    return {
        name: ProcessingPipeline.from_yaml((PIPELINE_DIR / f"{name}.yml").read_text())
        for name in PIPELINES
    }


def windows_rule_files(base: Path, folders) -> list[tuple[str, str]]:
    """(path relative to base, text) of every file under base/folders holding an active Windows
    rule."""
    import yaml

    found = []
    for folder in folders:
        for path in sorted((base / folder).rglob("*.yml")):
            text = path.read_text(encoding="utf-8")
            try:
                docs = [d for d in yaml.safe_load_all(text) if isinstance(d, dict)]
            except yaml.YAMLError:
                continue
            if any(is_active_windows_rule(d) for d in docs):
                found.append((path.relative_to(base).as_posix(), text))
    return found


def is_active_windows_rule(doc: dict) -> bool:
    if "correlation" in doc or "filter" in doc or "detection" not in doc:
        return False
    if doc.get("status") in ("deprecated", "unsupported"):
        return False
    logsource = doc.get("logsource") or {}
    return isinstance(logsource, dict) and logsource.get("product") == "windows"


def sigma_string(value) -> str:
    """A SigmaString as a Sigma rule would write it: `*` `?` wildcards, `\\*` `\\?` literal ones,
    a backslash doubled only where it would otherwise escape what follows, `%name%` placeholders.
    Written here rather than taken from SigmaString.to_plain so both pySigma versions agree."""
    from sigma.types import Placeholder, SpecialChars

    parts = value.s
    out = []
    for i, part in enumerate(parts):
        if isinstance(part, SpecialChars):
            out.append("*" if part == SpecialChars.WILDCARD_MULTI else "?")
        elif isinstance(part, Placeholder):
            out.append(f"%{part.name}%")
        else:
            following = parts[i + 1] if i + 1 < len(parts) else None
            for j, char in enumerate(part):
                if char == "\\":
                    nxt = part[j + 1] if j + 1 < len(part) else None
                    escapes = nxt in ("*", "?", "\\") if nxt is not None else (
                        isinstance(following, SpecialChars)
                        or (isinstance(following, str) and following[:1] in ("*", "?", "\\"))
                    )
                    out.append("\\\\" if escapes else "\\")
                elif char in "*?":
                    out.append("\\" + char)
                else:
                    out.append(char)
    return "".join(out)


def compact_value(value):
    from sigma import types as t

    if isinstance(value, t.SigmaString):
        return sigma_string(value)
    if isinstance(value, t.SigmaBool):
        return value.boolean
    if isinstance(value, t.SigmaTimestampPart):
        return {"timestamp_part": value.timestamp_part.name.lower(), "number": value.number}
    if isinstance(value, t.SigmaNumber):
        return value.number
    if isinstance(value, t.SigmaNull):
        return None
    if isinstance(value, t.SigmaRegularExpression):
        flags = sorted(f.name.lower() for f in value.flags)
        return {"re": str(value.regexp), **({"flags": flags} if flags else {})}
    if isinstance(value, t.SigmaCIDRExpression):
        return {"cidr": value.cidr}
    if isinstance(value, t.SigmaCompareExpression):
        return {"compare": value.op.name.lower(), "number": value.number.number}
    if isinstance(value, t.SigmaFieldReference):
        ref = {"fieldref": value.field}
        if value.starts_with:
            ref["starts_with"] = True
        if value.ends_with:
            ref["ends_with"] = True
        return ref
    if isinstance(value, t.SigmaExpansion):
        return {"expansion": [compact_value(v) for v in value.values]}
    if isinstance(value, t.SigmaExists):
        return {"exists": value.exists}
    if isinstance(value, t.SigmaQueryExpression):
        return {"query": value.expr}
    return {"type": type(value).__name__, "repr": repr(value)}


def compact_detection(detection, modifier_names: dict, item_order: dict):
    from sigma.conditions import ConditionAND
    from sigma.rule import SigmaDetection

    if isinstance(detection, SigmaDetection):
        linking = "and" if detection.item_linking is ConditionAND else "or"
        return {
            linking: [
                compact_detection(d, modifier_names, item_order) for d in detection.detection_items
            ]
        }
    item = {
        "field": detection.field,
        "modifiers": [modifier_names.get(m, m.__name__) for m in detection.modifiers],
        "values": [compact_value(v) for v in detection.value],
    }
    by = sorted(detection.applied_processing_items, key=lambda i: item_order.get(i, 1 << 30))
    if by:
        item["by"] = by
    return item


def process(rule, pipeline, modifier_names: dict) -> dict:
    """Apply the pipeline to the rule and describe the result."""
    item_order = {}
    for index, item in enumerate(pipeline.items):
        item_order.setdefault(item.identifier, index)
    own_detections = list(rule.detection.detections)
    record: dict = {}
    try:
        pipeline.apply(rule)
    except Exception as e:  # pySigma raises rule / detection item failures as exceptions
        record["error"] = f"{type(e).__name__}: {e}"
    applied = []
    for item, was_applied in zip(pipeline.items, pipeline.applied):
        if was_applied and item.identifier not in applied:
            applied.append(item.identifier)
    record["applied"] = applied
    if "error" in record:
        return record
    logsource = rule.logsource
    record["logsource"] = {
        k: v
        for k, v in (
            ("category", logsource.category),
            ("product", logsource.product),
            ("service", logsource.service),
        )
        if v is not None
    }
    detections = rule.detection.detections
    # AddConditionTransformation names its search identifier with a random suffix: number them.
    added = {
        name: f"_cond_{n + 1}"
        for n, name in enumerate(d for d in detections if d not in own_detections)
    }
    record["detection"] = {
        name: compact_detection(detections[name], modifier_names, item_order)
        for name in own_detections
        if name in detections
    }
    record["conditions_added"] = [
        {
            "name": new,
            "detection": compact_detection(detections[old], modifier_names, item_order),
        }
        for old, new in added.items()
    ]
    conditions = []
    for parsed in rule.detection.parsed_condition:
        condition = parsed.condition
        for old, new in added.items():
            condition = condition.replace(old, new)
        conditions.append(condition)
    record["condition"] = conditions
    return record


def load_rules(files: list[tuple[str, str]]) -> list:
    """(id, path, SigmaRule or the load error) of every Windows rule in the files."""
    from sigma.collection import SigmaCollection
    from sigma.rule import SigmaRule

    rules = []
    for path, text in files:
        try:
            collection = SigmaCollection.from_yaml(text)
        except Exception as e:
            rules.append((None, path, f"load: {type(e).__name__}: {e}"))
            continue
        for rule in collection.rules:
            if isinstance(rule, SigmaRule) and rule.logsource.product == "windows":
                rules.append((str(rule.id) if rule.id else None, path, rule))
    return rules


def write_outputs(pipelines: dict, rules: list, out: Path) -> None:
    import copy

    from sigma.modifiers import modifier_mapping

    modifier_names = {cls: name for name, cls in modifier_mapping.items()}
    out.mkdir(parents=True, exist_ok=True)
    for name, pipeline in pipelines.items():
        with open(out / f"{name}.jsonl", "w", encoding="utf-8") as f:
            for rule_id, path, rule in rules:
                record = {"id": rule_id, "path": path}
                if isinstance(rule, str):
                    record["error"] = rule
                else:
                    record.update(process(copy.deepcopy(rule), pipeline, modifier_names))
                f.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")


def dump(source: str, out: Path, corpus: Path) -> None:
    from importlib.metadata import version

    pipelines = original_pipelines() if source == "original" else yaml_pipelines()
    synthetic = load_rules(windows_rule_files(ROOT, [SYNTHETIC_DIR.relative_to(ROOT)]))
    write_outputs(pipelines, synthetic, out / "synthetic")
    counts = {"synthetic_rules": len(synthetic)}
    if corpus.is_dir():
        rules = load_rules(windows_rule_files(corpus, RULE_FOLDERS))
        write_outputs(pipelines, rules, out)
        counts["corpus_rules"] = len(rules)
    (out / "versions.json").write_text(
        json.dumps({"source": source, "pysigma": version("pysigma"), **counts}, indent=1)
    )
    print(f"{source} with pySigma {version('pysigma')}: {counts} -> {out}")


# ---------------------------------------------------------------------------------------------
# Driver: runs the stages in their venvs and compares.


def venv_python(name: str) -> Path:
    return HERE / name / "bin" / "python"


def run_stage(venv: str, source: str, out: Path) -> None:
    subprocess.run(
        [str(venv_python(venv)), str(Path(__file__).resolve()), "dump", "--source", source,
         "--out", str(out), "--corpus", str(CORPUS)],
        check=True,
    )


def load(path: Path) -> dict:
    with open(path, encoding="utf-8") as f:
        records = [json.loads(line) for line in f]
    keyed = {}
    for record in records:
        key = (record["path"], record["id"])
        n = 1
        while key in keyed:  # several rules in one file with the same id: number them
            key = (record["path"], f"{record['id']}#{n}")
            n += 1
        keyed[key] = record
    return keyed


def compare(reference: Path, candidate: Path, label: str, report) -> dict:
    figures = {}
    for name in PIPELINES:
        ref = load(reference / f"{name}.jsonl")
        cand = load(candidate / f"{name}.jsonl")
        same = sum(1 for k, r in ref.items() if cand.get(k) == r)
        figures[name] = (same, len(ref))
        for key, r in ref.items():
            c = cand.get(key)
            if c != r:
                report.write(f"== {label} {name} {key[0]}\n  original: {json.dumps(r)}\n")
                report.write(f"  data file: {json.dumps(c)}\n")
        for key in cand.keys() - ref.keys():
            report.write(f"== {label} {name} {key[0]}: only in the data file's output\n")
    return figures


def redact_values(values):
    """The rule's own strings are SigmaHQ's content, which the project must not copy: keep what a
    pipeline decides (numbers, digit strings that convert_type made, null, booleans) and replace
    the rule's other strings by their count, which still checks that they were carried over."""
    kept = [v for v in values if v is None or isinstance(v, (bool, int, float))
            or (isinstance(v, str) and v.isdigit())]
    if len(kept) == len(values):
        return values
    return {"kept": kept, "strings": len(values) - len(kept)}


def redact_item(item, set_value_ids):
    if isinstance(item, dict) and "values" in item:
        if not set(item.get("by", [])) & set_value_ids:
            item["values"] = redact_values(item["values"])
        return item
    if isinstance(item, dict):
        return {k: redact_item(v, set_value_ids) for k, v in item.items()}
    if isinstance(item, list):
        return [redact_item(v, set_value_ids) for v in item]
    return item


def redact_jsonl(text: str) -> str:
    set_value_ids = {"network_direction_egress", "network_direction_ingress"}
    lines = []
    for line in text.splitlines():
        record = json.loads(line)
        if "detection" in record:
            record["detection"] = redact_item(record["detection"], set_value_ids)
        lines.append(json.dumps(record, ensure_ascii=False, separators=(",", ":")))
    return "".join(l + "\n" for l in lines)


def drive() -> int:
    missing = [v for v in (".venv", ".venv-pipelines") if not venv_python(v).exists()]
    if missing:
        print(f"SKIP: {', '.join(missing)} absent: run scripts/oracle/setup.sh first")
        return 0
    sets = [("synthetic", "synthetic rules", FIXTURE_DIR / "synthetic")]
    if CORPUS.is_dir():
        sets.append(("", "SigmaHQ Windows rules", FIXTURE_DIR))
    else:
        print(f"SKIP (corpus part): SigmaHQ corpus absent at {CORPUS}; synthetic rules only")
    original = OUT_DIR / "original-pysigma1"
    yaml1 = OUT_DIR / "yaml-pysigma1"
    yaml2 = OUT_DIR / "yaml-pysigma2"
    run_stage(".venv-pipelines", "original", original)
    run_stage(".venv-pipelines", "yaml", yaml1)
    run_stage(".venv", "yaml", yaml2)
    print("\nAgreement with the original pipeline (rules whose processed form is identical):")
    with open(OUT_DIR / "differences.txt", "w", encoding="utf-8") as report:
        for sub, label, fixtures in sets:
            for pysigma, candidate in (("1.5.1", yaml1), ("2.0.1", yaml2)):
                figures = compare(original / sub, candidate / sub, f"{label} pySigma-{pysigma}", report)
                for name, (same, total) in figures.items():
                    print(
                        f"  {label:22} data file under pySigma {pysigma}  {name:18} "
                        f"{same}/{total} ({100 * same / total:.2f}%)"
                    )
            fixtures.mkdir(parents=True, exist_ok=True)
            for name in PIPELINES:
                text = (original / sub / f"{name}.jsonl").read_text(encoding="utf-8")
                if sub == "":
                    text = redact_jsonl(text)
                (fixtures / f"{name}.jsonl").write_text(text, encoding="utf-8")
            print(f"  fixtures: {fixtures}")
    print(f"Differences: {OUT_DIR / 'differences.txt'}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command")
    stage = sub.add_parser("dump", help="apply the pipelines inside the current venv")
    stage.add_argument("--source", choices=("original", "yaml"), required=True)
    stage.add_argument("--out", type=Path, required=True)
    stage.add_argument("--corpus", type=Path, default=CORPUS)
    args = parser.parse_args()
    if args.command == "dump":
        dump(args.source, args.out, args.corpus)
        return 0
    return drive()


if __name__ == "__main__":
    sys.exit(main())
