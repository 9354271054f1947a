"""A long-lived process sees each new publish (docs/bi.md, orchestration/publish/mart_reader.py).

DuckDB keeps one database instance per path per process: while one connection to the mart
is open, a "reconnect" joins the old instance and keeps reading the file the path named
before the publish. The test holds a connection open the way a pooled BI server does,
publishes a new version with the real publish step (write, audit, atomic rename), and
checks what each way of reconnecting sees.
"""

from __future__ import annotations

import duckdb
import pytest

from orchestration.publish.mart_reader import open_published_mart, published_version
from orchestration.publish.write_audit_publish import publish


def _warehouse(path, version: int) -> None:
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE SCHEMA IF NOT EXISTS marts; CREATE SCHEMA IF NOT EXISTS raw")
        con.execute(f"CREATE OR REPLACE TABLE marts.rpt_version AS SELECT {version} AS version")
        con.execute("CREATE TABLE IF NOT EXISTS raw.load_log (entity VARCHAR, source_file VARCHAR, checksum VARCHAR, "
                    "size_bytes BIGINT, rows_read BIGINT, rows_quarantined BIGINT, status VARCHAR, message VARCHAR, "
                    "loaded_at TIMESTAMP)")


def _publish(tmp_path, version: int):
    warehouse = tmp_path / "warehouse.duckdb"
    _warehouse(warehouse, version)
    return publish(warehouse, tmp_path / "mart.duckdb", {"suppression_threshold": "10"}, ["rpt_version"])


def _version(con) -> int:
    return con.execute("SELECT version FROM marts.rpt_version").fetchone()[0]


def test_a_pooled_reader_sees_the_new_mart_through_a_fresh_instance(tmp_path):
    mart = tmp_path / "mart.duckdb"
    _publish(tmp_path, 1)
    first_version = published_version(mart)
    pooled = duckdb.connect(str(mart), read_only=True)  # the connection a BI pool keeps open
    assert _version(pooled) == 1

    _publish(tmp_path, 2)

    assert published_version(mart) != first_version  # what a poller notices
    # "reconnect" as docs/bi.md used to say: joins the cached instance of the old file
    reconnected = duckdb.connect(str(mart), read_only=True)
    stale = _version(reconnected)
    # what works in a long-lived process: a fresh in-memory database that attaches the path
    fresh = open_published_mart(mart)
    assert _version(fresh) == 2
    assert fresh.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'marts'").fetchone()[0]
    with pytest.raises(duckdb.Error):
        fresh.execute("CREATE TABLE marts.x AS SELECT 1")  # read-only
    assert _version(pooled) == 1  # an open connection keeps a consistent old version
    for con in (pooled, reconnected, fresh):
        con.close()
    # once no connection to the path is open in the process, a plain connect opens the new file
    with duckdb.connect(str(mart), read_only=True) as after:
        assert _version(after) == 2
    assert stale == 1, "DuckDB no longer caches instances per path: docs/bi.md can say plain reconnects work"


def test_published_version_without_a_mart():
    assert published_version("/nonexistent/mart.duckdb") == (None, None)
