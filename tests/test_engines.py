"""The same dbt project on PostgreSQL and Spark (docs/engines.md): it builds and tests green there,
and rpt_wioa_performance equals DuckDB's on the same generated data.

The data is the `generated_run` session fixture's: its warehouse holds the raw schema the real
ingest wrote and the marts DuckDB built from it. PostgreSQL runs against the real local server
(O4O_TEST_POSTGRES_URL, as tests/test_bi_postgres.py) in a throw-away database; no server:
skipped outside CI, FAILED with CI=true. Spark (local PySpark in dbt-spark's session mode, the
optional extra `spark`) is in the slow suite.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pytest

psycopg = pytest.importorskip("psycopg")
from psycopg import sql  # noqa: E402
from test_bi_postgres import ADMIN_URL, require_postgres, unavailable  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo root holds `benchmarks`
from benchmarks.compare import mart_differences  # noqa: E402
from orchestration.dbt_project import dbt_executable  # noqa: E402
from orchestration.dbt_targets import (EngineError, copy_raw_to_postgres, duckdb_type, export_raw_parquet,  # noqa: E402
                                   mirror_from_postgres, raw_source_tables, stage_raw_for_dbt)
from orchestration.publish.write_audit_publish import metadata_path  # noqa: E402
from orchestration.settings import PROJECT_DIR, SettingsError, load_settings  # noqa: E402

REPORT = "rpt_wioa_performance"
KEY = ("exit_program_year", "funding_stream", "lwda_code", "indicator")


def run_dbt(target: str, workdir: Path, env: dict[str, str], *selection: str) -> dict:
    """`dbt build --target <target> [selection]` with its own target and log paths; returns run_results.json."""
    target_path, log_path = workdir / "dbt-target", workdir / "dbt-logs"
    settings = load_settings({**env, "O4O_DBT_TARGET": target})  # --target and --vars, as the Dagster job
    proc = subprocess.run(
        [dbt_executable(), "build", *selection, *settings.dbt_args(), "--project-dir", str(PROJECT_DIR),
         "--profiles-dir", str(PROJECT_DIR), "--target-path", str(target_path), "--log-path", str(log_path)],
        cwd=workdir, env={**os.environ, "DO_NOT_TRACK": "1", "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", **env},
        capture_output=True, text=True)
    results_file = target_path / "run_results.json"
    results = json.loads(results_file.read_text()) if results_file.exists() else {"results": []}
    failed = [f"{r['unique_id']}: {r['status']}: {(r.get('message') or '')[:300]}"
              for r in results["results"] if r["status"] not in ("success", "pass", "warn")]  # warn: severity warn
    assert proc.returncode == 0 and not failed, (
        f"dbt build --target {target} failed:\n" + "\n".join(failed) + "\n" + proc.stdout[-4000:])
    return results


def assert_built_everything(results: dict) -> None:
    """Seeds, models, unit tests and data tests all ran (and passed: run_dbt checked)."""
    kinds = {r["unique_id"].split(".")[0] for r in results["results"]}
    assert {"seed", "model", "test", "unit_test"} <= kinds, kinds
    assert any(r["unique_id"].endswith(f".{REPORT}") for r in results["results"])


def duckdb_report(warehouse: Path, relation: str = f"marts.{REPORT}") -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(f"SELECT * FROM {relation}").fetchall()


def keyed(rows: list[tuple]) -> dict[tuple, tuple]:
    """exit_program_year, funding_stream, lwda_code, indicator -> numerator, denominator, value, is_suppressed
    (the first eight columns; columns added after them, such as the names beside the codes, are not compared)."""
    out = {tuple(r[:4]): tuple(r[4:8]) for r in rows}
    assert len(out) == len(rows), "duplicate report keys"
    return out


def assert_same_report(expected_rows: list[tuple], actual_rows: list[tuple], engine: str,
                       values_required: bool = True) -> None:
    """Every row equal: counts and flags exactly, rates to 1e-9, medians to the cent."""
    expected, actual = keyed(expected_rows), keyed(actual_rows)
    assert expected, "DuckDB's report is empty: the comparison would prove nothing"
    assert actual.keys() == expected.keys(), (
        f"{engine} rows differ: only DuckDB {sorted(expected.keys() - actual.keys())[:5]}, "
        f"only {engine} {sorted(actual.keys() - expected.keys())[:5]}")
    for key, (numerator, denominator, value, suppressed) in expected.items():
        a_num, a_den, a_value, a_suppressed = actual[key]
        assert (a_num, a_den, a_suppressed) == (numerator, denominator, suppressed), (key, expected[key], actual[key])
        if value is None or a_value is None:
            assert value is None and a_value is None, (key, value, a_value)
        else:
            tolerance = 0.005 if key[3] == "median_earnings_q2" else 1e-9
            assert abs(float(a_value) - float(value)) <= tolerance, (key, value, a_value)
    if values_required:
        assert any(v[2] is not None for v in expected.values()), "no unsuppressed value was compared"


# --- PostgreSQL -------------------------------------------------------------------------------------

@contextmanager
def fresh_database():
    """A new database o4o_test_<random> on the real server, dropped at the end: (dbname, conninfo)."""
    require_postgres(ADMIN_URL)
    name = f"o4o_test_{secrets.token_hex(4)}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield name, psycopg.conninfo.make_conninfo(ADMIN_URL, dbname=name)
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def pg_env(name: str, conninfo: str) -> dict[str, str]:
    """The O4O_PG_* variables of profiles.yml's postgres output for this database."""
    info = psycopg.conninfo.conninfo_to_dict(conninfo)
    return {"O4O_PG_DBNAME": name, "O4O_PG_HOST": info.get("host", "127.0.0.1"),
            "O4O_PG_PORT": str(info.get("port", 5432)), "O4O_PG_USER": info.get("user", "postgres"),
            "O4O_PG_PASSWORD": info.get("password", "")}


@pytest.fixture(scope="module")
def pg_database():
    with fresh_database() as database:
        yield database


@pytest.fixture(scope="module")
def postgres_build(generated_run, pg_database, tmp_path_factory):
    """The generated run's raw schema copied into PostgreSQL, then `dbt build --target postgres`."""
    name, conninfo = pg_database
    copied = copy_raw_to_postgres(generated_run.warehouse, conninfo)
    results = run_dbt("postgres", tmp_path_factory.mktemp("dbt-postgres"), pg_env(name, conninfo))
    return conninfo, copied, results


def test_raw_copy_holds_the_dbt_sources_and_nothing_else(generated_run, postgres_build):
    conninfo, copied, _ = postgres_build
    with duckdb.connect(str(generated_run.warehouse), read_only=True) as duck:
        expected = {t: duck.execute(f"SELECT count(*) FROM raw.{t}").fetchone()[0] for t in raw_source_tables()}
    assert copied == expected and expected["wage_records"] > 0
    with psycopg.connect(conninfo) as con:
        tables = {r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'raw'").fetchall()}
        got = {t: con.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier("raw", t))).fetchone()[0]
               for t in tables}
    # raw.quarantine keeps rejected values as delivered: it never leaves the warehouse
    assert got == expected and "quarantine" not in tables


def test_postgres_builds_and_tests_the_whole_project(postgres_build):
    assert_built_everything(postgres_build[2])


def test_postgres_wioa_performance_equals_duckdb(generated_run, postgres_build):
    conninfo = postgres_build[0]
    with psycopg.connect(conninfo) as con:
        rows = con.execute(sql.SQL("SELECT * FROM {}").format(sql.Identifier("marts", REPORT))).fetchall()
    assert_same_report(duckdb_report(generated_run.warehouse), rows, "PostgreSQL")


def test_mirror_brings_postgres_results_back_with_duckdb_types(generated_run, postgres_build, tmp_path):
    """What the Dagster job does after a PostgreSQL build: the warehouse's relations become
    PostgreSQL's results, with the column types DuckDB's own build gives them."""
    conninfo = postgres_build[0]
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(generated_run.warehouse, warehouse)
    relations = [("marts", REPORT), ("marts", "fct_exit_outcomes"), ("staging", "stg_job_center__participants")]
    with duckdb.connect(str(warehouse)) as con:  # mark the DuckDB-built report, to see it replaced
        con.execute(f"UPDATE marts.{REPORT} SET denominator = -1")
    counts = mirror_from_postgres(conninfo, warehouse, relations)
    assert counts[f"marts.{REPORT}"] == len(duckdb_report(generated_run.warehouse))
    assert_same_report(duckdb_report(generated_run.warehouse), duckdb_report(warehouse), "mirrored PostgreSQL")
    column_types = """SELECT table_schema, table_name, column_name, data_type FROM information_schema.columns
        WHERE table_schema || '.' || table_name IN ('marts.fct_exit_outcomes', 'marts.rpt_wioa_performance',
                                                    'staging.stg_job_center__participants')
        ORDER BY table_schema, table_name, ordinal_position"""
    with duckdb.connect(str(warehouse), read_only=True) as mirrored, \
            duckdb.connect(str(generated_run.warehouse), read_only=True) as native:
        assert mirrored.execute(column_types).fetchall() == native.execute(column_types).fetchall()
        # the staging view became a table holding the same rows
        assert mirrored.execute("SELECT table_type FROM information_schema.tables WHERE table_schema = 'staging' "
                                "AND table_name = 'stg_job_center__participants'").fetchone()[0] == "BASE TABLE"
        view_rows = sorted(native.execute("SELECT * FROM staging.stg_job_center__participants").fetchall(), key=str)
        table_rows = sorted(mirrored.execute("SELECT * FROM staging.stg_job_center__participants").fetchall(), key=str)
        assert table_rows == view_rows


def test_mirror_refuses_a_relation_postgres_does_not_have(postgres_build, tmp_path):
    with pytest.raises(EngineError, match="no relation marts.no_such_table"):
        mirror_from_postgres(postgres_build[0], tmp_path / "w.duckdb", [("marts", "no_such_table")])


def test_unmapped_postgres_type_is_refused_by_name():
    assert duckdb_type("numeric(14,2)", "t.c") == "DECIMAL(14,2)"
    with pytest.raises(EngineError, match=r"marts\.t\.c: PostgreSQL type numeric has no DuckDB mapping"):
        duckdb_type("numeric", "marts.t.c")


# DuckDB-only (or Spark-breaking) SQL; each difference lives in one dispatched macro instead (docs/engines.md).
ENGINE_SPECIFIC_SQL = {
    r"::": "a :: cast (Spark has none): cast(x as ...)",
    r"\bqualify\b": "QUALIFY (DuckDB): filter a row_number() in an outer select",
    r"\bgroup\s+by\s+all\b": "GROUP BY ALL (DuckDB): list the columns",
    r"\bdouble\s+precision\b": "double precision (not Spark): {{ type_double() }}",
    r"\b(varchar|text)\b": "varchar/text (not Spark): {{ dbt.type_string() }}",
    r"\bmedian\s*\(": "median() (DuckDB): {{ median(...) }}",
    r"\b(strftime|strptime|isodow|epoch|date_diff|date_part|make_timestamp)\b": "a DuckDB date function: dbt's or ours",
    r"\b(list|struct|array|string|regexp)_\w+\s*\(": "a DuckDB list/struct/string function",
    r"\b(bool_or|bool_and|any_value|arg_max|arg_min|try_cast)\s*\(": "a DuckDB aggregate or cast",
}


def sql_outside_jinja(text: str) -> str:
    """The SQL a file holds once comments and Jinja ({% %}, {{ }}, {# #}) are removed."""
    text = re.sub(r"\{#.*?#\}", " ", text, flags=re.S)
    text = re.sub(r"\{%.*?%\}|\{\{.*?\}\}", " ", text, flags=re.S)
    return re.sub(r"--[^\n]*", " ", text)


def portable_sql_sources() -> dict[str, str]:
    """Every model and data test, and every macro but an engine's implementation (`<engine>__name`)."""
    root = PROJECT_DIR / "dbt_project"
    sources = {str(p.relative_to(PROJECT_DIR)): p.read_text() for sub in ("models", "tests")
               for p in sorted((root / sub).rglob("*.sql"))}
    for path in sorted((root / "macros").rglob("*.sql")):
        for name, body in re.findall(r"\{%-?\s*macro\s+(\w+)\(.*?%\}(.*?)\{%-?\s*endmacro", path.read_text(), re.S):
            if "__" not in name:
                sources[f"{path.relative_to(PROJECT_DIR)}:{name}"] = body
    return sources


def test_models_hold_no_engine_specific_sql():
    """CI builds on PostgreSQL only; this keeps what only Spark would reject out of the models too."""
    sources = portable_sql_sources()
    assert len(sources) > 30 and any(k.endswith(":median") for k in sources)
    found = [f"{where}: {why}" for where, text in sources.items() for pattern, why in ENGINE_SPECIFIC_SQL.items()
             if re.search(pattern, sql_outside_jinja(text), re.I)]
    assert not found, "\n".join(found)
    assert re.search(list(ENGINE_SPECIFIC_SQL)[3], sql_outside_jinja("select cast(x as double precision)"), re.I)


SUPPRESSING_REPORTS = ("rpt_eta9169_summary", "rpt_eta9169_performance", "rpt_wioa_performance", "rpt_equity_outcomes")


def test_each_suppression_pass_is_read_once(tmp_path):
    """complementary_suppression compiles to a chain: every pass is read by the next and by
    nothing else. Spark inlines CTEs, so a pass read twice (the coupled cell joined back, the
    family totals joined back) doubles the plan at each of the ten passes (docs/engines.md)."""
    settings = load_settings({"O4O_WAREHOUSE_PATH": str(tmp_path / "warehouse.duckdb")})
    proc = subprocess.run(
        [dbt_executable(), "compile", "--select", *SUPPRESSING_REPORTS, *settings.dbt_args(),
         "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR),
         "--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs")],
        cwd=tmp_path, env={**os.environ, "DO_NOT_TRACK": "1"}, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-3000:]
    for report in SUPPRESSING_REPORTS:
        compiled = next((tmp_path / "target" / "compiled").rglob(f"models/**/{report}.sql")).read_text()
        passes = sorted({int(k) for k in re.findall(r"suppression__pass_(\d+) as \(", compiled)})
        assert passes == list(range(len(passes))) and len(passes) > 2, (report, passes)
        reads = {k: len(re.findall(rf"\bsuppression__pass_{k}\b(?! as \()", compiled)) for k in passes}
        assert reads == {k: 1 for k in passes}, f"{report}: times each pass is read: {reads}"
        # what every pass shares is joined once, into the first pass
        first = compiled.index("suppression__families_1 as (")
        assert not re.search(r"\bsuppression__(start|pinned)\b", compiled[first:]), report


def test_dagster_job_stages_raw_for_each_target(generated_run, tmp_path):
    """DuckDB builds where raw is; Spark gets raw as Parquet under O4O_SPARK_DIR (PostgreSQL: above)."""
    assert stage_raw_for_dbt(load_settings({"O4O_DBT_TARGET": "duckdb"})) == {}
    spark = load_settings({"O4O_DBT_TARGET": "spark", "O4O_SPARK_DIR": str(tmp_path / "spark"),
                           "O4O_WAREHOUSE_PATH": str(generated_run.warehouse)})
    counts = stage_raw_for_dbt(spark)
    assert set(counts) == set(raw_source_tables()) and counts["wage_records"] > 0
    assert (tmp_path / "spark/raw/wage_records/data.parquet").exists()


def test_dbt_target_setting():
    assert load_settings({}).dbt_target == "duckdb"
    assert load_settings({"O4O_DBT_TARGET": "postgres"}).dbt_args()[:2] == ["--target", "postgres"]
    with pytest.raises(SettingsError, match="O4O_DBT_TARGET is 'snowflake'"):
        load_settings({"O4O_DBT_TARGET": "snowflake"})
    conninfo = load_settings({"O4O_PG_DBNAME": "w h", "O4O_PG_PASSWORD": "it's"}).dbt_postgres_conninfo
    assert psycopg.conninfo.conninfo_to_dict(conninfo) == {
        "host": "127.0.0.1", "port": "5432", "user": "postgres", "password": "it's", "dbname": "w h"}


@pytest.fixture
def own_pg_database():
    with fresh_database() as database:
        yield database


def test_dagster_job_builds_on_postgres_when_configured(handmade_run, own_pg_database, tmp_path):
    """`o4o refresh` with O4O_DBT_TARGET=postgres: dbt builds in PostgreSQL, the staging and marts
    gates validate there, only the marts come back into the warehouse (the publish step copies
    them), and the published mart equals the DuckDB run's. A subprocess, as the target is read
    when the Dagster definitions load."""
    name, conninfo = own_pg_database
    run_env = {**handmade_run.env(), "O4O_WAREHOUSE_PATH": str(tmp_path / "warehouse.duckdb"),
               "O4O_PUBLISH_PATH": str(tmp_path / "mart.duckdb"), "O4O_DBT_TARGET": "postgres",
               **pg_env(name, conninfo)}
    env = {k: v for k, v in os.environ.items() if k not in ("O4O_DEMO", "DAGSTER_HOME")}
    proc = subprocess.run([str(Path(dbt_executable()).with_name("o4o")), "refresh"], cwd=tmp_path,
                          env={**env, **run_env}, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert re.search(r"dbt build .*--target postgres", proc.stdout + proc.stderr)
    with psycopg.connect(conninfo) as con:  # built in PostgreSQL ...
        pg_rows = con.execute(sql.SQL("SELECT * FROM {}").format(sql.Identifier("marts", REPORT))).fetchall()
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:  # ... marts mirrored back
        schemas = dict(con.execute("SELECT table_schema, count(*) FROM information_schema.tables "
                                   "GROUP BY table_schema").fetchall())
    assert schemas.get("marts") and "staging" not in schemas and "intermediate" not in schemas, schemas
    checks = json.loads((tmp_path / "mart.duckdb.json").read_text())["checks"]
    engines = {c["layer"]: {x["engine"] for x in checks if x["layer"] == c["layer"]} for c in checks}
    assert engines == {"raw": {"duckdb"}, "staging": {"postgres"}, "marts": {"postgres"}}, engines
    published = duckdb_report(tmp_path / "mart.duckdb")
    # 13 hand-made people: every value is suppressed, the rows and counts are what is compared
    assert_same_report(duckdb_report(handmade_run.published), published, "published from PostgreSQL", False)
    assert_same_report(published, pg_rows, "PostgreSQL", False)


# --- Spark ------------------------------------------------------------------------------------------

# The unit tests of the reports with complementary suppression do not run on Spark: with their
# fixtures inlined as CTEs of literal rows, Spark 4.3's analyzer (DeduplicateRelations) ran out of
# a 4 GB heap (of 1 GB from the fifth of the ten passes on). They run on DuckDB and PostgreSQL
# (docs/engines.md).
SPARK_EXCLUDED_UNIT_TESTS = ("--exclude", *(f"test_type:unit,{report}" for report in SUPPRESSING_REPORTS))


@pytest.mark.slow
def test_spark_builds_the_project_and_equals_duckdb(generated_run, tmp_path):
    """`dbt build --target spark` (session mode, local PySpark) from the same raw tables as Parquet."""
    pytest.importorskip("pyspark", reason="the spark extra is not installed: pip install -e '.[spark]'")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        unavailable("no Java runtime for Spark (apt-get install openjdk-17-jre-headless)")
    spark_dir = tmp_path / "spark"
    counts = export_raw_parquet(generated_run.warehouse, spark_dir / "raw")
    assert set(counts) == set(raw_source_tables()) and counts["wage_records"] > 0
    results = run_dbt("spark", tmp_path, {"O4O_SPARK_DIR": str(spark_dir)}, *SPARK_EXCLUDED_UNIT_TESTS)
    assert_built_everything(results)
    # Spark keeps each table as Parquet files under its warehouse directory
    report_files = spark_dir / "warehouse" / "marts.db" / REPORT
    assert list(report_files.glob("*.parquet")), f"no Parquet files in {report_files}"
    with duckdb.connect() as con:
        columns = ", ".join(KEY + ("numerator", "denominator", "value", "is_suppressed"))
        rows = con.execute(f"SELECT {columns} FROM read_parquet('{report_files}/*.parquet')").fetchall()
    assert_same_report(duckdb_report(generated_run.warehouse), rows, "Spark")


@pytest.mark.slow
def test_dagster_job_builds_on_spark_when_configured(handmade_run, tmp_path):
    """`o4o refresh` with O4O_DBT_TARGET=spark: raw goes to Spark as Parquet, dbt builds there, the
    staging and marts gates validate in Spark (GX's Spark engine), the marts come back into the
    warehouse from Spark's Parquet files, and the published mart equals the DuckDB run's."""
    pytest.importorskip("pyspark", reason="the spark extra is not installed: pip install -e '.[spark]'")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        unavailable("no Java runtime for Spark (apt-get install openjdk-17-jre-headless)")
    run_env = {**handmade_run.env(), "O4O_WAREHOUSE_PATH": str(tmp_path / "warehouse.duckdb"),
               "O4O_PUBLISH_PATH": str(tmp_path / "mart.duckdb"), "O4O_DBT_TARGET": "spark",
               "O4O_SPARK_DIR": str(tmp_path / "spark")}
    env = {k: v for k, v in os.environ.items() if k not in ("O4O_DEMO", "DAGSTER_HOME")}
    proc = subprocess.run([str(Path(dbt_executable()).with_name("o4o")), "refresh"], cwd=tmp_path,
                          env={**env, **run_env}, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    checks = json.loads((tmp_path / "mart.duckdb.json").read_text())["checks"]
    engines = {c["layer"]: {x["engine"] for x in checks if x["layer"] == c["layer"]} for c in checks}
    assert engines == {"raw": {"duckdb"}, "staging": {"spark"}, "marts": {"spark"}}, engines
    # every staging and marts gate passed in Spark over the rows the DuckDB run's gate validated
    # (an optional entity the hand-made feeds leave out validates 0 rows on both)
    duckdb_rows = {c["asset"]: c["rows_validated"]
                   for c in json.loads(metadata_path(handmade_run.published).read_text())["checks"]}
    spark_rows = {c["asset"]: c["rows_validated"] for c in checks if c["layer"] != "raw"}
    assert all(c["passed"] for c in checks), [c for c in checks if not c["passed"]]
    assert spark_rows == {a: duckdb_rows[a] for a in spark_rows} and sum(spark_rows.values()) > 0, spark_rows
    assert list((tmp_path / "spark/warehouse/marts.db" / REPORT).glob("*.parquet")), "not built by Spark"
    # 13 hand-made people: every value is suppressed, the rows and counts are what is compared
    assert_same_report(duckdb_report(handmade_run.published), duckdb_report(tmp_path / "mart.duckdb"),
                       "published from Spark", False)
    # and every other published table, rpt_equity_outcomes included, row for row
    assert duckdb_report(tmp_path / "mart.duckdb", "marts.rpt_equity_outcomes"), "rpt_equity_outcomes is empty"
    assert mart_differences(handmade_run.published, tmp_path / "mart.duckdb") == []
