"""Issue 16's feed additions are optional: files of today's contract (tests/handmade_feeds.py has
no issue-16 column and no supplemental_wages file) load and publish as before. The session's
hand-made refresh (`handmade_run`) is reused; its v1 values are checked in test_pipeline.py."""

from __future__ import annotations

import duckdb

from orchestration.ingest.feeds import ENTITIES_BY_NAME

V1_DIMENSIONS = {"sex", "race_ethnicity", "age_group", "veteran", "disability", "low_income"}
V1_INDICATORS = {"employment_rate_q2", "employment_rate_q4", "median_earnings_q2", "credential_attainment_rate",
                 "retention_same_employer"}


def test_files_without_the_new_columns_and_entity_load(handmade_run):
    assert handmade_run.outcome.published, handmade_run.outcome.failed_checks + handmade_run.outcome.step_errors
    assert not list((handmade_run.landing / "labor_market").glob("supplemental_wages*"))
    with duckdb.connect(str(handmade_run.warehouse), read_only=True) as con:
        for entity in ("participants", "participation"):
            optional = [c.name for c in ENTITIES_BY_NAME[entity].columns if c.optional]
            assert optional, entity
            filled = con.execute(f"SELECT count(*) FROM raw.{entity} WHERE "
                                 + " OR ".join(f"{c} IS NOT NULL" for c in optional)).fetchone()[0]
            assert filled == 0, entity
        assert con.execute("SELECT count(*) FROM raw.supplemental_wages").fetchone() == (0,)
        problems = con.execute("""SELECT entity, rule FROM raw.quarantine
            WHERE entity IN ('participants', 'participation', 'supplemental_wages')""").fetchall()
        assert problems == [], problems


def test_files_without_the_new_columns_publish_the_v1_picture(handmade_run):
    """No barrier breakout, no skill-gain row, UI as the only wage source; the only new rows are
    the Youth education-or-employment rates, which without placements are computed from wages."""
    with duckdb.connect(str(handmade_run.published), read_only=True) as con:
        dimensions = {r[0] for r in con.execute("SELECT DISTINCT dimension FROM marts.rpt_equity_outcomes").fetchall()}
        indicators = {r[0] for r in con.execute("SELECT DISTINCT indicator FROM marts.rpt_wioa_performance").fetchall()}
        sources = {r[0] for r in con.execute("SELECT DISTINCT employment_source_q2 FROM marts.fct_exit_outcomes")
                   .fetchall()}
        youth = con.execute("""SELECT count(*) FROM marts.fct_exit_outcomes WHERE funding_stream = 'youth'
            AND education_employment_q2 IS DISTINCT FROM employed_q2""").fetchone()[0]
    assert dimensions == V1_DIMENSIONS
    assert {"employment_rate_q2", "employment_rate_q4"} <= indicators
    assert indicators <= V1_INDICATORS | {"education_employment_rate_q2", "education_employment_rate_q4"}
    assert sources <= {None, "ui"}
    assert youth == 0
