#!/usr/bin/env python3
"""Reference results for Sigma correlation rules and filters, computed by pySigma's SQLite backend.

Writes tests/fixtures/correlations/cases/NNN-<kind>.json: base rules, one correlation (or
filter), an event stream, the SQL pySigma 2.0.1 + pysigma-backend-sqlite 2.1.1 produce for
them, and the rows that SQL returns on Python's sqlite3. Every case is also recomputed by the
plain-Python model in corr_model.py, and the two must agree (the model is what the fixtures'
README describes). See tests/fixtures/correlations/README.md.

    python3 -m venv .venv-corr
    .venv-corr/bin/pip install pysigma==2.0.1 pysigma-backend-sqlite==2.1.1 pyyaml
    .venv-corr/bin/python scripts/oracle/correlations.py            # write the cases
    .venv-corr/bin/python scripts/oracle/correlations.py --check    # compare with the stored ones

Without those packages it prints why it skips and exits 0.
"""

from __future__ import annotations

import argparse
import json
import sys
from importlib import metadata
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
DEFAULT_OUT = ROOT / "tests" / "fixtures" / "correlations" / "cases"
DEFAULT_SEED = 20261201
PINNED = {"pysigma": "2.0.1", "pysigma-backend-sqlite": "2.1.1"}


def missing_packages():
    problems = []
    for package, version in PINNED.items():
        try:
            found = metadata.version(package)
        except metadata.PackageNotFoundError:
            problems.append(f"{package} {version} is not installed")
            continue
        if found != version:
            problems.append(f"{package} is {found}, the reference is {version}")
    try:
        import yaml  # noqa: F401
    except ImportError:
        problems.append("pyyaml is not installed")
    return problems


def build(seed):
    """Every case, in file order, as the JSON object that is stored."""
    sys.path.insert(0, str(HERE))
    from corr_cases import random_cases, to_yaml
    from corr_hand import hand_cases
    from corr_model import check_against_model
    from corr_sqlite import TIMESTAMP_FIELD, evaluate

    cases = list(hand_cases()) + random_cases(seed)
    names = [c.name for c in cases]
    duplicates = {n for n in names if names.count(n) > 1}
    if duplicates:
        raise SystemExit(f"duplicate case names: {sorted(duplicates)}")
    stored = []
    for number, case in enumerate(cases, start=1):
        rules_yaml = to_yaml(case.documents)
        result = evaluate(rules_yaml, case.events, seed)
        if (case.kind == "error") != (result["error"] is not None):
            raise SystemExit(
                f"{case.name}: expected {'an' if case.kind == 'error' else 'no'} "
                f"error, got {result['error']!r}"
            )
        if result["error"] is None:
            check_against_model(case, result)
        stored.append(
            (
                f"{number:03d}-{case.kind}.json",
                {
                    "name": case.name,
                    "kind": case.kind,
                    "description": case.description,
                    "features": case.features,
                    "seed": seed,
                    "timestamp_field": TIMESTAMP_FIELD,
                    "correlation": result.get("correlation"),
                    "rules_yaml": rules_yaml,
                    "events": case.events,
                    "error": result["error"],
                    "sql": result.get("sql"),
                    "matches": result.get("matches"),
                    "expected": result.get("expected"),
                    "first_alerts": result.get("first_alerts"),
                },
            )
        )
    return stored


def fuzz(seed, count):
    sys.path.insert(0, str(HERE))
    from corr_cases import fuzz_case, to_yaml
    from corr_model import check_against_model
    from corr_sqlite import evaluate

    agreed = alerts = refused = 0
    for number in range(count):
        case = fuzz_case(seed, number)
        result = evaluate(to_yaml(case.documents), case.events, seed)
        if result["error"] is not None:
            refused += 1
            continue
        check_against_model(case, result)
        agreed += 1
        alerts += len(result["expected"])
    print(
        f"model and SQL agree on {agreed} random correlations ({alerts} alerts); "
        f"{refused} refused by pySigma"
    )
    return 0


def render(case):
    """One key per line, and one line per event, alert or rule match: diffs stay readable."""

    def compact(value):
        return json.dumps(value, ensure_ascii=False)

    lines = []
    for key, value in case.items():
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            items = ",\n".join(f"  {compact(v)}" for v in value)
            lines.append(f" {compact(key)}: [\n{items}\n ]")
        elif isinstance(value, dict) and value:
            items = ",\n".join(f"  {compact(k)}: {compact(v)}" for k, v in value.items())
            lines.append(f" {compact(key)}: {{\n{items}\n }}")
        else:
            lines.append(f" {compact(key)}: {compact(value)}")
    return "{\n" + ",\n".join(lines) + "\n}\n"


def manifest(stored, seed):
    import sqlite3

    kinds = {}
    for _, case in stored:
        kinds[case["kind"]] = kinds.get(case["kind"], 0) + 1
    return {
        "generator": "scripts/oracle/correlations.py",
        "seed": seed,
        "pysigma": metadata.version("pysigma"),
        "pysigma-backend-sqlite": metadata.version("pysigma-backend-sqlite"),
        "sqlite": sqlite3.sqlite_version,
        "python": sys.version.split()[0],
        "cases": len(stored),
        "cases_by_kind": dict(sorted(kinds.items())),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument(
        "--check",
        action="store_true",
        help="regenerate in memory and compare with the stored files",
    )
    parser.add_argument(
        "--fuzz",
        type=int,
        metavar="N",
        help="check the model against the SQL on N random cases; store nothing",
    )
    args = parser.parse_args()

    problems = missing_packages()
    if problems:
        print("skipped: the pySigma SQLite reference is unavailable: " + "; ".join(problems))
        print(
            "  python3 -m venv .venv-corr && .venv-corr/bin/pip install "
            "pysigma==2.0.1 pysigma-backend-sqlite==2.1.1 pyyaml"
        )
        return 0

    if args.fuzz:
        return fuzz(args.seed, args.fuzz)
    stored = build(args.seed)
    summary = json.dumps(manifest(stored, args.seed), indent=1) + "\n"
    manifest_path = args.out.parent / "manifest.json"
    if args.check:
        if not manifest_path.exists() or manifest_path.read_text() != summary:
            print(f"differs: {manifest_path.name} (another seed or package version?)")
        on_disk = {p.name for p in args.out.glob("*.json")}
        wanted = {name for name, _ in stored}
        differing = [
            n for n, c in stored if n not in on_disk or (args.out / n).read_text() != render(c)
        ]
        extra = sorted(on_disk - wanted)
        for name in differing:
            print(f"differs: {name}")
        for name in extra:
            print(f"not generated: {name}")
        print(f"{len(stored) - len(differing)} passed, {len(differing) + len(extra)} failed")
        return 1 if differing or extra else 0

    args.out.mkdir(parents=True, exist_ok=True)
    for old in args.out.glob("*.json"):
        old.unlink()
    for name, case in stored:
        (args.out / name).write_text(render(case))
    manifest_path.write_text(summary)
    kinds = json.loads(summary)["cases_by_kind"]
    print(
        f"wrote {len(stored)} cases to {args.out}: "
        + ", ".join(f"{k} {n}" for k, n in kinds.items())
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
