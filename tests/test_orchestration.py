"""Dagster wiring: definitions load, job/schedule/sensor shapes, gates on every layer, settings."""

from __future__ import annotations

import time

import pytest
from dagster import AssetCheckKey, AssetKey, DagsterInstance, RunRequest, SkipReason, build_sensor_context

from orchestration.settings import SettingsError, load_settings


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
    specs = {s.key: s for c in defs.asset_checks for s in c.check_specs}
    for gate in GATES:
        assert specs[AssetCheckKey(gate.asset_key, "great_expectations_gate")].blocking, gate


def test_schedule_cron_and_timezone(defs, monkeypatch):
    schedule = defs.resolve_schedule_def("nightly_refresh_schedule")
    assert schedule.cron_schedule == "0 2 * * *"
    assert schedule.execution_timezone == load_settings().schedule_timezone
    assert schedule.job_name == "nightly_refresh"


def test_landing_sensor_fires_on_new_or_changed_files_only(defs, tmp_path, monkeypatch):
    from orchestration.sensors import landing_sensor

    monkeypatch.setenv("O4O_LANDING_DIR", str(tmp_path))
    (tmp_path / "job_center").mkdir()
    f = tmp_path / "job_center" / "participants.csv"
    f.write_text("individual_id\nP1\n")
    with DagsterInstance.ephemeral() as instance:
        ctx = build_sensor_context(instance=instance)
        assert isinstance(landing_sensor(ctx), RunRequest)
        ctx = build_sensor_context(instance=instance, cursor=ctx.cursor)
        assert isinstance(landing_sensor(ctx), SkipReason), "fired on an unchanged landing directory"
        time.sleep(0.01)
        f.write_text("individual_id\nP1\nP2\n")
        ctx = build_sensor_context(instance=instance, cursor=ctx.cursor)
        request = landing_sensor(ctx)
        assert isinstance(request, RunRequest)
        assert request.tags["o4o/changed_files"] == "job_center/participants.csv"


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
