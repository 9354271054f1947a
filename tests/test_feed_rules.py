"""Every feed rule broken once, through the real `nightly_refresh` (issue 3's battery).

One landing directory (the hand-made feeds plus one extra bad file per case) is
refreshed once: the raw gates must fail, the refresh must name each file, row and rule,
the published mart must stay byte-identical, and the valid rows of each bad file must
be in the warehouse. Re-delivered and corrected files, which are not errors, are
refreshed once more and must publish numbers that count nothing twice.
"""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import dataclass

import duckdb
import pytest
from conftest import refresh
from handmade_feeds import COUNTY, EXPECTED_DENOMINATOR, EXPECTED_NUMERATOR, LWDA, ssn
from test_ingest import csv_line, write_lines


@dataclass(frozen=True)
class Case:
    name: str
    entity: str
    file: str       # landing path relative to the landing dir
    row: int | None  # spreadsheet row (header = 1); None for a file-level refusal
    rule: str       # a fragment of the rule text the message must carry


PARTICIPANT_HEADER = ["individual_id", "ssn", "first_name", "last_name", "date_of_birth", "sex", "hispanic",
                      "american_indian", "asian", "black", "pacific_islander", "white", "veteran", "disability",
                      "highest_education", "employment_status_at_entry", "low_income", "county_fips"]


def _person(individual_id: str, number: int, sex: str = "1") -> list:
    return [individual_id, ssn(number), f"First{number}", f"Last{number}", f"1985-04-{number:02d}", sex,
            0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 1, COUNTY]


BAD_FILES = {
    "job_center/participants_z_bad.csv": [
        csv_line(PARTICIPANT_HEADER), csv_line(_person("P14", 14)), csv_line(_person("P15", 15, sex="7"))],
    "job_center/participation_z_bad.csv": [
        "participation_id,individual_id,funding_stream,lwda_code,entry_date,exit_date,exit_reason",
        f"AP14,P14,adult,{LWDA},2020-02-03,,00",
        f"AP15,P14,adult,{LWDA},2021-02-30,,00",
        f"AP16,P14,adult,{LWDA},2020-05-01,2020-04-01,00"],
    "labor_market/wage_records_z_bad.csv": [
        "ssn,employer_id,naics_code,year,quarter,wages",
        f"{ssn(14)},UI0000009,331110,2020,1,100.00",
        f"{ssn(14)},UI0000009,331110,2020,2,-5.00",
        f"{ssn(14)},UI0000009,331110,2020,3,1000000.00"],
    "job_center/services_z_bad.csv": [
        "service_id,participation_id,service_date,service_type,training_type,program_id,cost",
        "S14,AP14,2020-02-03,basic_career,,,0.00",
        "S15,ANOPE,2020-02-03,basic_career,,,0.00"],
    "providers/programs_z_bad.csv": [
        "program_id,provider_id,program_name,cip_code,soc_code,potential_outcome,tuition_cost,length_hours,"
        "delivery_mode,etpl_status",
        "PRG2,TP1,Welding II,48.0508,51-4121,5,4000.00,400,in_person,approved",
        "PRG2,TP1,Welding II (again),48.0508,51-4121,5,4000.00,400,in_person,approved"],
    "labor_market/laus_z_bad.csv": [
        "area_fips,year,month,labor_force,employed,unemployed",
        f"{COUNTY},2020,6,1000,930,70"],
    "labor_market/ui_claims_z_bad.csv": [
        "week_ending,county_fips,initial_claims,continued_claims",
        f"2020-04-18,{COUNTY},90000,160000",
        f"2020-04-25,{COUNTY},80000,150000,999"],
    # issue 16's optional columns and entity: their rules name file, row and rule like the others
    "job_center/participation_z_bad_new.csv": [
        "participation_id,individual_id,funding_stream,lwda_code,entry_date,exit_date,exit_reason,"
        "youth_placement_q2,msg_date_efl,education_training_enrollment_date",
        f"AP17,P14,wagner_peyser,{LWDA},2020-03-02,2020-06-30,00,2,,",
        f"AP18,P14,dislocated_worker,{LWDA},2020-03-02,2020-06-30,00,,2020-05-01,"],
    "job_center/participants_z_bad_new.csv": [
        csv_line(PARTICIPANT_HEADER + ["homeless"]), csv_line(_person("P16", 16) + [5])],
    "labor_market/supplemental_wages_z_bad.csv": [
        "ssn,source,employer_id,year,quarter,wages",
        f"{ssn(14)},interstate,,2020,1,500.00",
        f"{ssn(14)},border,,2020,2,600.00"],
}
LATIN1_FILE = "labor_market/oews_z_latin1.csv"

CASES = [
    Case("bad code", "participants", "job_center/participants_z_bad.csv", 3, "sex [201]: 1, 2, 9"),
    Case("impossible date", "participation", "job_center/participation_z_bad.csv", 3, "date"),
    Case("exit before entry", "participation", "job_center/participation_z_bad.csv", 4,
         "exit_date [901] >= entry_date"),
    Case("negative wage", "wage_records", "labor_market/wage_records_z_bad.csv", 3, "0 <= wages <= 999999.99"),
    Case("wage over 999999.99", "wage_records", "labor_market/wage_records_z_bad.csv", 4,
         "0 <= wages <= 999999.99"),
    Case("orphan foreign key", "services", "job_center/services_z_bad.csv", 3,
         "participation_id exists in participation"),
    Case("duplicate key", "programs", "providers/programs_z_bad.csv", 3, "unique key: program_id"),
    Case("missing column", "laus", "labor_market/laus_z_bad.csv", 1, "missing_column"),
    Case("malformed CSV row", "ui_claims", "labor_market/ui_claims_z_bad.csv", 3, "csv:malformed_row"),
    Case("wrong encoding", "oews", LATIN1_FILE, None, "encoding:utf-8"),
    Case("youth placement outside youth", "participation", "job_center/participation_z_bad_new.csv", 2,
         "youth_placement_q2/_q4 [1900, 1901] only for youth"),
    Case("skill gain without enrollment", "participation", "job_center/participation_z_bad_new.csv", 3,
         "needs education_training_enrollment_date [1811]"),
    Case("barrier code", "participants", "job_center/participants_z_bad_new.csv", 2,
         "homeless [800]: 1 yes, 0 no, 9"),
    Case("supplemental wage source", "supplemental_wages", "labor_market/supplemental_wages_z_bad.csv", 3,
         "source in"),
]
# Valid rows written beside the bad ones, which must reach the raw tables.
VALID_ROWS = {"participants": ("individual_id", "P14"), "participation": ("participation_id", "AP14"),
              "services": ("service_id", "S14"), "ui_claims": ("initial_claims", "90000"),
              "supplemental_wages": ("wages", "500.00")}


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def broken_run(handmade_run, tmp_path_factory):
    root = tmp_path_factory.mktemp("broken")
    landing = root / "landing"
    shutil.copytree(handmade_run.landing, landing)
    for name, lines in BAD_FILES.items():
        feed, file_name = name.split("/")
        write_lines(landing, feed, file_name, lines)
    write_lines(landing, "labor_market", LATIN1_FILE.split("/")[1], [
        "area_code,soc_code,year,occupation_title,employment,median_annual_wage",
        "39,51-4121,2021,Soudeurs et braseurs (métaux),**,46000.00"], encoding="latin-1")
    published = root / "mart.duckdb"
    shutil.copy2(handmade_run.published, published)
    before = _sha(published)
    run = refresh(landing, root, published)
    return run, before


def _failure_text(run, entity: str) -> str:
    return "\n".join(f for f in run.outcome.failed_checks if f.startswith(f"FAILED raw/{entity} "))


def test_broken_delivery_is_not_published(broken_run):
    run, before = broken_run
    assert not run.outcome.published
    assert _sha(run.published) == before, "the published mart changed although a raw gate failed"
    assert not list(run.published.parent.glob("mart.duckdb.*candidate*")), "a candidate file was left behind"


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_message_names_file_row_and_rule(broken_run, case):
    run, _ = broken_run
    text = _failure_text(run, case.entity)
    assert text, f"no failed check for raw/{case.entity}; failed: {run.outcome.failed_checks}"
    assert case.file in text and case.rule in text, text
    if case.row is not None:
        assert f"row {case.row}" in text, text


@pytest.mark.parametrize("case", [c for c in CASES if c.row is not None], ids=lambda c: c.name)
def test_quarantine_holds_the_row_with_its_rule(broken_run, case):
    run, _ = broken_run
    with duckdb.connect(str(run.warehouse), read_only=True) as con:
        rules = [r[0] for r in con.execute("""SELECT rule FROM raw.quarantine
            WHERE entity = ? AND source_file = ? AND row_number = ?""", [case.entity, case.file, case.row]).fetchall()]
    assert any(case.rule in r for r in rules), rules


def test_valid_rows_of_bad_files_are_loaded(broken_run):
    run, _ = broken_run
    with duckdb.connect(str(run.warehouse), read_only=True) as con:
        for entity, (column, value) in VALID_ROWS.items():
            found = con.execute(f"SELECT count(*) FROM raw.{entity} WHERE {column}::VARCHAR = ?", [value]).fetchone()
            assert found == (1,), f"valid row {column}={value} of {entity} was lost"
        wages = con.execute("SELECT count(*) FROM raw.wage_records WHERE _source_file LIKE '%z_bad%'").fetchone()
        assert wages == (3,), "the wage rows of the bad file must all be kept (the gate flags, never drops)"


def test_quarantine_values_never_hold_pii(broken_run):
    run, _ = broken_run
    with duckdb.connect(str(run.warehouse), read_only=True) as con:
        values = " ".join(str(v[0]) for v in con.execute("SELECT value FROM raw.quarantine").fetchall())
    for n in (14, 15):
        assert ssn(n) not in values and f"First{n}" not in values and f"1985-04-{n:02d}" not in values


# ---------------------------------------------------------------- deliveries that are not errors

@pytest.fixture(scope="module")
def redelivered_run(handmade_run, tmp_path_factory):
    """The hand-made feeds plus an identical copy of one wage file under a new name, and a
    later corrected file that changes one wage row (P03's 0.00 in 2021q1 becomes 1500.00). A wage
    correction re-delivers the employer's whole quarter (feeds.md): UI0000002's 2021q1 is P02's
    3000.00, unchanged, and P03's row."""
    root = tmp_path_factory.mktemp("redelivered")
    landing = root / "landing"
    shutil.copytree(handmade_run.landing, landing)
    wages = landing / "labor_market"
    shutil.copy2(wages / "wage_records_2021q1.csv", wages / "wage_records_2021q1_resent.csv")
    write_lines(landing, "labor_market", "wage_records_2021q1_z_corrected.csv",
                ["ssn,employer_id,naics_code,year,quarter,wages", f"{ssn(2)},UI0000002,331110,2021,1,3000.00",
                 f"{ssn(3)},UI0000002,331110,2021,1,1500.00"])
    return refresh(landing, root)


def test_duplicate_and_corrected_deliveries_count_nothing_twice(redelivered_run, handmade_run):
    run = redelivered_run
    assert run.outcome.published, run.outcome.failed_checks + run.outcome.step_errors
    with duckdb.connect(str(run.published), read_only=True) as con:
        rate = con.execute("""SELECT numerator, denominator FROM marts.rpt_wioa_performance
            WHERE indicator = 'employment_rate_q2' AND exit_program_year = 2020
              AND funding_stream = 'all' AND lwda_code = 'all'""").fetchone()
        total_2021q1 = con.execute("""SELECT sum(total_wages), count(*) FROM marts.fct_quarterly_earnings
            WHERE year = 2021 AND quarter = 1""").fetchone()
    with duckdb.connect(str(handmade_run.published), read_only=True) as con:
        before = con.execute("""SELECT sum(total_wages), count(*) FROM marts.fct_quarterly_earnings
            WHERE year = 2021 AND quarter = 1""").fetchone()
    assert rate == (EXPECTED_NUMERATOR + 1, EXPECTED_DENOMINATOR), "P03 is employed after the correction"
    # P03's 0.00 row becomes 1500.00: one more dollar total of 1500, the same number of person-quarters.
    assert total_2021q1 == (before[0] + 1500, before[1]), "the re-sent file was counted twice or the fix lost"
    with duckdb.connect(str(run.warehouse), read_only=True) as con:
        statuses = dict(con.execute("SELECT source_file, status FROM raw.load_log").fetchall())
    assert statuses["labor_market/wage_records_2021q1_resent.csv"] == "duplicate"
