"""The published WIOA indicators, checked against an independent recomputation.

`benchmarks/pandas_peer.py` derives rpt_wioa_performance and rpt_eta9169_performance from the
landing CSVs in plain pandas, straight from mart.md and the federal guidance, sharing no code
with the pipeline (no ingest, no macro, no SQL). Every row of the published tables must agree
with it: the same keys, the same counts and completeness, rates to 1e-12 and medians to half a
cent (the mart rounds money to cents: macro `money`; the peer keeps its exact median). The peer withholds only what primary
suppression withholds (a denominator below 10); the mart must withhold those too, and may
withhold more (complementary suppression, tests/test_complementary_suppression.py checks
that what it shows gives nothing back). The per-exit outcomes of fct_exit_outcomes are
compared too, so that a disagreement names the exits behind it.

The data must exercise the rules for agreement to mean anything: see
test_generated_data_exercises_the_rules. Rules the 2,000-participant generated set does
not reach (secondary diplomas, corrected re-deliveries, credential-window boundaries)
are covered by a small hand-made edge-case set, one refresh of its own (slow).
"""

from __future__ import annotations

import csv
import datetime as dt
import sys
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo root holds `benchmarks`
from benchmarks.pandas_peer import (  # noqa: E402
    INDICATORS, SKILL_GAINS, SUPPRESSION_THRESHOLD, eta9169_performance, is_excluded_exit, is_quarter_known, performance_units,
    program_outcomes, read_exits, read_wage_feed, wioa_performance)
from conftest import refresh  # noqa: E402

KEYS = ["exit_program_year", "funding_stream", "lwda_code", "indicator"]
ETA9169_KEYS = ["report_program_year", "funding_stream", "lwda_code", "indicator"]
ETA9169_EXACT = ["cohort_exit_from", "cohort_exit_to", "cohort_exits", "outcomes_known", "is_final"]
# a denominator the mart may withhold (it is, or nearly is, a suppressed employment_rate_q2 numerator)
DENOMINATOR_WITHHELD_FOR = {"median_earnings_q2", "retention_same_employer"}
RATE_TOLERANCE = 1e-12
MEDIAN_TOLERANCE = 0.005 + 1e-6  # dollars: the mart publishes medians rounded to cents (macro money),
# the peer its exact median, so they agree within half a cent (plus float noise)
SHOWN = 30  # differing rows shown in a failure message
# fct_exit_outcomes column -> the peer's outcome column, and the peer's unit per mart unit
EXIT_COLUMNS = {"employed_q2": ("employment_rate_q2", 1), "employed_q4": ("employment_rate_q4", 1),
                "earnings_q2": ("median_earnings_q2", 100), "credential_attained": ("credential_attainment_rate", 1),
                "retained_same_employer": ("retention_same_employer", 1),
                "education_employment_q2": ("education_employment_rate_q2", 1),
                "education_employment_q4": ("education_employment_rate_q4", 1)}


def published(run, table: str = "rpt_wioa_performance") -> pd.DataFrame:
    assert run.outcome.published, run.outcome.failed_checks + run.outcome.step_errors
    with duckdb.connect(str(run.published), read_only=True) as con:
        return con.execute(f"SELECT * FROM marts.{table}").df()


def published_report(run) -> pd.DataFrame:
    return published(run, "rpt_wioa_performance")


def published_exit_outcomes(run) -> pd.DataFrame:
    with duckdb.connect(str(run.published), read_only=True) as con:
        return con.execute(f"""SELECT participation_id, {', '.join(EXIT_COLUMNS)}
            FROM marts.fct_exit_outcomes WHERE NOT is_excluded""").df()


def peer_eta9169(run, units: pd.DataFrame) -> pd.DataFrame:
    wages = read_wage_feed(run.landing, pd.Series([], dtype="Int64"))  # the feed's bounds only
    return eta9169_performance(units, wages.latest_quarter)


def _nullable(values: pd.Series) -> pd.Series:
    return pd.to_numeric(values.astype("Float64"), errors="raise").astype("float64")


def _same(a: pd.Series, b: pd.Series, tolerance: float | np.ndarray) -> np.ndarray:
    """Equal within tolerance, NULL only against NULL."""
    a, b = _nullable(a).to_numpy(), _nullable(b).to_numpy()
    both_null = np.isnan(a) & np.isnan(b)
    with np.errstate(invalid="ignore"):
        close = np.abs(a - b) <= tolerance
    return both_null | close


def report_differences(mart: pd.DataFrame, peer: pd.DataFrame, keys: list[str] = KEYS,
                       exact: list[str] = ()) -> str:
    """'' when the two reports agree row for row, else a readable account of every difference.
    Agreement: the same keys; every cell the peer suppresses is suppressed in the mart; a cell
    the mart shows has the peer's numerator, denominator and value; a cell the mart suppresses
    shows neither numerator nor value, and the peer's denominator unless it is withheld (median
    and retention only); `exact` columns are equal everywhere."""
    merged = mart.merge(peer, on=keys, how="outer", suffixes=("_mart", "_peer"), indicator=True)
    problems = []
    for side, label in (("left_only", "only in the published mart"), ("right_only", "only in the pandas peer")):
        rows = merged.loc[merged["_merge"] == side, keys]
        if len(rows):
            problems.append(f"{len(rows)} row(s) {label}:\n{rows.head(SHOWN).to_string(index=False)}")
    both = merged[merged["_merge"] == "both"].reset_index(drop=True)
    tolerance = np.where(both["indicator"] == "median_earnings_q2", MEDIAN_TOLERANCE, RATE_TOLERANCE)
    shown = ~both["is_suppressed_mart"].astype(bool).to_numpy()
    withheld_ok = both["indicator"].isin(DENOMINATOR_WITHHELD_FOR).to_numpy() & both["denominator_mart"].isna().to_numpy()
    agree = np.where(
        shown,
        _same(both["numerator_mart"], both["numerator_peer"], 0)
        & _same(both["denominator_mart"], both["denominator_peer"], 0)
        & _same(both["value_mart"], both["value_peer"], tolerance)
        & ~both["is_suppressed_peer"].astype(bool).to_numpy(),
        both["numerator_mart"].isna().to_numpy() & both["value_mart"].isna().to_numpy()
        & (_same(both["denominator_mart"], both["denominator_peer"], 0) | withheld_ok))
    for column in exact:
        agree &= (both[f"{column}_mart"].astype(str) == both[f"{column}_peer"].astype(str)).to_numpy()
    if not agree.all():
        columns = keys + [f"{c}_{s}" for c in ("numerator", "denominator", "value", "is_suppressed", *exact)
                          for s in ("mart", "peer")]
        with pd.option_context("display.width", 250, "display.max_columns", 30, "display.precision", 12):
            problems.append(f"{(~agree).sum()} of {len(both)} row(s) differ:\n"
                            + both.loc[~agree, columns].head(SHOWN).to_string(index=False))
    return "\n\n".join(problems)


def exit_differences(mart: pd.DataFrame, peer: pd.DataFrame) -> str:
    """'' when every non-excluded exit has the same outcomes on both sides."""
    merged = mart.merge(peer, on="participation_id", how="outer", indicator=True)
    problems = []
    for side, label in (("left_only", "only in fct_exit_outcomes"), ("right_only", "only in the pandas peer")):
        ids = merged.loc[merged["_merge"] == side, "participation_id"]
        if len(ids):
            problems.append(f"{len(ids)} exit(s) {label}: {ids.head(SHOWN).tolist()}")
    both = merged[merged["_merge"] == "both"].reset_index(drop=True)
    agree = np.ones(len(both), dtype=bool)
    for mart_column, (peer_column, unit) in EXIT_COLUMNS.items():
        agree &= _same(_nullable(both[mart_column]) * unit, both[peer_column], 1e-6)
    if not agree.all():
        columns = ["participation_id"] + [c for pair in ((m, p) for m, (p, _) in EXIT_COLUMNS.items()) for c in pair]
        with pd.option_context("display.width", 250, "display.max_columns", 20):
            problems.append(f"{(~agree).sum()} exit(s) differ (peer: 1/0/NaN, earnings in cents):\n"
                            + both.loc[~agree, columns].head(SHOWN).to_string(index=False))
    return "\n\n".join(problems)


@pytest.fixture(scope="module")
def generated_units(generated_run) -> pd.DataFrame:
    return performance_units(generated_run.landing)


def test_generated_wioa_performance_matches_the_pandas_peer(generated_run, generated_units):
    problems = report_differences(published_report(generated_run), wioa_performance(generated_units))
    assert not problems, "rpt_wioa_performance disagrees with benchmarks/pandas_peer.py:\n" + problems


def test_generated_eta9169_performance_matches_the_pandas_peer(generated_run, generated_units):
    problems = report_differences(published(generated_run, "rpt_eta9169_performance"),
                                  peer_eta9169(generated_run, generated_units), ETA9169_KEYS, ETA9169_EXACT)
    assert not problems, "rpt_eta9169_performance disagrees with benchmarks/pandas_peer.py:\n" + problems


def test_generated_exit_outcomes_match_the_pandas_peer(generated_run, generated_units):
    problems = exit_differences(published_exit_outcomes(generated_run), program_outcomes(generated_units))
    assert not problems, "fct_exit_outcomes disagrees with benchmarks/pandas_peer.py:\n" + problems


def test_handmade_wioa_performance_matches_the_pandas_peer(handmade_run):
    units = performance_units(handmade_run.landing)
    peer = wioa_performance(units)
    assert len(peer) > 0
    problems = report_differences(published_report(handmade_run), peer)
    problems += report_differences(published(handmade_run, "rpt_eta9169_performance"),
                                   peer_eta9169(handmade_run, units), ETA9169_KEYS, ETA9169_EXACT)
    assert not problems, "the mart disagrees with benchmarks/pandas_peer.py:\n" + problems


def test_generated_data_exercises_the_rules(generated_run, generated_units):
    """Agreement proves nothing about a rule the data never reaches."""
    exits = read_exits(generated_run.landing)
    excluded = exits[is_excluded_exit(exits)]
    wages = read_wage_feed(generated_run.landing, excluded["ssn"])
    assert is_quarter_known(excluded["exit_quarter"] + 2, wages).any(), "no excluded exit with a known outcome"
    assert (exits["member_ids"].str.len() > 1).any(), "no period merged by the 90-day rule"
    assert (~is_excluded_exit(exits) & exits["exit_reason"].isin(["05", "06"])).any(), "no exit kept despite 05/06"
    o = program_outcomes(generated_units)
    for indicator in ("employment_rate_q2", "employment_rate_q4", "credential_attainment_rate",
                      "retention_same_employer"):
        assert (o[indicator] == 1).any() and (o[indicator] == 0).any(), f"{indicator}: not both outcomes"
    assert o["employment_rate_q2"].isna().any(), "no exit with Q2 not yet known"
    assert (o["employment_rate_q4"].isna() & o["employment_rate_q2"].notna()).any(), "no exit with only Q4 unknown"
    common = generated_units[generated_units["scope"] == "common"]
    assert common["unit_id"].duplicated().any(), "no common exit of two programs"
    report = wioa_performance(generated_units)
    assert report["is_suppressed"].any() and (report["denominator"] >= SUPPRESSION_THRESHOLD).any()
    unsuppressed = set(report.loc[~report["is_suppressed"], "indicator"])
    expected = set(INDICATORS) | {SKILL_GAINS}  # skill gains is not exit-based: its own table
    assert unsuppressed == expected, f"no unsuppressed row for {expected - unsuppressed}"
    medians = report[(report["indicator"] == "median_earnings_q2") & ~report["is_suppressed"]]
    assert (medians["denominator"] % 2 == 0).any(), "no even-sized median (mean of the two middle values)"
    for rollup in ({"funding_stream": "all"}, {"lwda_code": "all"}):
        column, value = next(iter(rollup.items()))
        assert ((report[column] == value) & ~report["is_suppressed"]).any()
    eta = peer_eta9169(generated_run, generated_units)
    assert eta["is_final"].any() and not eta["is_final"].all(), "no final and provisional rows both"
    # issue 16's rules
    gains = generated_units.attrs["skill_gains"].frame
    assert gains["achieved"].any() and not gains["achieved"].all(), "skill gains: not both outcomes"
    youth = o[o["funding_stream"] == "youth"]
    assert ((youth["education_employment_rate_q2"] == 1) & (youth["employment_rate_q2"] == 0)).any(), \
        "no youth who counts for education or training alone"
    with duckdb.connect(str(generated_run.published), read_only=True) as con:
        sources = {r[0] for r in con.execute("""SELECT DISTINCT employment_source_q2 FROM marts.fct_exit_outcomes
            WHERE employed_q2""").fetchall()}
        case_only = con.execute("""SELECT count(*) FROM marts.fct_exit_outcomes e
            WHERE credential_attained AND funding_stream = 'youth'""").fetchone()[0]
    assert "ui" in sources and sources - {"ui"}, "no exit employed through supplemental wages"
    assert case_only > 0, "no youth credential"


# --- edge cases the generated data does not reach ----------------------------------------

EDGE_EXIT = "2020-02-15"  # 2020Q1: Q2 is 2020Q3, Q4 is 2021Q1, the credential window ends 2021-02-14
EDGE_ENTRY = "2020-01-06"
# participation_id -> the outcomes mart.md gives by hand (None = NULL)
EDGE_EXPECTED = {
    "E07": {"credential_attained": True},   # credential dated exit + 365 days: inside the window
    "E08": {"credential_attained": False},  # exit + 366 days: outside
    "E09": {"credential_attained": True},   # dated on entry_date
    "E10": {"credential_attained": False},  # the day before entry
    "E11": {"credential_attained": True},   # diploma + wages in exit + 1
    "E12": {"credential_attained": False},  # diploma, wages only in exit + 5
    "E13": {"credential_attained": False},  # diploma, a 0.00 wage record in exit + 2
    "E14": {"credential_attained": True},   # diploma + wages in exit + 4
    "E15": {"credential_attained": False},  # training service without training_type: in the cohort
    "E16": {"credential_attained": None},   # ojt only: not in the cohort
    "E17": {"credential_attained": True},   # ojt + customized + apprenticeship: in the cohort
    "E18": {"credential_attained": True},   # no SSN either side, linked by accent-free name + DOB
    "E19": {"credential_attained": False},  # same name + DOB, different SSNs: another person
    "E20": {"credential_attained": True},   # record without SSN, O'Brien = OBRIEN
    "E21": {"retained_same_employer": True},
    "E22": {"retained_same_employer": False},  # different employers in Q2 and Q4
    "E23": {"retained_same_employer": False},  # Q2 employer A paid 0.00
    "E24": {"retained_same_employer": False},  # Q4 employer A paid 0.00
    "E25": {"employed_q2": False},  # a later wage file corrects 5000.00 to 0.00
    "E26": {"employed_q2": True},   # dashed SSN in the participants file
    "E05": {"employed_q2": True, "employed_q4": None, "retained_same_employer": None, "credential_attained": None},
    "E36": {"employed_q2": False},  # a later participation file moves the exit to 2020Q2
    "E37": {"employed_q2": False},  # no SSN: no wages, outcome known
}


def _quarter_after(date: str, n: int) -> tuple[int, int]:
    d = dt.date.fromisoformat(date)
    index = d.year * 4 + (d.month - 1) // 3 + n
    return index // 4, index % 4 + 1


def write_edge_feeds(landing: Path) -> Path:
    """A small landing set aimed at the rules' boundaries (EDGE_EXPECTED), plus 30 ordinary
    exits so that the rollups are not all suppressed. The wage feed spans 2019q1..2022q1."""
    people, periods, services, records, wages, entries = {}, [], [], [], {}, {}

    def person(i, ssn=None, first=None, last="Edge", dob=None):
        people[i] = {"ssn": f"{600 + i:03d}{20 + i:02d}{2000 + i:04d}" if ssn is None else ssn,
                     "first": first or f"Name{chr(65 + i % 26)}{chr(65 + i // 26)}", "last": last,
                     "dob": dob or f"198{i % 10}-0{1 + i % 9}-1{i % 9}"}

    def period(i, exit_date=EDGE_EXIT, entry=EDGE_ENTRY, reason="00", stream="adult", lwda="01", pid=None):
        periods.append([pid or f"E{i:02d}", f"I{i:02d}", stream, lwda, entry, exit_date, reason])
        services.append([periods[-1][0], entry, "basic_career", "", ""])
        entries[periods[-1][0]] = entry
        return periods[-1][0]

    def wage(i, quarter, amount, employer="UIA", stem=None):
        year, q = quarter
        wages.setdefault(stem or f"{year}q{q}", []).append(
            [people[i]["ssn"].replace("-", ""), employer, "331110", year, q, amount])

    def train(pid, training_type="occupational_skills"):
        services.append([pid, entries[pid], "training", training_type, "PRG1"])

    def credential(i, code, date, ssn=None, first=None, last=None):
        p = people[i]
        records.append([f"TR{len(records):03d}", "PRG1", p["ssn"] if ssn is None else ssn, first or p["first"],
                        last or p["last"], p["dob"], "2019-12-01", "2020-02-01", "completed", code, date])

    for i, exit_date in [(1, "2020-03-31"), (2, "2020-04-01"), (3, "2020-06-30"), (4, "2020-07-01"),
                         (5, "2021-04-15"), (6, "2021-07-01")]:  # quarter / program-year boundaries
        person(i)
        train(period(i, exit_date))
        credential(i, 5, exit_date)
        wage(i, _quarter_after(exit_date, 2), "100.00")
        if i < 5:
            wage(i, _quarter_after(exit_date, 4), "100.00")
    for i, code, date, wage_quarter, amount in [
            (7, 5, "2021-02-14", None, None), (8, 5, "2021-02-15", None, None), (9, 4, EDGE_ENTRY, None, None),
            (10, 6, "2020-01-05", None, None), (11, 1, "2020-02-25", 1, "10.00"), (12, 1, "2020-02-25", 5, "10.00"),
            (13, 1, "2020-02-25", 2, "0.00"), (14, 1, "2020-02-25", 4, "10.00")]:
        person(i)
        train(period(i))
        credential(i, code, date)
        if wage_quarter:
            wage(i, _quarter_after(EDGE_EXIT, wage_quarter), amount)
    person(15)
    train(period(15), "")
    person(16)
    train(period(16), "ojt")
    credential(16, 5, "2020-03-01")
    person(17)
    period(17)
    for training_type in ("ojt", "customized", "apprenticeship"):
        train("E17", training_type)
    credential(17, 5, "2020-03-01")
    person(18, ssn="", first="José", last="Muñoz")
    train(period(18))
    credential(18, 3, "2020-03-01", ssn="", first="JOSE", last="munoz")
    person(19)
    train(period(19))
    credential(19, 3, "2020-03-01", ssn="699-99-9999")
    person(20, last="O'Brien")
    train(period(20))
    credential(20, 3, "2020-03-01", ssn="", last="OBRIEN")
    q2, q4 = _quarter_after(EDGE_EXIT, 2), _quarter_after(EDGE_EXIT, 4)
    for i, paid in [(21, [(q2, "1000.00", "UIA"), (q4, "500.00", "UIA")]),
                    (22, [(q2, "1000.00", "UIA"), (q4, "500.00", "UIB")]),
                    (23, [(q2, "0.00", "UIA"), (q2, "100.00", "UIB"), (q4, "100.00", "UIA")]),
                    (24, [(q2, "100.00", "UIA"), (q4, "0.00", "UIA"), (q4, "50.00", "UIB")])]:
        person(i)
        period(i)
        for quarter, amount, employer in paid:
            wage(i, quarter, amount, employer)
    person(25)
    period(25)
    wage(25, q2, "5000.00", "UIC")
    wage(25, q2, "0.00", "UIC", stem=f"{q2[0]}q{q2[1]}_correction")
    person(26, ssn="626-46-2026")
    period(26)
    wage(26, q2, "77.00")
    for i, reason in [(27, "02"), (28, "06"), (29, "")]:  # two excluded exits, one without a reason
        person(i)
        period(i, reason=reason)
        wage(i, q2, "100.00")
    for i, amount in zip(range(31, 35), ["1000.01", "1000.02", "1000.04", "1000.05"]):  # cents apart
        person(i)
        period(i)
        wage(i, q2, amount)
    person(35)
    period(35, pid="E35a")
    period(35, "2021-01-20", entry="2020-10-01", pid="E35b")
    wage(35, q2, "300.00")
    wage(35, _quarter_after("2021-01-20", 2), "300.00")
    person(36)
    period(36)
    wage(36, q2, "300.00")
    person(37, ssn="")
    period(37)
    person(38)
    period(38, stream="youth", lwda="02")
    wage(38, q2, "10.00")
    for i in range(40, 70):
        exit_date = ["2019-09-15", EDGE_EXIT, "2020-11-20"][i % 3]
        person(i)
        pid = period(i, exit_date, entry="2019-07-01", stream=["adult", "dislocated_worker"][i % 2])
        if i % 4:
            wage(i, _quarter_after(exit_date, 2), f"{1000 + i}.{i:02d}")
        if i % 5:
            wage(i, _quarter_after(exit_date, 4), f"{900 + i}.50")
        if i % 3 == 0:
            train(pid)
            if i % 2:
                credential(i, 5, "2020-05-01")
    for year in (2019, 2020, 2021):
        for q in (1, 2, 3, 4):
            wage(40, (year, q), "1.00", "UIZ")

    def write(relative, header, rows):
        path = landing / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", newline="", encoding="utf-8") as f:
            out = csv.writer(f, lineterminator="\n")
            out.writerow(header)
            out.writerows(rows)

    write("providers/providers.csv", ["provider_id", "provider_name", "entity_type", "county_fips", "state"],
          [["TP1", "Edge Institute", 3, "39041", "OH"]])
    write("providers/programs.csv", ["program_id", "provider_id", "program_name", "cip_code", "soc_code",
                                     "potential_outcome", "tuition_cost", "length_hours", "delivery_mode",
                                     "etpl_status"],
          [["PRG1", "TP1", "Welding I", "48.0508", "51-4121", "5", "3500.00", 320, "in_person", "approved"]])
    write("providers/training_records.csv", ["record_id", "program_id", "ssn", "first_name", "last_name",
                                             "date_of_birth", "enrollment_date", "completion_date",
                                             "completion_status", "credential_type", "credential_date"], records)
    write("job_center/participants.csv",
          ["individual_id", "ssn", "first_name", "last_name", "date_of_birth", "sex", "hispanic", "american_indian",
           "asian", "black", "pacific_islander", "white", "veteran", "disability", "highest_education",
           "employment_status_at_entry", "low_income", "county_fips"],
          [[f"I{i:02d}", p["ssn"], p["first"], p["last"], p["dob"], 1, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 1, "39041"]
           for i, p in people.items()])
    header = ["participation_id", "individual_id", "funding_stream", "lwda_code", "entry_date", "exit_date",
              "exit_reason"]
    write("job_center/participation.csv", header, periods)
    write("job_center/participation_correction.csv", header,  # moves E36's exit to 2020Q2
          [row[:5] + ["2020-05-20", row[6]] for row in periods if row[0] == "E36"])
    write("job_center/services.csv", ["service_id", "participation_id", "service_date", "service_type",
                                      "training_type", "program_id", "cost"],
          [[f"S{k:03d}", *row, "0.00"] for k, row in enumerate(services)])
    for stem, rows in wages.items():
        write(f"labor_market/wage_records_{stem}.csv", ["ssn", "employer_id", "naics_code", "year", "quarter",
                                                        "wages"], rows)
    write("labor_market/laus.csv", ["area_fips", "year", "month", "labor_force", "employed", "unemployed",
                                    "unemployment_rate"], [["39041", 2020, 4, 1000, 900, 100, "10.0"]])
    write("labor_market/oews.csv", ["area_code", "soc_code", "year", "occupation_title", "employment",
                                    "median_annual_wage"], [["39", "51-4121", 2020, "Welders", "**", "45000.00"]])
    write("labor_market/ui_claims.csv", ["week_ending", "county_fips", "initial_claims", "continued_claims"],
          [["2020-04-04", "39041", 3000, 12000]])
    return landing


@pytest.fixture(scope="module")
def edge_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("edge")
    return refresh(write_edge_feeds(root / "landing"), root)


@pytest.mark.slow
def test_edge_cases_match_the_pandas_peer_and_the_hand_count(edge_run):
    mart_report = published_report(edge_run)
    units = performance_units(edge_run.landing)
    problems = report_differences(mart_report, wioa_performance(units))
    problems += exit_differences(published_exit_outcomes(edge_run), program_outcomes(units))
    assert not problems, "the mart disagrees with benchmarks/pandas_peer.py:\n" + problems
    mart = published_exit_outcomes(edge_run).set_index("participation_id")
    published = {pid: {column: None if pd.isna(mart.at[pid, column]) else bool(mart.at[pid, column])
                       for column in expected} for pid, expected in EDGE_EXPECTED.items()}
    wrong = {pid: {"published": published[pid], "by hand": expected}
             for pid, expected in EDGE_EXPECTED.items() if published[pid] != expected}
    assert not wrong, f"outcomes differ from the hand count: {wrong}"
    medians = mart_report[(mart_report["indicator"] == "median_earnings_q2") & ~mart_report["is_suppressed"]]
    assert len(medians) > 0
