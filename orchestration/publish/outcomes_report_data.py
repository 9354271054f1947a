"""The numbers behind the outcomes report, read from the published mart (never the warehouse).

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

# The indicators of rpt_wioa_performance / rpt_equity_outcomes, in reading order, with their labels.
INDICATORS = {
    "employment_rate_q2": "Employment rate, Q2 after exit",
    "employment_rate_q4": "Employment rate, Q4 after exit",
    "median_earnings_q2": "Median earnings, Q2 after exit",
    "credential_attainment_rate": "Credential attainment rate",
    "retention_same_employer": "Retention with the same employer",
}
DOLLAR_INDICATORS = {"median_earnings_q2"}
FUNDING_STREAMS = {"all": "All funding streams", "adult": "Adult", "dislocated_worker": "Dislocated Worker",
                   "youth": "Youth", "wagner_peyser": "Wagner-Peyser"}
DIMENSIONS = {"sex": "Sex", "race_ethnicity": "Race / ethnicity", "age_group": "Age at entry",
              "veteran": "Veteran status", "disability": "Disability"}
# The scorecards the report shows, so that it stays small at any scale (a state has thousands of
# programs): the programs with the most exiters in the report year, over its latest program years.
# Every program-year is in the mart (`marts.rpt_provider_scorecard`), and the report says so.
SCORECARD_PROGRAMS = 40
SCORECARD_YEARS = 3
# Groups in reading order (age bands by age); other values follow alphabetically, "not reported" last.
GROUP_ORDER = ["<16", "16-18", "19-24", "25-44", "45-54", "55-59", "60+", "female", "male", "yes", "no"]


def label(mapping: dict[str, str], key: object) -> str:
    return mapping.get(str(key), str(key).replace("_", " ").capitalize())


@dataclass
class ReportData:
    metadata: dict[str, str]
    performance: list[Record]  # rpt_wioa_performance, statewide (lwda_code = 'all')
    scorecards: list[Record]  # rpt_provider_scorecard with program and provider names
    equity: list[Record]  # rpt_equity_outcomes, all funding streams, with the overall value beside each group
    labor_market: list[Record]  # rpt_labor_market
    report_year: int | None = None  # the program year the tables focus on (see _report_year)
    counts: dict[str, int] = field(default_factory=dict)
    scorecard_rows: int = 0  # program-years in the mart; `scorecards` holds a bounded selection of them


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


def _performance(con) -> list[Record]:
    return _records(con, """SELECT exit_program_year, funding_stream, indicator, numerator, denominator, value,
            is_suppressed
        FROM marts.rpt_wioa_performance WHERE lwda_code = 'all'
        ORDER BY exit_program_year, funding_stream <> 'all', funding_stream, indicator""")


def _scorecards(con, year: int | None) -> list[Record]:
    """The SCORECARD_PROGRAMS programs with the most exiters in `year` (else the latest year), over
    the SCORECARD_YEARS program years up to it."""
    return _records(con, f"""WITH shown_year AS (
            SELECT coalesce(max(exit_program_year) FILTER (WHERE exit_program_year <= ?), max(exit_program_year)) AS y
            FROM marts.rpt_provider_scorecard),
        programs AS (SELECT program_id FROM marts.rpt_provider_scorecard, shown_year WHERE exit_program_year = y
            ORDER BY exiters DESC, program_id LIMIT {SCORECARD_PROGRAMS})
        SELECT s.*, coalesce(p.program_name, s.program_id) AS program_name,
            coalesce(v.provider_name, s.provider_id) AS provider_name
        FROM marts.rpt_provider_scorecard s
        CROSS JOIN shown_year
        LEFT JOIN marts.dim_program p ON p.program_id = s.program_id
        LEFT JOIN marts.dim_provider v ON v.provider_id = s.provider_id
        WHERE s.program_id IN (SELECT program_id FROM programs)
          AND s.exit_program_year BETWEEN shown_year.y - {SCORECARD_YEARS - 1} AND shown_year.y
        ORDER BY s.exit_program_year DESC, provider_name, program_name""", [year])


def _equity(con) -> list[Record]:
    return _records(con, """SELECT e.exit_program_year, e.dimension, e.group_value, e.indicator, e.numerator,
            e.denominator, e.value, e.is_suppressed, o.value AS overall_value, e.value - o.value AS gap
        FROM marts.rpt_equity_outcomes e
        LEFT JOIN marts.rpt_wioa_performance o ON o.exit_program_year = e.exit_program_year
            AND o.indicator = e.indicator AND o.funding_stream = 'all' AND o.lwda_code = 'all'
        WHERE e.funding_stream = 'all' AND e.lwda_code = 'all'
        ORDER BY e.exit_program_year, e.dimension, e.group_value, e.indicator""")


def _labor_market(con) -> list[Record]:
    return _records(con, """SELECT lwda_code, lwda_name, month_start_date, year, month, labor_force, unemployed,
            unemployment_rate, initial_claims, continued_claims, claim_weeks
        FROM marts.rpt_labor_market ORDER BY lwda_code, month_start_date""")


def _report_year(performance: list[Record]) -> int | None:
    """The latest program year with complete outcomes (Q4 employment known), else with any, else the latest."""
    for indicator in ("employment_rate_q4", "employment_rate_q2"):
        known = [r["exit_program_year"] for r in performance if r["funding_stream"] == "all"
                 and r["indicator"] == indicator and r["value"] is not None]
        if known:
            return max(known)
    return max((r["exit_program_year"] for r in performance), default=None)


def load_report_data(mart_path: Path) -> ReportData:
    """Read everything the report shows from the published file, opened read-only."""
    with duckdb.connect(str(mart_path), read_only=True) as con:
        metadata = dict(con.execute("SELECT key, value FROM marts.publish_metadata").fetchall())
        performance = _performance(con)
        year = _report_year(performance)
        data = ReportData(metadata=metadata, performance=performance, scorecards=_scorecards(con, year),
                          equity=_equity(con), labor_market=_labor_market(con), report_year=year)
        data.counts = {t: con.execute(f"SELECT count(*) FROM marts.{t}").fetchone()[0]
                       for t in ("dim_participant", "fct_exit_outcomes", "dim_provider", "dim_program")}
        data.scorecard_rows = con.execute("SELECT count(*) FROM marts.rpt_provider_scorecard").fetchone()[0]
    return data
