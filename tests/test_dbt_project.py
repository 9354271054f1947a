"""The dbt project as a product: documented contracts, a unit test for every tricky rule, docs
that build, and the training-record linkage rate on the scorecard's materialization.

dbt runs as a subprocess of the venv's dbt with its own --target-path and --log-path, against
a copy of the generated_run warehouse (unit tests read the column types of their inputs from
the built relations), so nothing here touches the session's files or the repository's target/.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import duckdb
import pytest

from orchestration.dbt_project import dbt_executable
from orchestration.settings import PROJECT_DIR, load_settings

# Each rule of mart.md that is easy to get wrong -> (model where the rule lives, its unit test).
# Deleting or renaming one of these unit tests fails test_every_tricky_rule_has_its_unit_test.
RULE_UNIT_TESTS = {
    "measurable skill gains per program year (issue 16)": ("int_skill_gain_periods", "skill_gain_periods_by_program_year"),
    "scorecard: a flag per value; is_suppressed only when every value is withheld": (
        "rpt_provider_scorecard", "provider_scorecard_suppression_flags_per_value"),
    "exit on the last day of a quarter": ("int_exit_outcomes", "exit_outcomes_exit_on_last_day_of_quarter"),
    "exit in Q4: exit+2 and exit+4 roll into the next year": (
        "int_exit_outcomes", "exit_outcomes_q4_exit_rolls_into_next_year"),
    "wages exactly 0 are not employed": ("int_exit_outcomes", "exit_outcomes_zero_wages_not_employed"),
    "several employers in a quarter: summed, counted, primary employer": (
        "int_wages_by_person_quarter", "wages_two_employers_ties_and_zero_wages"),
    "wage quarter not delivered: NULL outcome": (
        "int_exit_outcomes", "exit_outcomes_wage_quarter_not_delivered_is_null"),
    "wage quarter not delivered: out of the denominator": (
        "rpt_wioa_performance", "wioa_performance_unknown_outcomes_out_of_denominator"),
    "exclusion codes by program: 01-04 all, 05 youth only, 06 none here; 00 never": (
        "int_participation_exits", "participation_exits_exclusion_codes_by_program"),
    "excluded exits stay out of the report": ("int_performance_exits", "performance_exits_scopes_and_exclusions"),
    "a re-entry within 90 days of an exit merges into one period": (
        "int_participation_periods", "participation_periods_90_day_rule"),
    "trusted feed exits stand as they are": ("int_participation_periods", "participation_periods_trust_feed_exits"),
    "credential cohort: training not ojt/customized, never Wagner-Peyser": (
        "int_participation_exits", "participation_exits_credential_cohort"),
    "common exit policy: co-enrolled exits within 90 days are one": (
        "int_common_exits", "common_exits_co_enrolled_count_once"),
    "a common exit counts once in 'all' and in retention": (
        "rpt_wioa_performance", "wioa_performance_common_exit_counts_once_in_all"),
    "complementary suppression and the coupled median denominator": (
        "rpt_wioa_performance", "wioa_performance_complementary_suppression"),
    "ETA-9169 cohort windows from the seed, completeness and is_final": (
        "rpt_eta9169_performance", "eta9169_cohort_windows_and_final"),
    "the run-out before a row is final is a setting": ("rpt_eta9169_performance", "eta9169_runout_setting"),
    "ETA-9169 summary: served, exited, cost per participant, suppressed cost": (
        "rpt_eta9169_summary", "eta9169_summary_served_exited_and_cost"),
    "equity groups by area, age band at entry, low income, missing demographics not_reported": (
        "int_equity_group_cells", "equity_group_cells_groups_areas_and_low_income"),
    "equity groups below the threshold: suppressed, median denominators withheld": (
        "rpt_equity_outcomes", "equity_outcomes_groups_areas_and_low_income"),
    "a merged period keeps its first id and lists the merged ones": (
        "fct_exit_outcomes", "fct_exit_outcomes_keeps_excluded_exits_flagged"),
    "credential on day 365 counts, day 366 does not": (
        "int_exit_outcomes", "exit_outcomes_credential_window_day_365_and_366"),
    "secondary diploma needs employment in exit+1..exit+4": (
        "int_exit_outcomes", "exit_outcomes_secondary_diploma_needs_employment"),
    "retention: same employer retained, two different employers not": (
        "int_exit_outcomes", "exit_outcomes_retention_same_employer"),
    "9 exits suppressed, 10 shown": ("rpt_wioa_performance", "wioa_performance_suppression_9_vs_10_rollups_and_median"),
    "pooled scorecard: the latest four exit years, medians of the pooled people, cost per completer": (
        "rpt_provider_scorecard_pooled", "provider_scorecard_pooled_window_people_and_cost"),
    "pooled scorecard: the window ends at the latest year whose Q4 outcomes are all known": (
        "rpt_provider_scorecard_pooled", "pooled_window_ends_at_latest_complete_year"),
    "pooled scorecard: no withheld yearly value comes back by subtraction": (
        "rpt_provider_scorecard_pooled", "provider_scorecard_pooled_complementary_suppression"),
    "9 exiters suppressed, 10 shown on the scorecard": (
        "rpt_provider_scorecard", "provider_scorecard_suppression_9_vs_10_exiters"),
    "median is the mean of the two middle values": (
        "rpt_wioa_performance", "wioa_performance_suppression_9_vs_10_rollups_and_median"),
    "training records link by SSN, else name + birth date": (
        "int_participant_training_records", "training_record_link_ssn_first_then_name_dob"),
    "wages of a training record: own SSN, else the one linked SSN": (
        "int_training_record_linkage", "training_record_linkage_participants_and_wages"),
}

LINKAGE_KEYS = ["linkage_training_records", "linkage_linked_to_participant_rate", "linkage_with_wage_records_rate",
                "linkage_linked_by_ssn", "linkage_linked_by_name_dob", "linkage_not_linked"]


def run_dbt(args: list[str], target: Path, warehouse: Path | None = None,
            expect_success: bool = True) -> subprocess.CompletedProcess:
    """The venv's dbt on the project, output in `target`; fails the test with dbt's log on error
    (unless `expect_success` is False: a test that is meant to fail)."""
    env = {**os.environ, "DO_NOT_TRACK": "1", "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    if warehouse is not None:  # the settings reach dbt as --vars, as in the Dagster job
        args = [*args, *load_settings({"O4O_WAREHOUSE_PATH": str(warehouse)}).dbt_args()]
    proc = subprocess.run([dbt_executable(), *args, "--project-dir", str(PROJECT_DIR), "--profiles-dir",
                           str(PROJECT_DIR), "--target-path", str(target), "--log-path", str(target / "logs")],
                          cwd=PROJECT_DIR, env=env, capture_output=True, text=True)
    if expect_success:
        assert proc.returncode == 0, f"dbt {' '.join(args)} failed:\n{proc.stdout[-6000:]}\n{proc.stderr[-2000:]}"
    return proc


@pytest.fixture(scope="module")
def manifest(tmp_path_factory) -> dict:
    """`dbt parse`: needs no warehouse."""
    target = tmp_path_factory.mktemp("dbt_parse")
    run_dbt(["parse", "--quiet"], target)
    return json.loads((target / "manifest.json").read_text())


@pytest.fixture(scope="module")
def warehouse_copy(generated_run, tmp_path_factory) -> Path:
    """A private copy of the generated build, so dbt may open it for writing."""
    assert "rpt_provider_scorecard" in generated_run.outcome.materializations, generated_run.outcome.step_errors
    copy = tmp_path_factory.mktemp("dbt_warehouse") / "warehouse.duckdb"
    shutil.copyfile(generated_run.warehouse, copy)
    return copy


def _mart_models(manifest: dict) -> dict[str, dict]:
    return {n["name"]: n for n in manifest["nodes"].values()
            if n["resource_type"] == "model" and n["fqn"][1] == "marts"}


def test_every_published_model_has_an_enforced_contract_and_descriptions(manifest):
    models = _mart_models(manifest)
    assert {"dim_participant", "fct_exit_outcomes", "rpt_wioa_performance", "rpt_provider_scorecard"} <= set(models)
    for name, node in models.items():
        assert name.startswith(("dim_", "fct_", "rpt_")), f"{name}: published models are dim_*, fct_* or rpt_*"
        assert node["config"]["contract"]["enforced"], f"{name}: contract not enforced"
        assert node["description"].strip(), f"{name}: no model description"
        assert node["columns"], f"{name}: no columns declared"
        undocumented = [c for c, col in node["columns"].items() if not col.get("description", "").strip()]
        assert not undocumented, f"{name}: columns without a description: {undocumented}"
        untyped = [c for c, col in node["columns"].items() if not col.get("data_type")]
        assert not untyped, f"{name}: columns without a data_type: {untyped}"


def test_every_tricky_rule_has_its_unit_test(manifest):
    unit_tests = {u["name"]: u for u in manifest["unit_tests"].values()}
    for rule, (model, test_name) in RULE_UNIT_TESTS.items():
        assert test_name in unit_tests, f"rule '{rule}': unit test {test_name} is missing"
        test = unit_tests[test_name]
        assert test["model"] == model, f"rule '{rule}': {test_name} tests {test['model']}, not {model}"
        assert test["expect"]["rows"], f"rule '{rule}': {test_name} expects no rows"


def test_every_unit_test_name_fits_postgres(manifest):
    """dbt names a unit test's relations after it, and PostgreSQL cuts identifiers at 63 bytes:
    a longer name fails only on the postgres target (test_engines), so it is caught here."""
    too_long = [u["name"] for u in manifest["unit_tests"].values() if len(u["name"].encode()) > 63]
    assert not too_long, too_long


def test_unit_tests_pass(warehouse_copy, tmp_path):
    proc = run_dbt(["test", "--select", "test_type:unit"], tmp_path, warehouse_copy)
    results = [r for r in json.loads((tmp_path / "run_results.json").read_text())["results"]
               if r["unique_id"].startswith("unit_test.")]  # not on-run-start hooks
    ran = {r["unique_id"].rsplit(".", 1)[-1] for r in results}
    assert {t for _, t in RULE_UNIT_TESTS.values()} <= ran, proc.stdout[-3000:]
    assert all(r["status"] == "pass" for r in results), [r["unique_id"] for r in results if r["status"] != "pass"]


def test_nightly_build_leaves_only_unit_tests_out(tmp_path):
    """What the Dagster job's `dbt build` selects (NIGHTLY_BUILD_SELECTION): every seed, model and
    data test, no unit test (they run in test_unit_tests_pass, where the code changes)."""
    from orchestration.dbt_targets import NIGHTLY_BUILD_SELECTION

    def kinds(*selection: str) -> dict[str, int]:
        proc = run_dbt(["ls", *selection, "--output", "json", "--output-keys", "resource_type", "--quiet"],
                       tmp_path)
        found: dict[str, int] = {}
        for line in proc.stdout.splitlines():
            if line.startswith("{"):
                kind = json.loads(line)["resource_type"]
                found[kind] = found.get(kind, 0) + 1
        return found

    everything, nightly = kinds(), kinds(*NIGHTLY_BUILD_SELECTION)
    assert everything.get("unit_test", 0) >= len(RULE_UNIT_TESTS), everything
    assert "unit_test" not in nightly, nightly
    assert {k: v for k, v in everything.items() if k != "unit_test"} == nightly


def test_compound_key_test_finds_each_repeated_key(generated_run, tmp_path):
    """The generic test unique_combination_of_columns (DuckDB: grouped by the key's hash first)
    reports every repeated key exactly once, and passes on the built table."""
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copyfile(generated_run.warehouse, warehouse)
    select = ["--select", "fct_quarterly_earnings,test_name:unique_combination_of_columns"]

    def verdict() -> tuple[str, int]:
        run_dbt(["test", *select], tmp_path, warehouse, expect_success=False)
        results = json.loads((tmp_path / "run_results.json").read_text())["results"]
        [result] = [r for r in results if r["unique_id"].startswith("test.")]
        return result["status"], result["failures"]

    assert verdict() == ("pass", 0)
    with duckdb.connect(str(warehouse)) as con:  # two keys repeated, one of them three times
        con.execute("""INSERT INTO marts.fct_quarterly_earnings
            SELECT * FROM (SELECT * FROM marts.fct_quarterly_earnings ORDER BY participant_key, year, quarter LIMIT 2)
            UNION ALL
            SELECT * FROM (SELECT * FROM marts.fct_quarterly_earnings ORDER BY participant_key, year, quarter LIMIT 1)""")
    assert verdict() == ("fail", 2)


def test_docs_generate_documents_every_published_column(warehouse_copy, tmp_path):
    run_dbt(["docs", "generate"], tmp_path, warehouse_copy)
    assert (tmp_path / "index.html").stat().st_size > 0
    catalog = json.loads((tmp_path / "catalog.json").read_text())
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    for name, node in _mart_models(manifest).items():
        built = catalog["nodes"].get(node["unique_id"])
        assert built is not None, f"{name} missing from catalog.json"
        # the columns the warehouse has are exactly the documented ones
        assert set(built["columns"]) == set(node["columns"]), name


def test_linkage_rate_is_on_the_scorecard_materialization(generated_run):
    materializations = generated_run.outcome.materializations
    for asset in ("rpt_provider_scorecard", "int_training_record_linkage"):
        assert set(LINKAGE_KEYS) <= set(materializations.get(asset, {})), f"{asset}: no linkage metadata"
    meta = materializations["rpt_provider_scorecard"]
    for key in LINKAGE_KEYS:
        assert meta[key] == materializations["int_training_record_linkage"][key], key

    # Recount from the build, outside the linkage model: records, and records with a participant link.
    with duckdb.connect(str(generated_run.warehouse), read_only=True) as con:
        records, own_ssn, own_ssn_with_wages = con.execute("""
            SELECT count(*), count(ssn_key),
                   count(CASE WHEN ssn_key IN (SELECT participant_key FROM staging.stg_labor_market__wage_records)
                              THEN 1 END)
            FROM staging.stg_providers__training_records""").fetchone()
        linked, by_ssn = con.execute("""
            SELECT count(DISTINCT record_id), count(DISTINCT CASE WHEN linked_by = 'ssn' THEN record_id END)
            FROM intermediate.int_participant_training_records""").fetchone()
    assert meta["linkage_training_records"] == records > 0
    assert meta["linkage_linked_to_participant_rate"] == pytest.approx(linked / records)
    assert meta["linkage_linked_by_ssn"] == by_ssn
    assert meta["linkage_linked_by_name_dob"] == linked - by_ssn
    assert meta["linkage_not_linked"] == records - linked
    # the generated feeds link most records both ways, and a few by name + birth date only
    assert 0 < meta["linkage_linked_by_name_dob"] < meta["linkage_linked_by_ssn"]
    # wages: every record whose own SSN has wages counts; a record without an SSN may add one
    with_wages = meta["linkage_with_wage_records_rate"] * records
    assert own_ssn_with_wages <= round(with_wages) <= own_ssn_with_wages + (records - own_ssn)


def test_dbt_keeps_working_after_duckdb_spills_to_disk(tmp_path):
    """profiles.yml's DuckDB spill folder survives a spill. With `temp_directory` among dbt-duckdb's
    per-cursor `settings`, the first cursor opened after a spill failed ("Cannot switch temporary
    directory after the current one has been used"): the 1M-participant refresh stopped in dbt.
    A throwaway project on the repository's profile sorts 6M rows under a 100 MB limit, so DuckDB
    must spill (or run out of memory); the build and the model after it must pass. (DuckDB removes
    the folder when it closes, so the spill itself leaves no trace to check.)"""
    project = tmp_path / "spill_probe"
    (project / "models").mkdir(parents=True)
    (project / "dbt_project.yml").write_text(
        "name: spill_probe\nversion: '1.0'\nprofile: o4o\nmodels:\n  spill_probe:\n    +materialized: table\n")
    (project / "models" / "shuffled.sql").write_text("select range as n, random() as r from range(6000000) order by r")
    (project / "models" / "counted.sql").write_text("select count(*) as n from {{ ref('shuffled') }}")
    spill = tmp_path / "spill"
    variables = {"o4o_warehouse_path": str(tmp_path / "probe.duckdb"), "o4o_duckdb_memory_limit": "100MB",
                 "o4o_duckdb_temp_dir": str(spill)}
    env = {**os.environ, "DO_NOT_TRACK": "1", "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    done = subprocess.run([dbt_executable(), "build", "--project-dir", str(project), "--profiles-dir", str(PROJECT_DIR),
                           "--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs"),
                           "--threads", "1", "--vars", json.dumps(variables)],
                          capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:]
    assert "PASS=2" in done.stdout
    with duckdb.connect(variables["o4o_warehouse_path"], read_only=True) as con:
        assert con.execute("SELECT n FROM main.counted").fetchone()[0] == 6_000_000
