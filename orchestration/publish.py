"""Write-audit-publish of the marts schema to the file BI tools read.

The warehouse is never read by BI tools. Publishing copies every relation of the
warehouse's `marts` schema into a new file beside O4O_PUBLISH_PATH, audits that file,
then swaps it in with one atomic rename. Readers holding the old file keep reading it
(on POSIX the old inode lives on); the previous version is kept for `o4o rollback`.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import duckdb

from .settings import MIN_PUBLISHED_SUPPRESSION_THRESHOLD, PROJECT_DIR

MARTS_SCHEMA = "marts"
METADATA_TABLE = "publish_metadata"
FEED_FILES_TABLE = "publish_feed_files"


class PublishError(RuntimeError):
    """The candidate mart failed its audit; the published file was not touched."""


@dataclass
class PublishResult:
    path: Path
    size_bytes: int
    tables: dict[str, int]


def previous_path(publish_path: Path) -> Path:
    return publish_path.with_name(publish_path.stem + ".previous" + publish_path.suffix)


def candidate_path(publish_path: Path) -> Path:
    return publish_path.with_name(publish_path.stem + ".candidate" + publish_path.suffix)


def git_revision() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=PROJECT_DIR, capture_output=True,
                              text=True, timeout=10).stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def _mart_relations(con: duckdb.DuckDBPyConnection, catalog: str) -> list[str]:
    return [r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_catalog = ? AND table_schema = ? "
        "ORDER BY table_name", [catalog, MARTS_SCHEMA]).fetchall()]


def build_candidate(warehouse_path: Path, candidate: Path, metadata: dict[str, str]) -> dict[str, int]:
    """Copy the warehouse's marts into a fresh file; return row counts per table."""
    candidate.unlink(missing_ok=True)
    with duckdb.connect() as con:
        con.execute(f"ATTACH '{warehouse_path}' AS wh (READ_ONLY)")
        con.execute(f"ATTACH '{candidate}' AS pub")
        con.execute(f"CREATE SCHEMA pub.{MARTS_SCHEMA}")
        counts = {}
        for table in _mart_relations(con, "wh"):
            con.execute(f"CREATE TABLE pub.{MARTS_SCHEMA}.{table} AS SELECT * FROM wh.{MARTS_SCHEMA}.{table}")
            counts[table] = con.execute(f"SELECT count(*) FROM wh.{MARTS_SCHEMA}.{table}").fetchone()[0]
        con.execute(f"CREATE TABLE pub.{MARTS_SCHEMA}.{METADATA_TABLE} (key VARCHAR PRIMARY KEY, value VARCHAR)")
        con.executemany(f"INSERT INTO pub.{MARTS_SCHEMA}.{METADATA_TABLE} VALUES (?, ?)", sorted(metadata.items()))
        con.execute(f"""CREATE TABLE pub.{MARTS_SCHEMA}.{FEED_FILES_TABLE} AS
            SELECT entity, source_file, checksum, size_bytes, rows_read, rows_quarantined, status, loaded_at
            FROM wh.raw.load_log ORDER BY entity, source_file""")
        con.execute("DETACH pub")
    return counts


def audit_candidate(candidate: Path, expected: dict[str, int], required_tables: list[str]) -> None:
    """The candidate must hold exactly the marts schema, every required table, the same rows."""
    with duckdb.connect(str(candidate), read_only=True) as con:
        outside = con.execute(f"""SELECT table_schema || '.' || table_name FROM information_schema.tables
            WHERE table_schema <> '{MARTS_SCHEMA}'""").fetchall()
        if outside:
            raise PublishError(f"candidate holds relations outside `{MARTS_SCHEMA}`: {outside}")
        present = set(_mart_relations(con, con.execute("SELECT current_database()").fetchone()[0]))
        missing = [t for t in required_tables if t not in present]
        if missing:
            raise PublishError(f"candidate lacks required tables: {missing}")
        for table, rows in expected.items():
            got = con.execute(f"SELECT count(*) FROM {MARTS_SCHEMA}.{table}").fetchone()[0]
            if got != rows:
                raise PublishError(f"{table}: {got} rows in candidate, {rows} in warehouse")
        threshold = con.execute(f"SELECT value FROM {MARTS_SCHEMA}.{METADATA_TABLE} WHERE key = 'suppression_threshold'"
                                ).fetchone()
        if threshold is None or int(threshold[0]) < MIN_PUBLISHED_SUPPRESSION_THRESHOLD:
            raise PublishError(f"suppression threshold {threshold} is below {MIN_PUBLISHED_SUPPRESSION_THRESHOLD}")


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def swap_in(candidate: Path, publish_path: Path) -> None:
    """Keep the current file as `.previous`, then rename the candidate over it (atomic)."""
    _fsync(candidate)
    if publish_path.exists():
        prev = previous_path(publish_path)
        prev.unlink(missing_ok=True)
        os.link(publish_path, prev)
    os.replace(candidate, publish_path)
    _fsync(publish_path.parent)


def publish(warehouse_path: Path, publish_path: Path, metadata: dict[str, str],
            required_tables: list[str]) -> PublishResult:
    publish_path.parent.mkdir(parents=True, exist_ok=True)
    candidate = candidate_path(publish_path)
    metadata = {"published_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                "git_revision": git_revision(), **metadata}
    try:
        counts = build_candidate(warehouse_path, candidate, metadata)
        audit_candidate(candidate, counts, required_tables)
        swap_in(candidate, publish_path)
    finally:
        candidate.unlink(missing_ok=True)
    return PublishResult(publish_path, publish_path.stat().st_size, counts)


def rollback(publish_path: Path) -> Path:
    """Swap the published file with the previous version (a second rollback rolls forward)."""
    prev = previous_path(publish_path)
    if not prev.exists():
        raise PublishError(f"no previous version at {prev} to roll back to")
    hold = publish_path.with_name(publish_path.stem + ".rollback" + publish_path.suffix)
    hold.unlink(missing_ok=True)
    os.link(publish_path, hold)
    os.replace(prev, publish_path)
    os.replace(hold, prev)
    return publish_path
