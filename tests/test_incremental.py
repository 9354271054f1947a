"""Incremental refresh: when a wage quarter lands, only what depends on it is recomputed,
and the result is exactly what a full refresh from scratch gives.

The loader keeps an unchanged entity as it is and appends a new file's rows
(orchestration/ingest/loader.py, raw.load_state); the wage models of dbt are incremental
(dbt_project/macros/incremental.sql). The loader tests run on a small generated landing
directory, without Dagster or dbt; the end-to-end test runs the real refresh twice and
compares every published table with the session's full refresh of the same files.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sys
from pathlib import Path

import duckdb
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo root holds `benchmarks`
from benchmarks.compare import mart_differences  # noqa: E402
from conftest import refresh  # noqa: E402
from orchestration.ingest.feeds import FEEDS  # noqa: E402
from orchestration.ingest.loader import APPEND, FULL, UNCHANGED, load_entity  # noqa: E402
from orchestration.publish.write_audit_publish import metadata_path  # noqa: E402

KEY = b"incremental-test-key-0123456789abcdef"
T1 = dt.datetime(2025, 7, 1, 2, 0, 0)
T2 = T1 + dt.timedelta(days=1)
T3 = T2 + dt.timedelta(days=1)


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    from orchestration.generate import generate

    landing = tmp_path_factory.mktemp("incremental") / "landing"
    generate(landing, participants=300, seed=11)
    return landing


def wage_files(landing: Path) -> list[Path]:
    return sorted((landing / "labor_market").glob("wage_records*.csv"))


def copy_without_latest_quarter(source: Path, target: Path) -> Path:
    """The landing directory as it stood the night before the latest wage file arrived."""
    shutil.copytree(source, target)
    wage_files(target)[-1].unlink()
    return target


def load_feed(con, landing: Path, feed: str, now: dt.datetime, key: bytes = KEY) -> dict[str, object]:
    """One feed loaded as the ingest asset does it: its entities in order, one connection."""
    return {e.name: load_entity(con, e, landing, key, log=lambda _: None, now=now) for e in FEEDS[feed]}


def raw_rows(con, table: str) -> list[tuple]:
    """Every row and column but the first-delivery time (which differs between histories)."""
    return sorted(con.execute(f"SELECT * EXCLUDE (_loaded_at) FROM raw.{table}").fetchall(), key=repr)


def full_load(landing: Path, path: Path, feed: str, now: dt.datetime) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(path))
    load_feed(con, landing, feed, now)
    return con


def append_correction(landing: Path, name: str) -> None:
    """A later file that corrects the first wage row of the earliest quarter (same key, other wages)."""
    lines = wage_files(landing)[0].read_text().splitlines()
    header, first = lines[0], lines[1].split(",")
    wages = header.split(",").index("wages")
    first[wages] = "12345.67"
    (landing / "labor_market" / name).write_text(f"{header}\n{','.join(first)}\n")


def test_a_new_wage_quarter_is_appended_and_equals_a_full_load(generated, tmp_path):
    landing = copy_without_latest_quarter(generated, tmp_path / "landing")
    con = duckdb.connect(str(tmp_path / "incremental.duckdb"))
    first = load_feed(con, landing, "labor_market", T1)
    assert {r.mode for r in first.values()} == {FULL}

    shutil.copy(wage_files(generated)[-1], landing / "labor_market")
    append_correction(landing, "wage_records_zz_correction.csv")
    second = load_feed(con, landing, "labor_market", T2)

    new_rows = sum(1 for _ in wage_files(generated)[-1].open()) - 1 + 1
    assert second["wage_records"].mode == APPEND
    assert second["wage_records"].rows_read == new_rows  # only the two new files were read
    assert second["wage_records"].rows_replaced == 1  # the correction replaced one loaded row
    assert {second[e].mode for e in ("laus", "oews", "ui_claims")} == {UNCHANGED}
    assert all(second[e].rows_read == 0 for e in ("laus", "oews", "ui_claims"))

    full = full_load(landing, tmp_path / "full.duckdb", "labor_market", T2)
    for table in ("wage_records", "laus", "oews", "ui_claims"):
        assert raw_rows(con, table) == raw_rows(full, table), table
    assert con.execute("SELECT count(*) FROM raw.wage_records WHERE wages = 12345.67").fetchone() == (1,)
    logged = "SELECT source_file, checksum, rows_read, rows_quarantined, status FROM raw.load_log ORDER BY 1"
    assert con.execute(logged).fetchall() == full.execute(logged).fetchall()
    assert con.execute("SELECT count(*) FROM raw.quarantine").fetchone() == (0,)

    third = load_feed(con, landing, "labor_market", T3)  # nothing new: nothing read
    assert {r.mode for r in third.values()} == {UNCHANGED}
    assert raw_rows(con, "wage_records") == raw_rows(full, "wage_records")


def _change_a_loaded_file(landing: Path) -> None:
    path = wage_files(landing)[0]
    lines = path.read_text().splitlines()
    path.write_text("\n".join(lines[:-1]) + "\n")  # its last record withdrawn


def _remove_a_loaded_file(landing: Path) -> None:
    wage_files(landing)[1].unlink()


def _new_file_with_an_extra_column(landing: Path) -> None:
    lines = wage_files(landing)[-1].read_text().splitlines()
    (landing / "labor_market" / "wage_records_zz_extra.csv").write_text(
        "\n".join([lines[0] + ",note"] + [line + ",x" for line in lines[1:3]]) + "\n")


@pytest.mark.parametrize("change", [_change_a_loaded_file, _remove_a_loaded_file, _new_file_with_an_extra_column],
                         ids=["a loaded file changed", "a loaded file removed", "a new column"])
def test_anything_but_new_files_rebuilds_raw_from_every_file(generated, tmp_path, change):
    landing = copy_without_latest_quarter(generated, tmp_path / "landing")
    con = duckdb.connect(str(tmp_path / "incremental.duckdb"))
    load_feed(con, landing, "labor_market", T1)
    rebuilt_before = con.execute("SELECT rebuilt_at FROM raw.load_state WHERE entity = 'wage_records'").fetchone()

    change(landing)
    again = load_feed(con, landing, "labor_market", T2)

    assert again["wage_records"].mode == FULL
    assert rebuilt_before == (T1,)
    assert con.execute("SELECT rebuilt_at FROM raw.load_state WHERE entity = 'wage_records'").fetchone() in [(T2,), None]
    full = full_load(landing, tmp_path / "full.duckdb", "labor_market", T2)
    assert raw_rows(con, "wage_records") == raw_rows(full, "wage_records")


def test_another_key_or_a_load_with_problems_rebuilds(generated, tmp_path):
    landing = copy_without_latest_quarter(generated, tmp_path / "landing")
    con = duckdb.connect(str(tmp_path / "incremental.duckdb"))
    load_feed(con, landing, "labor_market", T1)

    other_key = load_feed(con, landing, "labor_market", T2, key=b"another-key-fedcba9876543210fedcba")
    assert {r.mode for r in other_key.values()} == {FULL}

    lines = wage_files(generated)[-1].read_text().splitlines()
    bad = lines[1].split(",")
    bad[lines[0].split(",").index("wages")] = "lots"
    (landing / "labor_market" / wage_files(generated)[-1].name).write_text("\n".join([lines[0], ",".join(bad)]) + "\n")
    with_problem = load_feed(con, landing, "labor_market", T3, key=b"another-key-fedcba9876543210fedcba")
    assert with_problem["wage_records"].mode == APPEND and with_problem["wage_records"].rows_quarantined == 1
    assert con.execute("SELECT count(*) FROM raw.load_state WHERE entity = 'wage_records'").fetchone() == (0,)
    after = load_feed(con, landing, "labor_market", T3 + dt.timedelta(days=1), key=b"another-key-fedcba9876543210fedcba")
    assert after["wage_records"].mode == FULL  # the problem is reported again, from every file
    assert after["wage_records"].rows_quarantined == 1


def test_participants_and_participation_are_kept_or_rebuilt_together(generated, tmp_path):
    """participation's age at entry comes from the participants' birth dates, which exist only
    while participants are loaded: the two are never appended to, only kept or rebuilt."""
    landing = tmp_path / "landing"
    shutil.copytree(generated, landing)
    con = duckdb.connect(str(tmp_path / "incremental.duckdb"))
    load_feed(con, landing, "job_center", T1)
    assert {e: r.mode for e, r in load_feed(con, landing, "job_center", T2).items()} == {
        "participants": UNCHANGED, "participation": UNCHANGED, "services": UNCHANGED}

    periods = (landing / "job_center" / "participation.csv").read_text().splitlines()
    (landing / "job_center" / "participation_zz_late.csv").write_text("\n".join([periods[0], periods[1]]) + "\n")
    modes = {e: r.mode for e, r in load_feed(con, landing, "job_center", T3).items()}

    assert modes == {"participants": FULL, "participation": FULL, "services": UNCHANGED}
    full = full_load(landing, tmp_path / "full.duckdb", "job_center", T3)
    for table in ("participants", "participation", "services"):
        assert raw_rows(con, table) == raw_rows(full, table), table
    assert con.execute("SELECT count(age_at_entry) FROM raw.participation").fetchone()[0] > 0


def test_incremental_refresh_publishes_the_same_mart_as_a_full_refresh(generated_run, tmp_path):
    """The real pipeline: last night's refresh without the latest wage quarter, then tonight's
    with it; every published table equals the session's full refresh of the same files."""
    assert generated_run.outcome.published
    landing = copy_without_latest_quarter(generated_run.landing, tmp_path / "landing")
    work = tmp_path / "work"
    work.mkdir()
    night = refresh(landing, work)
    assert night.outcome.published, night.outcome.failed_checks + night.outcome.step_errors

    with duckdb.connect(str(night.warehouse)) as con:
        # A row no full build would keep: it survives only if the wage model is updated in place.
        con.execute("""INSERT INTO intermediate.int_wages_by_person_employer_quarter BY NAME
            SELECT 'sentinel-not-a-worker' AS participant_key, 'E-SENTINEL' AS employer_id, year, quarter,
                   quarter_index, 0.00 AS wages, _loaded_at, _raw_rebuilt_at
            FROM intermediate.int_wages_by_person_employer_quarter ORDER BY _loaded_at, quarter_index LIMIT 1""")
        before = dict(con.execute("SELECT entity, updated_at FROM raw.load_state").fetchall())
    shutil.copy(wage_files(generated_run.landing)[-1], landing / "labor_market")
    tonight = refresh(landing, work)
    assert tonight.outcome.published, tonight.outcome.failed_checks + tonight.outcome.step_errors

    with duckdb.connect(str(tonight.warehouse), read_only=True) as con:
        after = dict(con.execute("SELECT entity, updated_at FROM raw.load_state").fetchall())
        state = con.execute("SELECT rebuilt_at < updated_at FROM raw.load_state WHERE entity = 'wage_records'").fetchone()
        sentinel = con.execute("""SELECT count(*) FROM intermediate.int_wages_by_person_employer_quarter
            WHERE participant_key = 'sentinel-not-a-worker'""").fetchone()[0]
    assert state == (True,)  # raw.wage_records was appended to, not rebuilt
    assert {e for e in after if after[e] != before[e]} == {"wage_records"}  # nothing else was read again
    assert sentinel == 1  # the wage model was updated in place, not rebuilt
    assert mart_differences(generated_run.published, tonight.published) == []
    # the raw gates validated only what arrived tonight (keys and foreign keys: whole tables, by SQL)
    raw_gates = {c["asset"]: c for c in json.loads(metadata_path(tonight.published).read_text())["checks"]
                 if c["layer"] == "raw"}
    new_rows = len(wage_files(generated_run.landing)[-1].read_text().splitlines()) - 1
    assert raw_gates["raw/wage_records"]["rows_validated"] == new_rows
    assert raw_gates["raw/wage_records"]["validated"].startswith("the rows of 1 new file(s)")
    assert {c["rows_validated"] for a, c in raw_gates.items() if a != "raw/wage_records"} == {0}
