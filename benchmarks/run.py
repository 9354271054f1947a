"""The o4o benchmark: a full refresh per stage against the DuckDB floor and the pandas peer,
and an incremental quarter against the full refresh, at each scale asked for.

  python -m benchmarks.run --scales 10000 100000 1000000     (make bench)

Per scale, each job runs in a fresh process whose tree memory is sampled (memory.py):
1. `o4o generate` (once; kept in the work dir and reused while the seed is the same);
2. the floor: DuckDB alone reading the landing CSVs into tables (child.py floor);
3. a full refresh from an empty warehouse, timed per Dagster step (child.py refresh);
4. the indicator computation alone: `dbt build --full-refresh` of the models the WIOA report
   needs (`+rpt_wioa_performance`), on the full refresh's warehouse, with the job's threads;
5. the pandas peer on the same CSVs, checked to agree with the published mart;
6. incremental: a warehouse refreshed without the latest wage quarter, then refreshed
   again once that quarter's file lands; its mart must equal the full refresh's.
Results go to benchmarks/results/results.{json,md} and the generated part of
docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shutil
import sys
import time
from pathlib import Path

from .compare import mart_differences, peer_differences
from .memory import MeasuredRun, run_measured
from .report import update_docs, write_results

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = ROOT / "benchmarks" / "results"
DOCS = ROOT / "docs" / "benchmarks.md"
DEFAULT_WORKDIR = Path(os.environ.get("O4O_BENCH_DIR", "/tmp/o4o-bench"))
GIB = 1024 ** 3

# Stages of the nightly_refresh job, by Dagster step key.
GATE_SUFFIX = "_great_expectations_gate"


def stage_of(step_key: str) -> str:
    # `ingest` loads every feed and runs the raw gates; results before it list `ingest_<feed>` steps
    # and `raw__<entity>_great_expectations_gate` steps apart
    if step_key == "ingest" or step_key.startswith("ingest_"):
        return "ingest"
    if step_key.endswith(GATE_SUFFIX):
        if step_key.startswith("raw__"):
            return "raw gates"
        return "staging gates" if step_key.startswith("stg_") else "marts gates"
    if step_key == "o4o_dbt_models":
        return "dbt build"
    if step_key == "published_mart":
        return "publish"
    return "other steps"


STAGES = ["ingest", "raw gates", "dbt build", "staging gates", "marts gates", "publish", "other steps"]


def _env(**values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("O4O_")}
    env.update(DO_NOT_TRACK="1", DBT_SEND_ANONYMOUS_USAGE_STATS="false", GX_ANALYTICS_ENABLED="False",
               PYTHONPATH=str(ROOT), **values)
    return env


def _load() -> list[float]:
    return [float(x) for x in Path("/proc/loadavg").read_text().split()[:3]]


def _measure(argv: list[str], env: dict[str, str], max_rss: int, label: str) -> tuple[MeasuredRun, dict]:
    print(f"  {label} ...", end="", flush=True)
    before = _load()
    run = run_measured(argv, env, ROOT, max_rss=max_rss)
    facts = {"seconds": round(run.seconds, 2), "peak_bytes": run.samples.peak(), "returncode": run.returncode,
             "load_before": before, "load_after": _load()}
    if run.killed_at_bytes:
        facts["killed_over_bytes"] = max_rss
    print(f" {run.seconds:,.1f} s, peak {run.samples.peak() / GIB:.2f} GiB, load {before[0]:.1f}"
          + (" (FAILED)" if run.returncode else ""), flush=True)
    if run.returncode:
        print(run.stderr[-3000:], file=sys.stderr)
    return run, facts


def generate(landing: Path, participants: int, seed: int, max_rss: int) -> dict:
    marker = landing / ".o4o-bench.json"
    wanted = {"participants": participants, "seed": seed}
    if marker.exists() and json.loads(marker.read_text()).get("params") == wanted:
        return json.loads(marker.read_text())["generate"]
    shutil.rmtree(landing, ignore_errors=True)
    run, facts = _measure([sys.executable, "-m", "orchestration.cli", "generate", "--out", str(landing),
                           "--participants", str(participants), "--seed", str(seed)], _env(), max_rss, "generate")
    if run.returncode:
        raise SystemExit("o4o generate failed")
    facts["wage_rows"] = sum(sum(1 for _ in p.open()) - 1 for p in (landing / "labor_market").glob("wage_records*.csv"))
    facts["landing_bytes"] = sum(p.stat().st_size for p in landing.rglob("*.csv"))
    marker.write_text(json.dumps({"params": wanted, "generate": facts}))
    return facts


def floor(landing: Path, work: Path, max_rss: int) -> dict:
    out = work / "floor.json"
    run, facts = _measure([sys.executable, "-m", "benchmarks.child", "floor", str(landing), str(work / "floor.duckdb"),
                           "--out", str(out)], _env(), max_rss, "floor: DuckDB read_csv -> CREATE TABLE")
    if run.returncode == 0:
        inner = json.loads(out.read_text())
        facts.update(load_seconds=round(inner["seconds"], 2), rows=inner["rows"])
    (work / "floor.duckdb").unlink(missing_ok=True)
    return facts


def refresh(landing: Path, warehouse: Path, published: Path, max_rss: int, label: str) -> dict:
    """One `nightly_refresh` run, with seconds and peak memory per stage and per step."""
    out = warehouse.parent / f"steps-{label.split()[0]}.json"
    run, facts = _measure([sys.executable, "-m", "benchmarks.child", "refresh", "--out", str(out)],
                          _env(O4O_LANDING_DIR=str(landing), O4O_WAREHOUSE_PATH=str(warehouse),
                               O4O_PUBLISH_PATH=str(published), O4O_DEMO="1"), max_rss, label)
    facts["published"] = False
    if not out.exists():  # stopped part-way (killed over max_rss, or crashed): what the log says
        steps = _steps_from_log(run.stderr, run.samples)
        facts.update(steps=steps, stages=_stages(steps))
        if steps:
            facts["stopped_in_step"] = steps[-1]["key"]
        return facts
    inner = json.loads(out.read_text())
    samples = run.samples
    steps = []
    for s in inner["steps"]:
        if "end" not in s:
            continue
        steps.append({"key": s["key"], "stage": stage_of(s["key"]), "seconds": round(s["end"] - s["start"], 3),
                      "peak_bytes": samples.peak(s["start"], s["end"]), "status": s.get("status")})
    steps = _gates_apart(steps, inner.get("checks", []))
    stages = _stages(steps)
    run_start = inner["run_start"] or inner["started"]
    stepped = sum(s["seconds"] for s in steps)
    stages["startup"] = {"seconds": round(run_start - run.started, 2),
                         "peak_bytes": samples.peak(run.started, run_start),
                         "note": "Python imports, `dbt parse`, loading the Dagster definitions"}
    stages["orchestration"] = {"seconds": round(max(0.0, inner["finished"] - run_start - stepped), 2),
                               "note": "Dagster between steps (run wall time minus the steps' own time)"}
    gates = sum(stages.get(n, {}).get("seconds", 0) for n in ("raw gates", "staging gates", "marts gates"))
    facts.update(published=inner["published"], errors=inner["errors"][:5], stages=stages, steps=steps,
                 gates_seconds=round(gates, 2), gates_share=round(gates / run.seconds, 4), rows=inner["rows"])
    facts["dbt_nodes"] = dbt_slowest_nodes(run.started)
    return facts


DBT_SLOWEST_NODES = 12


def dbt_slowest_nodes(since: float, target: Path = ROOT / "target") -> list[dict]:
    """The slowest dbt nodes (models, tests, seeds) of the `dbt build` that dagster-dbt ran
    in this refresh, from its `run_results.json` (written under target/ after `since`, a
    `time.time()`): what the "dbt build" stage is made of. Empty when dbt did not finish."""
    found = [p for p in target.glob("*/run_results.json") if p.stat().st_mtime >= since]
    if not found:
        return []
    results = json.loads(max(found, key=lambda p: p.stat().st_mtime).read_text())["results"]
    nodes = sorted(results, key=lambda r: -(r.get("execution_time") or 0))[:DBT_SLOWEST_NODES]
    return [{"node": _node_name(r["unique_id"]), "seconds": round(r.get("execution_time") or 0, 2),
             "status": r.get("status")} for r in nodes]


def _node_name(unique_id: str) -> str:
    """`model.o4o.fct_x` -> `model fct_x`; a data test's name is its third part (a hash follows)."""
    parts = unique_id.split(".")
    return f"{parts[0]} {parts[2] if parts[0] == 'test' else parts[-1]}"


def _gates_apart(steps: list[dict], checks: list[dict]) -> list[dict]:
    """The raw gates run inside the `ingest` step (issue 19: a failed gate fails the step that
    read the files, so "Re-execute from failure" reads them again). Each gate's own time (its
    `validation_seconds`) becomes a step of the "raw gates" stage, taken out of the step that
    ran it, so the stages still add up to the run and the gates' share stays measured."""
    by_key = {s["key"]: s for s in steps}
    out = []
    for check in checks:
        host = by_key.get(check["step"])
        if host is None or host["stage"] != "ingest":
            continue
        host["seconds"] = round(host["seconds"] - check["seconds"], 3)
        asset = check["key"].split(":")[0]  # "raw/participants" -> the step name gates had before
        out.append({"key": asset.replace("/", "__") + GATE_SUFFIX,
                    "stage": "raw gates", "seconds": round(check["seconds"], 3),
                    "peak_bytes": host["peak_bytes"], "status": host.get("status"), "inside_step": check["step"]})
    return steps + out


def _stages(steps: list[dict]) -> dict:
    stages = {}
    for name in STAGES:
        mine = [s for s in steps if s["stage"] == name]
        if mine:
            stages[name] = {"seconds": round(sum(s["seconds"] for s in mine), 2),
                            "peak_bytes": max(s["peak_bytes"] for s in mine), "steps": len(mine)}
    return stages


# "<time> - dagster - DEBUG - <job> - <run id> - <pid> - <step> - STEP_START - ..."
_EVENT = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4}) - dagster - \w+ - \w+ - [\w-]+ - (?:\d+ - )?"
                    r"(\w+) - (STEP_START|STEP_SUCCESS|STEP_FAILURE) - ")


def _steps_from_log(log: str, samples) -> list[dict]:
    """Steps of a run that did not finish, from the Dagster console log (1 s resolution);
    the last one is the step it stopped in, timed to the last memory sample."""
    found: dict[str, dict] = {}
    for line in log.splitlines():
        if m := _EVENT.match(line):
            t = dt.datetime.strptime(m[1], "%Y-%m-%d %H:%M:%S %z").timestamp()
            found.setdefault(m[2], {})["start" if m[3] == "STEP_START" else "end"] = t
    last = samples.points[-1][0] if samples.points else None
    steps = []
    for key, s in found.items():
        end = s.get("end", last)
        if "start" in s and end is not None:
            steps.append({"key": key, "stage": stage_of(key), "seconds": round(end - s["start"], 3),
                          "peak_bytes": samples.peak(s["start"], end + 1), "status": "done" if "end" in s else "stopped"})
    return sorted(steps, key=lambda s: s["status"] == "stopped")


INDICATOR_MODELS = "+rpt_wioa_performance"


def indicators(warehouse: Path, work: Path, max_rss: int) -> dict:
    """`dbt build` of the models the WIOA indicators need, from the raw tables of a refreshed
    warehouse: the computation the pandas peer does, as o4o does it."""
    from orchestration.dbt_targets import NIGHTLY_BUILD_SELECTION, dbt_threads
    from orchestration.settings import load_settings

    dbt = str(Path(sys.executable).parent / "dbt")
    run, facts = _measure([dbt, "build", "--quiet", "--full-refresh", "--select", INDICATOR_MODELS,
                           *NIGHTLY_BUILD_SELECTION, "--threads", str(dbt_threads()),
                           "--project-dir", str(ROOT), "--profiles-dir", str(ROOT),
                           "--target-path", str(work / "target-indicators"), "--log-path", str(work / "logs"),
                           *load_settings({"O4O_WAREHOUSE_PATH": str(warehouse), "O4O_DBT_TARGET": "duckdb"}).dbt_args()],
                          _env(O4O_WAREHOUSE_PATH=str(warehouse), O4O_DBT_TARGET="duckdb"), max_rss,
                          f"indicators: dbt build --select {INDICATOR_MODELS}")
    facts["models"] = INDICATOR_MODELS
    return facts


def peer(landing: Path, work: Path, mart: Path | None, max_rss: int) -> dict:
    import pandas as pd

    out = work / "peer.csv"
    run, facts = _measure([sys.executable, "-m", "benchmarks.child", "peer", str(landing), "--out", str(out)],
                          _env(), max_rss, "pandas peer (TPOT-style) on the same CSVs")
    if run.returncode == 0:
        facts["compute_seconds"] = round(json.loads(out.with_suffix(".json").read_text())["seconds"], 2)
        if mart is not None and mart.exists():
            problems = peer_differences(mart, pd.read_csv(out, dtype={"funding_stream": str, "lwda_code": str}))
            facts["agrees_with_mart"] = not problems
            facts["differences"] = problems[:5]
    return facts


def _link_tree(source: Path, target: Path, leave_out: set[Path]) -> None:
    """A copy of the landing dir made of hard links (same bytes, same checksums, no disk)."""
    shutil.rmtree(target, ignore_errors=True)
    for path in source.rglob("*.csv"):
        if path in leave_out:
            continue
        dest = target / path.relative_to(source)
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.link(path, dest)


def incremental(landing: Path, work: Path, full_mart: Path | None, max_rss: int) -> dict:
    """Refresh without the latest wage quarter (the warehouse as it stood last night), then
    again once that quarter's file lands: the second run is the incremental one."""
    latest = sorted((landing / "labor_market").glob("wage_records*.csv"))[-1]
    inc_landing, warehouse, mart = work / "landing", work / "warehouse.duckdb", work / "mart.duckdb"
    for p in work.glob("*.duckdb*"):
        p.unlink()
    _link_tree(landing, inc_landing, {latest})
    base = refresh(inc_landing, warehouse, mart, max_rss, "base refresh (latest wage quarter held back)")
    if not base.get("published"):
        return {"base": base}
    dest = inc_landing / latest.relative_to(landing)
    os.link(latest, dest)
    result = refresh(inc_landing, warehouse, mart, max_rss, f"incremental refresh (+ {latest.name})")
    result["new_file"] = latest.name
    result["new_file_rows"] = sum(1 for _ in latest.open()) - 1
    if result.get("published") and full_mart is not None and full_mart.exists():
        problems = mart_differences(full_mart, mart)
        result["equals_full_refresh"] = not problems
        result["differences"] = problems[:10]
    return {"base": base, "incremental": result}


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem = next(int(line.split()[1]) * 1024 for line in Path("/proc/meminfo").read_text().splitlines()
               if line.startswith("MemTotal"))
    versions = {}
    for package in ("duckdb", "dagster", "dbt-core", "dbt-duckdb", "great_expectations", "pandas"):
        try:
            from importlib.metadata import version
            versions[package] = version(package)
        except Exception:  # not installed
            pass
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_bytes": mem, "os": platform.platform(),
            "python": platform.python_version(), "versions": versions}


def run_scale(participants: int, args) -> dict:
    max_rss = int(args.max_rss_gib * GIB)
    work = args.workdir / f"p{participants}"
    work.mkdir(parents=True, exist_ok=True)
    landing = work / "landing"
    print(f"\n== {participants:,} participants (work dir {work})", flush=True)
    result: dict = {"participants": participants, "seed": args.seed,
                    "measured_at": dt.datetime.now().isoformat(timespec="seconds")}
    result["generate"] = generate(landing, participants, args.seed, max_rss)
    if "floor" not in args.skip:
        result["floor"] = floor(landing, work, max_rss)
    full_dir = work / "full"
    shutil.rmtree(full_dir, ignore_errors=True)
    full_dir.mkdir()
    result["full"] = refresh(landing, full_dir / "warehouse.duckdb", full_dir / "mart.duckdb", max_rss,
                             "full refresh")
    full_mart = full_dir / "mart.duckdb" if result["full"].get("published") else None
    if "indicators" not in args.skip and full_mart is not None:
        result["indicators"] = indicators(full_dir / "warehouse.duckdb", work, max_rss)
    if "peer" not in args.skip:
        result["peer"] = peer(landing, work, full_mart, max_rss)
    if "incremental" not in args.skip and full_mart is None:
        result["incremental_skipped"] = "the full refresh did not publish, so there is nothing to compare with"
    elif "incremental" not in args.skip:
        inc_dir = work / "incremental"
        inc_dir.mkdir(exist_ok=True)
        result.update(incremental(landing, inc_dir, full_mart, max_rss))
    if not args.keep:
        for path in (full_dir, work / "incremental"):
            shutil.rmtree(path, ignore_errors=True)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scales", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR,
                        help="generated feeds and warehouses (never committed); default %(default)s")
    parser.add_argument("--skip", nargs="*", default=[], choices=["floor", "indicators", "peer", "incremental"])
    parser.add_argument("--max-rss-gib", type=float, default=14.0,
                        help="kill a job whose process tree grows past this (shared machine)")
    parser.add_argument("--keep", action="store_true", help="keep the warehouses and marts after measuring")
    parser.add_argument("--no-docs", action="store_true", help="do not rewrite the results in docs/benchmarks.md")
    parser.add_argument("--results", type=Path, default=RESULTS_DIR)
    args = parser.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    results = {str(n): run_scale(n, args) for n in args.scales}
    merged = write_results(args.results, machine(), results)
    if not args.no_docs:
        update_docs(DOCS, merged)
    print(f"\nbenchmark done in {time.perf_counter() - started:,.0f} s: {args.results / 'results.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
