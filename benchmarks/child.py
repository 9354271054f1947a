"""What the benchmark runs in a fresh process, one job per invocation, so that each one's
memory is measured alone (benchmarks/memory.py samples this process and its children).

  python -m benchmarks.child refresh --out steps.json      # o4o's nightly_refresh (env as o4o reads it)
  python -m benchmarks.child floor LANDING DB --out f.json  # DuckDB alone: read_csv -> CREATE TABLE
  python -m benchmarks.child peer LANDING --out peer.csv    # the pandas peer (benchmarks/pandas_peer.py)
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")


def refresh(out: Path) -> int:
    """Run the job the way `o4o refresh` does and write each step's start and end (unix
    time, from the run's own STEP_START / STEP_SUCCESS / STEP_FAILURE events)."""
    imported = time.time()
    from dagster import DagsterEventType, DagsterInstance

    from orchestration.refresh import run_refresh

    instance = DagsterInstance.ephemeral()
    started = time.time()
    # DEBUG: the step events go to stderr too, so a run stopped part-way still says how far it got.
    outcome = run_refresh(instance=instance, log_level="DEBUG")
    finished = time.time()
    run = instance.get_runs(limit=1)[0]
    steps: dict[str, dict] = {}
    checks: list[dict] = []
    run_start = None
    for record in instance.all_logs(run.run_id):
        event = record.dagster_event
        if event is None:
            continue
        if event.event_type == DagsterEventType.RUN_START:
            run_start = record.timestamp
        if event.event_type == DagsterEventType.STEP_START:
            steps.setdefault(event.step_key, {})["start"] = record.timestamp
        elif event.event_type in (DagsterEventType.STEP_SUCCESS, DagsterEventType.STEP_FAILURE):
            steps.setdefault(event.step_key, {}).update(end=record.timestamp, status=event.event_type.value)
        elif event.event_type == DagsterEventType.ASSET_CHECK_EVALUATION:
            evaluation = event.event_specific_data
            seconds = evaluation.metadata.get("validation_seconds")
            if seconds is not None:  # a gate: its own time inside the step that ran it
                checks.append({"key": f"{evaluation.asset_key.to_user_string()}:{evaluation.check_name}",
                               "step": event.step_key, "seconds": seconds.value})
    result = {"imported": imported, "started": started, "run_start": run_start, "finished": finished,
              "published": outcome.succeeded, "errors": outcome.step_errors + outcome.failed_checks,
              "steps": [{"key": k, **v} for k, v in steps.items()], "checks": checks,
              "rows": {k: v.get("dagster/row_count") for k, v in outcome.materializations.items()
                       if v.get("dagster/row_count") is not None}}
    out.write_text(json.dumps(result, indent=1, default=str))
    return 0 if outcome.succeeded else 1


def floor(landing: Path, db: Path, out: Path) -> int:
    """The floor: DuckDB reading every landing entity's CSV files into one table each, with
    its own type sniffing and nothing else (no checks, no pseudonyms, no models)."""
    import duckdb

    from orchestration.ingest.feeds import ENTITIES
    from orchestration.ingest.loader import entity_files

    db.unlink(missing_ok=True)
    started = time.perf_counter()
    rows = {}
    with duckdb.connect(str(db)) as con:
        for entity in ENTITIES:
            files = [str(p) for p in entity_files(landing, entity)]
            con.execute(f"CREATE TABLE {entity.name} AS SELECT * FROM read_csv({files!r}, header = true, "
                        "union_by_name = true)")
            rows[entity.name] = con.execute(f"SELECT count(*) FROM {entity.name}").fetchone()[0]
        con.execute("CHECKPOINT")
    out.write_text(json.dumps({"seconds": time.perf_counter() - started, "rows": rows}))
    return 0


def peer(landing: Path, out: Path) -> int:
    from benchmarks.pandas_peer import compute_wioa_performance

    started = time.perf_counter()
    report = compute_wioa_performance(landing)
    seconds = time.perf_counter() - started
    report.to_csv(out, index=False)
    out.with_suffix(".json").write_text(json.dumps({"seconds": seconds, "rows": len(report)}))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.child")
    sub = parser.add_subparsers(dest="job", required=True)
    p = sub.add_parser("refresh")
    p.add_argument("--out", type=Path, required=True)
    p = sub.add_parser("floor")
    p.add_argument("landing", type=Path)
    p.add_argument("db", type=Path)
    p.add_argument("--out", type=Path, required=True)
    p = sub.add_parser("peer")
    p.add_argument("landing", type=Path)
    p.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    if args.job == "refresh":
        return refresh(args.out)
    if args.job == "floor":
        return floor(args.landing, args.db, args.out)
    return peer(args.landing, args.out)


if __name__ == "__main__":
    sys.exit(main())
