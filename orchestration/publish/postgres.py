"""Publish the validated mart into PostgreSQL, for BI tools that want a server rather than a file.

The published DuckDB file is the source: whatever passed the gates and the audit is what
PostgreSQL gets, table for table, row for row. Everything happens in one transaction,
and tables are refilled with DELETE + COPY rather than dropped or truncated, so the
swap is MVCC-safe: a reader sees the old mart or the new one, never a mix, and is never
blocked while the load runs - even a REPEATABLE READ transaction opened before the publish
keeps seeing the old mart to its end. Only a table whose columns changed is dropped and
re-created (inside the same transaction; readers of that table wait for the commit).

The catalog follows the DuckDB file too (mart_docs.py writes it there from dbt): table and column
comments, primary keys, and foreign keys (DEFERRABLE INITIALLY DEFERRED, so the refill is
checked at commit); every foreign key and the columns BI tools filter on (FILTER_COLUMNS) are
indexed.

The login-less role `o4o_bi` gets USAGE on schema `marts` and SELECT on its tables, plus
default privileges so re-created tables stay readable; grant it to your BI users.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import psycopg
from psycopg import sql

from ..coalition.postgres_policies import CoalitionPolicyError, grant_shares, set_policies

SCHEMA = "marts"
BI_ROLE = "o4o_bi"
_COPY_CHUNK = 1 << 20

# DuckDB type -> PostgreSQL type, spelled as format_type() spells it so existing tables compare equal.
_PG_TYPES = {
    "VARCHAR": "text",
    "BOOLEAN": "boolean",
    "TINYINT": "smallint",
    "SMALLINT": "smallint",
    "INTEGER": "integer",
    "BIGINT": "bigint",
    "UTINYINT": "smallint",
    "USMALLINT": "integer",
    "UINTEGER": "bigint",
    "UBIGINT": "numeric(20,0)",
    "HUGEINT": "numeric(38,0)",
    "FLOAT": "real",
    "DOUBLE": "numeric",  # rates and money: exact, and round(value, 1) works (it does not on double precision)
    "DATE": "date",
    "TIME": "time without time zone",
    "TIMESTAMP": "timestamp without time zone",
    "TIMESTAMP WITH TIME ZONE": "timestamp with time zone",
    "INTERVAL": "interval",
    "UUID": "uuid",
}
_DECIMAL = re.compile(r"DECIMAL\((\d+),(\d+)\)")


class PostgresPublishError(RuntimeError):
    """PostgreSQL could not be brought to the published mart; it was left as it was (rolled back)."""


@dataclass(frozen=True)
class Column:
    name: str
    pg_type: str


@dataclass(frozen=True)
class Catalog:
    """What the DuckDB file declares besides rows: comments, primary and foreign keys."""
    table_comments: dict[str, str]
    column_comments: dict[str, dict[str, str]]
    primary_keys: dict[str, tuple[str, ...]]
    foreign_keys: dict[str, list[tuple[tuple[str, ...], str, tuple[str, ...]]]]


# Columns BI tools filter and group on; indexed wherever they are not the leading primary-key column.
FILTER_COLUMNS = ("lwda_code", "funding_stream", "exit_program_year", "report_program_year", "indicator",
                  "provider_id", "program_id", "participant_key", "county_fips", "exit_quarter", "dimension")


@dataclass
class PostgresPublishResult:
    target: str  # host:port/dbname, no credentials
    tables: dict[str, int]
    recreated: list[str]  # tables created or re-created because their columns changed
    dropped: list[str]  # tables no longer in the mart


def pg_type(duckdb_type: str, where: str) -> str:
    """The PostgreSQL column type for a DuckDB column type, or a clear refusal."""
    if duckdb_type in _PG_TYPES:
        return _PG_TYPES[duckdb_type]
    match = _DECIMAL.fullmatch(duckdb_type.replace(" ", ""))
    if match:
        return f"numeric({match[1]},{match[2]})"
    raise PostgresPublishError(f"{where}: DuckDB type {duckdb_type} has no PostgreSQL mapping "
                               "(add one to _PG_TYPES in orchestration/publish/postgres.py)")


def describe_target(url: str) -> str:
    """host:port/dbname of a connection URL, without user or password (safe for logs and metadata)."""
    info = psycopg.conninfo.conninfo_to_dict(url)
    return f"{info.get('host', 'localhost')}:{info.get('port', 5432)}/{info.get('dbname', '')}"


def mart_tables(con: duckdb.DuckDBPyConnection) -> dict[str, list[Column]]:
    """Every table of the published file's `marts` schema with its PostgreSQL column types."""
    rows = con.execute("""SELECT table_name, column_name, data_type FROM information_schema.columns
        WHERE table_schema = ? ORDER BY table_name, ordinal_position""", [SCHEMA]).fetchall()
    tables: dict[str, list[Column]] = {}
    for table, column, dtype in rows:
        tables.setdefault(table, []).append(Column(column, pg_type(dtype, f"{SCHEMA}.{table}.{column}")))
    return tables


def mart_catalog(con: duckdb.DuckDBPyConnection) -> Catalog:
    """Comments and keys of the published file's `marts` tables."""
    tables = dict(con.execute("SELECT table_name, comment FROM duckdb_tables() WHERE schema_name = ? "
                              "AND comment IS NOT NULL", [SCHEMA]).fetchall())
    columns: dict[str, dict[str, str]] = {}
    for table, column, comment in con.execute("""SELECT table_name, column_name, comment FROM duckdb_columns()
            WHERE schema_name = ? AND comment IS NOT NULL""", [SCHEMA]).fetchall():
        columns.setdefault(table, {})[column] = comment
    primary, foreign = {}, {}
    for table, kind, cols, ref, ref_cols in con.execute("""SELECT table_name, constraint_type,
            constraint_column_names, referenced_table, referenced_column_names FROM duckdb_constraints()
            WHERE schema_name = ? AND constraint_type IN ('PRIMARY KEY', 'FOREIGN KEY')
            ORDER BY table_name, constraint_index""", [SCHEMA]).fetchall():
        if kind == "PRIMARY KEY":
            primary[table] = tuple(cols)
        elif ref:
            foreign.setdefault(table, []).append((tuple(cols), ref, tuple(ref_cols)))
    return Catalog(tables, columns, primary, foreign)


def _existing_primary_keys(cur: psycopg.Cursor) -> dict[str, tuple[str, ...]]:
    cur.execute("""SELECT c.relname, array_agg(a.attname ORDER BY k.ord)
        FROM pg_constraint p JOIN pg_class c ON c.oid = p.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        CROSS JOIN LATERAL unnest(p.conkey) WITH ORDINALITY AS k(attnum, ord)
        JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
        WHERE n.nspname = %s AND p.contype = 'p' GROUP BY c.relname""", [SCHEMA])
    return {t: tuple(cols) for t, cols in cur.fetchall()}


def _foreign_key_name(table: str, columns: tuple[str, ...]) -> str:
    return f"{table}_{'_'.join(columns)}_fkey"[:63]


def _drop_foreign_keys_touching(cur: psycopg.Cursor, tables: set[str]) -> None:
    """Drop the foreign keys from or to `tables` (before those are dropped or re-created)."""
    cur.execute("""SELECT c.relname, p.conname, f.relname FROM pg_constraint p
        JOIN pg_class c ON c.oid = p.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_class f ON f.oid = p.confrelid WHERE n.nspname = %s AND p.contype = 'f'""", [SCHEMA])
    for table, name, referenced in cur.fetchall():
        if table in tables or referenced in tables:
            cur.execute(sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(
                sql.Identifier(SCHEMA, table), sql.Identifier(name)))


def _sync_foreign_keys(cur: psycopg.Cursor, catalog: Catalog) -> None:
    """Make the schema's foreign keys the file's: drop the others, add the missing. Added NOT VALID
    (the old rows are about to go); every new row is checked at commit, then they are validated."""
    wanted = {(t, _foreign_key_name(t, cols)): (cols, ref, ref_cols)
              for t, fks in catalog.foreign_keys.items() for cols, ref, ref_cols in fks}
    cur.execute("""SELECT c.relname, p.conname FROM pg_constraint p JOIN pg_class c ON c.oid = p.conrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s AND p.contype = 'f'""", [SCHEMA])
    existing = set(cur.fetchall())
    for table, name in sorted(existing - wanted.keys()):
        cur.execute(sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(sql.Identifier(SCHEMA, table),
                                                                         sql.Identifier(name)))
    for (table, name), (cols, ref, ref_cols) in sorted(wanted.items()):
        if (table, name) not in existing:
            cur.execute(sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {} ({}) "
                                "DEFERRABLE INITIALLY DEFERRED NOT VALID").format(
                sql.Identifier(SCHEMA, table), sql.Identifier(name), sql.SQL(", ").join(map(sql.Identifier, cols)),
                sql.Identifier(SCHEMA, ref), sql.SQL(", ").join(map(sql.Identifier, ref_cols))))


def _index_and_comment(cur: psycopg.Cursor, table: str, columns: list[Column], catalog: Catalog) -> None:
    names = {c.name for c in columns}
    key = catalog.primary_keys.get(table, ())
    indexed = [fk_cols for fk_cols, _, _ in catalog.foreign_keys.get(table, [])]
    indexed += [(c,) for c in FILTER_COLUMNS if c in names and (c,) not in indexed and key[:1] != (c,)]
    for cols in indexed:
        cur.execute(sql.SQL("CREATE INDEX IF NOT EXISTS {} ON {} ({})").format(
            sql.Identifier(f"{table}_{'_'.join(cols)}_idx"[:63]), sql.Identifier(SCHEMA, table),
            sql.SQL(", ").join(map(sql.Identifier, cols))))
    if table in catalog.table_comments:
        cur.execute(sql.SQL("COMMENT ON TABLE {} IS {}").format(sql.Identifier(SCHEMA, table),
                                                                sql.Literal(catalog.table_comments[table])))
    for column, comment in catalog.column_comments.get(table, {}).items():
        if column in names:
            cur.execute(sql.SQL("COMMENT ON COLUMN {} IS {}").format(sql.Identifier(SCHEMA, table, column),
                                                                     sql.Literal(comment)))


def _existing_tables(cur: psycopg.Cursor) -> dict[str, list[Column]]:
    cur.execute("""SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod)
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
        WHERE n.nspname = %s AND c.relkind IN ('r', 'p') ORDER BY c.relname, a.attnum""", [SCHEMA])
    tables: dict[str, list[Column]] = {}
    for table, column, ptype in cur.fetchall():
        tables.setdefault(table, []).append(Column(column, ptype))
    return tables


def ensure_reader_role(cur: psycopg.Cursor, role: str) -> None:
    """Create the reader role `role` if missing and keep it a NOLOGIN role without special powers
    (idempotent, race-safe): `o4o_bi`, and a coalition member's `o4o_member_<id>`."""
    cur.execute(sql.SQL("""DO $$ BEGIN
        IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = {name}) THEN
            BEGIN
                CREATE ROLE {role} NOLOGIN;
            EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;  -- created concurrently
            END;
        END IF;
    END $$""").format(name=sql.Literal(role), role=sql.Identifier(role)))
    # Take back any power the role was given by hand (only what is set: altering needs privileges of its own).
    cur.execute("""SELECT rolcanlogin, rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls
        FROM pg_roles WHERE rolname = %s""", [role])
    flags = zip(["NOLOGIN", "NOSUPERUSER", "NOCREATEDB", "NOCREATEROLE", "NOREPLICATION", "NOBYPASSRLS"],
                cur.fetchone())
    undo = [name for name, is_set in flags if is_set]
    if undo:
        cur.execute(sql.SQL("ALTER ROLE {} " + " ".join(undo)).format(sql.Identifier(role)))


def _grant_read(cur: psycopg.Cursor) -> None:
    role, schema = sql.Identifier(BI_ROLE), sql.Identifier(SCHEMA)
    cur.execute(sql.SQL("REVOKE ALL ON SCHEMA {} FROM PUBLIC").format(schema))
    cur.execute(sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(schema, role))
    cur.execute(sql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA {} TO {}").format(schema, role))
    cur.execute(sql.SQL("ALTER DEFAULT PRIVILEGES IN SCHEMA {} GRANT SELECT ON TABLES TO {}").format(schema, role))


def _create_table(cur: psycopg.Cursor, table: str, columns: list[Column], key: tuple[str, ...]) -> None:
    ident = sql.Identifier(SCHEMA, table)
    cur.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(ident))
    parts = [sql.SQL("{} {}").format(sql.Identifier(c.name), sql.SQL(c.pg_type)) for c in columns]
    if key:
        parts.append(sql.SQL("PRIMARY KEY ({})").format(sql.SQL(", ").join(map(sql.Identifier, key))))
    cur.execute(sql.SQL("CREATE TABLE {} ({})").format(ident, sql.SQL(", ").join(parts)))


def _copy_in(cur: psycopg.Cursor, table: str, columns: list[Column], csv_path: Path) -> None:
    statement = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT csv)").format(
        sql.Identifier(SCHEMA, table), sql.SQL(", ").join(sql.Identifier(c.name) for c in columns))
    with cur.copy(statement) as copy, open(csv_path, "rb") as f:
        while chunk := f.read(_COPY_CHUNK):
            copy.write(chunk)


def _export_csv(con: duckdb.DuckDBPyConnection, table: str, columns: list[Column], path: Path) -> int:
    """Write one mart table as headerless CSV: NULL is empty, '' is quoted - as PostgreSQL's CSV reads them."""
    cols = ", ".join('"' + c.name.replace('"', '""') + '"' for c in columns)
    con.execute(f"COPY (SELECT {cols} FROM {SCHEMA}.\"{table}\") TO '{path}' (FORMAT csv, HEADER false)")
    return con.execute(f"SELECT count(*) FROM {SCHEMA}.\"{table}\"").fetchone()[0]


def publish_to_postgres(mart_path: Path, url: str,
                        before_commit: Callable[[], None] | None = None, agreement=None) -> PostgresPublishResult:
    """Make PostgreSQL's `marts` schema equal to the published DuckDB file, atomically.

    With a coalition `agreement`, member roles and row-level security are set in the same
    transaction (orchestration/coalition/postgres_policies.py). `before_commit` runs once everything
    is loaded and audited but not yet committed (tests use it to look at the database from another
    connection at the most revealing moment).
    """
    with tempfile.TemporaryDirectory(prefix="o4o-pg-") as tmp:
        with duckdb.connect(str(mart_path), read_only=True) as duck:
            tables = mart_tables(duck)
            catalog = mart_catalog(duck)
            if not tables:
                raise PostgresPublishError(f"{mart_path} holds no tables in schema {SCHEMA}: nothing to publish")
            exports = {t: Path(tmp) / f"{i}.csv" for i, t in enumerate(sorted(tables))}
            expected = {t: _export_csv(duck, t, tables[t], exports[t]) for t in sorted(tables)}
        try:
            recreated, dropped = _load(url, tables, catalog, exports, expected, mart_path, before_commit, agreement)
        except CoalitionPolicyError as exc:
            raise PostgresPublishError(f"publishing to PostgreSQL ({describe_target(url)}) failed; PostgreSQL "
                                       f"was left as it was: {exc}") from exc
        except psycopg.Error as exc:
            raise PostgresPublishError(f"publishing to PostgreSQL ({describe_target(url)}) failed; PostgreSQL "
                                       f"was left as it was: {type(exc).__name__}: {exc}") from exc
    return PostgresPublishResult(describe_target(url), expected, recreated, dropped)


def _load(url: str, tables: dict[str, list[Column]], catalog: Catalog, exports: dict[str, Path],
          expected: dict[str, int], mart_path: Path, before_commit: Callable[[], None] | None,
          agreement=None) -> tuple[list[str], list[str]]:
    recreated, dropped = [], []
    with psycopg.connect(url, connect_timeout=10, application_name="o4o publish") as conn:
        # psycopg commits when this block ends normally and rolls back when it raises.
        with conn.cursor() as cur:
            # Two publishes at once (say, a manual re-run beside the nightly one) take turns, whole.
            cur.execute("SELECT pg_advisory_xact_lock(hashtext('o4o: publish schema marts'))")
            ensure_reader_role(cur, BI_ROLE)
            cur.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(SCHEMA)))
            cur.execute(sql.SQL("COMMENT ON SCHEMA {} IS {}").format(sql.Identifier(SCHEMA), sql.Literal(
                "o4o published mart, loaded from the audited DuckDB mart (docs/bi.md). Read it as role o4o_bi.")))
            existing, existing_keys = _existing_tables(cur), _existing_primary_keys(cur)
            changed = {t for t in tables if existing.get(t) != tables[t]
                       or existing_keys.get(t, ()) != catalog.primary_keys.get(t, ())}
            _drop_foreign_keys_touching(cur, changed | (existing.keys() - tables.keys()))
            for table in sorted(existing.keys() - tables.keys()):
                cur.execute(sql.SQL("DROP TABLE {}").format(sql.Identifier(SCHEMA, table)))
                dropped.append(table)
            # Every DDL before the first row changes: PostgreSQL refuses ALTER and CREATE INDEX on a
            # table with pending (deferred) foreign-key checks.
            for table in sorted(changed):
                _create_table(cur, table, tables[table], catalog.primary_keys.get(table, ()))
                recreated.append(table)
            _sync_foreign_keys(cur, catalog)
            for table in sorted(tables):
                _index_and_comment(cur, table, tables[table], catalog)
            columns = {t: {c.name for c in cols} for t, cols in tables.items()}
            set_policies(cur, agreement, columns, ensure_reader_role)  # a coalition's row-level security (docs/coalition.md)
            # Foreign keys are deferred: every row is checked at commit, whatever the refill order.
            cur.execute("SET CONSTRAINTS ALL DEFERRED")
            for table in sorted(tables):
                if table not in changed:
                    cur.execute(sql.SQL("DELETE FROM {}").format(sql.Identifier(SCHEMA, table)))
                _copy_in(cur, table, tables[table], exports[table])
            _grant_read(cur)
            grant_shares(cur, agreement, columns, BI_ROLE)
            for table, rows in expected.items():
                cur.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(SCHEMA, table)))
                got = cur.fetchone()[0]
                if got != rows:
                    raise PostgresPublishError(f"{SCHEMA}.{table}: {got} rows in PostgreSQL, {rows} in {mart_path}")
                cur.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(SCHEMA, table)))
            if before_commit is not None:
                before_commit()
        conn.commit()  # the load, whole; the deferred foreign-key checks run here
        _validate_foreign_keys(conn)
    return recreated, dropped


def _validate_foreign_keys(conn: psycopg.Connection) -> None:
    """Mark the foreign keys added NOT VALID as validated (after the commit, which checked every row
    of the refilled tables; VALIDATE does not block readers)."""
    with conn.cursor() as cur:
        cur.execute("""SELECT c.relname, p.conname FROM pg_constraint p JOIN pg_class c ON c.oid = p.conrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = %s AND p.contype = 'f' AND NOT p.convalidated""", [SCHEMA])
        for table, name in cur.fetchall():
            cur.execute(sql.SQL("ALTER TABLE {} VALIDATE CONSTRAINT {}").format(sql.Identifier(SCHEMA, table),
                                                                                 sql.Identifier(name)))
    conn.commit()
