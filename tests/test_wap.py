"""Write-audit-publish under stress: a BI reader during a refresh, and a refresh killed mid-run.

Both run real refreshes on the handmade feeds against a copy of the session's published mart.
"""

from __future__ import annotations

import json
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from conftest import Run, environ
from dagster import AssetKey, DagsterInstance

from orchestration.publish.write_audit_publish import file_sha256, metadata_path, previous_path
from orchestration.settings import PROJECT_DIR

# A BI tool: a new read-only connection per query round, as a dashboard refresh does. Each
# round reads the publish metadata and the row counts recorded in the file, recounts every
# table, and sums the wages, all on one connection; the round is one observation.
READER = textwrap.dedent("""
    import json, os, sys, time
    import duckdb

    path, ready, stop, out = sys.argv[1:5]
    seen, rounds_after_stop, deadline = [], 0, time.time() + 900
    while rounds_after_stop < 5 and time.time() < deadline:
        if os.path.exists(stop):
            rounds_after_stop += 1
        try:
            con = duckdb.connect(path, read_only=True)
            try:
                run_id = con.execute(
                    "SELECT value FROM marts.publish_metadata WHERE key = 'dagster_run_id'").fetchone()[0]
                recorded = dict(con.execute("SELECT table_name, row_count FROM marts.publish_tables").fetchall())
                counted = {t: con.execute(f'SELECT count(*) FROM marts."{t}"').fetchone()[0] for t in recorded}
                wages = con.execute("SELECT CAST(sum(total_wages) AS VARCHAR) FROM marts.fct_quarterly_earnings"
                                    ).fetchone()[0]
            finally:
                con.close()
            seen.append({"run_id": run_id, "recorded": recorded, "counted": counted, "wages": wages})
            if len(seen) == 1:
                open(ready, "w").close()
        except Exception as exc:
            seen.append({"error": f"{type(exc).__name__}: {exc}"})
        time.sleep(0.1)  # a few rounds a second, leaving the CPU to the refresh
    with open(out, "w") as f:
        json.dump(seen, f)
""")


def _signature(observation: dict) -> str:
    return json.dumps([observation["run_id"], observation["counted"], observation["wages"]], sort_keys=True)


def _observe(path: Path) -> dict:
    """One reader round, in this process (the same queries as READER)."""
    import duckdb

    with duckdb.connect(str(path), read_only=True) as con:
        recorded = dict(con.execute("SELECT table_name, row_count FROM marts.publish_tables").fetchall())
        return {"run_id": con.execute("SELECT value FROM marts.publish_metadata WHERE key = 'dagster_run_id'"
                                      ).fetchone()[0],
                "recorded": recorded,
                "counted": {t: con.execute(f'SELECT count(*) FROM marts."{t}"').fetchone()[0] for t in recorded},
                "wages": con.execute("SELECT CAST(sum(total_wages) AS VARCHAR) FROM marts.fct_quarterly_earnings"
                                     ).fetchone()[0]}


def _refresh(run: Run) -> tuple[object, dict]:
    """A real refresh (as conftest.refresh) that also returns the published_mart materialization metadata."""
    from orchestration.refresh import run_refresh

    with environ(run.env()), DagsterInstance.ephemeral() as instance:
        outcome = run_refresh(instance)
        event = instance.get_latest_materialization_event(AssetKey(["published_mart"]))
    metadata = event.asset_materialization.metadata if event else {}
    return outcome, {k: getattr(v, "value", v) for k, v in metadata.items()}


def _copy_published(source: Path, target: Path) -> dict[str, str]:
    shutil.copyfile(source, target)
    shutil.copyfile(metadata_path(source), metadata_path(target))
    return {p.name: file_sha256(p) for p in (target, metadata_path(target))}


def test_reader_sees_old_or_new_never_a_mix_during_a_refresh(handmade_run, copy_of, tmp_path):
    published = tmp_path / "mart.duckdb"
    _copy_published(handmade_run.published, published)
    old = _observe(published)
    landing = copy_of(handmade_run.landing)
    (landing / "labor_market/wage_records_2021q3.csv").unlink()  # the new data: one wage quarter fewer

    ready, stop, out = tmp_path / "reader.ready", tmp_path / "reader.stop", tmp_path / "reader.json"
    reader = subprocess.Popen([sys.executable, "-c", READER, str(published), str(ready), str(stop), str(out)])
    try:
        for _ in range(600):
            if ready.exists() or reader.poll() is not None:
                break
            time.sleep(0.1)
        assert ready.exists(), "the reader never managed a first read"
        outcome, meta = _refresh(Run(landing, tmp_path / "warehouse.duckdb", published, None))
    finally:
        stop.touch()
        reader.wait(timeout=300)
    assert outcome.published, outcome.failed_checks + outcome.step_errors
    new = _observe(published)
    seen = json.loads(out.read_text())

    assert [o["error"] for o in seen if "error" in o] == []
    assert all(o["recorded"] == o["counted"] for o in seen), "a reader saw counts that disagree with its file"
    assert _signature(old) != _signature(new) and old["run_id"] != new["run_id"]
    signatures = [_signature(o) for o in seen]
    assert set(signatures) <= {_signature(old), _signature(new)}, "a reader saw a mix of old and new"
    assert signatures[0] == _signature(old) and signatures[-1] == _signature(new)
    assert len(seen) > 10
    assert _observe(previous_path(published))["run_id"] == old["run_id"]  # kept for rollback

    # the materialization tells what the gates cost and links the report and the JSON
    assert 0 < meta["validation_share"] < 1 and meta["validation_seconds"] > 0
    assert Path(meta["validation_report"]).exists() and meta["sha256"] == file_sha256(published)
    doc = json.loads(Path(meta["metadata_json"]).read_text())
    assert doc["validation"]["validation_share"] == meta["validation_share"] and doc["dagster_run_id"] == new["run_id"]


def _lines(proc: subprocess.Popen) -> queue.Queue:
    """The child's output, line by line, without blocking the test on a silent child."""
    lines: queue.Queue = queue.Queue()

    def pump():
        for line in proc.stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    return lines


def _wait_for(lines: queue.Queue, pattern: re.Pattern, timeout: float) -> tuple[bool, list[str]]:
    seen, deadline = [], time.time() + timeout
    while time.time() < deadline:
        try:
            line = lines.get(timeout=1)
        except queue.Empty:
            continue
        if line is None:
            break
        seen.append(line)
        if pattern.search(line):
            return True, seen
    return False, seen


def _process_group_members(pgid: int) -> list[int]:
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            members.append(int(stat.parent.name))
    return members


@pytest.mark.slow  # a refresh killed half-way, then a full one: well over a minute
def test_refresh_killed_during_dbt_leaves_the_mart_and_the_next_refresh_publishes(handmade_run, tmp_path):
    published = tmp_path / "mart.duckdb"
    before = _copy_published(handmade_run.published, published)
    run = Run(handmade_run.landing, tmp_path / "warehouse.duckdb", published, None)
    env = {k: v for k, v in os.environ.items() if k != "O4O_DEMO"} | run.env() | {"PYTHONUNBUFFERED": "1"}
    script = tmp_path / "refresh.py"  # a file, not `python -c`: pyspark, if installed, exits a `-c` child on import
    script.write_text("from orchestration.refresh import run_refresh\nrun_refresh()\n")
    proc = subprocess.Popen([sys.executable, str(script)], cwd=PROJECT_DIR, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        dbt_building, output = _wait_for(_lines(proc), re.compile(r"START sql \w+ model"), timeout=600)
        time.sleep(0.5)  # dbt is writing the warehouse now
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=60)
    assert dbt_building, "dbt never started building models:\n" + "".join(output[-30:])
    assert not any('step "published_mart"' in line for line in output)
    for _ in range(50):
        if not _process_group_members(proc.pid):
            break
        time.sleep(0.1)
    assert _process_group_members(proc.pid) == [], "dbt outlived the killed refresh"

    assert {p.name: file_sha256(p) for p in (published, metadata_path(published))} == before
    assert not list(tmp_path.glob("*candidate*"))

    outcome, meta = _refresh(run)  # the same warehouse dbt was writing when it died
    assert outcome.published, outcome.failed_checks + outcome.step_errors
    assert file_sha256(published) != before["mart.duckdb"] == file_sha256(previous_path(published))
    assert meta["sha256"] == file_sha256(published)

    # `o4o rollback` brings back exactly the version the killed refresh had left alone
    from orchestration.cli import main

    with environ({"O4O_PUBLISH_PATH": str(published)}):
        assert main(["rollback"]) == 0
    assert {p.name: file_sha256(p) for p in (published, metadata_path(published))} == before
