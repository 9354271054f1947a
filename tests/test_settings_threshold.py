"""O4O_SUPPRESSION_THRESHOLD=15 end to end: one setting, read by orchestration/resources.py, reaches
dbt (--vars), the GX gates and the publish metadata, and every report withholds a cell whose
denominator is 10-14 (shown at the default 10).

The hand-made feeds (tests/handmade_feeds.py) give PY2020 adult LWDA 01 employment_rate_q2 = 8 / 11:
a denominator of 11, published at 10 and withheld at 15, in rpt_wioa_performance and in the
rpt_equity_outcomes and rpt_eta9169_performance cells over the same exiters; rpt_eta9169_summary
serves 13 participants (P01-P13). The scorecard's one program has a single training exiter (in
the yearly and the pooled scorecard alike), so its band is checked on a copy of the warehouse in
which a row of 12 exiters shows a value.
"""

from __future__ import annotations

import shutil

import duckdb
import pytest

from conftest import environ, refresh

THRESHOLD = 15
# report -> the column that decides its suppression (mart.md, Privacy; the owner of the rule is
# macros/suppression.sql, the gates check it in expectations/marts/).
DENOMINATOR = {"rpt_wioa_performance": "denominator", "rpt_equity_outcomes": "denominator",
               "rpt_eta9169_performance": "denominator", "rpt_provider_scorecard": "exiters",
               "rpt_eta9169_summary": "participants_served", "rpt_provider_scorecard_pooled": "exiters"}


@pytest.fixture(scope="module")
def run15(tmp_path_factory):
    from handmade_feeds import write_handmade_feeds

    root = tmp_path_factory.mktemp("threshold15")
    with environ({"O4O_SUPPRESSION_THRESHOLD": str(THRESHOLD)}):
        return refresh(write_handmade_feeds(root / "landing"), root)


def test_a_threshold_of_15_refreshes_and_publishes(run15):
    assert run15.outcome.succeeded, run15.outcome.failed_checks + run15.outcome.step_errors
    with duckdb.connect(str(run15.published), read_only=True) as con:
        meta = dict(con.execute("SELECT key, value FROM marts.publish_metadata").fetchall())
    assert meta["suppression_threshold"] == "15"


def test_every_report_withholds_denominators_of_10_to_14(run15):
    with duckdb.connect(str(run15.published), read_only=True) as con:
        # the hand-counted cell: employment_rate_q2, PY2020 adult LWDA 01, 8 / 11 -> withheld
        cell = con.execute("""SELECT denominator, numerator, value, is_suppressed FROM marts.rpt_wioa_performance
            WHERE exit_program_year = 2020 AND funding_stream = 'adult' AND lwda_code = '01'
              AND indicator = 'employment_rate_q2'""").fetchone()
        assert cell == (11, None, None, True)
        in_band = {}
        for report, column in DENOMINATOR.items():
            rows = con.execute(f"SELECT {column}, is_suppressed FROM marts.{report} "
                               f"WHERE {column} >= 10 AND {column} < {THRESHOLD}").fetchall()
            in_band[report] = len(rows)
            shown = [r for r in rows if not r[1]]
            assert not shown, f"{report} shows {len(shown)} cells with {column} in 10..14 at threshold 15"
            below = con.execute(f"SELECT count(*) FROM marts.{report} WHERE coalesce({column}, 0) < {THRESHOLD} "
                                "AND NOT is_suppressed").fetchone()[0]
            assert below == 0, report
    # the band is not empty where the hand-made feeds put a cell in it
    assert all(in_band[r] > 0 for r in DENOMINATOR if not r.startswith("rpt_provider_scorecard")), in_band


def test_the_gates_judge_at_the_same_threshold(run15, tmp_path):
    """A cell of 11 (or 12 exiters) shown: the marts gates fail at 15, the setting, as dbt's
    suppression does; the untouched warehouse passes them."""
    from orchestration.checks.gates import GATES, run_gate
    from orchestration.settings import load_settings

    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(run15.warehouse, warehouse)
    with duckdb.connect(str(warehouse)) as con:
        con.execute("""UPDATE marts.rpt_wioa_performance SET is_suppressed = false, numerator = 8, value = 8 / 11
                       WHERE exit_program_year = 2020 AND funding_stream = 'adult' AND lwda_code = '01'
                         AND indicator = 'employment_rate_q2'""")
        con.execute("""UPDATE marts.rpt_provider_scorecard SET exiters = 12, completed = 1
                       WHERE exit_program_year = 2020""")
    env = {"O4O_PUBLISH_PATH": str(tmp_path / "mart.duckdb"), "O4O_SUPPRESSION_THRESHOLD": str(THRESHOLD)}
    tampered = load_settings({**env, "O4O_WAREHOUSE_PATH": str(warehouse)})
    untouched = load_settings({**env, "O4O_WAREHOUSE_PATH": str(run15.warehouse)})
    for relation in ("marts.rpt_wioa_performance", "marts.rpt_provider_scorecard"):
        gate = next(g for g in GATES if g.relation == relation)
        verdict = run_gate(gate, tampered)
        assert not verdict.passed and "suppress" in str(verdict.metadata["failures"].value), relation
        assert run_gate(gate, untouched).passed, relation
