"""Keys that cannot silently change, and spill files that cannot outlive a run (issue 14).

Real DuckDB files, the real ingest assets materialized by Dagster, the real CLI (which
stops before running anything when the key is wrong) and `make -n ui`.
"""

from __future__ import annotations

import hashlib
import re
import subprocess

import duckdb
import pytest
from conftest import environ
from dagster import AssetSelection, DagsterInstance, materialize

from orchestration.ingest.loader import key_check
from orchestration.ingest.key_safety import KeyMismatch, KeyState, check_pii_key, read_key_state, record_pii_key
from orchestration.resources import O4oSettingsResource
from orchestration.settings import DEMO_PII_KEY, PROJECT_DIR, SettingsError, load_settings
from orchestration.ingest.spill import remove_spill_files
from test_ingest import hmac_hex, write_entity

KEY_A = "key-a-" + "a" * 30
KEY_B = "key-b-" + "b" * 30


def _settings(tmp_path, **env):
    return load_settings({"O4O_WAREHOUSE_PATH": str(tmp_path / "wh.duckdb"),
                          "O4O_PUBLISH_PATH": str(tmp_path / "mart.duckdb"), **env})


def _warehouse_with_key(tmp_path, key: str | None = None, demo: bool = False):
    settings = _settings(tmp_path, **({"O4O_DEMO": "1"} if demo else {"O4O_PII_KEY": key}))
    with duckdb.connect(str(settings.warehouse_path)) as con:
        record_pii_key(con, settings)
    return settings


def _mart_with(tmp_path, **metadata):
    with duckdb.connect(str(tmp_path / "mart.duckdb")) as con:
        con.execute("CREATE SCHEMA marts; CREATE TABLE marts.publish_metadata (key VARCHAR, value VARCHAR)")
        con.executemany("INSERT INTO marts.publish_metadata VALUES (?, ?)", list(metadata.items()))


# ---------------------------------------------------------------- settings

@pytest.mark.parametrize("blank", ["   ", "\t", " \n "])
def test_a_blank_key_is_refused(blank):
    with pytest.raises(SettingsError, match="blank"):
        load_settings({"O4O_PII_KEY": blank}).require_pii_key()


def test_demo_beside_a_real_key_is_refused_not_silently_demo():
    with pytest.raises(SettingsError, match="both set"):
        load_settings({"O4O_PII_KEY": KEY_A, "O4O_DEMO": "1"}).require_pii_key()
    assert load_settings({"O4O_PII_KEY": KEY_A, "O4O_DEMO": "0"}).require_pii_key() == KEY_A.encode()
    assert load_settings({"O4O_DEMO": "1"}).require_pii_key() == DEMO_PII_KEY.encode()


def test_a_short_key_is_accepted_with_a_warning():
    short = load_settings({"O4O_PII_KEY": "testkey"})
    assert short.require_pii_key() == b"testkey" and "7 characters" in short.pii_key_warnings()[0]
    assert load_settings({"O4O_PII_KEY": KEY_A}).pii_key_warnings() == []


@pytest.mark.parametrize("env, demo", [({}, "1"), ({"O4O_PII_KEY": KEY_A}, "0"),
                                       ({"O4O_PII_KEY": KEY_A, "O4O_DEMO": "1"}, "1"), ({"O4O_DEMO": "0"}, "0")])
def test_make_ui_defaults_to_demo_only_without_a_real_key(env, demo):
    # The Makefile's recipe line, as make passes it to the shell, evaluated for its O4O_DEMO.
    recipe = subprocess.run(["make", "-n", "-W", "pyproject.toml", "ui"], cwd=PROJECT_DIR, capture_output=True,
                            text=True, env={"PATH": "/usr/bin:/bin", "HOME": "/tmp", **env}).stdout
    assignment = re.search(r"O4O_DEMO=\S*\$\(.*?\)\}|O4O_DEMO=\S+", recipe).group()
    got = subprocess.run(["bash", "-c", f"echo {assignment}"], capture_output=True, text=True,
                         env={"PATH": "/usr/bin:/bin", **env}).stdout.strip()
    assert got == f"O4O_DEMO={demo}"


# ---------------------------------------------------------------- the key check

def test_a_fresh_warehouse_takes_any_key(tmp_path):
    settings = _settings(tmp_path, O4O_PII_KEY=KEY_A)
    assert check_pii_key(settings, read_key_state(settings)) == []


def test_another_key_stops_unless_rekey(tmp_path):
    _warehouse_with_key(tmp_path, KEY_A)
    same = _settings(tmp_path, O4O_PII_KEY=KEY_A)
    assert check_pii_key(same, read_key_state(same)) == []
    other = _settings(tmp_path, O4O_PII_KEY=KEY_B)
    with pytest.raises(KeyMismatch, match="--rekey") as refused:
        check_pii_key(other, read_key_state(other))
    assert "the warehouse" in str(refused.value) and "Nothing was written" in str(refused.value)
    assert KEY_A not in str(refused.value) and KEY_B not in str(refused.value)
    rekey = _settings(tmp_path, O4O_PII_KEY=KEY_B, O4O_REKEY="1")
    [note] = check_pii_key(rekey, read_key_state(rekey))
    assert note.startswith("re-keying")


def test_the_demo_key_never_replaces_a_secret_key(tmp_path):
    _warehouse_with_key(tmp_path, KEY_A)
    for env in ({"O4O_DEMO": "1"}, {"O4O_DEMO": "1", "O4O_REKEY": "1"}):
        demo = _settings(tmp_path, **env)
        with pytest.raises(KeyMismatch, match="refusing the public demo key"):
            check_pii_key(demo, read_key_state(demo))


def test_a_real_key_over_a_demo_warehouse_needs_rekey(tmp_path):
    _warehouse_with_key(tmp_path, demo=True)
    real = _settings(tmp_path, O4O_PII_KEY=KEY_A)
    with pytest.raises(KeyMismatch):
        check_pii_key(real, read_key_state(real))
    assert check_pii_key(_settings(tmp_path, O4O_PII_KEY=KEY_A, O4O_REKEY="1"), read_key_state(real))


def test_the_published_mart_key_check_counts_too(tmp_path):
    _mart_with(tmp_path, pii_key_mode="secret", key_check=key_check(KEY_A.encode()))
    other = _settings(tmp_path, O4O_PII_KEY=KEY_B)
    with pytest.raises(KeyMismatch, match="the published mart"):
        check_pii_key(other, read_key_state(other))
    same = _settings(tmp_path, O4O_PII_KEY=KEY_A)
    assert check_pii_key(same, read_key_state(same)) == []


def test_an_older_secret_mart_without_key_check_refuses_the_demo_key(tmp_path):
    _mart_with(tmp_path, pii_key_mode="secret")
    demo = _settings(tmp_path, O4O_DEMO="1")
    with pytest.raises(KeyMismatch, match="demo"):
        check_pii_key(demo, read_key_state(demo))


def test_an_older_warehouse_is_checked_through_its_load_state(tmp_path):
    settings = _settings(tmp_path, O4O_PII_KEY=KEY_B)
    with duckdb.connect(str(settings.warehouse_path)) as con:
        con.execute("CREATE SCHEMA raw; CREATE TABLE raw.load_state (entity VARCHAR, key_check VARCHAR)")
        con.execute("INSERT INTO raw.load_state VALUES ('laus', ?)", [key_check(KEY_A.encode())])
    assert read_key_state(settings).warehouse == {key_check(KEY_A.encode())}
    with pytest.raises(KeyMismatch):
        check_pii_key(settings, read_key_state(settings))
    assert check_pii_key(settings, KeyState()) == []


# ---------------------------------------------------------------- the CLI and the ingest assets

def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def keyed_landing(tmp_path):
    landing = tmp_path / "landing"
    write_entity(landing, "participants", [dict(individual_id="I1", ssn="212-45-6789")])
    write_entity(landing, "participation", [dict(participation_id="PA1")])
    write_entity(landing, "services", [], header=["service_id", "participation_id", "service_date", "service_type",
                                                  "training_type", "program_id", "cost"])
    return landing


def _ingest_job_center(tmp_path, landing, **env):
    from orchestration.asset_keys import raw_asset_key
    from orchestration.assets.ingest import ingest_assets
    from orchestration.ingest.feeds import FEEDS

    values = {"O4O_LANDING_DIR": str(landing), "O4O_WAREHOUSE_PATH": str(tmp_path / "wh.duckdb"),
              "O4O_PUBLISH_PATH": str(tmp_path / "mart.duckdb"), **env}
    # the job_center feed's raw tables alone, without the raw gates (this landing holds only what the
    # key needs, and services' gate reads raw.programs, which it does not load)
    job_center = AssetSelection.assets(*(raw_asset_key(e.name) for e in FEEDS["job_center"])).without_checks()
    with environ(values), DagsterInstance.ephemeral() as instance:
        result = materialize(ingest_assets, selection=job_center, instance=instance, raise_on_error=False,
                             resources={"o4o": O4oSettingsResource()})
        result.log_messages = [r.user_message for r in instance.all_logs(result.run_id)]
        return result


def test_cli_stops_a_changed_key_before_anything_runs(tmp_path, monkeypatch, capsys):
    from orchestration.cli import main

    settings = _warehouse_with_key(tmp_path, KEY_A)
    before = _sha(settings.warehouse_path)
    monkeypatch.setenv("O4O_WAREHOUSE_PATH", str(settings.warehouse_path))
    monkeypatch.setenv("O4O_PUBLISH_PATH", str(settings.publish_path))
    for flag in ("O4O_DEMO", "O4O_REKEY", "O4O_ACCEPT_SHRINK"):  # the CLI sets them: restored after the test
        monkeypatch.delenv(flag, raising=False)
    monkeypatch.setenv("O4O_PII_KEY", KEY_B)
    assert main(["refresh"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not the key the warehouse" in err and "--rekey" in err
    assert main(["refresh", "--demo"]) == 2 and "both set" in capsys.readouterr().err
    monkeypatch.delenv("O4O_PII_KEY")
    assert main(["refresh", "--demo", "--rekey"]) == 2 and "demo key" in capsys.readouterr().err
    assert _sha(settings.warehouse_path) == before


def test_ingest_refuses_a_changed_key_before_writing_and_rekey_rebuilds(tmp_path, keyed_landing):
    first = _ingest_job_center(tmp_path, keyed_landing, O4O_PII_KEY=KEY_A)
    assert first.success
    warehouse = tmp_path / "wh.duckdb"
    with duckdb.connect(str(warehouse), read_only=True) as con:
        before = con.execute("SELECT participant_key FROM raw.participants").fetchall()
    assert before == [(hmac_hex(KEY_A.encode(), "ssn:212456789"),)]

    refused = _ingest_job_center(tmp_path, keyed_landing, O4O_PII_KEY=KEY_B)
    assert not refused.success
    [failure] = [e for e in refused.all_events if e.event_type_value == "STEP_FAILURE"]
    assert "--rekey" in str(failure.event_specific_data.error)
    assert not refused.get_asset_materialization_events()
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("SELECT participant_key FROM raw.participants").fetchall() == before
        assert con.execute("SELECT key_check FROM raw.pii_key").fetchall() == [(key_check(KEY_A.encode()),)]

    rekeyed = _ingest_job_center(tmp_path, keyed_landing, O4O_PII_KEY=KEY_B, O4O_REKEY="1")
    assert rekeyed.success
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("SELECT participant_key FROM raw.participants").fetchall() == [
            (hmac_hex(KEY_B.encode(), "ssn:212456789"),)]
        assert con.execute("SELECT key_check, pii_key_mode FROM raw.pii_key").fetchall() == [
            (key_check(KEY_B.encode()), "secret")]
    assert _ingest_job_center(tmp_path, keyed_landing, O4O_PII_KEY=KEY_B).success  # the new key is the key now


# ---------------------------------------------------------------- spill files

def test_duckdb_spills_into_the_configured_folder(tmp_path):
    settings = _settings(tmp_path, O4O_PII_KEY=KEY_A, O4O_DUCKDB_MEMORY_LIMIT="30MB")
    assert settings.duckdb_temp_dir == tmp_path / "wh.duckdb.tmp"
    with duckdb.connect(str(settings.warehouse_path), config=settings.duckdb_config()) as con:
        con.execute("CREATE TEMP TABLE landed AS SELECT '899-41-7799 ' || i::VARCHAR || repeat('y', 40) AS s "
                    "FROM range(1500000) t(i)")
        assert list(settings.duckdb_temp_dir.glob("duckdb_temp_*"))  # the landing text went to disk here
    other = _settings(tmp_path, O4O_PII_KEY=KEY_A, O4O_DUCKDB_TEMP_DIR=str(tmp_path / "protected"))
    assert other.duckdb_config()["temp_directory"] == str(tmp_path / "protected")
    assert other.dbt_vars()["o4o_duckdb_temp_dir"] == str(tmp_path / "protected")


def test_stale_spill_files_of_a_killed_run_are_removed_by_the_next_ingest(tmp_path, keyed_landing):
    spill = tmp_path / "wh.duckdb.tmp"
    spill.mkdir()
    stale = spill / "duckdb_temp_4242_0_storage_DEFAULT-0.tmp"
    stale.write_bytes(b"\x00" * 64 + b"899-41-7799,Zebulonia,Quibblesworth,1937-02-11" + b"\x00" * 64)
    (spill / "duckdb_temp_4242_0_owner").write_text("4242")
    (spill / "operator-notes.txt").write_text("not DuckDB's: never removed")
    result = _ingest_job_center(tmp_path, keyed_landing, O4O_PII_KEY=KEY_A)
    assert result.success
    assert sorted(p.name for p in spill.iterdir()) == ["operator-notes.txt"]
    assert any("removed 2 stale DuckDB spill file(s)" in m for m in result.log_messages)


def test_remove_spill_files_touches_only_duckdb_files(tmp_path):
    settings = _settings(tmp_path, O4O_PII_KEY=KEY_A)
    assert remove_spill_files(settings) == (0, 0)  # no folder yet
    settings.duckdb_temp_dir.mkdir()
    (settings.duckdb_temp_dir / "duckdb_temp_1_0_storage_S32K-0.tmp").write_bytes(b"x" * 10)
    (settings.duckdb_temp_dir / "keep.tmp").write_bytes(b"x")
    assert remove_spill_files(settings) == (1, 10)
    assert [p.name for p in settings.duckdb_temp_dir.iterdir()] == ["keep.tmp"]


# ---------------------------------------------------------------- the volume rule's settings

def test_volume_rule_settings():
    assert load_settings({}).max_shrink_share == 0.5 and load_settings({}).accept_shrink == frozenset()
    assert load_settings({"O4O_MAX_SHRINK_SHARE": "80%"}).max_shrink_share == 0.8
    assert load_settings({"O4O_MAX_SHRINK_SHARE": "0.25"}).max_shrink_share == 0.25
    for bad in ("2", "-0.1", "half"):
        with pytest.raises(SettingsError, match="O4O_MAX_SHRINK_SHARE"):
            load_settings({"O4O_MAX_SHRINK_SHARE": bad})
    assert load_settings({"O4O_ACCEPT_SHRINK": "laus, Training_Records"}).accept_shrink == {"laus", "training_records"}
    with pytest.raises(SettingsError, match="traning_records: not a feed entity"):
        load_settings({"O4O_ACCEPT_SHRINK": "traning_records"})
