"""Diagnostic: the refresh's stages one at a time, each in its own measured process.

  python -m benchmarks.stagewise --scale 1000000 [--memory-limit 4GB]

For when the real job (benchmarks/run.py) cannot finish - at 1M participants it once outgrew
the memory the benchmark allows - this says what each stage costs on its own: the
ingest (load_entity per entity, as the ingest assets call it), every gate (run_gate),
`dbt build`, and publish. It runs the product's code, with O4O_DUCKDB_MEMORY_LIMIT set
to `--memory-limit`. Each process pays Python, GX and dbt start-up
(about 8-10 s for a gate), which the job pays once. Uses the landing dir of run.py's
work dir (run `python -m benchmarks.run --scales N` first) and writes the "stagewise"
part of benchmarks/results/results.json.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from pathlib import Path

from orchestration.settings import DEFAULT_DUCKDB_MEMORY_LIMIT

from .memory import run_measured
from .run import DEFAULT_WORKDIR, DOCS, GIB, RESULTS_DIR, ROOT, _env, _load, machine
from .report import update_docs, write_results


def _ingest() -> None:
    import duckdb

    from orchestration.ingest.feeds import FEEDS
    from orchestration.ingest.loader import load_entity
    from orchestration.resources import environment_settings

    settings = environment_settings()
    for entities in FEEDS.values():
        with duckdb.connect(str(settings.warehouse_path), config=settings.duckdb_config()) as con:
            for entity in entities:
                started = time.perf_counter()
                load = load_entity(con, entity, settings.landing_dir, settings.require_pii_key(), log=lambda _: None)
                print(f"{entity.name}: {load.rows_loaded:,} rows, {time.perf_counter() - started:.1f} s", flush=True)


def _gate(name: str | None) -> None:
    """One gate; with no name, only the start-up every gate job pays (imports, GX context)."""
    from orchestration.checks.gates import GATES, run_gate
    from orchestration.resources import environment_settings
    from orchestration.quality.sources import gx_context

    gx_context()
    if name is None:
        return
    result = run_gate(next(g for g in GATES if g.asset_key.to_user_string() == name), environment_settings())
    print(f"{name}: {'passed' if result.passed else 'FAILED'}", flush=True)


def _publish() -> None:
    from orchestration.assets.published_mart import REQUIRED_TABLES
    from orchestration.publish.write_audit_publish import publish
    from orchestration.resources import environment_settings

    settings = environment_settings()
    publish(settings.warehouse_path, settings.publish_path,
            {"suppression_threshold": str(settings.suppression_threshold), "pii_key_mode": "demo"}, REQUIRED_TABLES)


def _dbt_args(env: dict[str, str]) -> list[str]:
    """--target and --vars of the O4O_* settings in `env`, as the Dagster job passes them."""
    from orchestration.settings import load_settings

    return load_settings({k: v for k, v in env.items() if k.startswith("O4O_")}).dbt_args()


def measure_stages(participants: int, workdir: Path, limit: str, max_rss: int) -> dict:
    from orchestration.checks.gates import GATES

    landing = workdir / f"p{participants}" / "landing"
    if not landing.is_dir():
        raise SystemExit(f"no landing dir {landing}: run `python -m benchmarks.run --scales {participants}` first")
    work = workdir / f"p{participants}" / "stagewise"
    work.mkdir(parents=True, exist_ok=True)
    for old in work.glob("*.duckdb*"):
        old.unlink()
    env = _env(O4O_LANDING_DIR=str(landing), O4O_WAREHOUSE_PATH=str(work / "warehouse.duckdb"),
               O4O_PUBLISH_PATH=str(work / "mart.duckdb"), O4O_DEMO="1",
               O4O_DUCKDB_MEMORY_LIMIT=limit)
    me = [sys.executable, "-m", "benchmarks.stagewise"]
    jobs = [("ingest", "ingest", me + ["--job", "ingest"])]
    jobs += [("gate start-up", "imports and GX context only", me + ["--job", "gate"])]
    jobs += [("raw gates", g.asset_key.to_user_string(), me + ["--job", "gate", g.asset_key.to_user_string()])
             for g in GATES if g.layer == "raw"]
    jobs += [("dbt build", "dbt build", [str(Path(sys.executable).parent / "dbt"), "build", "--quiet", "--project-dir",
                                          str(ROOT), "--profiles-dir", str(ROOT), "--target-path", str(work / "target"), *_dbt_args(env)])]
    jobs += [(f"{g.layer} gates", g.asset_key.to_user_string(), me + ["--job", "gate", g.asset_key.to_user_string()])
             for g in GATES if g.layer != "raw"]
    jobs += [("publish", "publish", me + ["--job", "publish"])]
    rows = []
    for stage, name, argv in jobs:
        before = _load()
        run = run_measured(argv, env, ROOT, max_rss=max_rss)
        rows.append({"stage": stage, "job": name, "seconds": round(run.seconds, 1), "peak_bytes": run.samples.peak(),
                     "returncode": run.returncode, "killed": bool(run.killed_at_bytes), "load_before": before})
        print(f"  {stage:14s} {name:45s} {run.seconds:7.1f} s {run.samples.peak() / GIB:6.2f} GiB"
              + (" STOPPED over the memory limit" if run.killed_at_bytes else " FAILED" if run.returncode else ""),
              flush=True)
    return {"participants": participants, "ingest_memory_limit": limit, "max_rss_bytes": max_rss,
            "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S"), "jobs": rows}


def measure_incremental(participants: int, workdir: Path, limit: str, max_rss: int) -> dict:
    """The data path of an incremental quarter: ingest and `dbt build` of a warehouse built
    without the latest wage file, then again once it lands; the marts it builds are compared
    with those of measure_stages' warehouse (all files, built from scratch). The gates are not
    run here: the incremental refresh of benchmarks/run.py measures them."""
    from .compare import mart_differences
    from .run import _link_tree

    base = workdir / f"p{participants}"
    full_warehouse = base / "stagewise" / "warehouse.duckdb"
    if not full_warehouse.exists():
        raise SystemExit("run `python -m benchmarks.stagewise` without --incremental first")
    work = base / "stagewise-incremental"
    shutil.rmtree(work, ignore_errors=True)
    latest = sorted((base / "landing" / "labor_market").glob("wage_records*.csv"))[-1]
    _link_tree(base / "landing", work / "landing", {latest})
    env = _env(O4O_LANDING_DIR=str(work / "landing"), O4O_WAREHOUSE_PATH=str(work / "warehouse.duckdb"),
               O4O_PUBLISH_PATH=str(work / "mart.duckdb"), O4O_DEMO="1",
               O4O_DUCKDB_MEMORY_LIMIT=limit)
    dbt = [str(Path(sys.executable).parent / "dbt"), "build", "--quiet", "--project-dir", str(ROOT), "--profiles-dir",
           str(ROOT), "--target-path", str(work / "target"), *_dbt_args(env)]
    ingest = [sys.executable, "-m", "benchmarks.stagewise", "--job", "ingest"]
    rows = []
    for label, argv in (("base ingest (latest quarter held back)", ingest), ("base dbt build", dbt),
                        (f"incremental ingest (+ {latest.name})", ingest), ("incremental dbt build", dbt)):
        if label.startswith("incremental ingest"):
            os.link(latest, work / "landing" / latest.relative_to(base / "landing"))
        before = _load()
        run = run_measured(argv, env, ROOT, max_rss=max_rss)
        rows.append({"job": label, "seconds": round(run.seconds, 1), "peak_bytes": run.samples.peak(),
                     "returncode": run.returncode, "killed": bool(run.killed_at_bytes), "load_before": before})
        print(f"  {label:55s} {run.seconds:7.1f} s {run.samples.peak() / GIB:6.2f} GiB"
              + (" FAILED" if run.returncode else ""), flush=True)
        if run.returncode:
            print(run.stderr[-2000:] + run.stdout[-2000:], file=sys.stderr)
            break
    differences = mart_differences(full_warehouse, work / "warehouse.duckdb") if not rows[-1]["returncode"] else None
    return {"participants": participants, "ingest_memory_limit": limit, "new_file": latest.name,
            "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S"), "jobs": rows,
            "marts_equal_full_build": differences == [] if differences is not None else None,
            "differences": (differences or [])[:10]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.stagewise", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, default=1_000_000)
    parser.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR)
    parser.add_argument("--memory-limit", default=DEFAULT_DUCKDB_MEMORY_LIMIT, help="O4O_DUCKDB_MEMORY_LIMIT of every job")
    parser.add_argument("--max-rss-gib", type=float, default=14.0)
    parser.add_argument("--results", type=Path, default=RESULTS_DIR)
    parser.add_argument("--no-docs", action="store_true")
    parser.add_argument("--incremental", action="store_true",
                        help="measure the ingest and dbt build of one new wage quarter instead (after a plain run)")
    parser.add_argument("--job", choices=["ingest", "gate", "publish"], help=argparse.SUPPRESS)
    parser.add_argument("name", nargs="?", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.job == "ingest":
        _ingest()
    elif args.job == "gate":
        _gate(args.name)
    elif args.job == "publish":
        _publish()
    elif args.incremental:
        print(f"== incremental quarter, ingest and dbt build, at {args.scale:,} participants", flush=True)
        result = measure_incremental(args.scale, args.workdir, args.memory_limit, int(args.max_rss_gib * GIB))
        merged = write_results(args.results, machine(), {}, stagewise_incremental={str(args.scale): result})
        if not args.no_docs:
            update_docs(DOCS, merged)
    else:
        print(f"== stage by stage at {args.scale:,} participants", flush=True)
        result = measure_stages(args.scale, args.workdir, args.memory_limit, int(args.max_rss_gib * GIB))
        merged = write_results(args.results, machine(), {}, stagewise={str(args.scale): result})
        if not args.no_docs:
            update_docs(DOCS, merged)
    return 0


if __name__ == "__main__":
    sys.exit(main())
