"""Write-audit-publish on real DuckDB files: audit refusals, atomic swap, rollback."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from orchestration.publish.write_audit_publish import PublishError, file_sha256, metadata_path, previous_path, publish, rollback
from orchestration.settings import DEFAULT_PUBLISH_STORAGE_VERSION


def _warehouse(path, rows: int):
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE SCHEMA raw; CREATE SCHEMA marts; CREATE SCHEMA staging")
        con.execute("CREATE TABLE raw.load_log (entity VARCHAR, source_file VARCHAR, checksum VARCHAR, "
                    "size_bytes BIGINT, rows_read BIGINT, rows_quarantined BIGINT, status VARCHAR, message VARCHAR, "
                    "loaded_at TIMESTAMP)")
        con.execute("CREATE TABLE staging.secret AS SELECT 1 AS x")
        con.execute(f"CREATE TABLE marts.rpt AS SELECT range AS n FROM range({rows})")
    return path


def _rows(path) -> int:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute("SELECT count(*) FROM marts.rpt").fetchone()[0]


META = {"suppression_threshold": "10"}


def test_publish_copies_only_marts_and_rollback_swaps(tmp_path):
    mart = tmp_path / "mart.duckdb"
    publish(_warehouse(tmp_path / "w1.duckdb", 3), mart, META, ["rpt"])
    publish(_warehouse(tmp_path / "w2.duckdb", 5), mart, META, ["rpt"])
    with duckdb.connect(str(mart), read_only=True) as con:
        schemas = {r[0] for r in con.execute("SELECT DISTINCT table_schema FROM information_schema.tables").fetchall()}
    assert schemas == {"marts"}
    assert _rows(mart) == 5 and _rows(previous_path(mart)) == 3
    rollback(mart)
    assert _rows(mart) == 3 and _rows(previous_path(mart)) == 5
    rollback(mart)  # a second rollback rolls forward
    assert _rows(mart) == 5


def test_audit_refusal_leaves_published_file_untouched(tmp_path):
    mart = tmp_path / "mart.duckdb"
    publish(_warehouse(tmp_path / "w1.duckdb", 3), mart, META, ["rpt"])
    before = mart.read_bytes()
    with pytest.raises(PublishError, match="lacks required tables"):
        publish(_warehouse(tmp_path / "w2.duckdb", 5), mart, META, ["rpt", "dim_missing"])
    with pytest.raises(PublishError, match="suppression threshold"):
        publish(_warehouse(tmp_path / "w3.duckdb", 5), mart, {"suppression_threshold": "5"}, ["rpt"])
    assert mart.read_bytes() == before
    assert not list(tmp_path.glob("*candidate*"))


def test_rollback_without_previous_version_is_a_clear_error(tmp_path):
    with pytest.raises(PublishError, match="no previous version"):
        rollback(tmp_path / "mart.duckdb")


def _run_id(path) -> str:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute("SELECT value FROM marts.publish_metadata WHERE key = 'dagster_run_id'").fetchone()[0]


CHECKS = [{"asset": "raw/rpt", "check_name": "great_expectations_gate", "layer": "raw", "passed": True,
           "expectations_run": 3, "expectations_failed": 0, "unexpected_rows": 0, "validation_seconds": 0.25}]


def test_json_beside_the_mart_describes_it_and_rolls_back_with_it(tmp_path):
    mart = tmp_path / "mart.duckdb"
    first = publish(_warehouse(tmp_path / "w1.duckdb", 3), mart, {**META, "dagster_run_id": "one"}, ["rpt"],
                    checks=CHECKS, details={"validation": {"validation_share": 0.2}})
    doc = json.loads(metadata_path(mart).read_text())
    assert doc["sha256"] == first.sha256 == file_sha256(mart) and doc["size_bytes"] == mart.stat().st_size
    assert doc["dagster_run_id"] == "one" and doc["tables"] == {"rpt": 3} and doc["checks"] == CHECKS
    assert doc["validation"] == {"validation_share": 0.2} and doc["git_revision"] and doc["published_at"]
    with duckdb.connect(str(mart), read_only=True) as con:
        assert con.execute("SELECT * FROM marts.publish_tables").fetchall() == [("rpt", 3)]
        assert con.execute("SELECT asset, passed, expectations_run FROM marts.publish_checks").fetchall() == [
            ("raw/rpt", True, 3)]
    publish(_warehouse(tmp_path / "w2.duckdb", 5), mart, {**META, "dagster_run_id": "two"}, ["rpt"])
    assert json.loads(metadata_path(mart).read_text())["dagster_run_id"] == "two"
    assert json.loads(metadata_path(previous_path(mart)).read_text())["dagster_run_id"] == "one"
    rollback(mart)
    restored = json.loads(metadata_path(mart).read_text())
    assert _run_id(mart) == restored["dagster_run_id"] == "one" and restored["sha256"] == file_sha256(mart)
    assert not [p.name for p in tmp_path.iterdir() if "rollback" in p.name or "candidate" in p.name]


def test_o4o_rollback_restores_the_previous_version(handmade_run, tmp_path, monkeypatch, capsys):
    """On real marts (the CLI also brings the BI outputs in line with the restored file)."""
    from orchestration.cli import main

    mart, prev = tmp_path / "mart.duckdb", previous_path(tmp_path / "mart.duckdb")
    shutil.copyfile(handmade_run.published, mart)
    shutil.copyfile(metadata_path(handmade_run.published), metadata_path(mart))
    shutil.copyfile(handmade_run.published, prev)
    with duckdb.connect(str(prev)) as con:
        con.execute("UPDATE marts.publish_metadata SET value = 'the-previous-run' WHERE key = 'dagster_run_id'")
    metadata_path(prev).write_text(json.dumps({"dagster_run_id": "the-previous-run", "sha256": file_sha256(prev)}))
    versions = {name: (path.read_bytes(), metadata_path(path).read_bytes()) for name, path in
                (("current", mart), ("previous", prev))}
    monkeypatch.setenv("O4O_PUBLISH_PATH", str(mart))

    assert main(["rollback"]) == 0, capsys.readouterr().err
    assert (mart.read_bytes(), metadata_path(mart).read_bytes()) == versions["previous"]
    assert (prev.read_bytes(), metadata_path(prev).read_bytes()) == versions["current"]
    assert _run_id(mart) == "the-previous-run" and "rolled back" in capsys.readouterr().out
    assert main(["rollback"]) == 0  # and forward again
    assert (mart.read_bytes(), metadata_path(mart).read_bytes()) == versions["current"]


def test_o4o_rollback_without_previous_version_exits_non_zero(tmp_path, monkeypatch, capsys):
    from orchestration.cli import main

    monkeypatch.setenv("O4O_PUBLISH_PATH", str(tmp_path / "mart.duckdb"))
    assert main(["rollback"]) == 1
    assert "no previous version" in capsys.readouterr().err


def duckdb_1x(mart, sql: str) -> subprocess.CompletedProcess:
    """The DuckDB 1.x command-line client `make setup` installs (duckdb-cli), read-only, as README says."""
    cli = Path(sys.executable).with_name("duckdb")
    assert cli.exists(), "no .venv/bin/duckdb: run `make setup` (dev extra duckdb-cli)"
    version = subprocess.run([str(cli), "--version"], capture_output=True, text=True, timeout=60).stdout
    assert version.startswith("v1."), version
    return subprocess.run([str(cli), "-readonly", "-csv", str(mart), "-c", sql], capture_output=True, text=True,
                          timeout=120)


def test_a_duckdb_1x_client_reads_the_published_mart(tmp_path):
    mart = tmp_path / "mart.duckdb"
    publish(_warehouse(tmp_path / "w1.duckdb", 3), mart, META, ["rpt"])
    read = duckdb_1x(mart, "SELECT count(*) AS n FROM marts.rpt; "
                           "SELECT value FROM marts.publish_metadata WHERE key = 'storage_version'")
    assert read.returncode == 0, read.stderr
    assert read.stdout.split() == ["n", "3", "value", DEFAULT_PUBLISH_STORAGE_VERSION]


def test_a_duckdb_1x_client_reads_every_table_of_a_real_mart(handmade_run):
    """Every type the marts use fits the default storage version (a 1.x client counts each table)."""
    with duckdb.connect(str(handmade_run.published), read_only=True) as con:
        counts = dict(con.execute("SELECT table_name, row_count FROM marts.publish_tables").fetchall())
    read = duckdb_1x(handmade_run.published, "; ".join(
        f"SELECT '{t}' AS t, count(*) AS n FROM (SELECT * FROM marts.{t})" for t in sorted(counts)))
    assert read.returncode == 0, read.stderr
    lines = [line.split(",") for line in read.stdout.split() if line != "t,n"]
    assert {t: int(n) for t, n in lines} == counts


def test_storage_version_setting_defaults_to_1_0_and_refuses_what_is_not_a_release(tmp_path):
    from orchestration.settings import SettingsError, load_settings

    assert load_settings({}).publish_storage_version == DEFAULT_PUBLISH_STORAGE_VERSION == "v1.0.0"
    assert load_settings({"O4O_PUBLISH_STORAGE_VERSION": "latest"}).publish_storage_version == "latest"
    with pytest.raises(SettingsError, match="O4O_PUBLISH_STORAGE_VERSION is '1.0'"):
        load_settings({"O4O_PUBLISH_STORAGE_VERSION": "1.0"})
    mart = tmp_path / "mart.duckdb"
    publish(_warehouse(tmp_path / "w1.duckdb", 3), mart, META, ["rpt"])
    before = mart.read_bytes()
    with pytest.raises(PublishError, match="storage version 'v9.9.9'"):  # shaped like a release, not one
        publish(_warehouse(tmp_path / "w2.duckdb", 5), mart, META, ["rpt"], storage_version="v9.9.9")
    assert mart.read_bytes() == before and not list(tmp_path.glob("*candidate*"))


def test_published_tables_carry_dbt_descriptions_and_keys(handmade_run):
    """Comments from the dbt YAML on every table (and the columns it describes), primary keys from
    the `unique` tests, foreign keys from the `relationships` tests: in the file, and a 1.x client sees them."""
    with duckdb.connect(str(handmade_run.published), read_only=True) as con:
        comments = dict(con.execute("SELECT table_name, comment FROM duckdb_tables() "
                                    "WHERE schema_name = 'marts'").fetchall())
        column = dict(con.execute("SELECT table_name || '.' || column_name, comment FROM duckdb_columns() "
                                  "WHERE schema_name = 'marts'").fetchall())
        keys = {(t, k, tuple(c), r) for t, k, c, r in con.execute(
            "SELECT table_name, constraint_type, constraint_column_names, referenced_table FROM duckdb_constraints() "
            "WHERE schema_name = 'marts' AND constraint_type IN ('PRIMARY KEY', 'FOREIGN KEY')").fetchall()}
    assert all(comments.values()), [t for t, c in comments.items() if not c]
    assert comments["dim_area"].startswith("One row per county")
    assert column["dim_area.county_fips"] == "5-digit county FIPS."
    assert column["rpt_provider_scorecard.provider_id"] == "Provider of the program (dim_provider.provider_id)."
    assert {("dim_participant", "PRIMARY KEY", ("participant_key",), None),
            ("dim_area", "PRIMARY KEY", ("county_fips",), None),
            ("fct_exit_outcomes", "PRIMARY KEY", ("participation_id",), None),
            ("rpt_provider_scorecard", "PRIMARY KEY", ("program_id", "exit_program_year"), None),
            ("rpt_wioa_performance", "PRIMARY KEY", ("exit_program_year", "funding_stream", "lwda_code", "indicator"),
             None),
            ("fct_exit_outcomes", "FOREIGN KEY", ("participant_key",), "dim_participant"),
            ("dim_program", "FOREIGN KEY", ("provider_id",), "dim_provider"),
            ("rpt_provider_scorecard", "FOREIGN KEY", ("program_id",), "dim_program"),
            ("rpt_provider_scorecard", "FOREIGN KEY", ("provider_id",), "dim_provider"),
            ("rpt_provider_scorecard_pooled", "PRIMARY KEY", ("program_id",), None),
            ("rpt_provider_scorecard_pooled", "FOREIGN KEY", ("program_id",), "dim_program"),
            ("rpt_provider_scorecard_pooled", "FOREIGN KEY", ("provider_id",), "dim_provider")} <= keys
    assert column["rpt_provider_scorecard_pooled.cost_per_completer"].startswith("tuition_cost x exiters / completed")
    read = duckdb_1x(handmade_run.published, "SELECT comment FROM duckdb_columns() "
                                             "WHERE table_name = 'dim_area' AND column_name = 'county_fips'")
    assert read.returncode == 0 and "5-digit county FIPS." in read.stdout, read.stderr


def test_rows_that_break_a_declared_key_are_not_published(tmp_path):
    from orchestration.publish.mart_docs import MartDocs

    mart = tmp_path / "mart.duckdb"
    docs = MartDocs(table_comments={"rpt": "numbers"}, primary_keys={"rpt": ("n",)})
    publish(_warehouse(tmp_path / "w1.duckdb", 3), mart, META, ["rpt"], docs=docs)
    before = mart.read_bytes()
    duplicated = _warehouse(tmp_path / "w2.duckdb", 3)
    with duckdb.connect(str(duplicated)) as con:
        con.execute("INSERT INTO marts.rpt VALUES (1)")
    with pytest.raises(PublishError, match="rpt: its rows break a key"):
        publish(duplicated, mart, META, ["rpt"], docs=docs)
    assert mart.read_bytes() == before and not list(tmp_path.glob("*candidate*"))


# ---------------------------------------------------------------- money to the cent

MONEY_INDICATORS = {"median_earnings_q2"}  # the indicators whose value is dollars (mart.md)


def money_columns() -> dict[str, dict[str, str]]:
    """table -> column -> `true` (every value dollars) or `indicator` (dollars in the rows of a money
    indicator, a rate otherwise): the columns the model YAML marks `meta: {money: ...}`, one place."""
    from orchestration.dbt_project import o4o_dbt_project

    manifest = json.loads(o4o_dbt_project().manifest_path.read_text())
    found: dict[str, dict[str, str]] = {}
    for node in manifest["nodes"].values():
        if node["resource_type"] != "model" or node["schema"] != "marts":
            continue
        for name, column in node["columns"].items():
            meta = {**column.get("meta", {}), **column.get("config", {}).get("meta", {})}
            if "money" in meta:
                found.setdefault(node["name"], {})[name] = "indicator" if meta["money"] == "indicator" else "true"
    return found


def _decimals(value) -> int:
    """Decimals a reader sees: a double as Python prints it (7447.679999999999 has 12), a decimal as stored."""
    from decimal import Decimal

    exponent = (value if isinstance(value, Decimal) else Decimal(repr(float(value)))).normalize().as_tuple().exponent
    return max(0, -exponent)


def test_no_published_money_value_has_more_than_two_decimals(generated_run):
    """Every money column of every published table holds cents (the macro `money` rounds the report
    tables' doubles; the core tables are decimal(14, 2)). A `value` column shared by rates and money is
    dollars only in the median_earnings_q2 rows: every other row is a rate 0-1 (a gap -1..1), so a new
    money indicator left out of the macro fails here too. At 2,000 participants the medians of an even
    count and the cost per participant (funds / people) had up to 12 noisy decimals before rounding."""
    columns = money_columns()
    assert {"rpt_wioa_performance", "rpt_equity_outcomes", "rpt_eta9169_performance", "rpt_eta9169_summary",
            "rpt_provider_scorecard", "fct_exit_outcomes", "fct_quarterly_earnings"} <= set(columns)
    assert columns["rpt_provider_scorecard"] == {"median_earnings_q2": "true", "median_pre_program_earnings": "true",
                                                 "earnings_change": "true", "tuition_cost": "true"}
    noisy, not_rates, seen = [], [], {"true": 0, "indicator": 0, "cents": 0}
    with duckdb.connect(str(generated_run.published), read_only=True) as con:
        for table, cols in sorted(columns.items()):
            for column, kind in sorted(cols.items()):
                if kind == "true":
                    rows = con.execute(f"SELECT {column}, NULL FROM marts.{table} WHERE {column} IS NOT NULL").fetchall()
                else:
                    rows = con.execute(f"SELECT {column}, indicator FROM marts.{table} WHERE {column} IS NOT NULL"
                                       ).fetchall()
                for value, indicator in rows:
                    if kind == "true" or indicator in MONEY_INDICATORS:
                        seen[kind] += 1
                        seen["cents"] += _decimals(value) == 2
                        if _decimals(value) > 2:
                            noisy.append(f"{table}.{column} = {value!r}")
                    elif not -1 <= value <= 1:
                        not_rates.append(f"{table}.{column} = {value!r} ({indicator})")
    assert not noisy, f"{len(noisy)} money values with more than 2 decimals, e.g. {noisy[:10]}"
    assert not not_rates, f"values outside 0-1 in rows of no money indicator: {not_rates[:10]}"
    # the check means something: many values of both kinds, and cents among them (not only whole dollars)
    assert seen["true"] > 1000 and seen["indicator"] > 50 and seen["cents"] > 100, seen
