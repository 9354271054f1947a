"""Compatibility shim: Great Expectations 1.x on DuckDB through duckdb_engine (SQLAlchemy).

Upstream bug: great_expectations issue 11579 (and 10738 before it). GX runs each query on a
connection from its pool and reads the rows *after* `with engine.connect()` has closed that
connection; closing rolls back the connection's transaction, and duckdb_engine's cursor is the
DuckDB connection itself, so the ROLLBACK replaces the pending result: every metric then ends in
`IndexError` in `resolve_metric_bundle`. GX already keeps one persisted connection open for the
dialects that need it (SQLite, SQL Server, BigQuery, Databricks); adding DuckDB to that list makes
results outlive the query call exactly as they do there, and keeps them streaming (a result is
never buffered whole: GX reads at most 200 rows of an unexpected-rows query).

`tests/test_gates.py::test_gx_duckdb_shim_is_still_needed_and_works` fails when GX validates
DuckDB without it (upstream fixed: delete this module and its `install()` call) or when it no
longer makes GX work. Watch great_expectations PR 12084 (a native DuckDB engine).
"""

from __future__ import annotations

from great_expectations.execution_engine import sqlalchemy_execution_engine as _engine


class _DuckDBDialect(str):
    """'duckdb' as GX's dialect list needs it: equal to the dialect's name, with a `.value`."""
    value = "duckdb"


DUCKDB = _DuckDBDialect("duckdb")
_WITHOUT = tuple(d for d in _engine._PERSISTED_CONNECTION_DIALECTS if d != DUCKDB)


def install() -> None:
    """Persist GX's DuckDB connection (idempotent)."""
    _engine._PERSISTED_CONNECTION_DIALECTS = (*_WITHOUT, DUCKDB)


def uninstall() -> None:
    """GX as shipped (for the test that checks the shim is still needed)."""
    _engine._PERSISTED_CONNECTION_DIALECTS = _WITHOUT


def close(execution_engine) -> None:
    """Close the persisted connection, which GX's own `close()` leaves open for DuckDB (it closes
    it only for the dialects it persists itself), so the warehouse file is released at once."""
    connection = getattr(execution_engine, "_connection", None)
    if connection is not None:
        connection.close()
        execution_engine._connection = None
    execution_engine.close()
