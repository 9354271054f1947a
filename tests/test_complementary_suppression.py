"""No suppressed cell of the published reports can be given back by the published cells
(mart.md, Privacy): tests/disclosure.py tries every derivation an attacker can do by adding
and subtracting the rows of a rollup family, and across indicators, on the generated data
(2,000 participants). That attack finds hundreds of cells in a mart with primary suppression
only (the mart before complementary suppression; test_the_attack_finds_cells_primary_suppression_leaves)."""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from disclosure import EQUITY, ETA9169, WIOA, derived_cells

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo root holds `benchmarks`
from benchmarks.pandas_peer import performance_units, wioa_performance  # noqa: E402

SHOWN = 20


@pytest.fixture(scope="module")
def reports(generated_run) -> dict[str, pd.DataFrame]:
    assert generated_run.outcome.published, generated_run.outcome.failed_checks + generated_run.outcome.step_errors
    with duckdb.connect(str(generated_run.published), read_only=True) as con:
        return {t: con.execute(f"SELECT * FROM marts.{t}").df()
                for t in ("rpt_wioa_performance", "rpt_eta9169_performance", "rpt_equity_outcomes",
                          "rpt_eta9169_summary")}


def _explain(found: pd.DataFrame) -> str:
    return f"{len(found)} suppressed cell(s) can be derived:\n{found.head(SHOWN).to_string(index=False)}"


@pytest.mark.parametrize("table", [WIOA, ETA9169], ids=lambda t: t.name)
def test_no_suppressed_cell_can_be_derived(reports, table):
    report = reports[table.name]
    assert report["is_suppressed"].any() and (~report["is_suppressed"]).any()
    found = derived_cells(report, table)
    assert found.empty, _explain(found)


def test_no_suppressed_equity_cell_can_be_derived(reports):
    """Within the table, and with rpt_wioa_performance's rows as the groups' published totals."""
    equity = reports["rpt_equity_outcomes"]
    found = pd.concat([derived_cells(equity, EQUITY), derived_cells(equity, EQUITY, reports["rpt_wioa_performance"])])
    assert found.empty, _explain(found)


def test_no_suppressed_cost_can_be_derived(reports):
    """rpt_eta9169_summary withholds funds_expended and cost per participant: no stream or area
    family of a year has exactly one withheld cost of people served."""
    summary = reports["rpt_eta9169_summary"]
    hiding = summary["is_suppressed"] & (summary["participants_served"] > 0)
    for axis, other in (("funding_stream", "lwda_code"), ("lwda_code", "funding_stream")):
        counts = hiding.groupby([summary["report_program_year"], summary[other]]).sum()
        assert not (counts == 1).any(), f"{axis}: {counts[counts == 1].head()}"


def test_the_same_cohort_is_suppressed_alike_in_both_reports(reports):
    """rpt_eta9169_performance's employment_rate_q2 and median_earnings_q2 of report year Y are
    rpt_wioa_performance's of exit year Y - 1 (the same exits): the same cells, shown or
    withheld alike, or reading both tables would undo one of them."""
    keys = ["year", "funding_stream", "lwda_code", "indicator"]
    columns = keys + ["numerator", "denominator", "value", "is_suppressed"]
    wioa = reports["rpt_wioa_performance"].rename(columns={"exit_program_year": "year"})
    eta = reports["rpt_eta9169_performance"].assign(year=lambda r: r["report_program_year"] - 1)
    eta = eta[eta["outcomes_known"] > 0]  # a cohort nobody's outcome is known of yet: no wioa row
    indicators = ["employment_rate_q2", "median_earnings_q2"]
    wioa = wioa.loc[wioa["indicator"].isin(indicators), columns]
    eta = eta.loc[eta["indicator"].isin(indicators) & eta["year"].isin(wioa["year"]), columns]
    merged = wioa.merge(eta, on=keys, how="outer", suffixes=("_wioa", "_eta"), indicator=True)
    assert (merged["_merge"] == "both").all(), merged[merged["_merge"] != "both"].head(SHOWN)
    for column in ("numerator", "denominator", "value", "is_suppressed"):
        a, b = merged[f"{column}_wioa"], merged[f"{column}_eta"]
        same = (a == b) | (a.isna() & b.isna()) | ((a - b).abs() < 1e-9 if column == "value" else False)
        assert same.all(), merged.loc[~same].head(SHOWN).to_string()


def test_the_attack_finds_cells_primary_suppression_leaves(generated_run):
    """The test above can fail: on the same data with primary suppression only (the peer's
    report, withholding only denominators below 10: the mart before complementary
    suppression) the attack derives suppressed numerators."""
    primary_only = wioa_performance(performance_units(generated_run.landing))
    found = derived_cells(primary_only, WIOA)
    assert len(found) > 10, found
    assert set(found["how"]) >= {"median_earnings_q2's denominator", "numerator: parent minus the other children"}
