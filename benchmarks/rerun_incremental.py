"""Re-measure only the incremental quarter of one scale (the other numbers of that scale kept).

  python -m benchmarks.rerun_incremental --scale 1000000

For when the incremental part of `benchmarks.run` was invalidated, e.g. the loader's source
changed between the base and the incremental refresh (a new loader version rebuilds every
raw table, as it should). Runs the base and incremental refreshes, then a full refresh of
all files to compare the marts with, and rewrites the scale's incremental numbers.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

from .compare import mart_differences
from .report import update_docs, write_results
from .run import DEFAULT_WORKDIR, DOCS, GIB, RESULTS_DIR, incremental, machine, refresh


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.rerun_incremental", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, default=1_000_000)
    parser.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR)
    parser.add_argument("--max-rss-gib", type=float, default=14.0)
    parser.add_argument("--results", type=Path, default=RESULTS_DIR)
    args = parser.parse_args(argv)
    work = args.workdir / f"p{args.scale}"
    max_rss = int(args.max_rss_gib * GIB)
    merged = json.loads((args.results / "results.json").read_text())
    entry = merged["scales"][str(args.scale)]
    inc_dir = work / "incremental"
    inc_dir.mkdir(parents=True, exist_ok=True)
    measured = incremental(work / "landing", inc_dir, None, max_rss)
    full_dir = work / "full-for-comparison"
    shutil.rmtree(full_dir, ignore_errors=True)
    full_dir.mkdir()
    full = refresh(work / "landing", full_dir / "warehouse.duckdb", full_dir / "mart.duckdb", max_rss,
                   "full refresh (to compare with)")
    if "incremental" in measured and full.get("published"):
        problems = mart_differences(full_dir / "mart.duckdb", inc_dir / "mart.duckdb")
        measured["incremental"]["equals_full_refresh"] = not problems
        measured["incremental"]["differences"] = problems[:10]
    entry.update(measured)
    entry["incremental_remeasured_with_full_refresh"] = {"seconds": full.get("seconds"),
                                                         "peak_bytes": full.get("peak_bytes")}
    for path in (full_dir, inc_dir):
        shutil.rmtree(path, ignore_errors=True)
    update_docs(DOCS, write_results(args.results, machine(), {str(args.scale): entry}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
