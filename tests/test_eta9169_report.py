"""The federal reporting rules on hand-made feeds (tests/federal_feeds.py), each value counted by
hand from the guidance: TEGL 10-16 Change 3, 20 CFR 677.150, the ETA-9169 template's "Annual
Periods of Reporting". One refresh of its own (the `federal_run` session fixture)."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest


@pytest.fixture(scope="module")
def mart(federal_run):
    assert federal_run.outcome.published, federal_run.outcome.failed_checks + federal_run.outcome.step_errors
    with duckdb.connect(str(federal_run.published), read_only=True) as con:
        yield con


def one(con, sql: str, params=()) -> tuple:
    rows = con.execute(sql, list(params)).fetchall()
    assert len(rows) == 1, f"{len(rows)} rows for {sql} {params}"
    return rows[0]


def eta(con, year: int, stream: str, lwda: str, indicator: str) -> dict:
    names = ["cohort_exit_from", "cohort_exit_to", "numerator", "denominator", "value", "is_suppressed",
             "cohort_exits", "outcomes_known", "is_final"]
    row = one(con, f"""SELECT {', '.join(names)} FROM marts.rpt_eta9169_performance
        WHERE report_program_year = ? AND funding_stream = ? AND lwda_code = ? AND indicator = ?""",
              (year, stream, lwda, indicator))
    return dict(zip(names, row))


def test_py2023_employment_rate_q4_covers_calendar_2022_exits(mart):
    """LWDA 02: of the 20 adults who exited in calendar 2022, the 10 of 2022-02-15 work in their
    fourth quarter after exit: 10/20 = 50 %. The 10 of 2023-03-15 belong to PY2024's cohort."""
    row = eta(mart, 2023, "adult", "02", "employment_rate_q4")
    assert (row["cohort_exit_from"], row["cohort_exit_to"]) == (dt.date(2022, 1, 1), dt.date(2022, 12, 31))
    assert (row["numerator"], row["denominator"], row["value"]) == (10, 20, pytest.approx(0.5))
    assert (row["cohort_exits"], row["outcomes_known"], row["is_suppressed"]) == (20, 20, False)
    later = eta(mart, 2024, "adult", "02", "employment_rate_q4")
    assert (later["cohort_exits"], later["numerator"], later["denominator"]) == (10, 0, 10)
    # the management view groups the same exits by program year of exit: no row says 50 %
    by_exit_year = mart.execute("""SELECT exit_program_year, denominator, value FROM marts.rpt_wioa_performance
        WHERE funding_stream = 'adult' AND lwda_code = '02' AND indicator = 'employment_rate_q4'
        ORDER BY 1""").fetchall()
    assert [(year, denominator) for year, denominator, _ in by_exit_year] == [(2021, 10), (2022, 20)]
    assert by_exit_year[0][2] == pytest.approx(1.0) and by_exit_year[1][2] != pytest.approx(0.5)


def test_py2022_employment_rate_q2_covers_exits_july_2021_to_june_2022(mart):
    row = eta(mart, 2022, "adult", "02", "employment_rate_q2")
    assert (row["cohort_exit_from"], row["cohort_exit_to"]) == (dt.date(2021, 7, 1), dt.date(2022, 6, 30))
    assert (row["numerator"], row["denominator"], row["cohort_exits"]) == (10, 10, 10)


def test_a_common_exit_counts_once_in_all(mart):
    """LWDA 03: C1 exits adult and Wagner-Peyser on 2022-06-30, beside 9 other adults and 9 other
    Wagner-Peyser exits: each program counts C1 (10 exits each), 'all' counts C1 once: 19 exits,
    of whom C1, A1-A5 and W1-W4 are employed in Q2: 10/19."""
    ids = mart.execute("""SELECT participation_id, common_exit_id FROM marts.fct_exit_outcomes
        WHERE participation_id IN ('PC1A', 'PC1W') ORDER BY 1""").fetchall()
    assert ids == [("PC1A", "PC1A"), ("PC1W", "PC1A")]
    denominators = dict(mart.execute("""SELECT funding_stream, denominator FROM marts.rpt_wioa_performance
        WHERE exit_program_year = 2021 AND lwda_code = '03' AND indicator = 'employment_rate_q2'""").fetchall())
    assert denominators == {"adult": 10, "wagner_peyser": 10, "all": 19}
    assert one(mart, """SELECT numerator, value FROM marts.rpt_wioa_performance WHERE exit_program_year = 2021
        AND funding_stream = 'all' AND lwda_code = '03' AND indicator = 'employment_rate_q2'""") == (
        10, pytest.approx(10 / 19))
    row = eta(mart, 2022, "all", "03", "employment_rate_q2")
    assert (row["cohort_exits"], row["numerator"], row["denominator"]) == (19, 10, 19)
    served = one(mart, """SELECT participants_served FROM marts.rpt_eta9169_summary
        WHERE report_program_year = 2021 AND funding_stream = 'all' AND lwda_code = '03'""")[0]
    assert served == 19


def test_exclusion_codes_apply_to_their_programs(mart):
    """LWDA 04: an adult coded 06 (Vocational Rehabilitation only) and one coded 05 (Youth only)
    stay in the denominator; the youth coded 05 (foster care) is excluded."""
    flags = dict(mart.execute("""SELECT participation_id, is_excluded FROM marts.fct_exit_outcomes
        WHERE lwda_code = '04'""").fetchall())
    assert flags == {"PE06": False, "PA05": False, "PY05": True}
    assert one(mart, """SELECT denominator FROM marts.rpt_wioa_performance WHERE exit_program_year = 2021
        AND funding_stream = 'adult' AND lwda_code = '04' AND indicator = 'employment_rate_q2'""") == (2,)
    youth = mart.execute("""SELECT count(*) FROM marts.rpt_wioa_performance
        WHERE funding_stream = 'youth' AND lwda_code = '04'""").fetchone()[0]
    assert youth == 0


def test_no_wagner_peyser_credential_row(mart):
    """LWDA 05: a Wagner-Peyser exit with occupational-skills training and a credential is
    outside the credential cohort; the adult with the same is in it (1 of 1)."""
    cohort = dict(mart.execute("""SELECT participation_id, in_credential_cohort FROM marts.fct_exit_outcomes
        WHERE lwda_code = '05'""").fetchall())
    assert cohort == {"PT1": False, "PT2": True}
    for table in ("rpt_wioa_performance", "rpt_eta9169_performance", "rpt_equity_outcomes"):
        n = mart.execute(f"""SELECT count(*) FROM marts.{table} WHERE indicator = 'credential_attainment_rate'
            AND funding_stream = 'wagner_peyser'""").fetchone()[0]
        assert n == 0, table
    assert one(mart, """SELECT denominator FROM marts.rpt_wioa_performance WHERE exit_program_year = 2021
        AND funding_stream = 'all' AND lwda_code = '05' AND indicator = 'credential_attainment_rate'""") == (1,)


def test_a_reentry_within_90_days_is_one_period(mart):
    """LWDA 01: R1 exits adult 2022-03-01 and comes back 45 days later: one period PRA, exited
    2022-09-30, judged on 2023q1 (employed), not on 2022q3 (no wages)."""
    row = one(mart, """SELECT participation_id, entry_date, exit_date, merged_participation_ids, merged_period_count,
        employed_q2 FROM marts.fct_exit_outcomes WHERE participant_key IN (
            SELECT participant_key FROM marts.fct_exit_outcomes WHERE participation_id = 'PRA')""")
    assert row == ("PRA", dt.date(2022, 1, 10), dt.date(2022, 9, 30), "PRA,PRB", 2, True)


def test_a_recent_cohort_is_provisional(mart):
    """N1 exits 2024-10-15: PY2025's Q2 cohort (July 2024 - June 2025) has its last outcome
    quarter in 2025q4, after the latest wage quarter (2025q2): published, is_final false. PY2023's
    (last outcome quarter 2023q4) is final."""
    row = eta(mart, 2025, "adult", "01", "employment_rate_q2")
    assert (row["cohort_exits"], row["outcomes_known"], row["is_final"]) == (1, 1, False)
    assert row["is_suppressed"]
    assert eta(mart, 2023, "adult", "01", "employment_rate_q2")["is_final"] is True
    assert one(mart, """SELECT last_outcome_quarter FROM marts.rpt_eta9169_performance WHERE report_program_year = 2025
        AND funding_stream = 'adult' AND lwda_code = '01' AND indicator = 'employment_rate_q2'""") == ("2025Q4",)


def test_merges_and_misused_codes_are_listed_as_warnings(federal_run):
    """The 90-day merge and the codes used by a program they do not apply to are warnings: they
    are reported (dbt tests of severity warn, as asset checks) with their participation ids
    (in the warehouse's schema audit), and the mart is published."""
    warnings = "\n".join(c for c in federal_run.outcome.failed_checks if c.startswith("WARNING "))
    assert "merged_by_90_day_rule" in warnings
    assert "exit_reason_applies_to_program" in warnings
    assert federal_run.outcome.published
    with duckdb.connect(str(federal_run.warehouse), read_only=True) as con:
        tables = dict(con.execute("""SELECT table_name, table_name FROM information_schema.tables
            WHERE table_schema = 'audit'""").fetchall())
        merged = next(t for t in tables if t.startswith("merged_by_90_day_rule"))
        assert con.execute(f"SELECT period_id, merged_participation_ids FROM audit.{merged}").fetchall() == [
            ("PRA", "PRA,PRB")]
        misused = next(t for t in tables if t.startswith("exit_reason_applies_to_program"))
        assert sorted(con.execute(f"SELECT participation_id, exit_reason FROM audit.{misused}").fetchall()) == [
            ("PA05", "05"), ("PE06", "06")]


# --- issue 16: the rest of the federal picture (tests/federal_feeds.py, the examples) ---

def test_lpn_student_counts_one_of_one_in_py2023_skill_gains(mart, federal_run):
    """L1 (LWDA 02) enters an LPN program on 2023-09-05 [1811] and passes the first term on
    2023-12-15 [1807], still enrolled on 2024-06-30: PY2023 measurable skill gains 1/1 (TEGL
    10-16 Change 2, Attachment 5). The value is withheld (1 < 10); the counts are in the
    warehouse's int_skill_gain_periods, the published denominator is 1."""
    with duckdb.connect(str(federal_run.warehouse), read_only=True) as con:
        rows = con.execute("""SELECT program_year, skill_gain_achieved FROM intermediate.int_skill_gain_periods
            WHERE scope = 'program' AND unit_id = 'PL1' ORDER BY 1""").fetchall()
    assert rows[0] == (2023, True)
    row = eta(mart, 2023, "adult", "02", "measurable_skill_gains_rate")
    assert (row["cohort_exit_from"], row["cohort_exit_to"]) == (dt.date(2023, 7, 1), dt.date(2024, 6, 30))
    assert (row["denominator"], row["cohort_exits"], row["is_suppressed"]) == (1, 1, True)
    assert one(mart, """SELECT denominator FROM marts.rpt_wioa_performance WHERE exit_program_year = 2023
        AND funding_stream = 'adult' AND lwda_code = '02' AND indicator = 'measurable_skill_gains_rate'""") == (1,)


def test_college_bound_youth_is_a_q2_success(mart):
    """Y1 (LWDA 02) exits Youth on 2023-06-15 with no wages and is in postsecondary education in
    the second quarter after exit [1900 = 2]: not employed, but an education-or-employment
    success; only Youth rows carry the indicator."""
    row = one(mart, """SELECT employed_q2, education_employment_q2 FROM marts.fct_exit_outcomes
        WHERE participation_id = 'PY1'""")
    assert row == (False, True)
    assert one(mart, """SELECT denominator FROM marts.rpt_wioa_performance WHERE exit_program_year = 2022
        AND funding_stream = 'youth' AND lwda_code = '02' AND indicator = 'education_employment_rate_q2'""") == (1,)
    assert eta(mart, 2023, "youth", "02", "education_employment_rate_q2")["cohort_exits"] == 1
    others = mart.execute("""SELECT DISTINCT funding_stream FROM marts.rpt_wioa_performance
        WHERE indicator LIKE 'education_employment_rate_%'""").fetchall()
    assert others == [("youth",)]


def test_cross_border_worker_is_employed_with_9000_in_the_median(mart, federal_run):
    """X1 (LWDA 02) has no UI wages but $9,000 from the interstate exchange in Q2 after exit
    (2023q3): employed, earnings 9,000, the source visible; the median's unit (int_performance_exits)
    carries the 9,000. The published cell (1 exit) is withheld, its denominator too (it would
    give employment_rate_q2's withheld numerator away)."""
    row = one(mart, """SELECT employed_q2, earnings_q2, supplemental_earnings_q2, employment_source_q2
        FROM marts.fct_exit_outcomes WHERE participation_id = 'PX1'""")
    assert row == (True, 9000, 9000, "interstate")
    with duckdb.connect(str(federal_run.warehouse), read_only=True) as con:
        assert con.execute("""SELECT employed_q2, earnings_q2 FROM intermediate.int_performance_exits
            WHERE scope = 'program' AND unit_id = 'PX1'""").fetchall() == [(True, 9000)]
    assert one(mart, """SELECT is_suppressed FROM marts.rpt_wioa_performance WHERE exit_program_year = 2022
        AND funding_stream = 'dislocated_worker' AND lwda_code = '02' AND indicator = 'median_earnings_q2'""") == (
        True,)
    ui_only = mart.execute("""SELECT DISTINCT employment_source_q2 FROM marts.fct_exit_outcomes
        WHERE lwda_code = '03' AND employed_q2""").fetchall()
    assert ui_only == [("ui",)]


def test_case_recorded_cdl_counts(mart):
    """D1 (LWDA 01): the school reported no credential; the case record holds a CDL [1800 = 4]
    dated 2023-04-28, two months after the exit of 2023-02-28: credential attained, 1 of 1."""
    assert one(mart, """SELECT in_credential_cohort, credential_attained FROM marts.fct_exit_outcomes
        WHERE participation_id = 'PD1'""") == (True, True)
    assert one(mart, """SELECT denominator FROM marts.rpt_wioa_performance WHERE exit_program_year = 2022
        AND funding_stream = 'dislocated_worker' AND lwda_code = '01'
        AND indicator = 'credential_attainment_rate'""") == (1,)


def test_youth_credential_cohort_and_the_full_diploma_rule(mart):
    """LWDA 01: S1, an in-school youth without training, earns a diploma and works in 2023q3: in
    the cohort, counts. G1, an out-of-school youth in GED classes [1811], earns a GED and enrols
    in college within the year (no wages): in the cohort, counts. 2 of 2."""
    rows = dict((r[0], r[1:]) for r in mart.execute("""SELECT participation_id, in_credential_cohort,
        credential_attained FROM marts.fct_exit_outcomes WHERE participation_id IN ('PS1', 'PG1')""").fetchall())
    assert rows == {"PS1": (True, True), "PG1": (True, True)}
    assert one(mart, """SELECT denominator FROM marts.rpt_wioa_performance WHERE exit_program_year = 2022
        AND funding_stream = 'youth' AND lwda_code = '01' AND indicator = 'credential_attainment_rate'""") == (2,)


def test_barrier_breakouts(mart):
    """X1 is homeless [800]: the barrier_homeless 'yes' group and the has_barrier 'yes' group of
    dislocated workers in LWDA 02 (PY2022) each hold that one exit."""
    for dimension in ("barrier_homeless", "has_barrier"):
        assert one(mart, """SELECT denominator FROM marts.rpt_equity_outcomes WHERE exit_program_year = 2022
            AND funding_stream = 'dislocated_worker' AND lwda_code = '02' AND dimension = ? AND group_value = 'yes'
            AND indicator = 'employment_rate_q2'""", (dimension,)) == (1,)
