"""Write-audit-publish of the marts schema to the file BI tools read.

The warehouse is never read by BI tools. Publishing copies every relation of the
warehouse's `marts` schema into a new file beside O4O_PUBLISH_PATH, audits that file,
then swaps it in with one atomic rename. Readers holding the old file keep reading it
(on POSIX the old inode lives on); the previous version is kept for `o4o rollback`.

What was published is recorded twice: inside the file (`marts.publish_metadata`,
`publish_feed_files`, `publish_tables`, `publish_checks`: swapped in with the data, so
always consistent with it) and in `<mart>.json` beside it (the same facts plus the file's
sha256 and the run's validation cost, for tools that do not open DuckDB). The JSON is
renamed into place right after the mart; its `sha256` tells whether it describes the file
beside it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from ..ingest.loader import sha256_file as file_sha256  # one checksum for feed files and marts
from .mart_docs import MartDocs
from .mart_reader import published_version
from ..ingest.masking import file_label
from ..ingest.parse import quote_ident, sql_literal
from ..settings import DEFAULT_PUBLISH_STORAGE_VERSION, MIN_PUBLISHED_SUPPRESSION_THRESHOLD, PROJECT_DIR

MARTS_SCHEMA = "marts"
METADATA_TABLE = "publish_metadata"
FEED_FILES_TABLE = "publish_feed_files"
TABLES_TABLE = "publish_tables"
CHECKS_TABLE = "publish_checks"
# Comments of the publish tables (the data tables' come from dbt: orchestration/publish/mart_docs.py).
PUBLISH_TABLE_COMMENTS = {
    METADATA_TABLE: "What was published: when, from which git revision and Dagster run, suppression threshold, "
                    "PII key mode and key check, storage version (one key/value row each).",
    FEED_FILES_TABLE: "Each landing file loaded into this mart: entity, file label, sha256, size, rows read and "
                      "quarantined, status, when first loaded.",
    TABLES_TABLE: "Rows per published table.",
    CHECKS_TABLE: "Each Great Expectations gate of the run that published this mart: verdict and counts.",
}
CHECK_COLUMNS = {"asset": "VARCHAR", "check_name": "VARCHAR", "layer": "VARCHAR", "passed": "BOOLEAN",
                 "expectations_run": "INTEGER", "expectations_failed": "INTEGER", "warnings": "INTEGER",
                 "unexpected_rows": "BIGINT", "quarantined_rows": "BIGINT", "validation_seconds": "DOUBLE"}


class PublishError(RuntimeError):
    """The candidate mart failed its audit; the published file was not touched."""


@dataclass
class PublishResult:
    path: Path
    size_bytes: int
    tables: dict[str, int]
    sha256: str = ""
    metadata_path: Path | None = None
    member_files: dict[str, Path] = field(default_factory=dict)  # coalition member id -> its published file
    disclosed: dict[str, dict[str, int]] = field(default_factory=dict)  # member id -> {table: rows}


def previous_path(publish_path: Path) -> Path:
    return publish_path.with_name(publish_path.stem + ".previous" + publish_path.suffix)


def candidate_path(publish_path: Path) -> Path:
    return publish_path.with_name(publish_path.stem + ".candidate" + publish_path.suffix)


def metadata_path(publish_path: Path) -> Path:
    """The JSON beside a mart file: `mart.duckdb` -> `mart.duckdb.json`."""
    return publish_path.with_name(publish_path.name + ".json")


def describe_version(publish_path: Path) -> str:
    """`published_at ..., sha256 ...` of the mart at `publish_path`, from the JSON beside it."""
    published_at, sha = published_version(publish_path)
    if published_at is None:
        return "version unknown: no readable JSON beside it"
    return f"published_at {published_at}, sha256 {str(sha)[:12]}…"


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


def attach_candidate(con: duckdb.DuckDBPyConnection, candidate: Path, storage_version: str) -> None:
    """Attach a new candidate file as `pub`, written in `storage_version`'s format (DuckDB 1.x clients
    refuse a file in a newer one: "version number 69 ... only 64-68")."""
    try:
        con.execute(f"ATTACH '{candidate}' AS pub (STORAGE_VERSION '{storage_version}')")
    except duckdb.Error as exc:
        raise PublishError(f"cannot write the mart in storage version {storage_version!r} "
                           f"(O4O_PUBLISH_STORAGE_VERSION): {exc}") from exc


def copy_table(con: duckdb.DuckDBPyConnection, table: str, docs: MartDocs) -> None:
    """Create `pub.marts.<table>` with the warehouse table's columns and the primary and foreign keys
    of `docs`, fill it, and comment it. A key the rows break is refused (PublishError)."""
    columns = con.execute("""SELECT column_name, data_type FROM duckdb_columns()
        WHERE database_name = 'wh' AND schema_name = ? AND table_name = ? ORDER BY column_index""",
                          [MARTS_SCHEMA, table]).fetchall()
    names = {c for c, _ in columns}
    parts = [f"{quote_ident(c)} {t}" for c, t in columns]
    key = docs.primary_keys.get(table)
    if key and set(key) <= names:
        parts.append(f"PRIMARY KEY ({', '.join(map(quote_ident, key))})")
    for fk in docs.foreign_keys.get(table, []):
        if set(fk.columns) <= names and docs.primary_keys.get(fk.referenced_table) == fk.referenced_columns:
            parts.append(f"FOREIGN KEY ({', '.join(map(quote_ident, fk.columns))}) REFERENCES "
                         f"{fk.referenced_table} ({', '.join(map(quote_ident, fk.referenced_columns))})")
    target = f"pub.{MARTS_SCHEMA}.{table}"
    con.execute(f"CREATE TABLE {target} ({', '.join(parts)})")
    try:
        con.execute(f"INSERT INTO {target} SELECT * FROM wh.{MARTS_SCHEMA}.{table}")
    except duckdb.ConstraintException as exc:
        raise PublishError(f"{table}: its rows break a key declared by its dbt tests: {exc}") from exc
    if table in docs.table_comments:
        con.execute(f"COMMENT ON TABLE {target} IS {sql_literal(docs.table_comments[table])}")
    for column, comment in docs.column_comments.get(table, {}).items():
        if column in names:
            con.execute(f"COMMENT ON COLUMN {target}.{quote_ident(column)} IS {sql_literal(comment)}")


def build_candidate(warehouse_path: Path, candidate: Path, metadata: dict[str, str],
                    checks: list[dict] | None = None,
                    storage_version: str = DEFAULT_PUBLISH_STORAGE_VERSION,
                    docs: MartDocs | None = None) -> dict[str, int]:
    """Copy the warehouse's marts into a fresh file with the publish tables (with `docs`' comments
    and keys); return row counts per table."""
    candidate.unlink(missing_ok=True)
    with duckdb.connect() as con:
        con.execute(f"ATTACH '{warehouse_path}' AS wh (READ_ONLY)")
        attach_candidate(con, candidate, storage_version)
        con.execute(f"CREATE SCHEMA pub.{MARTS_SCHEMA}")
        counts = {}
        docs = docs or MartDocs()
        for table in docs.creation_order(_mart_relations(con, "wh")):
            copy_table(con, table, docs)
            counts[table] = con.execute(f"SELECT count(*) FROM wh.{MARTS_SCHEMA}.{table}").fetchone()[0]
        con.execute(f"CREATE TABLE pub.{MARTS_SCHEMA}.{METADATA_TABLE} (key VARCHAR PRIMARY KEY, value VARCHAR)")
        con.executemany(f"INSERT INTO pub.{MARTS_SCHEMA}.{METADATA_TABLE} VALUES (?, ?)", sorted(metadata.items()))
        con.execute(f"""CREATE TABLE pub.{MARTS_SCHEMA}.{FEED_FILES_TABLE} AS
            SELECT entity, source_file, checksum, size_bytes, rows_read, rows_quarantined, status, loaded_at
            FROM wh.raw.load_log WITH NO DATA""")
        # File names are partner-supplied free text: published as the loader labels them
        # (masking.file_label), also those logged before the loader did.
        feed_rows = con.execute("""SELECT entity, source_file, checksum, size_bytes, rows_read, rows_quarantined,
            status, loaded_at FROM wh.raw.load_log ORDER BY entity, source_file""").fetchall()
        if feed_rows:
            con.executemany(f"INSERT INTO pub.{MARTS_SCHEMA}.{FEED_FILES_TABLE} VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                            [(e, file_label(f), *rest) for e, f, *rest in feed_rows])
        con.execute(f"CREATE TABLE pub.{MARTS_SCHEMA}.{TABLES_TABLE} "
                    "(table_name VARCHAR PRIMARY KEY, row_count BIGINT)")
        if counts:
            con.executemany(f"INSERT INTO pub.{MARTS_SCHEMA}.{TABLES_TABLE} VALUES (?, ?)", sorted(counts.items()))
        con.execute(f"CREATE TABLE pub.{MARTS_SCHEMA}.{CHECKS_TABLE} ("
                    + ", ".join(f'"{c}" {t}' for c, t in CHECK_COLUMNS.items()) + ")")
        if checks:
            placeholders = ", ".join("?" * len(CHECK_COLUMNS))
            con.executemany(f"INSERT INTO pub.{MARTS_SCHEMA}.{CHECKS_TABLE} VALUES ({placeholders})",
                            [[c.get(k) for k in CHECK_COLUMNS] for c in checks])
        for table, comment in PUBLISH_TABLE_COMMENTS.items():
            con.execute(f"COMMENT ON TABLE pub.{MARTS_SCHEMA}.{table} IS {sql_literal(comment)}")
        con.execute("DETACH pub")
    return counts


def feed_files(candidate: Path) -> list[dict]:
    with duckdb.connect(str(candidate), read_only=True) as con:
        cursor = con.execute(f"SELECT * FROM {MARTS_SCHEMA}.{FEED_FILES_TABLE} ORDER BY entity, source_file")
        names = [d[0] for d in cursor.description]
        return [{k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in zip(names, row)}
                for row in cursor.fetchall()]


def write_candidate_metadata(candidate: Path, publish_path: Path, metadata: dict[str, str], counts: dict[str, int],
                             checks: list[dict] | None, details: dict | None) -> str:
    """The JSON beside the candidate (renamed with it); returns the candidate's sha256."""
    sha = file_sha256(candidate)
    document = {**metadata, "path": str(publish_path), "sha256": sha, "size_bytes": candidate.stat().st_size,
                "tables": counts, "feed_files": feed_files(candidate), "checks": checks or [], **(details or {})}
    metadata_path(candidate).write_text(json.dumps(document, indent=2, default=str) + "\n", encoding="utf-8")
    return sha


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


def _keep_as_previous(path: Path, previous: Path) -> None:
    previous.unlink(missing_ok=True)
    if path.exists():
        os.link(path, previous)


def swap_in(candidate: Path, publish_path: Path) -> None:
    """Keep the current file (and its JSON) as `.previous`, then rename the candidate over it
    (atomic), then its JSON."""
    _fsync(candidate)
    if publish_path.exists():
        _keep_as_previous(publish_path, previous_path(publish_path))
        _keep_as_previous(metadata_path(publish_path), metadata_path(previous_path(publish_path)))
    os.replace(candidate, publish_path)
    if metadata_path(candidate).exists():
        os.replace(metadata_path(candidate), metadata_path(publish_path))
    _fsync(publish_path.parent)


def publish(warehouse_path: Path, publish_path: Path, metadata: dict[str, str],
            required_tables: list[str], checks: list[dict] | None = None,
            details: dict | None = None, storage_version: str = DEFAULT_PUBLISH_STORAGE_VERSION,
            docs: MartDocs | None = None, agreement=None) -> PublishResult:
    """Write, audit, publish. `checks` (one summary per gate) go into the file and the JSON;
    `details` (e.g. the validation cost) into the JSON only; the file is written in DuckDB's
    `storage_version` format (O4O_PUBLISH_STORAGE_VERSION), its tables with `docs`' comments and keys.
    With a coalition `agreement` (orchestration/coalition/), every member's file is written (same
    format) and audited with the full mart and swapped in right after it; nothing is swapped unless
    all of them passed."""
    from ..coalition.member_files import MemberFileError, prepare_member_files

    publish_path.parent.mkdir(parents=True, exist_ok=True)
    candidate = candidate_path(publish_path)
    metadata = {"published_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                "git_revision": git_revision(), "storage_version": storage_version, **metadata}
    if agreement is not None:
        metadata.update({"coalition_agreement": agreement.name, "coalition_agreement_sha256": agreement.sha256,
                         "coalition_members": ",".join(m.id for m in agreement.members)})
    members = []
    try:
        counts = build_candidate(warehouse_path, candidate, metadata, checks, storage_version, docs)
        if agreement is not None:
            try:
                members = prepare_member_files(candidate, publish_path, agreement, candidate_path,
                                               lambda con, path: attach_candidate(con, path, storage_version))
            except MemberFileError as exc:
                raise PublishError(f"coalition member file: {exc}") from exc
            details = {**(details or {}), "disclosures": {m.member.id: m.tables for m in members}}
        audit_candidate(candidate, counts, required_tables)
        sha = write_candidate_metadata(candidate, publish_path, metadata, counts, checks, details)
        member_metadata = {m.member.id: {**metadata, "coalition_member": m.member.id} for m in members}
        for m in members:
            write_candidate_metadata(m.candidate, m.path, member_metadata[m.member.id], m.tables, checks, None)
        swap_in(candidate, publish_path)
        for m in members:
            swap_in(m.candidate, m.path)
    finally:
        for path in [candidate] + [m.candidate for m in members]:
            path.unlink(missing_ok=True)
            metadata_path(path).unlink(missing_ok=True)
    return PublishResult(publish_path, publish_path.stat().st_size, counts, sha, metadata_path(publish_path),
                         {m.member.id: m.path for m in members}, {m.member.id: m.tables for m in members})


def _swap(path: Path, other: Path) -> None:
    """Exchange two files by renames (either may be missing)."""
    hold = path.with_name("." + path.name + ".rollback")
    hold.unlink(missing_ok=True)
    if path.exists():
        os.link(path, hold)
    if other.exists():
        os.replace(other, path)
    else:
        path.unlink(missing_ok=True)
    if hold.exists():
        os.replace(hold, other)


def rollback(publish_path: Path) -> Path:
    """Swap the published file and its JSON with the previous version (a second rollback
    rolls forward). The mart itself changes with one atomic rename."""
    prev = previous_path(publish_path)
    if not prev.exists():
        raise PublishError(f"no previous version at {prev} to roll back to")
    _swap(publish_path, prev)
    _swap(metadata_path(publish_path), metadata_path(prev))
    _fsync(publish_path.parent)
    return publish_path
