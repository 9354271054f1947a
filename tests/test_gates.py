"""Quality gates: each suite's rules bite, gates report why, and a bad row at any layer blocks publishing.

Rule tests tamper a copy of the handmade session warehouse and run the real suite on it
(real DuckDB, real GX). The layer tests run real refreshes on landing data with one bad
row that the feed contract (raw), a staging rule or a marts rule rejects, and check that
the published file - and the JSON beside it - stay byte-identical.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import shutil

import duckdb
import pytest
from conftest import environ, refresh
from dagster import AssetKey

from orchestration.quality.evaluations import from_result
from orchestration.checks.gates import GATES, run_gate
from orchestration.resources import environment_settings
from orchestration.quality.suites import validate_relation
from orchestration.quality.validation_report import render_report, report_path, write_report
from orchestration.publish.write_audit_publish import file_sha256, metadata_path

PLACEHOLDERS = {"suppression_threshold": 10}


@pytest.fixture
def warehouse(handmade_run, tmp_path):
    """A private copy of the session's warehouse, to break."""
    assert handmade_run.outcome.published, handmade_run.outcome.failed_checks + handmade_run.outcome.step_errors
    copy = tmp_path / "warehouse.duckdb"
    shutil.copyfile(handmade_run.warehouse, copy)
    return copy


def _tamper(path, *statements: str) -> None:
    with duckdb.connect(str(path)) as con:
        for sql in statements:
            con.execute(sql)


def _first(table: str, where: str) -> str:
    return f"rowid = (SELECT min(rowid) FROM {table} WHERE {where})"


WIOA = "marts.rpt_wioa_performance"
SCORECARD = "marts.rpt_provider_scorecard"
POOLED = "marts.rpt_provider_scorecard_pooled"
PII = "marts/every_table/no_pii_shapes"
INDICATORS = "marts/shared/indicator_values"  # included by the WIOA and equity reports' suites
# (id, relation, suite, tampering SQL, the rule that must block)
BROKEN = [
    ("rate above 1", WIOA, INDICATORS,
     [f"UPDATE {WIOA} SET value = 1.5 WHERE " + _first(WIOA, "indicator = 'employment_rate_q2' AND value IS NOT NULL")],
     "rates within [0, 1]"),
    ("numerator above denominator", WIOA, INDICATORS,
     [f"UPDATE {WIOA} SET numerator = denominator + 1 WHERE {_first(WIOA, 'numerator IS NOT NULL')}"],
     "numerator <= denominator"),
    ("median not positive", WIOA, INDICATORS,
     [f"UPDATE {WIOA} SET value = 0, denominator = 20, is_suppressed = false "
      "WHERE " + _first(WIOA, "indicator = 'median_earnings_q2'")],
     "median earnings positive"),
    ("suppression leak", WIOA, INDICATORS,
     [f"UPDATE {WIOA} SET denominator = 3, numerator = 1, value = 0.3333, is_suppressed = true "
      f"WHERE {_first(WIOA, 'value IS NOT NULL')}"],
     "suppression: no value where the denominator is below 10"),
    ("equity rate above 1", "marts.rpt_equity_outcomes", INDICATORS,
     ["UPDATE marts.rpt_equity_outcomes SET value = 2 WHERE "
      + _first("marts.rpt_equity_outcomes", "value IS NOT NULL AND indicator <> 'median_earnings_q2'")],
     "rates within [0, 1]"),
    ("scorecard suppression leak", SCORECARD, "marts/rpt_provider_scorecard",
     [f"UPDATE {SCORECARD} SET exiters = 3, completed = 1, completion_rate = 0.3333, is_suppressed = true "
      f"WHERE {_first(SCORECARD, 'true')}"],
     "suppression: no value where exiters are below 10"),
    ("pooled scorecard suppression leak", POOLED, "marts/rpt_provider_scorecard_pooled",
     [f"UPDATE {POOLED} SET exiters = 3, completed = 1, completion_rate = 0.3333 WHERE {_first(POOLED, 'true')}"],
     "suppression: no value where pooled exiters are below 10"),
    # the pooled row shows 10 completers of 15 exiters while the window's last year, withheld, holds 3 exiters:
    # pooled minus the other years would give that year's completers back
    ("pooled scorecard gives a withheld year back", POOLED, "marts/rpt_provider_scorecard_pooled",
     [f"UPDATE {POOLED} SET exiters = 15, completed = 10, completion_rate = 0.6667, is_completion_suppressed = false "
      f"WHERE {_first(POOLED, 'true')}",
      f"UPDATE {SCORECARD} SET exiters = 3, completed = NULL, is_completion_suppressed = true "
      f"WHERE program_id = (SELECT program_id FROM {POOLED} WHERE {_first(POOLED, 'true')}) "
      f"AND exit_program_year = (SELECT last_exit_program_year FROM {POOLED} WHERE {_first(POOLED, 'true')})"],
     "complementary suppression: no pooled completion while the window's withheld years hold 1 to 10 - 1 exiters"),
    ("exit missing from fct_exit_outcomes", "marts.fct_exit_outcomes", "marts/fct_exit_outcomes",
     ["DELETE FROM marts.fct_exit_outcomes WHERE participation_id = 'AP04'"],
     "row counts reconcile: every exit in staging appears once in fct_exit_outcomes"),
    # (a duplicated fct_exit_outcomes row is dbt's to catch: the unique test of _core__models.yml; docs/rules.md)
    ("summary cost shown for 3 participants", "marts.rpt_eta9169_summary", "marts/rpt_eta9169_summary",
     ["UPDATE marts.rpt_eta9169_summary SET participants_served = 3, is_suppressed = false, funds_expended = 100 "
      "WHERE " + _first("marts.rpt_eta9169_summary", "true")],
     "suppression: no cost where participants served are below 10, and a suppressed row shows none"),
    ("wage quarter lost", "marts.fct_quarterly_earnings", "marts/fct_quarterly_earnings",
     [f"DELETE FROM marts.fct_quarterly_earnings WHERE {_first('marts.fct_quarterly_earnings', 'true')}"],
     "row counts reconcile: one row per staged participant wage quarter"),
    ("unknown race category", "marts.dim_participant", "marts/dim_participant",
     [f"UPDATE marts.dim_participant SET race_ethnicity = 'other' WHERE {_first('marts.dim_participant', 'true')}"],
     "race_ethnicity: ETA-9169 categories"),
    ("SSN as employer id", "marts.fct_quarterly_earnings", PII,
     [f"UPDATE marts.fct_quarterly_earnings SET primary_employer_id = '512-34-5678' "
      f"WHERE {_first('marts.fct_quarterly_earnings', 'true')}"],
     "no SSN-shaped values (NNN-NN-NNNN)"),
    ("bare SSN as program id", "marts.dim_program", PII,
     ["UPDATE marts.dim_program SET program_id = '512345678'"],
     "no SSN-shaped values (9 digits) outside employer ids"),
    ("name as provider id", "marts.dim_provider", PII,
     ["UPDATE marts.dim_provider SET provider_id = 'Smith, Ana'"],
     "no name-shaped values outside descriptive columns"),
    ("birth date as text", "marts.dim_program", PII,
     ["UPDATE marts.dim_program SET program_name = '1975-06-15'"],
     "no birth-date-shaped values (full dates as text)"),
    ("birth date column", "marts.dim_area", PII,
     ["ALTER TABLE marts.dim_area ADD COLUMN date_of_birth DATE"],
     "no PII column names (ssn, names, birth date)"),
    # staging models are views over raw: break the raw row they show
    ("entry date before 2000", "staging.stg_job_center__participation", "staging/stg_job_center__participation",
     ["UPDATE raw.participation SET entry_date = DATE '1999-12-31' WHERE participation_id = 'AP01'"],
     "entry_date between 2000-01-01 and today"),
    # rules of the feed contract are the raw suites' (staging views do not check them again)
    ("lwda outside the crosswalk", "raw.participation", "raw/participation",
     ["UPDATE raw.participation SET lwda_code = '99' WHERE participation_id = 'AP01'"],
     "lwda_code exists in the area crosswalk"),
    ("orphan service", "raw.services", "raw/services",
     [f"UPDATE raw.services SET participation_id = 'NOPE' WHERE {_first('raw.services', 'true')}"],
     "participation_id exists in participation"),
    ("duplicate individual", "raw.participants", "raw/participants",
     ["INSERT INTO raw.participants SELECT * FROM raw.participants WHERE individual_id = 'P01'"],
     "unique key: individual_id"),
    ("blank funding stream", "raw.participation", "raw/participation",
     ["UPDATE raw.participation SET funding_stream = NULL WHERE participation_id = 'AP01'"],
     "required: funding_stream"),
    ("blank lwda", "raw.participation", "raw/participation",
     ["UPDATE raw.participation SET lwda_code = NULL WHERE participation_id = 'AP01'"],
     "required: lwda_code"),
    ("blank code of a person", "raw.participants", "raw/participants",
     ["UPDATE raw.participants SET veteran = NULL WHERE individual_id = 'P01'"],
     "required: veteran"),
    ("exit reason missing after exit", "raw.participation", "raw/participation",
     ["UPDATE raw.participation SET exit_reason = NULL WHERE participation_id = 'AP01'"],
     "exit_reason [923] required once exited"),
    ("SSN with spaces as individual id", "raw.participants", "raw/participants",
     ["UPDATE raw.participants SET individual_id = '512 34 5678' WHERE individual_id = 'P01'"],
     "individual_id is never an SSN"),
    ("overlapping periods", "raw.participation", "raw/participation",
     ["INSERT INTO raw.participation SELECT * REPLACE ('AP01b' AS participation_id, DATE '2020-05-01' AS entry_date) "
      "FROM raw.participation WHERE participation_id = 'AP01'"],
     "no overlapping periods of participation of one person in one funding stream"),
    ("staging drops a row", "staging.stg_providers__providers", "staging/stg_providers__providers",
     ["ALTER VIEW staging.stg_providers__providers RENAME TO stg_providers__providers_as_built",
      "CREATE VIEW staging.stg_providers__providers AS SELECT * FROM staging.stg_providers__providers_as_built "
      "WHERE false"],
     "row count reconciles: every raw.providers row is in staging"),
]


def _blocking_rules(result) -> list[str]:
    return [f.rule for f in result.blocking]


@pytest.mark.parametrize("relation,suite", sorted({(b[1], b[2]) for b in BROKEN}))
def test_untouched_warehouse_passes(warehouse, relation, suite):
    """The control for the cases below: the session's own data meets every rule."""
    result = validate_relation(warehouse, relation, suite, PLACEHOLDERS)
    assert result.success, [f.describe() for f in result.blocking]


@pytest.mark.parametrize("name,relation,suite,sql,rule", BROKEN, ids=[b[0] for b in BROKEN])
def test_each_rule_blocks_what_it_should(warehouse, name, relation, suite, sql, rule):
    _tamper(warehouse, *sql)
    result = validate_relation(warehouse, relation, suite, PLACEHOLDERS)
    assert rule in _blocking_rules(result), (name, [f.describe() for f in result.failed])


def test_pii_samples_are_masked_and_located(warehouse):
    _tamper(warehouse, "UPDATE marts.fct_quarterly_earnings SET primary_employer_id = '512-34-5678'")
    result = validate_relation(warehouse, "marts.fct_quarterly_earnings", PII, PLACEHOLDERS)
    (failed,) = [f for f in result.failed if f.rule == "no SSN-shaped values (NNN-NN-NNNN)"]
    text = failed.describe() + json.dumps(failed.rows)
    assert "512-34-5678" not in text and "999-99-9999" in failed.sample_values
    assert failed.sample_rows == [{"table_name": "fct_quarterly_earnings", "column_name": "primary_employer_id"}]


def test_reference_code_outside_the_list_warns_without_blocking(warehouse):
    _tamper(warehouse, "UPDATE raw.programs SET cip_code = '99.9999'")
    result = validate_relation(warehouse, "staging.stg_providers__programs", "staging/stg_providers__programs",
                               PLACEHOLDERS)
    assert result.success
    assert [(f.rule, f.severity, f.sample_values) for f in result.failed] == [
        ("cip_code in the CIP 2020 reference list (flagged, not dropped)", "warning", ["99.9999"])]


def _locations(path, table: str, rowids: list[int]) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(f"SELECT _source_file, _row_number FROM {table} WHERE rowid IN ({', '.join(map(str, rowids))})"
                           " ORDER BY rowid").fetchall()


def _failures(result) -> dict:
    """rule -> (rows counted, sorted places of the sample rows) of each failed rule."""
    return {f.rule: (f.unexpected_count, sorted(tuple(r.values()) for r in f.sample_rows)) for f in result.failed}


def test_sql_gate_gives_the_known_answer(warehouse):
    """Validated in place by SQL (no copy, no chunks), each suite finds exactly the rows broken
    here, counted by hand: two wage rows delivered twice (4 rows share a key), one negative wage,
    two services of a participation that does not exist, one SSN typed as an employer id; the
    staging view of the wage records, which only types raw's rows, still reconciles with raw
    (handmade NAICS 331110 is outside the reference list: a warning, as before)."""
    dup, negative = _locations(warehouse, "raw.wage_records", [0, 5]), _locations(warehouse, "raw.wage_records", [3])
    orphans = _locations(warehouse, "raw.services", [1, 4])
    _tamper(warehouse,
            "INSERT INTO raw.wage_records SELECT * FROM raw.wage_records WHERE rowid IN (0, 5)",
            "UPDATE raw.wage_records SET wages = -1 WHERE rowid = 3",
            "UPDATE raw.services SET participation_id = 'P-NOBODY' WHERE rowid IN (1, 4)",
            "UPDATE marts.fct_quarterly_earnings SET primary_employer_id = '512-34-5678' WHERE rowid = 2")
    wages = validate_relation(warehouse, "raw.wage_records", "raw/wage_records", PLACEHOLDERS)
    assert (wages.success, wages.row_count) == (False, 23 + 2)
    assert _failures(wages) == {
        "unique key: (participant_key, employer_id, year, quarter)": (4, sorted(dup * 2)),
        "0 <= wages <= 999999.99": (1, negative)}
    staged = validate_relation(warehouse, "staging.stg_labor_market__wage_records",
                               "staging/stg_labor_market__wage_records", PLACEHOLDERS)
    assert (staged.success, staged.row_count, staged.blocking) == (True, 25, [])
    services = validate_relation(warehouse, "raw.services", "raw/services", PLACEHOLDERS)
    assert _failures(services) == {"participation_id exists in participation": (2, sorted(orphans))}
    pii = validate_relation(warehouse, "marts.fct_quarterly_earnings", PII, PLACEHOLDERS)
    assert _failures(pii) == {"no SSN-shaped values (NNN-NN-NNNN)": (1, [("fct_quarterly_earnings",
                                                                           "primary_employer_id")])}
    assert [f.sample_values for f in pii.failed] == [["999-99-9999"]]


def test_suppression_threshold_follows_the_setting(warehouse):
    """A denominator of 11 is shown at threshold 10 and must be suppressed at 12."""
    rows = {"suppression_threshold": 12}
    _tamper(warehouse, f"UPDATE {WIOA} SET denominator = 11, numerator = 5, value = 5 / 11, is_suppressed = false "
                       f"WHERE {_first(WIOA, 'value IS NOT NULL')}")
    assert validate_relation(warehouse, WIOA, INDICATORS, PLACEHOLDERS).success
    result = validate_relation(warehouse, WIOA, INDICATORS, rows)
    assert "suppression: no value where the denominator is below 12" in _blocking_rules(result)


def test_every_marts_table_has_a_pii_gate_and_every_layer_reconciles():
    marts = [g for g in GATES if g.layer == "marts"]
    assert {g.asset_key for g in marts} >= {AssetKey([t]) for t in (
        "dim_participant", "dim_provider", "dim_program", "dim_area", "dim_date", "dim_occupation",
        "fct_quarterly_earnings", "fct_exit_outcomes", "rpt_wioa_performance", "rpt_provider_scorecard",
        "rpt_equity_outcomes", "rpt_labor_market")}
    assert all(PII in g.suites for g in marts)
    staging = [g for g in GATES if g.layer == "staging"]
    assert len(staging) == 11, [g.relation for g in staging]  # issue 16 added stg_labor_market__supplemental_wages


def _gate(asset: str):
    (gate,) = [g for g in GATES if g.asset_key == AssetKey([asset])]
    return gate


def test_failed_gate_metadata_says_why_and_links_the_report(warehouse, tmp_path):
    _tamper(warehouse, "UPDATE marts.fct_quarterly_earnings SET primary_employer_id = '512-34-5678'",
            "DELETE FROM marts.fct_quarterly_earnings WHERE " + _first("marts.fct_quarterly_earnings", "true"))
    published = tmp_path / "mart.duckdb"
    with environ({"O4O_WAREHOUSE_PATH": str(warehouse), "O4O_PUBLISH_PATH": str(published)}):
        result = run_gate(_gate("fct_quarterly_earnings"), environment_settings())
    meta = {k: getattr(v, "value", v) for k, v in result.metadata.items()}
    assert not result.passed
    assert meta["expectations_failed"] == 2 and meta["expectations_run"] >= 10
    assert meta["unexpected_rows"] >= 1 and meta["validation_seconds"] > 0
    rules = {f["rule"]: f for f in meta["failed_expectations"]}
    assert rules["no SSN-shaped values (NNN-NN-NNNN)"]["sample_values"] == ["999-99-9999"]
    assert "row counts reconcile: one row per staged participant wage quarter" in rules
    assert meta["validation_report"] == str(report_path(published))
    assert "512-34-5678" not in json.dumps(meta, default=str)

    # the report renders this gate failing, a gate that never ran, and nothing from the network
    document = render_report("run-1", [from_result(AssetKey(["fct_quarterly_earnings"]), "great_expectations_gate",
                                                   result)],
                             [(AssetKey(["fct_quarterly_earnings"]), "marts"), (AssetKey(["dim_area"]), "marts")])
    path = write_report(report_path(published), document)
    document = path.read_text()
    assert "FAILED" in document and "not run" in document and "no SSN-shaped values (NNN-NN-NNNN)" in document
    assert "999-99-9999" in document and "512-34-5678" not in document
    assert not re.search(r"<script|<link|https?://|src=", document)
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_published_metadata_records_the_run(handmade_run):
    """The JSON beside the mart: checksum of the file, feeds, git revision, every gate, validation cost."""
    published = handmade_run.published
    doc = json.loads(metadata_path(published).read_text())
    assert doc["sha256"] == file_sha256(published)
    assert doc["git_revision"] and doc["published_at"] and doc["dagster_run_id"]
    assert len(doc["checks"]) == len(GATES) and all(c["passed"] for c in doc["checks"])
    assert {c["layer"] for c in doc["checks"]} == {"raw", "staging", "marts"}
    cost = doc["validation"]
    assert 0 < cost["validation_share"] < 1
    assert cost["validation_seconds"] == pytest.approx(sum(c["validation_seconds"] for c in doc["checks"]), abs=0.01)
    with duckdb.connect(str(published), read_only=True) as con:
        feeds = con.execute("SELECT source_file, checksum FROM marts.publish_feed_files ORDER BY 1").fetchall()
        checks = con.execute("SELECT count(*), bool_and(passed) FROM marts.publish_checks").fetchone()
        run_id = con.execute("SELECT value FROM marts.publish_metadata WHERE key = 'dagster_run_id'").fetchone()[0]
    assert feeds == sorted((f["source_file"], f["checksum"]) for f in doc["feed_files"]) and len(feeds) >= 10
    for source_file, checksum in feeds:  # the checksums are those of the landing files
        assert hashlib.sha256((handmade_run.landing / source_file).read_bytes()).hexdigest() == checksum
    assert checks == (len(GATES), True) and run_id == doc["dagster_run_id"]
    report = report_path(published)
    assert doc["validation_report"] == str(report) and "Every gate passed" in report.read_text()


# ---------------------------------------------------------------- a bad row at each layer, end to end

def _break_raw(landing):
    """A funding stream outside the feed contract's list."""
    path = landing / "job_center/participation.csv"
    path.write_text(path.read_text().replace("AP01,P01,adult,", "AP01,P01,adultt,"))
    return "raw/participation", "funding_stream in ['adult', 'dislocated_worker', 'youth', 'wagner_peyser']"


def _break_staging(landing):
    """An entry date before 2000: the feed contract has no date range, staging does."""
    path = landing / "job_center/participation.csv"
    path.write_text(path.read_text().replace("AP01,P01,adult,01,2020-02-03,", "AP01,P01,adult,01,1999-12-31,"))
    return "stg_job_center__participation", "entry_date between 2000-01-01 and today"


def _break_marts(landing):
    """An employer reported under a person's name (a sole proprietor): `employer_id` is free text
    in the feed contract, but it reaches the mart as `primary_employer_id`, and the mart holds no
    names. (An SSN there never gets so far: the loader keeps SSN-shaped codes out of raw.)"""
    path = landing / "labor_market/wage_records_2021q1.csv"
    path.write_text(path.read_text().replace("UI0000001", "Jane Doe"))
    return "fct_quarterly_earnings", "no name-shaped values outside descriptive columns"


@pytest.mark.parametrize("breaker", [_break_raw, _break_staging, _break_marts], ids=["raw", "staging", "marts"])
def test_bad_row_at_each_layer_blocks_publishing(handmade_run, copy_of, tmp_path, breaker):
    published = tmp_path / "mart.duckdb"
    shutil.copyfile(handmade_run.published, published)
    shutil.copyfile(metadata_path(handmade_run.published), metadata_path(published))
    before = {p.name: file_sha256(p) for p in (published, metadata_path(published))}
    landing = copy_of(handmade_run.landing)
    asset, rule = breaker(landing)

    run = refresh(landing, tmp_path, published)

    assert not run.outcome.published
    failed = [c for c in run.outcome.failed_checks if c.startswith(f"FAILED {asset} ")]
    assert failed and rule in failed[0], run.outcome.failed_checks
    assert "Jane Doe" not in "\n".join(run.outcome.failed_checks)
    assert {p.name: file_sha256(p) for p in (published, metadata_path(published))} == before
    assert not list(tmp_path.glob("*candidate*"))
    report = html.unescape(report_path(published).read_text())
    assert "the published mart was not replaced" in report and rule in report


# ---------------------------------------------------------------- the GX on DuckDB shim

def test_gx_duckdb_shim_is_still_needed_and_works(tmp_path):
    """great_expectations issue 11579: without quality/gx_duckdb_shim.py every GX metric on DuckDB
    ends in `IndexError` (the result is read after its connection closed). When this test fails on
    the first assertion, GX has fixed it upstream: delete the shim. On the second: the shim broke."""
    from orchestration.quality import gx_duckdb_shim
    from orchestration.quality.sources import gx_context

    path = tmp_path / "shim.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE SCHEMA raw; CREATE TABLE raw.t AS SELECT * FROM (VALUES (1), (NULL), (3)) v(id)")
    import great_expectations as gx

    gx_context()  # installs the shim
    suite = gx.ExpectationSuite(name="shim", expectations=[gx.expectations.ExpectColumnValuesToNotBeNull(column="id")])

    def validate(name):
        source = gx_context().data_sources.add_sql(name, connection_string=f"duckdb:///{path}")
        try:
            batch = source.add_query_asset("t", query="SELECT * FROM raw.t").add_batch_definition_whole_table(
                "whole").get_batch()
            (result,) = batch.validate(suite, result_format="SUMMARY").results
        finally:
            gx_duckdb_shim.close(source.get_execution_engine())
            source.get_engine().dispose()
            gx_context().data_sources.delete(name)
        return result

    gx_duckdb_shim.uninstall()
    try:
        without = validate("without_shim")
    finally:
        gx_duckdb_shim.install()
    assert "list index out of range" in json.dumps(without.exception_info, default=str), (
        "GX validates DuckDB without the shim now (great_expectations#11579 fixed?): remove the shim")
    with_shim = validate("with_shim")
    assert not with_shim.success and with_shim.result["unexpected_count"] == 1, with_shim
    with duckdb.connect(str(path)) as con:  # every connection was closed: the file can be written
        con.execute("INSERT INTO raw.t VALUES (4)")


# ---------------------------------------------------------------- incremental raw gates

def _wage_gate():
    (gate,) = [g for g in GATES if g.relation == "raw.wage_records"]
    return gate


def _load_wages(run, landing, warehouse):
    from conftest import TEST_PII_KEY

    from orchestration.ingest.feeds import ENTITIES_BY_NAME
    from orchestration.ingest.loader import load_entity

    with duckdb.connect(str(warehouse)) as con:
        return load_entity(con, ENTITIES_BY_NAME["wage_records"], landing, TEST_PII_KEY.encode(), log=lambda _: None)


def _meta(result) -> dict:
    return {k: getattr(v, "value", v) for k, v in result.metadata.items()}


def test_incremental_raw_gate_checks_only_new_deliveries_and_keeps_failing_until_fixed(handmade_run, tmp_path):
    """After a refresh whose raw gates passed, a new wage quarter is the only delivery the wage
    gate validates row by row (keys still over the whole table); a bad row in it fails the gate
    with its file and row, and keeps failing it on the next run, whatever arrives after it."""
    from orchestration.ingest.loader import APPEND

    landing = tmp_path / "landing"
    shutil.copytree(handmade_run.landing, landing)
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copyfile(handmade_run.warehouse, warehouse)
    env = {**handmade_run.env(), "O4O_LANDING_DIR": str(landing), "O4O_WAREHOUSE_PATH": str(warehouse),
           "O4O_PUBLISH_PATH": str(tmp_path / "mart.duckdb")}
    header = "ssn,employer_id,naics_code,year,quarter,wages"
    (landing / "labor_market/wage_records_2021q4.csv").write_text(
        f"{header}\n501111001,UI0000001,331110,2021,4,4500.00\n502121002,UI0000001,331110,2021,4,-7.00\n")
    assert _load_wages(handmade_run, landing, warehouse).mode == APPEND
    with environ(env):
        first = run_gate(_wage_gate(), environment_settings())
    meta = _meta(first)
    assert not first.passed and meta["rows_validated"] == 2, meta["rows_validated"]
    assert meta["validated"].startswith("the rows of 1 new file(s)")
    assert "labor_market/wage_records_2021q4.csv row 3" in meta["failures"]

    (landing / "labor_market/wage_records_2022q1.csv").write_text(f"{header}\n501111001,UI0000001,331110,2022,1,4500.00\n")
    assert _load_wages(handmade_run, landing, warehouse).mode == APPEND
    with environ(env):
        second = run_gate(_wage_gate(), environment_settings())
    assert not second.passed and _meta(second)["validated"] == "every row", "a failed gate validates everything next"
    assert "labor_market/wage_records_2021q4.csv row 3" in _meta(second)["failures"]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("SELECT source_file, row_number, rule FROM raw.quarantine WHERE entity = 'wage_records'"
                           ).fetchall() == [("labor_market/wage_records_2021q4.csv", 3, "0 <= wages <= 999999.99")]

    (landing / "labor_market/wage_records_2021q4.csv").write_text(f"{header}\n501111001,UI0000001,331110,2021,4,4500.00\n")
    _load_wages(handmade_run, landing, warehouse)  # a changed file: the loader rebuilds the table
    with environ(env):
        fixed = run_gate(_wage_gate(), environment_settings())
    assert fixed.passed and _meta(fixed)["validated"] == "every row"
    (landing / "labor_market/wage_records_2022q2.csv").write_text(f"{header}\n501111001,UI0000001,331110,2022,2,4600.00\n")
    _load_wages(handmade_run, landing, warehouse)
    with environ(env):
        incremental = run_gate(_wage_gate(), environment_settings())
    assert incremental.passed and _meta(incremental)["rows_validated"] == 1


def test_incremental_raw_gate_still_checks_keys_over_the_whole_table(handmade_run, tmp_path):
    """A new file whose rows repeat a key within itself: the key rule sees the whole table."""
    landing = tmp_path / "landing"
    shutil.copytree(handmade_run.landing, landing)
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copyfile(handmade_run.warehouse, warehouse)
    env = {**handmade_run.env(), "O4O_LANDING_DIR": str(landing), "O4O_WAREHOUSE_PATH": str(warehouse),
           "O4O_PUBLISH_PATH": str(tmp_path / "mart.duckdb")}
    row = "501111001,UI0000001,331110,2021,4,4500.00"
    (landing / "labor_market/wage_records_2021q4.csv").write_text(
        f"ssn,employer_id,naics_code,year,quarter,wages\n{row}\n{row}\n")
    _load_wages(handmade_run, landing, warehouse)
    with environ(env):
        result = run_gate(_wage_gate(), environment_settings())
    failed = {f["rule"]: f for f in _meta(result)["failed_expectations"]}
    assert _meta(result)["rows_validated"] == 2
    assert failed["unique key: (participant_key, employer_id, year, quarter)"]["unexpected_count"] == 2


# ---------------------------------------------------------------- PII in failing rows

CANARY_SSN = "899-41-7730"


def test_gate_outputs_never_show_an_ssn_and_show_people_by_shape(handmade_run, tmp_path):
    """Values typed into the wrong column (issue 14, shared case pii-in-failing-rows): an SSN as an
    integer code, an SSN as individual_id, a name as county_fips, an SSN inside an employer id of
    a bad wage row, an SSN in a file name. Gate samples, failure text, metadata, raw.quarantine and
    the validation report show none of them: SSN shapes are masked everywhere, people's records
    are shown by shape only."""
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copyfile(handmade_run.warehouse, warehouse)
    _tamper(warehouse,
            "DELETE FROM raw.gate_state",  # tampered in place: every row must be validated again
            "UPDATE raw.participants SET sex = 899417728 WHERE individual_id = 'P01'",
            "UPDATE raw.participants SET county_fips = 'Wilhelmina Grutzmacher' WHERE individual_id = 'P02'",
            f"UPDATE raw.participants SET individual_id = '{CANARY_SSN.replace('-', ' ')}' WHERE individual_id = 'P03'",
            "UPDATE raw.services SET participation_id = 'see 899-41-7731', "
            "_source_file = 'job_center/services_899417732.csv' WHERE service_id = 'SP04'",
            "UPDATE raw.wage_records SET wages = -5, employer_id = '899-41-7734' WHERE rowid = 0")
    canaries = ["899417728", "899 41 7730", "899-41-7731", "899417732", "899-41-7734", "Wilhelmina", "Grutzmacher",
                "-5.0"]
    published = tmp_path / "mart.duckdb"
    evaluations = []
    with environ({**handmade_run.env(), "O4O_WAREHOUSE_PATH": str(warehouse), "O4O_PUBLISH_PATH": str(published)}):
        for entity in ("participants", "participation", "services", "wage_records"):
            (gate,) = [g for g in GATES if g.relation == f"raw.{entity}"]
            evaluations.append((gate.asset_key, run_gate(gate, environment_settings())))
    failed = {key.to_user_string(): _meta(r) for key, r in evaluations if not r.passed}
    # participation too: P03's periods lost their participant
    assert set(failed) == {"raw/participants", "raw/participation", "raw/services", "raw/wage_records"}, list(failed)
    shown = json.dumps(failed, default=str) + "".join(r.description or "" for _, r in evaluations)
    document = render_report("run-1", [from_result(k, "great_expectations_gate", r) for k, r in evaluations],
                             [(k, "raw") for k, _ in evaluations])
    with duckdb.connect(str(warehouse), read_only=True) as con:
        quarantine = json.dumps(con.execute("SELECT * FROM raw.quarantine").fetchall(), default=str)
    for where, text in (("metadata", shown), ("report", html.unescape(document)), ("raw.quarantine", quarantine)):
        assert not [c for c in canaries if c in text], (where, [c for c in canaries if c in text])
    participants = {f["rule"]: f for f in failed["raw/participants"]["failed_expectations"]}
    assert participants["sex [201]: 1, 2, 9"]["sample_values"] == ["999999999"]
    assert participants["county_fips [102]: 5 digits"]["sample_values"] == ["Xxxxxxxxxx Xxxxxxxxxxx"]
    assert participants["individual_id is never an SSN"]["sample_values"] == ["999 99 9999"]
    services = {f["rule"]: f for f in failed["raw/services"]["failed_expectations"]}
    orphan = services["participation_id exists in participation"]
    assert orphan["sample_values"] == ["see ***-**-****"]
    assert orphan["sample_rows"] == [{"_source_file": "job_center/services_***-**-****.csv", "_row_number": 5}]


def test_overlapping_periods_name_both_rows(warehouse):
    """P01 is in `adult` from 2020-02-03 to 2020-08-15 (AP01, participation.csv row 2); a second
    adult period from 2020-05-01 (AP01b, a later file's row 7) overlaps it: each row is reported,
    naming the other's file and row, and each goes to raw.quarantine."""
    _tamper(warehouse, "DELETE FROM raw.gate_state",
            "INSERT INTO raw.participation SELECT * REPLACE ('AP01b' AS participation_id, DATE '2020-05-01' AS entry_date,"
            " 'job_center/participation_late.csv' AS _source_file, 7 AS _row_number)"
            " FROM raw.participation WHERE participation_id = 'AP01'")
    result = validate_relation(warehouse, "raw.participation", "raw/participation", PLACEHOLDERS)
    (overlap,) = result.failed
    assert overlap.rule == "no overlapping periods of participation of one person in one funding stream"
    assert overlap.unexpected_count == 2 and overlap.column == "participation_id,overlaps"
    assert sorted(overlap.sample_values) == [["AP01", "AP01b (job_center/participation_late.csv row 7)"],
                                             ["AP01b", "AP01 (job_center/participation.csv row 2)"]]
    with environ({"O4O_WAREHOUSE_PATH": str(warehouse), "O4O_PUBLISH_PATH": str(warehouse.with_name("m.duckdb"))}):
        assert not run_gate(_gate_of("raw.participation"), environment_settings()).passed
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert sorted(con.execute("SELECT source_file, row_number, value FROM raw.quarantine WHERE rule = ?",
                                  [overlap.rule]).fetchall()) == [
            ("job_center/participation.csv", 2, "AP01, AP01b (job_center/participation_late.csv row 7)"),
            ("job_center/participation_late.csv", 7, "AP01b, AP01 (job_center/participation.csv row 2)")]


def _gate_of(relation: str):
    (gate,) = [g for g in GATES if g.relation == relation]
    return gate


@pytest.mark.parametrize("value,without_ssn,shape", [
    ("512-34-5678", "***-**-****", "999-99-9999"),
    (512345678, "***-**-****", "999999999"),                # an SSN typed into an integer column
    ("see 512 34 5678 here", "see ***-**-**** here", "xxx 999 99 9999 xxxx"),
    ("1234567890", "1234567890", "9999999999"),              # ten digits: not an SSN
    ("UI0000001", "UI0000001", "XX9999999"),
    ("Ann Lée", "Ann Lée", "Xxx Xxx"),
    (["PRG2", "512345678"], ["PRG2", "***-**-****"], ["XXX9", "999999999"]),
    (None, None, None),
])
def test_what_a_gate_may_show_of_a_value(value, without_ssn, shape):
    from orchestration.quality.masking import mask_shape, mask_ssn

    assert (mask_ssn(value), mask_shape(value)) == (without_ssn, shape)


def test_staging_suites_do_not_check_raw_rules_again():
    """Staging models are typed 1:1 views of raw: their suites hold what the view could break
    (every raw row arrives) and staging's own rules, never a rule of the raw suite again."""
    from orchestration.quality.suites import suite_rules

    for gate in [g for g in GATES if g.layer == "staging"]:
        entity = gate.entity.rpartition("__")[2]
        again = set(suite_rules(gate.suite)) & set(suite_rules(f"raw/{entity}"))
        assert not again, (gate.suite, again)
        assert f"row count reconciles: every raw.{entity} row is in staging" in suite_rules(gate.suite)


def test_a_gate_counts_its_table_rows_once(handmade_run):
    """rows_validated is the table's row count: a marts table has its own suite and the shared
    no-PII suite over the same rows, and the log once said twice the rows (a sum over suites)."""
    checks = json.loads(metadata_path(handmade_run.published).read_text())["checks"]
    marts = [c for c in checks if c["layer"] == "marts"]
    assert marts
    with duckdb.connect(str(handmade_run.published), read_only=True) as con:
        for check in marts:
            table = check["asset"].split("/")[-1]
            rows = con.execute(f"SELECT count(*) FROM marts.{table}").fetchone()[0]
            assert check["rows_validated"] == rows, (table, check["rows_validated"], rows)
