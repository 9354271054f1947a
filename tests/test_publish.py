"""Write-audit-publish on real DuckDB files: audit refusals, atomic swap, rollback."""

from __future__ import annotations

import duckdb
import pytest

from orchestration.publish import PublishError, previous_path, publish, rollback


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
