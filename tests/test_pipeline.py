"""End-to-end: feeds -> Dagster -> dbt -> GX gates -> published mart."""

from __future__ import annotations

import hashlib
import re

import duckdb
import pytest
from conftest import refresh
from handmade_feeds import EXPECTED_DENOMINATOR, EXPECTED_NUMERATOR

MART_TABLES = {  # mart.md: required tables and their contract columns
    "dim_participant": ["participant_key", "birth_year", "sex", "race_ethnicity", "veteran", "disability",
                        "highest_education", "county_fips", "low_income"],
    "dim_provider": [], "dim_date": [],
    "dim_program": ["cip_code", "cip_title", "soc_code", "soc_title", "tuition_cost", "length_hours"],
    "dim_area": ["county_fips", "county_name", "lwda_code", "lwda_name"],
    "dim_occupation": ["soc_code", "soc_title", "median_annual_wage"],
    "fct_quarterly_earnings": ["participant_key", "year", "quarter", "total_wages", "employer_count",
                               "primary_employer_id"],
    "fct_exit_outcomes": ["participation_id", "participant_key", "funding_stream", "lwda_code", "entry_date",
                          "exit_date", "exit_quarter", "exit_program_year", "is_excluded", "employed_q2",
                          "employed_q4", "earnings_q2", "pre_program_earnings", "in_credential_cohort",
                          "credential_attained", "retained_same_employer", "merged_participation_ids",
                          "merged_period_count", "common_exit_id", "common_exit_date"],
    "rpt_wioa_performance": ["exit_program_year", "funding_stream", "lwda_code", "indicator", "numerator",
                             "denominator", "value", "is_suppressed"],
    "rpt_provider_scorecard": ["program_id", "exit_program_year", "provider_id", "enrolled", "completed",
                               "completion_rate", "exiters", "employment_rate_q2", "employment_rate_q4",
                               "median_earnings_q2", "credential_attainment_rate", "median_pre_program_earnings",
                               "earnings_change", "tuition_cost", "is_suppressed"],
    "rpt_provider_scorecard_pooled": ["program_id", "provider_id", "program_name", "provider_name",
                                      "first_exit_program_year", "last_exit_program_year", "program_years_pooled",
                                      "enrolled", "exiters", "completed", "completion_rate", "employment_rate_q2",
                                      "employment_rate_q4", "median_earnings_q2", "credential_attainment_rate",
                                      "median_pre_program_earnings", "earnings_change", "tuition_cost",
                                      "cost_per_completer", "annual_earnings_change_per_tuition_dollar",
                                      "is_suppressed", "is_any_value_suppressed", "is_completion_suppressed",
                                      "is_employment_rate_q2_suppressed", "is_employment_rate_q4_suppressed",
                                      "is_median_earnings_q2_suppressed", "is_credential_attainment_rate_suppressed",
                                      "is_median_pre_program_earnings_suppressed", "is_earnings_change_suppressed"],
    "rpt_equity_outcomes": ["exit_program_year", "funding_stream", "dimension", "group_value", "indicator",
                            "numerator", "denominator", "value", "is_suppressed", "lwda_code"],
    "rpt_eta9169_performance": ["report_program_year", "funding_stream", "lwda_code", "indicator", "cohort_exit_from",
                                "cohort_exit_to", "numerator", "denominator", "value", "is_suppressed", "cohort_exits",
                                "outcomes_known", "is_final"],
    "rpt_eta9169_summary": ["report_program_year", "funding_stream", "lwda_code", "participants_served",
                            "participants_exited", "funds_expended", "cost_per_participant_served", "is_suppressed"],
    "rpt_labor_market": ["lwda_code"],
}


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_handmade_refresh_publishes(handmade_run):
    assert handmade_run.outcome.published, handmade_run.outcome.failed_checks + handmade_run.outcome.step_errors


def test_employment_rate_q2_matches_hand_count(handmade_run):
    with duckdb.connect(str(handmade_run.published), read_only=True) as con:
        rows = con.execute("""SELECT funding_stream, lwda_code, numerator, denominator, value, is_suppressed
            FROM marts.rpt_wioa_performance WHERE indicator = 'employment_rate_q2' AND exit_program_year = 2020
            ORDER BY 1, 2""").fetchall()
    assert rows, "no employment_rate_q2 rows for program year 2020"
    for funding_stream, lwda, numerator, denominator, value, suppressed in rows:
        assert (numerator, denominator) == (EXPECTED_NUMERATOR, EXPECTED_DENOMINATOR), (funding_stream, lwda)
        assert value == pytest.approx(EXPECTED_NUMERATOR / EXPECTED_DENOMINATOR)
        assert suppressed is False
    assert {(r[0], r[1]) for r in rows} == {("adult", "01"), ("adult", "all"), ("all", "01"), ("all", "all")}


def test_published_mart_holds_only_the_marts_schema(generated_run):
    assert generated_run.outcome.published, generated_run.outcome.failed_checks + generated_run.outcome.step_errors
    with duckdb.connect(str(generated_run.published), read_only=True) as con:
        schemas = {r[0] for r in con.execute("SELECT DISTINCT table_schema FROM information_schema.tables").fetchall()}
        assert schemas == {"marts"}
        for table, columns in MART_TABLES.items():
            present = [r[0] for r in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = 'marts' AND table_name = ?",
                [table]).fetchall()]
            assert present, f"{table} missing from the published mart"
            assert not set(columns) - set(present), f"{table} lacks {set(columns) - set(present)}"
        assert con.execute("SELECT count(*) FROM marts.fct_exit_outcomes").fetchone()[0] > 100
        mode = con.execute("SELECT value FROM marts.publish_metadata WHERE key = 'pii_key_mode'").fetchone()[0]
        assert mode == "secret"


def _landing_pii(landing) -> set[str]:
    """Every SSN (both spellings), name and full birth date in the landing files (all files of
    participants and training_records)."""
    values: set[str] = set()
    for pattern in ("job_center/participants*.csv", "providers/training_records*.csv"):
        with duckdb.connect() as con:
            for ssn, first, last, dob in con.execute(
                    f"SELECT ssn, first_name, last_name, date_of_birth FROM read_csv('{landing / pattern}', "
                    "all_varchar = true, union_by_name = true)").fetchall():
                if ssn:
                    digits = re.sub(r"\D", "", ssn)
                    values |= {digits, f"{digits[:3]}-{digits[3:5]}-{digits[5:]}"}
                values |= {v.strip() for v in (first, last, dob) if v and len(v.strip()) > 3}
    return values


def _all_text(path) -> dict[str, list[str]]:
    """Every non-NULL value of every table, as text, by table."""
    out: dict[str, list[str]] = {}
    with duckdb.connect(str(path), read_only=True) as con:
        for schema, table in con.execute("SELECT table_schema, table_name FROM information_schema.tables "
                                         "WHERE table_type = 'BASE TABLE'").fetchall():
            values = out.setdefault(f"{schema}.{table}", [])
            for row in con.execute(f'SELECT * FROM "{schema}"."{table}"').fetchall():
                values.extend(str(v) for v in row if v is not None)
    return out


_SSN = re.compile(r"\d{3}-?\d{2}-?\d{4}")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_WORD = re.compile(r"[^\W\d_]+(?:['-][^\W\d_]+)*")
# A calendar holds every date, so a birth date found there is no leak; it is still
# scanned for SSNs and names.
CALENDARS = {"marts.dim_date"}


def _leaks(text: list[str], pii: set[str], dates: bool = True) -> set[str]:
    """Values equal to a PII value, or holding one inside (an SSN or birth date in a longer
    string, a name as a word of a longer string)."""
    leaked = set()
    for value in text:
        if (value in pii and (dates or not _DATE.fullmatch(value))) or any(m in pii for m in _SSN.findall(value)) \
                or (dates and any(m in pii for m in _DATE.findall(value))) or any(w in pii for w in _WORD.findall(value)):
            leaked.add(value)
    return leaked


@pytest.mark.parametrize("run", ["handmade_run", "generated_run"])
@pytest.mark.parametrize("which", ["warehouse", "published"])
def test_no_raw_pii_anywhere(request, run, which):
    """Every table and column of the warehouse and of the published mart, scanned for every
    SSN, first name, last name and full birth date of the input feeds."""
    run = request.getfixturevalue(run)
    pii = _landing_pii(run.landing)
    assert len(pii) > 30
    tables = _all_text(getattr(run, which))
    assert sum(len(v) for v in tables.values()) > 1000
    leaked = {f"{table}: {v}" for table, text in tables.items() for v in _leaks(text, pii, table not in CALENDARS)}
    assert not leaked, f"PII found in {which}: {sorted(leaked)[:5]}"


def test_pii_scan_would_find_a_leak():
    pii = {"123456789", "123-45-6789", "Ortiz", "1990-03-15"}
    assert _leaks(["x", "note: 123-45-6789 called", "Ana Ortiz", "born 1990-03-15", "Ortizville"], pii) == \
        {"note: 123-45-6789 called", "Ana Ortiz", "born 1990-03-15"}
    assert _leaks(["1990-03-15", "123456789"], pii, dates=False) == {"123456789"}


def test_failed_gate_leaves_published_mart_byte_identical(handmade_run, copy_of, tmp_path):
    published = tmp_path / "mart.duckdb"
    published.write_bytes(handmade_run.published.read_bytes())
    before = _sha(published)
    landing = copy_of(handmade_run.landing)
    wages = landing / "labor_market/wage_records_2021q1.csv"
    wages.write_text(wages.read_text().replace("5000.00", "-5000.00"))  # a negative wage
    run = refresh(landing, tmp_path, published)
    assert not run.outcome.published
    report = "\n".join(run.outcome.failed_checks)
    assert "raw/wage_records" in report and "0 <= wages <= 999999.99" in report
    assert "labor_market/wage_records_2021q1.csv row 2" in report
    assert _sha(published) == before
