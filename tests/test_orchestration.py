"""Dagster wiring: definitions load, job/schedule/sensor shapes, gates on every layer, settings,
freshness checks, and the run-failure sensor's summary and webhook."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import duckdb
import pytest
from dagster import (AssetCheckKey, AssetKey, DagsterInstance, RunRequest, SkipReason,
                     build_run_status_sensor_context, build_sensor_context)
from dagster._utils.schedules import cron_string_iterator

from orchestration.resources import O4oSettingsResource, environment_settings
from orchestration.settings import PROJECT_DIR, SettingsError, load_settings


@pytest.fixture(scope="module")
def defs():
    from orchestration.dbt_project import prepare_manifest

    prepare_manifest()
    from orchestration.definitions import defs

    return defs


def test_assets_and_groups(defs):
    graph = defs.resolve_asset_graph()
    groups = {graph.get(k).group_name for k in graph.get_all_asset_keys()}
    assert {"raw", "reference", "staging", "intermediate", "marts", "reports", "published"} <= groups
    for key in (AssetKey(["raw", "wage_records"]), AssetKey(["fct_exit_outcomes"]),
                AssetKey(["rpt_wioa_performance"]), AssetKey(["published_mart"])):
        assert key in graph.get_all_asset_keys()


def test_blocking_gates_on_every_layer(defs):
    from orchestration.checks.gates import GATES

    layers = {g.layer for g in GATES}
    assert layers == {"raw", "staging", "marts"}
    # staging and marts gates are asset checks of their own; the raw gates are checks of the ingest step
    specs = {s.key: s for c in [*defs.asset_checks, *defs.assets] for s in c.check_specs}
    for gate in GATES:
        assert specs[AssetCheckKey(gate.asset_key, "great_expectations_gate")].blocking, gate


def test_assets_have_owners_descriptions_kinds_and_code_versions(defs):
    from orchestration.checks.gates import GATES

    graph = defs.resolve_asset_graph()
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        assert node.owners and node.description, key
        if node.group_name in {"raw", "staging", "intermediate", "marts", "reports"}:
            assert node.code_version, f"{key.to_user_string()} has no code version"
            assert "duckdb" in node.kinds, key
    for gate in GATES:
        assert "great_expectations" in graph.get(gate.asset_key).kinds, gate.asset_key
    assert "dbt" in graph.get(AssetKey(["fct_exit_outcomes"])).kinds
    assert graph.get(AssetKey(["raw", "wage_records"])).code_version != graph.get(AssetKey(["raw", "laus"])).code_version


def test_schedule_cron_and_timezone(defs):
    schedule = defs.resolve_schedule_def("nightly_refresh_schedule")
    assert schedule.cron_schedule == "0 2 * * *"
    assert schedule.execution_timezone == environment_settings().schedule_timezone
    assert schedule.job_name == "nightly_refresh"
    ticks = cron_string_iterator(dt.datetime(2026, 1, 15, 12, tzinfo=dt.timezone.utc).timestamp(),
                                 schedule.cron_schedule, schedule.execution_timezone)
    first, second = next(ticks), next(ticks)
    assert [(t.day, t.hour, t.minute) for t in (first, second)] == [(16, 2, 0), (17, 2, 0)]  # 02:00 local time
    assert str(first.tzinfo) == schedule.execution_timezone
    freshness = defs.resolve_schedule_def("freshness_checks_schedule")
    assert freshness.job_name == "freshness_checks" and freshness.cron_schedule == "30 * * * *"


def test_schedule_timezone_comes_from_config():
    code = ("from orchestration.schedules import nightly_refresh_schedule as s, freshness_checks_schedule as f; "
            "print(s.execution_timezone, f.execution_timezone)")
    env = {**os.environ, "O4O_SCHEDULE_TIMEZONE": "America/Denver"}
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=PROJECT_DIR, capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["America/Denver", "America/Denver"]
    assert load_settings({}).schedule_timezone == "America/New_York"


def test_duckdb_memory_limit_reaches_dbt():
    """One setting bounds DuckDB in the ingest and in dbt (profiles.yml reads it from dbt_vars)."""
    assert load_settings({}).duckdb_memory_limit == "4GB"
    settings = load_settings({"O4O_DUCKDB_MEMORY_LIMIT": " 1500MB "})
    assert settings.dbt_vars()["o4o_duckdb_memory_limit"] == "1500MB"
    assert "memory_limit: \"{{ var('o4o_duckdb_memory_limit'" in (PROJECT_DIR / "profiles.yml").read_text()


def test_nightly_refresh_leaves_out_the_freshness_checks(defs):
    from orchestration.checks.freshness import PUBLISHED_AGE_CHECK, WAGE_QUARTER_CHECK

    def check_names(job_name):
        return {k.name for k in defs.resolve_job_def(job_name).asset_layer.asset_graph.asset_check_keys}

    nightly = check_names("nightly_refresh")
    assert "great_expectations_gate" in nightly
    assert not {PUBLISHED_AGE_CHECK, WAGE_QUARTER_CHECK} & nightly
    assert check_names("freshness_checks") == {PUBLISHED_AGE_CHECK, WAGE_QUARTER_CHECK}


def test_every_job_runs_in_one_process(defs):
    """DuckDB has one writer: nightly_refresh and a selection materialized from the asset graph alike."""
    for job in (defs.resolve_job_def("nightly_refresh"), defs.resolve_job_def("freshness_checks"),
                defs.resolve_implicit_global_asset_job_def()):
        assert job.executor_def.name == "in_process", job.name


def test_landing_sensor_fires_on_new_or_changed_files_only(defs, tmp_path, monkeypatch):
    from orchestration.sensors import landing_sensor

    monkeypatch.setenv("O4O_LANDING_DIR", str(tmp_path))
    (tmp_path / "job_center").mkdir()
    f = tmp_path / "job_center" / "participants.csv"
    f.write_text("individual_id\nP1\n")
    with DagsterInstance.ephemeral() as instance:
        ctx = build_sensor_context(instance=instance, resources={"o4o": O4oSettingsResource()})
        assert isinstance(landing_sensor(ctx), RunRequest)
        ctx = build_sensor_context(instance=instance, cursor=ctx.cursor, resources={"o4o": O4oSettingsResource()})
        assert isinstance(landing_sensor(ctx), SkipReason), "fired on an unchanged landing directory"
        time.sleep(0.01)
        f.write_text("individual_id\nP1\nP2\n")
        ctx = build_sensor_context(instance=instance, cursor=ctx.cursor, resources={"o4o": O4oSettingsResource()})
        request = landing_sensor(ctx)
        assert isinstance(request, RunRequest)
        assert request.tags["o4o/changed_files"] == "job_center/participants.csv"
        (tmp_path / "labor_market").mkdir()
        (tmp_path / "labor_market" / "wage_records_2026q1.csv").write_text("ssn\n")  # a new delivery
        ctx = build_sensor_context(instance=instance, cursor=ctx.cursor, resources={"o4o": O4oSettingsResource()})
        new = landing_sensor(ctx)
        assert isinstance(new, RunRequest) and new.run_key != request.run_key
        assert new.tags["o4o/changed_files"] == "labor_market/wage_records_2026q1.csv"
        ctx = build_sensor_context(instance=instance, cursor=ctx.cursor, resources={"o4o": O4oSettingsResource()})
        assert isinstance(landing_sensor(ctx), SkipReason)


def test_no_key_no_run_except_demo():
    with pytest.raises(SettingsError, match="O4O_PII_KEY"):
        load_settings({}).require_pii_key()
    demo = load_settings({"O4O_DEMO": "1"})
    assert demo.pii_key_mode == "demo" and demo.require_pii_key()
    assert load_settings({"O4O_PII_KEY": "s3cret"}).require_pii_key() == b"s3cret"


def test_cli_refresh_refuses_without_key(monkeypatch, capsys):
    from orchestration.cli import main

    monkeypatch.delenv("O4O_PII_KEY", raising=False)
    monkeypatch.delenv("O4O_DEMO", raising=False)
    assert main(["refresh"]) == 2
    assert "O4O_PII_KEY" in capsys.readouterr().err


# --- freshness checks -------------------------------------------------------------------------

def _tiny_published_mart(path: Path, published_at: dt.datetime, newest: tuple[int, int]) -> Path:
    """A DuckDB file with the two relations the freshness checks read (as the publish step writes them)."""
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE SCHEMA marts")
        con.execute("CREATE TABLE marts.publish_metadata (key VARCHAR, value VARCHAR)")
        con.execute("INSERT INTO marts.publish_metadata VALUES ('published_at', ?)",
                    [published_at.isoformat(timespec="seconds")])
        con.execute("CREATE TABLE marts.fct_quarterly_earnings (year INTEGER, quarter INTEGER)")
        con.execute("INSERT INTO marts.fct_quarterly_earnings VALUES (2019, 4), (?, ?), (2020, 1)", list(newest))
    return path


def test_published_mart_age_check(tmp_path):
    from orchestration.checks.freshness import published_age_result

    now = dt.datetime(2026, 11, 23, 12, tzinfo=dt.timezone.utc)
    mart = _tiny_published_mart(tmp_path / "mart.duckdb", now - dt.timedelta(hours=25), (2026, 2))
    fresh = published_age_result(mart, 26, now=now)
    assert fresh.passed and fresh.metadata["age_hours"].value == 25.0
    stale = published_age_result(mart, 24, now=now)
    assert not stale.passed and "25.0 h old" in stale.description and "O4O_MAX_PUBLISHED_AGE_HOURS" in stale.description
    missing = published_age_result(tmp_path / "none.duckdb", 26, now=now)
    assert not missing.passed and "no published mart" in missing.description


def test_newest_wage_quarter_check(tmp_path):
    from orchestration.checks.freshness import wage_quarter_result

    now = dt.datetime(2026, 11, 23, tzinfo=dt.timezone.utc)  # 2026Q4
    mart = _tiny_published_mart(tmp_path / "mart.duckdb", now, (2026, 2))
    recent = wage_quarter_result(mart, 3, now=now)
    assert recent.passed and recent.metadata["newest_wage_quarter"].value == "2026Q2"
    assert recent.metadata["lag_quarters"].value == 2
    late = wage_quarter_result(mart, 1, now=now)
    assert not late.passed and "2026Q2 is 2 quarters before 2026Q4" in late.description
    new_year = wage_quarter_result(mart, 2, now=dt.datetime(2027, 1, 2, tzinfo=dt.timezone.utc))
    assert not new_year.passed and new_year.metadata["lag_quarters"].value == 3


# --- run-failure sensor -------------------------------------------------------------------------

class _Webhook:
    """A real HTTP server on a free loopback port that records what is POSTed to it."""

    def __init__(self, status: int = 200):
        received = self.received = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                received.append((self.headers["Content-Type"],
                                 json.loads(self.rfile.read(int(self.headers["Content-Length"])))))
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/o4o"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def webhook():
    hook = _Webhook()
    yield hook
    hook.close()


def _evaluate_failure_sensor(instance, result):
    from orchestration.sensors import run_failure_alert_sensor

    assert not result.success
    context = build_run_status_sensor_context(
        sensor_name=run_failure_alert_sensor.name, dagster_event=result.get_run_failure_event(),
        dagster_instance=instance, dagster_run=result.dagster_run,
        resources={"o4o": O4oSettingsResource()}).for_run_failure()
    run_failure_alert_sensor(context)
    return Path(instance.root_directory) / "o4o_failures" / f"{result.run_id}.txt"


def test_failure_sensor_reports_a_failed_gate_with_file_and_row(defs, tmp_path, webhook):
    from conftest import TEST_PII_KEY, environ
    from handmade_feeds import write_handmade_feeds

    landing = write_handmade_feeds(tmp_path / "landing")
    wages = landing / "labor_market/wage_records_2021q1.csv"
    wages.write_text(wages.read_text().replace("5000.00", "-5000.00"))  # a negative wage
    published = tmp_path / "mart.duckdb"
    env = {"O4O_LANDING_DIR": str(landing), "O4O_WAREHOUSE_PATH": str(tmp_path / "warehouse.duckdb"),
           "O4O_PUBLISH_PATH": str(published), "O4O_PII_KEY": TEST_PII_KEY, "O4O_ALERT_WEBHOOK_URL": webhook.url}
    with environ(env), DagsterInstance.ephemeral(tempdir=str(tmp_path / "home")) as instance:
        result = defs.resolve_job_def("nightly_refresh").execute_in_process(instance=instance, raise_on_error=False)
        summary_path = _evaluate_failure_sensor(instance, result)
        raw_wages = instance.get_latest_materialization_event(AssetKey(["raw", "wage_records"]))
    summary = summary_path.read_text()
    assert f"run {result.run_id} of job `nightly_refresh` failed" in summary
    assert "published mart was NOT replaced" in summary and not published.exists()
    assert "FAILED raw/wage_records :: great_expectations_gate" in summary
    assert "0 <= wages <= 999999.99" in summary
    assert "labor_market/wage_records_2021q1.csv row 2" in summary
    assert "DagsterAssetCheckFailedError" not in summary  # the gate's step error would only repeat it
    assert "\x1b[" not in summary
    [(content_type, body)] = webhook.received
    assert content_type == "application/json"
    assert body["text"] + "\n" == summary and body["run_id"] == result.run_id
    assert body["job_name"] == "nightly_refresh" and body["summary_path"] == str(summary_path)
    # the raw table the run did load is described in the UI: row count and column schema, no PII columns
    meta = raw_wages.asset_materialization.metadata
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
        assert meta["dagster/row_count"].value == con.execute("SELECT count(*) FROM raw.wage_records").fetchone()[0]
    columns = {c.name for c in meta["dagster/column_schema"].schema.columns}
    assert {"participant_key", "employer_id", "wages"} <= columns and "ssn" not in columns


def nightly_refresh_job():
    """The nightly job as execute_job loads it (reconstructable: re-execution needs a job it can rebuild);
    the `defs` fixture has parsed the dbt manifest."""
    from orchestration.definitions import defs

    return defs.resolve_job_def("nightly_refresh")


def test_reexecute_from_failure_reads_the_fixed_landing_file(defs, tmp_path):
    """A raw gate fails on a bad row; the operator fixes the file and re-executes the run from failure
    (what the UI's "Re-execute from failure" does): the re-execution reads the landing file again and
    publishes. With the raw gates in steps of their own, it re-ran only the gate, on the rows loaded
    before the fix, and failed again."""
    from dagster import DagsterEventType, ReexecutionOptions, execute_job, reconstructable

    from conftest import TEST_PII_KEY, environ
    from handmade_feeds import EXPECTED_DENOMINATOR, EXPECTED_NUMERATOR, write_handmade_feeds
    from orchestration.checks.gates import RAW_NEXT_STEP

    landing = write_handmade_feeds(tmp_path / "landing")
    wages = landing / "labor_market/wage_records_2021q1.csv"
    good = wages.read_text()
    assert good.count("5000.00") == 1  # P01's only 2021q1 wage record
    wages.write_text(good.replace("5000.00", "-5000.00"))  # a negative wage: the raw gate fails
    published = tmp_path / "mart.duckdb"
    env = {"O4O_LANDING_DIR": str(landing), "O4O_WAREHOUSE_PATH": str(tmp_path / "warehouse.duckdb"),
           "O4O_PUBLISH_PATH": str(published), "O4O_PII_KEY": TEST_PII_KEY}
    job = reconstructable(nightly_refresh_job)
    gate = AssetCheckKey(AssetKey(["raw", "wage_records"]), "great_expectations_gate")

    def evaluations(result):
        return [e.event_specific_data for e in result.all_events
                if e.event_type == DagsterEventType.ASSET_CHECK_EVALUATION
                and e.event_specific_data.asset_check_key == gate]

    def started_steps(result):
        return {e.step_key for e in result.all_events if e.event_type == DagsterEventType.STEP_START}

    home = tmp_path / "home"  # a persistent instance: re-execution reads the failed run's plan and events
    home.mkdir()
    with environ(env), DagsterInstance.local_temp(tempdir=str(home)) as instance:
        with execute_job(job, instance) as failed:
            assert not failed.success and not published.exists()
            [verdict] = evaluations(failed)
            assert not verdict.passed and "labor_market/wage_records_2021q1.csv row 2" in verdict.metadata[
                "failures"].value
            # the failed check's text says what to do, as the UI shows it
            assert RAW_NEXT_STEP in verdict.description and verdict.metadata["next_step"].value == RAW_NEXT_STEP
            assert "re-execute this run from failure" in RAW_NEXT_STEP
            failed_steps = {e.step_key for e in failed.all_events if e.event_type == DagsterEventType.STEP_FAILURE}
            assert failed_steps == {"ingest"}  # the gate failed its ingest step; dbt and publish never started
            assert "published_mart" not in started_steps(failed)
            parent = failed.run_id

        wages.write_text(good)  # the operator fixes the file
        options = ReexecutionOptions.from_failure(parent, instance)
        with execute_job(job, instance, reexecution_options=options) as rerun:
            assert rerun.success, [e.message for e in rerun.all_events if e.event_type == DagsterEventType.STEP_FAILURE]
            assert rerun.dagster_run.parent_run_id == parent
            assert {"ingest", "published_mart"} <= started_steps(rerun)  # the ingest ran again
            [verdict] = evaluations(rerun)
            assert verdict.passed and "next_step" not in verdict.metadata

    with duckdb.connect(str(published), read_only=True) as con:
        assert con.execute("SELECT value FROM marts.publish_metadata WHERE key = 'dagster_run_id'"
                           ).fetchone() == (rerun.run_id,)
        # the fixed row is in: 2021q1 totals of 5000.00 are P01's (one employer) and P02's (2000 + 3000)
        assert con.execute("SELECT count(*) FROM marts.fct_quarterly_earnings WHERE year = 2021 AND quarter = 1 "
                           "AND total_wages = 5000").fetchone() == (2,)
        # and P01 counts as employed: 8 of 11 (tests/handmade_feeds.py)
        assert con.execute("SELECT numerator, denominator FROM marts.rpt_wioa_performance WHERE exit_program_year "
                           "= 2020 AND funding_stream = 'all' AND lwda_code = 'all' AND indicator = "
                           "'employment_rate_q2'").fetchone() == (EXPECTED_NUMERATOR, EXPECTED_DENOMINATOR)


def test_failure_sensor_reports_a_stale_mart_from_the_freshness_job(defs, tmp_path, webhook, monkeypatch):
    monkeypatch.setenv("O4O_PUBLISH_PATH", str(tmp_path / "never-published.duckdb"))
    monkeypatch.setenv("O4O_ALERT_WEBHOOK_URL", webhook.url)
    with DagsterInstance.ephemeral(tempdir=str(tmp_path / "home")) as instance:
        result = defs.resolve_job_def("freshness_checks").execute_in_process(instance=instance, raise_on_error=False)
        summary = _evaluate_failure_sensor(instance, result).read_text()
    assert "job `freshness_checks` failed" in summary
    assert "FAILED published_mart :: published_mart_is_fresh" in summary
    assert "FAILED published_mart :: newest_wage_quarter_is_recent" in summary
    assert f"no published mart at {tmp_path / 'never-published.duckdb'}" in summary
    assert "published mart was" not in summary and "Step errors" not in summary  # it never set out to publish
    assert webhook.received[0][1]["text"] + "\n" == summary


def test_failure_sensor_without_webhook_only_writes_the_summary(defs, tmp_path, webhook, monkeypatch):
    monkeypatch.setenv("O4O_PUBLISH_PATH", str(tmp_path / "never-published.duckdb"))
    monkeypatch.delenv("O4O_ALERT_WEBHOOK_URL", raising=False)
    with DagsterInstance.ephemeral(tempdir=str(tmp_path / "home")) as instance:
        result = defs.resolve_job_def("freshness_checks").execute_in_process(instance=instance, raise_on_error=False)
        assert "published_mart_is_fresh" in _evaluate_failure_sensor(instance, result).read_text()
    assert webhook.received == []


def test_webhook_post_never_raises(tmp_path):
    import socket

    from orchestration.alerts import post_webhook

    with socket.socket() as s:  # a loopback port with nothing listening
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    assert post_webhook(f"http://127.0.0.1:{closed}/", "x", timeout=5).startswith("could not post to webhook")
    assert post_webhook("not a url", "x").startswith("could not post to webhook")
    assert post_webhook("http://", "x").startswith("could not post to webhook")
    failing = _Webhook(status=500)
    try:
        assert post_webhook(failing.url, "x") == "webhook answered HTTP 500: Internal Server Error"
        assert failing.received[0][1] == {"text": "x"}
    finally:
        failing.close()
    ok = _Webhook()
    try:
        assert post_webhook(ok.url, "x") == "posted to webhook: HTTP 200"
    finally:
        ok.close()


# --- materialization metadata ---------------------------------------------------------------------

@pytest.mark.parametrize("report, expected", [
    ("rpt_wioa_performance", "| employment_rate_q2 |"),
    ("rpt_equity_outcomes", "| race_ethnicity |"),
    ("rpt_provider_scorecard", "| program | provider |"),
    ("rpt_provider_scorecard_pooled", "| program | provider | exiters |"),
    ("rpt_labor_market", "| area | name | month |"),
])
def test_report_headline_previews(generated_run, report, expected):
    from orchestration.assets.metadata import headline_preview

    with duckdb.connect(str(generated_run.warehouse), read_only=True) as con:
        preview = headline_preview(con, "marts", report).value
        assert headline_preview(con, "marts", "fct_exit_outcomes") is None
    assert expected in preview
    rows = [line for line in preview.splitlines() if line.startswith("| ") and "---" not in line][1:]
    assert rows, preview  # a header and at least one row of numbers


def test_dbt_events_get_warehouse_metadata_and_errors_still_surface(tmp_path):
    from dagster import Output
    from dagster_dbt.errors import DagsterDbtCliRuntimeError

    from orchestration.assets.metadata import with_warehouse_metadata

    warehouse = tmp_path / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute("CREATE SCHEMA marts; CREATE TABLE marts.dim_x (x_id VARCHAR, n INTEGER)")
    manifest = {"nodes": {"model.o4o.dim_x": {"schema": "marts", "name": "dim_x",
                                              "columns": {"x_id": {"description": "The x."}}}}}

    def dbt_events(error):
        yield Output(None, output_name="dim_x", metadata={"unique_id": "model.o4o.dim_x"})
        if error:
            raise error

    [event] = with_warehouse_metadata(dbt_events(None), manifest, warehouse)
    columns = event.metadata["dagster/column_schema"].schema.columns
    assert [(c.name, c.type, c.description) for c in columns] == [("x_id", "varchar", "The x."),
                                                                  ("n", "integer", None)]
    # dbt failed (a test): the process has exited, the built model is reported with its schema, then the error
    events = with_warehouse_metadata(dbt_events(DagsterDbtCliRuntimeError("dbt build failed")), manifest, warehouse)
    assert "dagster/column_schema" in next(events).metadata
    with pytest.raises(DagsterDbtCliRuntimeError):
        next(events)
    # the stream broke off (dbt may still hold the lock): reported as it is, the error is not masked
    events = with_warehouse_metadata(dbt_events(KeyError("unknown node")), manifest, warehouse)
    assert "dagster/column_schema" not in next(events).metadata
    with pytest.raises(KeyError, match="unknown node"):
        next(events)
