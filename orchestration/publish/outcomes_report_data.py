"""The numbers behind the outcomes report, read from the published mart (never the warehouse).

The report answers a board director's questions for one year, the *report year* (see
`_report_year`), and the pooled program view; every other year and program stays in the mart. So
that the page is the same size at 2,000 or 2 million participants (o4o issue 17), each query here is
bounded by something that does not grow with people: the indicators, the local areas (seed
`area_crosswalk.csv`), the equity groups, `PROGRAMS_SHOWN` programs and `LABOR_MONTHS` months.

Each function returns plain JSON-ready records (dates as ISO text, decimals as floats), so the
same rows feed both the Vega-Lite charts and the HTML tables.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

Record = dict[str, object]

# The indicators of rpt_wioa_performance / rpt_equity_outcomes that have an all-streams row, in
# reading order, with their labels (the Youth education-or-employment rates have no such row).
INDICATORS = {
    "employment_rate_q2": "Employment rate, Q2 after exit",
    "employment_rate_q4": "Employment rate, Q4 after exit",
    "median_earnings_q2": "Median earnings, Q2 after exit",
    "credential_attainment_rate": "Credential attainment rate",
    "measurable_skill_gains_rate": "Measurable skill gains rate",
    "retention_same_employer": "Retention with the same employer",
}
DOLLAR_INDICATORS = {"median_earnings_q2"}
FUNDING_STREAMS = {"all": "All funding streams", "adult": "Adult", "dislocated_worker": "Dislocated Worker",
                   "youth": "Youth", "wagner_peyser": "Wagner-Peyser"}
DIMENSIONS = {"sex": "Sex", "race_ethnicity": "Race / ethnicity", "age_group": "Age at entry",
              "veteran": "Veteran", "disability": "Disability", "low_income": "Low income",
              "has_barrier": "Any barrier"}
# Groups in reading order (age bands by age); other values follow alphabetically, "not reported" last.
GROUP_ORDER = ["<16", "16-18", "19-24", "25-44", "45-54", "55-59", "60+", "female", "male", "yes", "no"]
POOLED_TABLE = "rpt_provider_scorecard_pooled"
PROGRAMS_SHOWN = 25  # rows of the ranked program table; the rest are in marts.rpt_provider_scorecard_pooled
LABOR_MONTHS = 36  # months of the labor-market chart, up to the latest month in the mart


def label(mapping: dict[str, str], key: object) -> str:
    return mapping.get(str(key), str(key).replace("_", " ").capitalize())


def dimension_label(dimension: str) -> str:
    """'barrier_homeless' -> 'Barrier: homeless'; the known dimensions by DIMENSIONS."""
    if dimension.startswith("barrier_"):
        return "Barrier: " + dimension.removeprefix("barrier_").replace("_", " ")
    return label(DIMENSIONS, dimension)


@dataclass
class ReportData:
    metadata: dict[str, str]
    report_year: int | None  # the program year of exit the page is about (see _report_year)
    # rpt_wioa_performance, funding_stream = 'all', exit years report_year and report_year - 1,
    # statewide (lwda_code = 'all') and per area, with lwda_name
    performance: list[Record]
    areas: list[Record]  # dim_lwda without 'all': lwda_code, lwda_name
    # rpt_equity_outcomes of the report year, all streams, statewide, with everyone's value and denominator
    equity: list[Record]
    programs: list[Record]  # the PROGRAMS_SHOWN top rows of rpt_provider_scorecard_pooled (see _programs)
    labor_market: list[Record]  # rpt_labor_market, the latest LABOR_MONTHS months
    program_counts: dict[str, object] = field(default_factory=dict)  # rows, ranked (rate shown), window years
    counts: dict[str, int] = field(default_factory=dict)
    has_pooled_table: bool = True


def _jsonable(value: object) -> object:
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _records(con: duckdb.DuckDBPyConnection, query: str, params: list | None = None) -> list[Record]:
    cur = con.execute(query, params or [])
    names = [d[0] for d in cur.description]
    return [{n: _jsonable(v) for n, v in zip(names, row)} for row in cur.fetchall()]


def _report_year(con) -> int | None:
    """The latest program year of exit whose statewide, all-streams Q4 employment rate is known
    (so nearly every indicator of it is), else the latest with a known Q2 rate, else the latest."""
    base = ("SELECT max(exit_program_year) FROM marts.rpt_wioa_performance WHERE funding_stream = 'all' "
            "AND lwda_code = 'all' AND indicator <> 'measurable_skill_gains_rate'")
    for indicator in ("employment_rate_q4", "employment_rate_q2"):
        year = con.execute(base + " AND indicator = ? AND value IS NOT NULL", [indicator]).fetchone()[0]
        if year is not None:
            return year
    return con.execute(base).fetchone()[0]


def _performance(con, year: int) -> list[Record]:
    return _records(con, """SELECT exit_program_year, lwda_code, lwda_name, indicator, numerator, denominator,
            value, is_suppressed
        FROM marts.rpt_wioa_performance
        WHERE funding_stream = 'all' AND exit_program_year IN (?, ?)
        ORDER BY exit_program_year, lwda_code <> 'all', lwda_code, indicator""", [year, year - 1])


def _areas(con) -> list[Record]:
    return _records(con, "SELECT lwda_code, lwda_name FROM marts.dim_lwda WHERE lwda_code <> 'all' "
                         "ORDER BY lwda_code")


def _equity(con, year: int) -> list[Record]:
    return _records(con, """SELECT e.dimension, e.group_value, e.indicator, e.numerator, e.denominator, e.value,
            e.is_suppressed, o.value AS overall_value, o.denominator AS overall_denominator,
            e.value - o.value AS gap
        FROM marts.rpt_equity_outcomes e
        LEFT JOIN marts.rpt_wioa_performance o ON o.exit_program_year = e.exit_program_year
            AND o.indicator = e.indicator AND o.funding_stream = 'all' AND o.lwda_code = 'all'
        WHERE e.exit_program_year = ? AND e.funding_stream = 'all' AND e.lwda_code = 'all'
        ORDER BY e.dimension, e.group_value, e.indicator""", [year])


def _has_table(con, name: str) -> bool:
    return bool(con.execute("SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'marts' AND table_name = ?",
                            [name]).fetchone()[0])


def _programs(con) -> tuple[list[Record], dict[str, object]]:
    """The PROGRAMS_SHOWN programs ranked by pooled employment rate Q2 (highest first; a withheld or
    not-yet-known rate after every shown one), ties by more exiters, then program_id."""
    rows = _records(con, f"""SELECT * FROM marts.{POOLED_TABLE}
        ORDER BY employment_rate_q2 DESC NULLS LAST, exiters DESC NULLS LAST, program_id
        LIMIT {PROGRAMS_SHOWN}""")
    total, ranked, first, last = con.execute(f"""SELECT count(*), count(employment_rate_q2),
        min(first_exit_program_year), max(last_exit_program_year) FROM marts.{POOLED_TABLE}""").fetchone()
    return rows, {"rows": total, "ranked": ranked, "first_year": first, "last_year": last}


def _labor_market(con) -> list[Record]:
    return _records(con, f"""SELECT lwda_code, lwda_name, month_start_date, year, month, labor_force,
            unemployment_rate, initial_claims, claim_weeks
        FROM marts.rpt_labor_market
        WHERE month_start_date > (SELECT max(month_start_date) FROM marts.rpt_labor_market)
            - INTERVAL {LABOR_MONTHS} MONTH
        ORDER BY lwda_code, month_start_date""")


def load_report_data(mart_path: Path) -> ReportData:
    """Read everything the report shows from the published file, opened read-only."""
    with duckdb.connect(str(mart_path), read_only=True) as con:
        metadata = dict(con.execute("SELECT key, value FROM marts.publish_metadata").fetchall())
        year = _report_year(con)
        has_pooled = _has_table(con, POOLED_TABLE)
        programs, program_counts = _programs(con) if has_pooled else ([], {})
        data = ReportData(metadata=metadata, report_year=year,
                          performance=_performance(con, year) if year is not None else [],
                          areas=_areas(con), equity=_equity(con, year) if year is not None else [],
                          programs=programs, program_counts=program_counts, labor_market=_labor_market(con),
                          has_pooled_table=has_pooled)
        data.counts = {t: con.execute(f"SELECT count(*) FROM marts.{t}").fetchone()[0]
                       for t in ("dim_participant", "fct_exit_outcomes", "dim_provider", "dim_program")}
    return data
