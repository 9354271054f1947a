"""Where a gate's relation lives, opened as a Great Expectations batch that validates it in place.

- DuckDB (the warehouse file; always for raw, and for staging and marts on the default dbt
  target): GX's SQL datasource through duckdb_engine, read-only, with the small compatibility
  shim of `gx_duckdb_shim` (great_expectations issue 11579).
- PostgreSQL (`O4O_DBT_TARGET=postgres`): GX's SQL datasource on the database dbt built.
- Spark (`O4O_DBT_TARGET=spark`): GX's Spark datasource on a session that shares dbt's
  metastore and warehouse directory (profiles.yml's spark output), started once dbt has exited.

Nothing is copied out of the engine: GX sends its metrics (and the suites' SQL rules) to it as
queries, and only counts and a few sample rows come back. The batch is a query asset
(`SELECT * FROM <relation> [WHERE ...]`): a table asset with a schema fails in GX's column-type
metric on DuckDB, and the query lets an incremental raw gate validate only new deliveries.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from itertools import count
from pathlib import Path

from ..resources import disable_telemetry
from . import gx_duckdb_shim

disable_telemetry()  # before GX is imported: no analytics


DUCKDB, POSTGRES, SPARK = "duckdb", "postgres", "spark"
# The text type and the regular-expression test of each engine, for the SQL the suites share
# across engines (`{matches}(value, 'pattern')` in a suite's .sql file: true when the pattern
# is found anywhere in the value, as DuckDB's regexp_matches, PostgreSQL's and Spark's regexp_like).
TEXT_TYPE = {DUCKDB: "varchar", POSTGRES: "text", SPARK: "string"}
MATCHES = {DUCKDB: "regexp_matches", POSTGRES: "regexp_like", SPARK: "regexp_like"}
_TEXT_TYPES = ("varchar", "text", "string", "character varying", "enum")
_names = count()


@dataclass(frozen=True)
class Source:
    """A warehouse a gate can validate in: `location` is the DuckDB file, the PostgreSQL
    SQLAlchemy URL, or the Spark directory (O4O_SPARK_DIR) of dbt's metastore."""
    dialect: str
    location: str

    @classmethod
    def duckdb(cls, path: Path) -> Source:
        return cls(DUCKDB, str(path))

    @property
    def text_type(self) -> str:
        return TEXT_TYPE[self.dialect]

    @property
    def matches(self) -> str:
        return MATCHES[self.dialect]


@dataclass
class OpenBatch:
    """A GX batch of one relation, and that relation's columns as (name, type)."""
    batch: object
    columns: list[tuple[str, str]]
    source: Source
    count_rows: Callable[[], int]  # rows in the batch, counted by the engine

    @property
    def column_names(self) -> list[str]:
        return [c for c, _ in self.columns]

    @property
    def text_columns(self) -> list[str]:
        return [c for c, t in self.columns if t.lower().startswith(_TEXT_TYPES)]


@cache
def gx_context():
    """One ephemeral GX context per process: a validation writes no GX files (GX#10816)."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    gx_duckdb_shim.install()
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context


def _split(relation: str) -> tuple[str, str]:
    schema, _, table = relation.rpartition(".")
    return schema, table


@contextmanager
def open_batch(source: Source, relation: str, where: str | None = None) -> Iterator[OpenBatch]:
    """`relation` (schema.table) of `source` as a GX batch, rows limited by the SQL `where`;
    every connection is closed on exit, so the DuckDB file is free for the next writer."""
    query = f"SELECT * FROM {relation}" + (f" WHERE {where}" if where else "")
    if source.dialect == SPARK:
        with _spark_batch(source, relation, query) as opened:
            yield opened
        return
    context = gx_context()
    name = f"o4o_{source.dialect}_{next(_names)}"
    if source.dialect == DUCKDB:
        datasource = context.data_sources.add_sql(name, connection_string=f"duckdb:///{source.location}",
                                                  kwargs={"connect_args": {"read_only": True}})
    else:
        datasource = context.data_sources.add_postgres(name, connection_string=source.location)
    try:
        asset = datasource.add_query_asset("relation", query=query)
        batch = asset.add_batch_definition_whole_table("whole").get_batch()
        engine = batch.data.execution_engine
        yield OpenBatch(batch, _sql_columns(engine, relation), source, lambda: _sql_count(engine, query))
    finally:
        execution_engine = datasource.get_execution_engine()
        gx_duckdb_shim.close(execution_engine)
        datasource.get_engine().dispose()
        context.data_sources.delete(name)


def _sql_count(engine, query: str) -> int:
    import sqlalchemy as sa

    return int(engine.execute_query(sa.text(f"SELECT count(*) FROM ({query}) AS o4o_rows")).scalar())


def _sql_columns(engine, relation: str) -> list[tuple[str, str]]:
    import sqlalchemy as sa

    schema, table = _split(relation)
    rows = engine.execute_query(sa.text(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = :schema AND table_name = :table ORDER BY ordinal_position"
    ).bindparams(schema=schema, table=table)).fetchall()
    if not rows:
        raise KeyError(f"{relation} does not exist")
    return [(r[0], r[1]) for r in rows]


# --- Spark --------------------------------------------------------------------------------------

def spark_conf(spark_dir: str) -> dict[str, str]:
    """profiles.yml's spark `server_side_parameters`, rendered for `spark_dir`: the session the
    gates open reads the metastore and warehouse directory dbt wrote (one owner: profiles.yml)."""
    import jinja2
    import yaml

    from ..settings import PROJECT_DIR

    profile = yaml.safe_load((PROJECT_DIR / "profiles.yml").read_text())
    params = profile["o4o"]["outputs"]["spark"]["server_side_parameters"]

    def var(name: str, default: str = "") -> str:  # dbt's var(), as --vars gives it (Settings.dbt_vars)
        return spark_dir if name == "o4o_spark_dir" else default

    render = jinja2.Environment().from_string
    return {k: render(str(v)).render(var=var) for k, v in params.items()}


@cache
def spark_session(spark_dir: str):
    """A local Spark session on dbt's metastore (Derby allows one JVM at a time: opened only
    after dbt has exited, and kept for the rest of the run)."""
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName("o4o gates")
    for key, value in spark_conf(spark_dir).items():
        builder = builder.config(key, value)
    return builder.enableHiveSupport().getOrCreate()


def _spark_frame(session, relation: str, query: str):
    from pyspark.errors import AnalysisException

    try:
        return session.sql(query)
    except AnalysisException as exc:  # as _sql_columns says of a relation dbt did not build
        raise KeyError(f"{relation} does not exist in Spark ({str(exc).splitlines()[0]})") from exc


@contextmanager
def _spark_batch(source: Source, relation: str, query: str) -> Iterator[OpenBatch]:
    context = gx_context()
    session = spark_session(source.location)
    name = f"o4o_spark_{next(_names)}"
    datasource = context.data_sources.add_spark(name)
    try:
        frame = _spark_frame(session, relation, query)
        batch = (datasource.add_dataframe_asset("relation").add_batch_definition_whole_dataframe("whole")
                 .get_batch(batch_parameters={"dataframe": frame}))
        yield OpenBatch(batch, [(f.name, f.dataType.simpleString()) for f in frame.schema.fields], source, frame.count)
    finally:
        context.data_sources.delete(name)


def dbt_target_source(settings) -> Source:
    """Where dbt built staging and marts (O4O_DBT_TARGET): the gates of those layers validate there."""
    if settings.dbt_target == POSTGRES:
        from sqlalchemy.engine import URL

        env = dict(settings.dbt_postgres_env)
        url = URL.create("postgresql+psycopg", username=env["O4O_PG_USER"], password=env["O4O_PG_PASSWORD"] or None,
                         host=env["O4O_PG_HOST"], port=int(env["O4O_PG_PORT"]), database=env["O4O_PG_DBNAME"])
        return Source(POSTGRES, url.render_as_string(hide_password=False))
    if settings.dbt_target == SPARK:
        return Source(SPARK, str(settings.spark_dir))
    return Source.duckdb(settings.warehouse_path)
