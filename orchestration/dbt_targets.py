"""The engine dbt builds on (O4O_DBT_TARGET): getting the raw tables to it, and the marts back.

DuckDB (the default) builds inside the warehouse file, where ingest wrote `raw`: nothing to move.
PostgreSQL gets the dbt sources of `raw` copied in before the build (`copy_raw_to_postgres`);
Spark reads them as Parquet files (`export_raw_parquet`) that the dbt hook `register_raw_tables()`
registers in its session. The staging and marts gates validate what the engine built where it
is (orchestration/quality/sources.py); only the `marts` schema comes back into the warehouse
afterwards (`mirror_from_postgres`, `mirror_from_spark`), because the publish step copies the
published mart from there and BI tools read that file. Staging and intermediate stay in the engine.

Only the feed entities (the dbt sources) leave the warehouse: `raw.quarantine` keeps rejected
values as delivered and stays where it is. The raw tables hold pseudonyms, never PII.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import duckdb

from .ingest.feeds import ENTITIES
from .ingest.loader import RAW_SCHEMA
from .ingest.parse import quote_ident
from .resources import environment_settings
from .settings import Settings

_COPY_CHUNK = 1 << 20
MARTS_SCHEMA = "marts"  # what the publish step copies to the published mart

# PostgreSQL type (as format_type() spells it) -> DuckDB type, for the mirror back.
_DUCKDB_TYPES = {
    "text": "VARCHAR",
    "character varying": "VARCHAR",
    "boolean": "BOOLEAN",
    "smallint": "SMALLINT",
    "integer": "INTEGER",
    "bigint": "BIGINT",
    "real": "FLOAT",
    "double precision": "DOUBLE",
    "date": "DATE",
    "timestamp without time zone": "TIMESTAMP",
    "timestamp with time zone": "TIMESTAMP WITH TIME ZONE",
}
_NUMERIC = re.compile(r"numeric\((\d+),(\d+)\)")


class EngineError(RuntimeError):
    """Moving tables between the warehouse and the dbt engine failed; the message says which table."""


def raw_source_tables() -> list[str]:
    """The raw tables dbt reads (its sources): one per feed entity."""
    return [e.name for e in ENTITIES]


def _duckdb_columns(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> list[tuple[str, str]]:
    return con.execute("""SELECT column_name, data_type FROM information_schema.columns
        WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position""", [schema, table]).fetchall()


def copy_raw_to_postgres(warehouse_path: Path, conninfo: str) -> dict[str, int]:
    """Replace PostgreSQL's `raw.<entity>` tables with the warehouse's, in one transaction.

    Each table is dropped (CASCADE: the staging views on it go too; dbt re-creates them) and
    re-created with the warehouse's columns. Returns the rows copied per table.
    """
    import psycopg
    from psycopg import sql

    from .publish.postgres import pg_type  # one DuckDB -> PostgreSQL type mapping

    with tempfile.TemporaryDirectory(prefix="o4o-raw-pg-") as tmp:
        exports: dict[str, tuple[list[tuple[str, str]], Path, int]] = {}
        with duckdb.connect(str(warehouse_path), read_only=True) as duck:
            for table in raw_source_tables():
                columns = _duckdb_columns(duck, RAW_SCHEMA, table)
                if not columns:
                    raise EngineError(f"{warehouse_path} has no table {RAW_SCHEMA}.{table}: run the ingest first")
                path = Path(tmp) / f"{table}.csv"
                cols = ", ".join(quote_ident(c) for c, _ in columns)
                # Headerless CSV: NULL is empty, '' is quoted - as PostgreSQL's CSV reads them.
                duck.execute(f"COPY (SELECT {cols} FROM {RAW_SCHEMA}.{quote_ident(table)}) TO '{path}' "
                             "(FORMAT csv, HEADER false)")
                rows = duck.execute(f"SELECT count(*) FROM {RAW_SCHEMA}.{quote_ident(table)}").fetchone()[0]
                exports[table] = ([(c, pg_type(t, f"{RAW_SCHEMA}.{table}.{c}")) for c, t in columns], path, rows)
        with psycopg.connect(conninfo, connect_timeout=10, application_name="o4o raw copy") as conn:
            with conn.cursor() as cur:
                cur.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(RAW_SCHEMA)))
                for table, (columns, path, rows) in exports.items():
                    ident = sql.Identifier(RAW_SCHEMA, table)
                    cur.execute(sql.SQL("DROP TABLE IF EXISTS {} CASCADE").format(ident))
                    cur.execute(sql.SQL("CREATE TABLE {} ({})").format(ident, sql.SQL(", ").join(
                        sql.SQL("{} {}").format(sql.Identifier(c), sql.SQL(t)) for c, t in columns)))
                    copy_sql = sql.SQL("COPY {} FROM STDIN (FORMAT csv)").format(ident)
                    with cur.copy(copy_sql) as copy, open(path, "rb") as f:
                        while chunk := f.read(_COPY_CHUNK):
                            copy.write(chunk)
                    cur.execute(sql.SQL("SELECT count(*) FROM {}").format(ident))
                    if (got := cur.fetchone()[0]) != rows:
                        raise EngineError(f"{RAW_SCHEMA}.{table}: {got} rows in PostgreSQL, {rows} in the warehouse")
                    cur.execute(sql.SQL("ANALYZE {}").format(ident))
    return {table: rows for table, (_, _, rows) in exports.items()}


def export_raw_parquet(warehouse_path: Path, out_dir: Path) -> dict[str, int]:
    """Write each raw source table as `<out_dir>/<table>/data.parquet` (a directory per table, as
    Spark tables want); a table's directory is replaced only once its new file is complete."""
    out_dir.mkdir(parents=True, exist_ok=True)
    counts = {}
    with duckdb.connect(str(warehouse_path), read_only=True) as duck:
        for table in raw_source_tables():
            if not _duckdb_columns(duck, RAW_SCHEMA, table):
                raise EngineError(f"{warehouse_path} has no table {RAW_SCHEMA}.{table}: run the ingest first")
            staging = out_dir / f".{table}.tmp"
            if staging.exists():
                shutil.rmtree(staging)
            staging.mkdir()
            duck.execute(f"COPY {RAW_SCHEMA}.{quote_ident(table)} TO '{staging / 'data.parquet'}' (FORMAT parquet)")
            counts[table] = duck.execute(f"SELECT count(*) FROM {RAW_SCHEMA}.{quote_ident(table)}").fetchone()[0]
            final = out_dir / table
            if final.exists():
                shutil.rmtree(final)
            staging.rename(final)
    return counts


def duckdb_type(pg_type: str, where: str) -> str:
    """The DuckDB column type for a PostgreSQL column type, or a clear refusal."""
    base = re.sub(r"\(\d+\)$", "", pg_type) if pg_type.startswith("character varying") else pg_type
    if base in _DUCKDB_TYPES:
        return _DUCKDB_TYPES[base]
    if match := _NUMERIC.fullmatch(pg_type.replace(" ", "")):
        return f"DECIMAL({match[1]},{match[2]})"
    raise EngineError(f"{where}: PostgreSQL type {pg_type} has no DuckDB mapping "
                      "(cast it in the model, or add it to _DUCKDB_TYPES in orchestration/dbt_targets.py)")


def mirror_from_postgres(conninfo: str, warehouse_path: Path, relations: Iterable[tuple[str, str]]) -> dict[str, int]:
    """Make each (schema, name) relation of the warehouse a table equal to PostgreSQL's, in one
    DuckDB transaction (views of an earlier DuckDB build are replaced by tables). Returns rows per relation."""
    import psycopg
    from psycopg import sql

    relations = sorted(set(relations))
    with tempfile.TemporaryDirectory(prefix="o4o-pg-mirror-") as tmp:
        exports = {}
        with psycopg.connect(conninfo, connect_timeout=10, application_name="o4o mirror") as conn:
            with conn.cursor() as cur:
                for i, (schema, name) in enumerate(relations):
                    cur.execute("""SELECT a.attname, format_type(a.atttypid, a.atttypmod)
                        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                        JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                        WHERE n.nspname = %s AND c.relname = %s ORDER BY a.attnum""", [schema, name])
                    pg_columns = cur.fetchall()
                    if not pg_columns:
                        raise EngineError(f"PostgreSQL has no relation {schema}.{name} to mirror")
                    columns = [(c, duckdb_type(t, f"{schema}.{name}.{c}")) for c, t in pg_columns]
                    # booleans as true/false (PostgreSQL's CSV says t/f)
                    select = sql.SQL(", ").join(sql.SQL("{}::text" if t == "boolean" else "{}")
                                                .format(sql.Identifier(c)) for c, t in pg_columns)
                    path = Path(tmp) / f"{i}.csv"
                    with open(path, "wb") as f, cur.copy(sql.SQL("COPY (SELECT {} FROM {}) TO STDOUT (FORMAT csv)")
                                                         .format(select, sql.Identifier(schema, name))) as copy:
                        for chunk in copy:
                            f.write(chunk)
                    exports[(schema, name)] = (columns, path)
        counts = {}
        with duckdb.connect(str(warehouse_path)) as duck:
            duck.execute("BEGIN")
            for (schema, name), (columns, path) in exports.items():
                existing = duck.execute("SELECT table_type FROM information_schema.tables "
                                        "WHERE table_schema = ? AND table_name = ?", [schema, name]).fetchone()
                relation = f"{quote_ident(schema)}.{quote_ident(name)}"
                duck.execute(f"CREATE SCHEMA IF NOT EXISTS {quote_ident(schema)}")
                if existing:
                    duck.execute(f"DROP {'VIEW' if existing[0] == 'VIEW' else 'TABLE'} {relation}")
                duck.execute(f"CREATE TABLE {relation} ({', '.join(f'{quote_ident(c)} {t}' for c, t in columns)})")
                duck.execute(f"COPY {relation} FROM '{path}' (FORMAT csv, HEADER false, ALLOW_QUOTED_NULLS false)")
                counts[f"{schema}.{name}"] = duck.execute(f"SELECT count(*) FROM {relation}").fetchone()[0]
            duck.execute("COMMIT")
    return counts


def mirror_from_spark(spark_dir: Path, warehouse_path: Path, relations: Iterable[tuple[str, str]]) -> dict[str, int]:
    """Make each (schema, name) relation of the warehouse a table holding the Parquet files Spark
    wrote for it (`<spark_dir>/warehouse/<schema>.db/<name>/`), in one DuckDB transaction."""
    relations = sorted(set(relations))
    counts = {}
    with duckdb.connect(str(warehouse_path)) as duck:
        duck.execute("BEGIN")
        for schema, name in relations:
            folder = spark_dir / "warehouse" / f"{schema}.db" / name
            if not list(folder.glob("*.parquet")):
                raise EngineError(f"Spark wrote no Parquet files for {schema}.{name} in {folder}")
            relation = f"{quote_ident(schema)}.{quote_ident(name)}"
            existing = duck.execute("SELECT table_type FROM information_schema.tables "
                                    "WHERE table_schema = ? AND table_name = ?", [schema, name]).fetchone()
            duck.execute(f"CREATE SCHEMA IF NOT EXISTS {quote_ident(schema)}")
            if existing:
                duck.execute(f"DROP {'VIEW' if existing[0] == 'VIEW' else 'TABLE'} {relation}")
            duck.execute(f"CREATE TABLE {relation} AS SELECT * FROM read_parquet('{folder}/*.parquet')")
            counts[f"{schema}.{name}"] = duck.execute(f"SELECT count(*) FROM {relation}").fetchone()[0]
        duck.execute("COMMIT")
    return counts


def stage_raw_for_dbt(settings: Settings) -> dict[str, int]:
    """Before `dbt build` in Dagster: bring the raw sources to the target engine (rows per table;
    nothing to do on DuckDB)."""
    if settings.dbt_target == "postgres":
        return copy_raw_to_postgres(settings.warehouse_path, settings.dbt_postgres_conninfo)
    if settings.dbt_target == "spark":
        return export_raw_parquet(settings.warehouse_path, settings.spark_dir / "raw")
    return {}


def dbt_built_relations(manifest: Mapping[str, Any], run_results: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(schema, name) of every model and seed that a dbt invocation built."""
    built = {r["unique_id"] for r in run_results["results"] if r["status"] == "success"}
    return sorted({(n["schema"], n.get("alias") or n["name"]) for uid, n in manifest["nodes"].items()
                   if uid in built and n["resource_type"] in ("model", "seed")})


def mirror_dbt_build(settings: Settings, manifest: Mapping[str, Any], run_results: Mapping[str, Any]) -> dict[str, int]:
    """After `dbt build` in Dagster: bring the marts the engine built into the warehouse, where the
    publish step copies them from (nothing to do on DuckDB). The gates validate in the engine."""
    marts = [(schema, name) for schema, name in dbt_built_relations(manifest, run_results) if schema == MARTS_SCHEMA]
    if settings.dbt_target == "postgres":
        return mirror_from_postgres(settings.dbt_postgres_conninfo, settings.warehouse_path, marts)
    if settings.dbt_target == "spark":
        return mirror_from_spark(settings.spark_dir, settings.warehouse_path, marts)
    return {}


# The nightly build leaves dbt's unit tests out: their inputs are fixed rows in the project, so they
# prove the code, not the night's data, and the code does not change between nights. They run where
# the code changes: `make test` (tests/test_dbt_project.py::test_unit_tests_pass) and CI. dbt's docs
# recommend the same ("only running unit tests in development or CI environments"); in the build
# they cost about 8 s of every refresh, a third of dbt's own time at 100,000 participants.
NIGHTLY_BUILD_SELECTION = ("--exclude-resource-type", "unit_test")


def dbt_threads(target: str = "duckdb") -> int:
    """Threads for `dbt build`: one per core. dbt-duckdb runs each thread on its own cursor of one
    DuckDB connection; dbt-duckdb#513 reported transaction errors when incremental models ran on
    several threads against a local file: o4o's incremental wage models run at this setting in
    tests/test_incremental.py (a full refresh, then an incremental one, compared with each other).
    Spark: one. Its local driver plans and runs each report's complementary suppression as one
    large query; two at once ran out of aggregation memory (docs/engines.md)."""
    if target == "spark":
        return 1
    return max(1, os.cpu_count() or 1)


def then(events: Iterable[Any], step: Callable[[], object]) -> Iterator[Any]:
    """Pass the events through, then run `step` once they are exhausted (e.g. once dbt has exited)."""
    yield from events
    step()


def main(argv: list[str] | None = None) -> int:
    """`python -m orchestration.dbt_targets postgres|spark`: put the warehouse's raw tables where that
    dbt target reads them (O4O_PG_* / O4O_SPARK_DIR), before a `dbt build --target ...` by hand."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m orchestration.dbt_targets", description=main.__doc__)
    parser.add_argument("target", choices=["postgres", "spark"])
    args = parser.parse_args(argv)
    settings = environment_settings()
    if args.target == "postgres":
        counts = copy_raw_to_postgres(settings.warehouse_path, settings.dbt_postgres_conninfo)
    else:
        counts = export_raw_parquet(settings.warehouse_path, settings.spark_dir / "raw")
    print(f"raw tables from {settings.warehouse_path} for the {args.target} target: "
          + ", ".join(f"{t} {n:,}" for t, n in counts.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
