"""Issue 14 end to end: two real `o4o refresh` runs (CLI, Dagster with a run history on disk,
dbt, GX, publish) on the hand-made feeds with PII planted where it does not belong, then a
scan of everything the runs left - every table of the warehouse and the mart, the files
beside the mart, the Dagster event log, the console and DuckDB's temp folder - for every
planted SSN, name and birth date.

1. A delivery whose PII only earns warnings (placeholder SSNs, extra columns of a file about
   people, an SSN inside a provider name, a person's name and SSN in a file name) publishes;
   PostgreSQL is unreachable (a port nothing listens on), so the run is a *partial publish*
   and must say so: CLI first line, failure alert, Dagster materializations.
2. A next-night delivery whose PII breaks rules (an SSN as individual_id, SSNs typed into code
   and number columns, an impossible birth date) and a header-only training_records file: the
   run stops at the raw gates with the volume rule and the PII rules named, the mart unchanged.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import socket
from pathlib import Path

import duckdb
import pytest
from conftest import TEST_PII_KEY, environ
from dagster import DagsterInstance

from orchestration.ingest.loader import key_check
from test_ingest import csv_line, write_lines

PARTICIPANT_HEADER = ["individual_id", "ssn", "first_name", "last_name", "date_of_birth", "sex", "hispanic",
                      "american_indian", "asian", "black", "pacific_islander", "white", "veteran", "disability",
                      "highest_education", "employment_status_at_entry", "low_income", "county_fips"]
TRAINING_HEADER = ["record_id", "program_id", "ssn", "first_name", "last_name", "date_of_birth", "enrollment_date",
                   "completion_date", "completion_status", "credential_type", "credential_date"]


def _person(pid, ssn, first, last, dob, **codes) -> list:
    row = dict(sex=1, hispanic=0, american_indian=0, asian=0, black=0, pacific_islander=0, white=1, veteran=0,
               disability=0, highest_education=3, employment_status_at_entry=0, low_income=1, county_fips="39041")
    row.update(codes)
    return [pid, ssn, first, last, dob] + [row[c] for c in PARTICIPANT_HEADER[5:]]


def _append(path: Path, rows: list[list]) -> None:
    with path.open("a", encoding="utf-8") as f:
        for row in rows:
            f.write(csv_line(row) + "\n")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _dagster_home(root: Path) -> Path:
    home = root / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    return home


def _cli_refresh(root: Path, landing: Path, capfd, **env) -> tuple[int, str, str]:
    from orchestration.cli import main

    values = {"O4O_LANDING_DIR": str(landing), "O4O_WAREHOUSE_PATH": str(root / "warehouse.duckdb"),
              "O4O_PUBLISH_PATH": str(root / "pub" / "mart.duckdb"), "O4O_PII_KEY": TEST_PII_KEY,
              "DAGSTER_HOME": str(_dagster_home(root)), **env}
    capfd.readouterr()
    with environ(values):
        rc = main(["refresh"])
    out, err = capfd.readouterr()
    return rc, out, err


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _table_text(path: Path) -> str:
    """Every column name and value of every table of a DuckDB file, as text."""
    lines = []
    with duckdb.connect(str(path), read_only=True) as con:
        for schema, table in con.execute("SELECT table_schema, table_name FROM information_schema.tables").fetchall():
            cursor = con.execute(f'SELECT * FROM "{schema}"."{table}"')
            lines.append(f"{schema}.{table}: {[d[0] for d in cursor.description]}")
            lines += [repr(row) for row in cursor.fetchall()]
    return "\n".join(lines)


def scan(root: Path, console: str, canaries: list[str]) -> list[str]:
    """Where a canary is found: the bytes of every file under `root` but the landing folder
    (warehouse, mart, JSON, HTML reports, Dagster's run and event databases, temp folder),
    every table of every DuckDB file, and the console output. Case-insensitive."""
    hits = []
    texts = {"console": console}
    for path in sorted(p for p in root.rglob("*") if p.is_file() and "landing" not in p.relative_to(root).parts):
        texts[str(path)] = path.read_bytes().decode("utf-8", "replace")
        if path.suffix == ".duckdb":
            copy = root / "scan-copy.duckdb"
            shutil.copy(path, copy)
            if path.with_name(path.name + ".wal").exists():
                shutil.copy(path.with_name(path.name + ".wal"), copy.with_name(copy.name + ".wal"))
            texts[f"tables of {path}"] = _table_text(copy)
            copy.unlink()
            copy.with_name(copy.name + ".wal").unlink(missing_ok=True)
    for where, text in texts.items():
        for canary in canaries:
            if canary.lower() in text.lower():
                hits.append(f"{canary} in {where}")
    return hits


def test_scan_finds_a_planted_canary(tmp_path):
    with duckdb.connect(str(tmp_path / "x.duckdb")) as con:
        con.execute("CREATE TABLE t AS SELECT 'note 899-41-7799 here' AS v")
    (tmp_path / "log.txt").write_text("nothing")
    hits = scan(tmp_path, "Zebulonia said", ["899-41-7799", "zebulonia", "absent"])
    assert {"zebulonia in console", f"899-41-7799 in tables of {tmp_path / 'x.duckdb'}"} <= set(hits)
    assert not any(h.startswith("absent") for h in hits)


# ---------------------------------------------------------------- 1. warnings only + PostgreSQL down

WARNING_CANARIES = ["899-41-7727", "899417727", "Ophelianne", "Vandersnoot", "1939-04-14", "04/14/1939",
                    "899-41-7725", "899-41-7741", "Jane_Doe", "Jane Doe", "Zebulonia", "Quibblesworth", "1937-02-11"]


def test_a_partial_publish_says_so_and_leaks_nothing(handmade_run, tmp_path, capfd):
    root = tmp_path
    landing = root / "landing"
    shutil.copytree(handmade_run.landing, landing)
    (root / "pub").mkdir()
    shutil.copy2(handmade_run.published, root / "pub" / "mart.duckdb")
    _append(landing / "job_center/participants.csv", [
        _person("P90", "999-99-9999", "Zebulonia", "Quibblesworth", "1937-02-11"),   # placeholder SSNs:
        _person("P91", "999-99-9999", "Yolanda", "Extracol", "1950-05-05")])         # two people, not one
    _append(landing / "providers/providers.csv", [["TP9", "Acme Training 899-41-7725", 3, "39041", "OH"]])
    write_lines(landing, "providers", "training_records_2021extra.csv", [
        csv_line(TRAINING_HEADER + ["student_full_name", "ssn_confirm", "dob_confirm", "case_notes"]),
        csv_line(["TR90", "PRG1", "899-41-7727", "Ophelianne", "Vandersnoot", "1939-04-14", "2021-01-04", "",
                  "enrolled", "0", "", "Ophelianne Vandersnoot", "899-41-7727", "1939-04-14",
                  "client Ophelianne Vandersnoot SSN 899417727 DOB 04/14/1939"])])
    write_lines(landing, "providers", "training_records_fix_Jane_Doe_899-41-7741.csv", [
        csv_line(TRAINING_HEADER),
        csv_line(["TR91", "PRG1", "", "Genericfirst", "Genericlast", "1980-01-02", "2020-03-02", "2020-05-01",
                  "completed", "0", ""])])
    before = _sha(root / "pub" / "mart.duckdb")
    dead = f"postgresql://postgres@127.0.0.1:{_free_port()}/none"
    rc, out, err = _cli_refresh(root, landing, capfd, O4O_PUBLISH_POSTGRES_URL=dead)
    mart = root / "pub" / "mart.duckdb"

    assert rc == 1
    verdict = [line for line in err.splitlines() if line.startswith("refresh FAILED")]
    assert verdict and verdict[0].startswith(f"refresh FAILED AFTER PUBLISHING: the DuckDB mart WAS published at {mart}")
    assert "PostgreSQL (schema marts) was NOT updated and still shows the previous version" in verdict[0]
    assert "left exactly as it was" not in err
    assert _sha(mart) != before, "the DuckDB mart was not replaced"
    # the CLI logs each gate as it finishes (README), not only the failed ones
    assert re.search(r"gate passed on raw\.participants: \d+ expectations over [\d,]+ rows in [\d.]+ s", out + err)
    assert "gate passed on marts.rpt_provider_scorecard" in out + err
    with duckdb.connect(str(mart), read_only=True) as con:
        meta = dict(con.execute("SELECT key, value FROM marts.publish_metadata").fetchall())
        files = [r[0] for r in con.execute("SELECT source_file FROM marts.publish_feed_files").fetchall()]
        participants = con.execute("SELECT count(*) FROM marts.dim_participant").fetchone()[0]
    assert meta["key_check"] == key_check(TEST_PII_KEY.encode()) and meta["pii_key_mode"] == "secret"
    assert "providers/training_records_fix_Xxxx_Xxx_***-**-****.csv" in files
    assert participants == 13 + 2, "the two people with a placeholder SSN were merged"

    from orchestration.alerts import failure_summary

    with environ({"DAGSTER_HOME": str(root / "dagster_home")}):
        instance = DagsterInstance.get()
        [run] = instance.get_runs()
        summary = failure_summary(instance, run)
        materialized = {e.asset_key.to_user_string() for e in (r.dagster_event for r in instance.all_logs(run.run_id))
                        if e is not None and e.event_type_value == "ASSET_MATERIALIZATION"}
    assert "published_mart" in materialized and "outcomes_report" in materialized
    assert "postgres_mart" not in materialized
    assert "PARTIAL PUBLISH: the DuckDB mart WAS published at" in summary
    assert "PostgreSQL (schema marts) was NOT updated" in summary and "NOT replaced" not in summary

    hits = scan(root, out + err + summary, WARNING_CANARIES)
    assert hits == [], hits


# ---------------------------------------------------------------- 2. PII in failing rows, a header-only file

FAILING_CANARIES = ["899417728", "899-41-7729", "899-41-7730", "899417730", "Quentavious", "Marbleton",
                    "1938-02-30", "Barnabine", "89941773", "899-41-7734", "899 41 7735"]


def test_pii_in_failing_rows_and_a_shrinking_delivery_stop_the_run_and_leak_nothing(handmade_run, tmp_path,
                                                                                     capfd):
    root = tmp_path
    landing = root / "landing"
    shutil.copytree(handmade_run.landing, landing)
    (root / "pub").mkdir()
    shutil.copy2(handmade_run.published, root / "pub" / "mart.duckdb")
    shutil.copy2(handmade_run.warehouse, root / "warehouse.duckdb")  # the next night of the same warehouse
    before = _sha(root / "pub" / "mart.duckdb")
    _append(landing / "job_center/participants.csv", [
        _person("P92", "", "Quentavious", "Marbleton", "1938-06-16", sex="899417728"),    # SSN in an int column
        _person("P93", "", "Rosamundia", "Thistlewood", "1938-07-17", veteran="899-41-7729"),
        _person("899-41-7730", "", "Cornelius", "Wabbleford", "1938-09-19"),            # individual_id = SSN
        _person("P94", "899-41-7732", "Barnabine", "Crumpsworth", "1938-02-30"),         # impossible birth date
        _person("P95", "", "Ignatius", "Pembertonne", "1938-08-18", county_fips="899 41 7735")])
    _append(landing / "job_center/participation.csv",
            [["AP92", "899417730", "adult", "01", "2020-02-03", "2020-10-30", "00"]])
    _append(landing / "labor_market/wage_records_2021q1.csv", [
        ["89941773", "UI0000001", "331110", 2021, 1, "5000.00"],                       # an 8-digit SSN
        ["899417733", "899-41-7734", "331110", 2021, 1, "100.00"]])                    # an SSN as employer_id
    write_lines(landing, "providers", "training_records.csv", [csv_line(TRAINING_HEADER)])  # header only

    rc, out, err = _cli_refresh(root, landing, capfd)

    assert rc == 1 and "refresh FAILED: the published mart was left exactly as it was." in err
    assert _sha(root / "pub" / "mart.duckdb") == before
    assert re.search(r"providers/training_records\.csv: volume:shrink \(this delivery would shrink "
                     r"raw\.training_records from 1 to 0 rows", err), err
    assert "job_center/participants.csv, row 17, column individual_id: pii:ssn_shaped_id" in err
    assert "pii:ssn_shaped_value" in err and "labor_market/wage_records_2021q1.csv" in err
    with duckdb.connect(str(root / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM raw.training_records").fetchone()[0] == 1  # left as it was
    hits = scan(root, out + err, FAILING_CANARIES)
    assert hits == [], hits
