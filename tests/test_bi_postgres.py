"""PostgreSQL publishing against the real local server: same contents as the DuckDB mart, a read-only
`o4o_bi` role, and readers that see the old or the new mart, never a mix.

The server is O4O_TEST_POSTGRES_URL (default postgres@127.0.0.1:5432, trust auth). Each session
works in its own throw-away database. No server: skipped outside CI, FAILED with CI=true.
"""

from __future__ import annotations

import os
import threading
from collections import Counter
from decimal import Decimal

import duckdb
import pytest

psycopg = pytest.importorskip("psycopg")
from psycopg import errors, sql  # noqa: E402

from orchestration.publish.postgres import (BI_ROLE, SCHEMA, PostgresPublishError, describe_target,  # noqa: E402
                                       publish_to_postgres)

ADMIN_URL = os.environ.get("O4O_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def unavailable(reason: str):
    """Skip outside CI, fail with CI=true: a CI run must never pass by not running these tests."""
    if (os.environ.get("CI") or "").strip().lower() in {"1", "true", "yes"}:
        pytest.fail(f"CI=true but {reason}", pytrace=False)
    pytest.skip(reason)


def require_postgres(url: str) -> None:
    """Skip (outside CI) or fail (CI=true) when no PostgreSQL server answers at `url`."""
    try:
        psycopg.connect(url, connect_timeout=3).close()
    except psycopg.OperationalError as exc:
        unavailable(f"no PostgreSQL server at {url}: {str(exc).strip().splitlines()[0]}")


@pytest.fixture(scope="session")
def pg_url():
    """A fresh database on the real server for this session, dropped at the end."""
    require_postgres(ADMIN_URL)
    name = f"o4o_test_{os.getpid()}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = psycopg.conninfo.make_conninfo(ADMIN_URL, dbname=name)
    yield url
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _exact(row: tuple) -> tuple:
    """DuckDB's DOUBLE arrives as float, PostgreSQL's numeric as Decimal: compare both as floats."""
    return tuple(float(v) if isinstance(v, Decimal) else v for v in row)


def duckdb_rows(mart, table: str) -> tuple[list[str], Counter]:
    with duckdb.connect(str(mart), read_only=True) as con:
        cur = con.execute(f"SELECT * FROM {SCHEMA}.{table}")
        return [d[0] for d in cur.description], Counter(map(_exact, cur.fetchall()))


def pg_rows(url: str, table: str) -> tuple[list[str], Counter]:
    with psycopg.connect(url) as con:
        cur = con.execute(sql.SQL("SELECT * FROM {}").format(sql.Identifier(SCHEMA, table)))
        return [d.name for d in cur.description], Counter(map(_exact, cur.fetchall()))


def mart_tables(mart) -> list[str]:
    with duckdb.connect(str(mart), read_only=True) as con:
        return [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables "
                                          "WHERE table_schema = ? ORDER BY 1", [SCHEMA]).fetchall()]


SIGNATURE_TABLES = ["dim_participant", "fct_exit_outcomes", "fct_quarterly_earnings", "rpt_wioa_performance",
                    "rpt_equity_outcomes"]


def signature(cur) -> tuple:
    """One statement that reads several tables: which publish each part of the answer came from."""
    counts = sql.SQL(", ").join(sql.SQL("(SELECT count(*) FROM {})").format(sql.Identifier(SCHEMA, t))
                                for t in SIGNATURE_TABLES)
    cur.execute(sql.SQL("SELECT {}, (SELECT value FROM {} WHERE key = 'dagster_run_id')").format(
        counts, sql.Identifier(SCHEMA, "publish_metadata")))
    return cur.fetchone()


def test_published_tables_equal_the_duckdb_mart(generated_run, pg_url):
    assert generated_run.outcome.published
    result = publish_to_postgres(generated_run.published, pg_url)
    tables = mart_tables(generated_run.published)
    assert sorted(result.tables) == tables and "rpt_wioa_performance" in tables
    with psycopg.connect(pg_url) as con:
        in_pg = [r[0] for r in con.execute("SELECT table_name FROM information_schema.tables "
                                           "WHERE table_schema = %s ORDER BY 1", [SCHEMA]).fetchall()]
    assert in_pg == tables
    for table in tables:
        duck_cols, duck = duckdb_rows(generated_run.published, table)
        pg_cols, pg = pg_rows(pg_url, table)
        assert pg_cols == duck_cols, table
        assert sum(pg.values()) == sum(duck.values()) == result.tables[table], table
        assert pg == duck, f"{table}: only in PostgreSQL {list(pg - duck)[:2]}, only in DuckDB {list(duck - pg)[:2]}"


def test_types_nulls_and_empty_strings_survive(generated_run, pg_url):
    publish_to_postgres(generated_run.published, pg_url)
    with psycopg.connect(pg_url) as con:
        types = dict(con.execute("""SELECT table_name || '.' || column_name, data_type FROM information_schema.columns
            WHERE table_schema = %s""", [SCHEMA]).fetchall())
        assert types["fct_exit_outcomes.exit_date"] == "date"
        assert types["fct_exit_outcomes.employed_q2"] == "boolean"
        assert types["fct_quarterly_earnings.total_wages"] == "numeric"
        assert types["rpt_wioa_performance.value"] == "numeric"  # rates and money: round(value, 1) works
        assert types["rpt_provider_scorecard.median_earnings_q2"] == "numeric"
        assert types["rpt_provider_scorecard_pooled.cost_per_completer"] == "numeric"  # decimal(14,2)
        assert types["rpt_provider_scorecard_pooled.annual_earnings_change_per_tuition_dollar"] == "numeric"
        assert "double precision" not in types.values()
        rounded = con.execute("SELECT round(value, 1) FROM marts.rpt_wioa_performance "
                              "WHERE indicator = 'median_earnings_q2' AND value IS NOT NULL LIMIT 1").fetchone()
        assert rounded is not None and rounded[0] == round(rounded[0], 1)
        # money arrives to the cent (macro money in dbt; numeric keeps the scale the DuckDB double prints)
        cents = con.execute("""SELECT
            (SELECT max(scale(value)) FROM marts.rpt_wioa_performance WHERE indicator = 'median_earnings_q2'),
            (SELECT max(scale(gap_to_overall)) FROM marts.rpt_equity_outcomes WHERE indicator = 'median_earnings_q2'),
            (SELECT max(scale(earnings_change)) FROM marts.rpt_provider_scorecard),
            (SELECT max(scale(cost_per_participant_served)) FROM marts.rpt_eta9169_summary)""").fetchone()
        assert all(c is not None and c <= 2 for c in cents), cents
        suppressed = con.execute("""SELECT count(*) FILTER (WHERE value IS NULL AND numerator IS NULL), count(*)
            FROM marts.rpt_wioa_performance WHERE is_suppressed""").fetchone()
        assert suppressed[0] == suppressed[1] > 0  # suppressed cells stay NULL, not 0 or ''
        wage = con.execute("SELECT total_wages FROM marts.fct_quarterly_earnings LIMIT 1").fetchone()[0]
        assert isinstance(wage, Decimal)


def test_bi_role_reads_marts_and_nothing_else(generated_run, pg_url):
    publish_to_postgres(generated_run.published, pg_url)
    with psycopg.connect(pg_url, autocommit=True) as con:
        role = con.execute("""SELECT rolcanlogin, rolsuper, rolcreatedb, rolcreaterole, rolinherit
            FROM pg_roles WHERE rolname = %s""", [BI_ROLE]).fetchone()
        assert role is not None and role[:4] == (False, False, False, False)
        con.execute("CREATE SCHEMA IF NOT EXISTS private")
        con.execute("CREATE TABLE IF NOT EXISTS private.secrets AS SELECT 'ssn' AS what")
        con.execute("CREATE TABLE IF NOT EXISTS public.other_app AS SELECT 1 AS id")
        con.execute(sql.SQL("SET ROLE {}").format(sql.Identifier(BI_ROLE)))
        for table in mart_tables(generated_run.published):
            con.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(SCHEMA, table))).fetchone()
        denied = [
            "SELECT * FROM private.secrets",
            "SELECT * FROM public.other_app",
            "INSERT INTO marts.dim_area (county_fips) VALUES ('99999')",
            "UPDATE marts.rpt_wioa_performance SET value = 1",
            "DELETE FROM marts.dim_participant",
            "TRUNCATE marts.fct_exit_outcomes",
            "DROP TABLE marts.dim_date",
            "ALTER TABLE marts.dim_area ADD COLUMN x int",
            "CREATE TABLE marts.sneaky (x int)",
            "CREATE TABLE public.sneaky (x int)",
            "CREATE SCHEMA sneaky",
            "INSERT INTO public.other_app VALUES (2)",
            "CREATE ROLE sneaky",
        ]
        for statement in denied:
            with pytest.raises(errors.InsufficientPrivilege):
                con.execute(statement)
        con.execute("RESET ROLE")
        con.execute("DROP SCHEMA private CASCADE")
        con.execute("DROP TABLE public.other_app")


def test_a_login_granted_o4o_bi_reads_marts_as_docs_bi_md_says(generated_run, pg_url):
    publish_to_postgres(generated_run.published, pg_url)
    reader = f"o4o_test_reader_{os.getpid()}"
    with psycopg.connect(pg_url, autocommit=True) as con:
        con.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(reader)))
        con.execute(sql.SQL("CREATE ROLE {} LOGIN IN ROLE {}").format(sql.Identifier(reader), sql.Identifier(BI_ROLE)))
        con.execute(sql.SQL("ALTER ROLE {} IN DATABASE {} SET search_path = marts").format(
            sql.Identifier(reader), sql.Identifier(con.info.dbname)))
        con.execute("ALTER ROLE o4o_bi LOGIN")  # someone loosened it by hand: the next publish takes it back
    try:
        publish_to_postgres(generated_run.published, pg_url)
        with psycopg.connect(psycopg.conninfo.make_conninfo(pg_url, user=reader), autocommit=True) as con:
            assert con.execute("SELECT count(*) FROM rpt_wioa_performance").fetchone()[0] > 0  # search_path
            with pytest.raises(errors.InsufficientPrivilege):
                con.execute("DELETE FROM marts.rpt_wioa_performance")
        with psycopg.connect(pg_url) as con:
            assert con.execute("SELECT rolcanlogin FROM pg_roles WHERE rolname = %s", [BI_ROLE]).fetchone()[0] is False
    finally:
        with psycopg.connect(pg_url, autocommit=True) as con:
            con.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(reader)))
            con.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(reader)))


def test_recreated_tables_stay_readable_and_removed_tables_go(generated_run, pg_url):
    publish_to_postgres(generated_run.published, pg_url)
    with psycopg.connect(pg_url, autocommit=True) as con:
        con.execute("ALTER TABLE marts.dim_area ADD COLUMN stale_column int")  # drifted from the mart
        con.execute("CREATE TABLE marts.rpt_retired AS SELECT 1 AS x")  # no longer in the mart
    result = publish_to_postgres(generated_run.published, pg_url)
    assert result.recreated == ["dim_area"] and result.dropped == ["rpt_retired"]
    with psycopg.connect(pg_url, autocommit=True) as con:
        cols = [r[0] for r in con.execute("SELECT column_name FROM information_schema.columns WHERE "
                                          "table_schema = 'marts' AND table_name = 'dim_area'").fetchall()]
        assert "stale_column" not in cols
        con.execute(sql.SQL("SET ROLE {}").format(sql.Identifier(BI_ROLE)))
        assert con.execute("SELECT count(*) FROM marts.dim_area").fetchone()[0] == result.tables["dim_area"]


def test_readers_during_a_publish_see_the_old_or_the_new_mart(handmade_run, generated_run, pg_url):
    assert handmade_run.outcome.published and generated_run.outcome.published
    publish_to_postgres(handmade_run.published, pg_url)
    with psycopg.connect(pg_url, autocommit=True) as con:
        old = signature(con.cursor())

    # A REPEATABLE READ reader that began before the publish must keep the old mart to its end.
    long_reader = psycopg.connect(pg_url)
    long_reader.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
    assert signature(long_reader.cursor()) == old

    # Statement-level readers hammer the schema in a loop for the whole publish.
    seen: list[tuple] = []
    failures: list[BaseException] = []
    done, started = threading.Event(), threading.Event()

    def hammer():
        try:
            with psycopg.connect(pg_url, autocommit=True) as con:
                cur = con.cursor()
                while True:
                    finished = done.is_set()
                    seen.append(signature(cur))
                    started.set()
                    if finished:
                        return
        except BaseException as exc:  # surfaced below
            failures.append(exc)
            started.set()

    thread = threading.Thread(target=hammer, daemon=True)
    thread.start()
    assert started.wait(30)

    mid_publish: list[tuple] = []

    def look_before_commit():
        # Everything is loaded but not committed: another connection must see the whole old mart,
        # without waiting on a lock (statement_timeout turns a blocked read into an error).
        with psycopg.connect(pg_url, autocommit=True) as con:
            con.execute("SET statement_timeout = '20s'")
            mid_publish.append(signature(con.cursor()))

    try:
        publish_to_postgres(generated_run.published, pg_url, before_commit=look_before_commit)
    finally:
        done.set()
        thread.join(60)
    assert not failures, failures
    with psycopg.connect(pg_url, autocommit=True) as con:
        new = signature(con.cursor())

    assert new != old and new[-1] != old[-1]
    assert mid_publish == [old]
    assert set(seen) <= {old, new}, f"a reader saw a mix: {set(seen) - {old, new}}"
    assert seen[0] == old and seen[-1] == new
    assert signature(long_reader.cursor()) == old  # still inside its snapshot
    long_reader.rollback()
    assert signature(long_reader.cursor()) == new
    long_reader.close()


def test_a_failed_publish_leaves_postgres_as_it_was(generated_run, pg_url):
    publish_to_postgres(generated_run.published, pg_url)
    with psycopg.connect(pg_url, autocommit=True) as con:
        before = signature(con.cursor())

    def fail_late():
        raise RuntimeError("disk full, say")

    with pytest.raises(RuntimeError, match="disk full"):
        publish_to_postgres(generated_run.published, pg_url, before_commit=fail_late)
    with psycopg.connect(pg_url, autocommit=True) as con:
        assert signature(con.cursor()) == before
    with pytest.raises(PostgresPublishError, match="127.0.0.1:1/"):
        publish_to_postgres(generated_run.published, "postgresql://postgres@127.0.0.1:1/nowhere")


def test_refresh_publishes_to_postgres_when_configured(handmade_run, copy_of, tmp_path, pg_url):
    """The real nightly job: O4O_PUBLISH_POSTGRES_URL set -> the publish asset loads PostgreSQL too."""
    from conftest import environ, refresh

    with environ({"O4O_PUBLISH_POSTGRES_URL": pg_url}):
        run = refresh(copy_of(handmade_run.landing), tmp_path)
    assert run.outcome.published, run.outcome.step_errors + run.outcome.failed_checks
    meta = run.outcome.materializations["postgres_mart"]  # its own asset, downstream of published_mart
    assert meta["postgres_tables"] == len(mart_tables(run.published))
    assert meta["postgres_target"] == describe_target(pg_url)
    for table in ("fct_exit_outcomes", "rpt_wioa_performance"):
        assert pg_rows(pg_url, table)[1] == duckdb_rows(run.published, table)[1]


def test_unreachable_server_skips_outside_ci_and_fails_in_ci(monkeypatch):
    dead = "postgresql://postgres@127.0.0.1:1/postgres"
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="no PostgreSQL server"):
        require_postgres(dead)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true but no PostgreSQL server"):
        require_postgres(dead)


def test_comments_keys_and_indexes_follow_the_duckdb_mart(generated_run, pg_url):
    """The dbt descriptions as comments, the DuckDB file's primary and foreign keys, and indexes on
    the columns BI tools join and filter on; a second publish keeps them."""
    publish_to_postgres(generated_run.published, pg_url)
    publish_to_postgres(generated_run.published, pg_url)
    with duckdb.connect(str(generated_run.published), read_only=True) as duck:
        duck_keys = {(t, k, tuple(c)) for t, k, c in duck.execute(
            "SELECT table_name, constraint_type, constraint_column_names FROM duckdb_constraints() "
            "WHERE schema_name = 'marts' AND constraint_type IN ('PRIMARY KEY', 'FOREIGN KEY')").fetchall()}
    with psycopg.connect(pg_url) as con:
        table_comment = dict(con.execute("""SELECT c.relname, obj_description(c.oid, 'pg_class') FROM pg_class c
            JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s AND c.relkind = 'r'""",
                                         [SCHEMA]).fetchall())
        column_comment = con.execute("""SELECT col_description('marts.dim_area'::regclass, attnum)
            FROM pg_attribute WHERE attrelid = 'marts.dim_area'::regclass AND attname = 'county_fips'""").fetchone()[0]
        pg_keys = {(t, {"p": "PRIMARY KEY", "f": "FOREIGN KEY"}[k], tuple(c)) for t, k, c in con.execute(
            """SELECT c.relname, p.contype, array_agg(a.attname ORDER BY k.ord) FROM pg_constraint p
            JOIN pg_class c ON c.oid = p.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
            CROSS JOIN LATERAL unnest(p.conkey) WITH ORDINALITY AS k(attnum, ord)
            JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
            WHERE n.nspname = %s AND p.contype IN ('p', 'f') GROUP BY c.relname, p.conname, p.contype""",
            [SCHEMA]).fetchall()}
        indexes = {(t, d) for t, d in con.execute(
            "SELECT tablename, indexdef FROM pg_indexes WHERE schemaname = %s", [SCHEMA]).fetchall()}
    assert all(table_comment.values()), [t for t, c in table_comment.items() if not c]
    assert table_comment["dim_area"].startswith("One row per county") and column_comment == "5-digit county FIPS."
    assert pg_keys == duck_keys and ("fct_exit_outcomes", "FOREIGN KEY", ("participant_key",)) in pg_keys
    assert ("rpt_wioa_performance", "PRIMARY KEY",
            ("exit_program_year", "funding_stream", "lwda_code", "indicator")) in pg_keys
    indexed = {(t, d.split("(")[-1].rstrip(")")) for t, d in indexes}
    assert {("fct_exit_outcomes", "participant_key"), ("rpt_wioa_performance", "lwda_code"),
            ("rpt_provider_scorecard", "provider_id"), ("fct_quarterly_earnings", "participant_key")} <= indexed
    # the pooled scorecard (issue 19): its comment, key program_id, foreign keys to both dimensions
    assert table_comment["rpt_provider_scorecard_pooled"].startswith("Provider scorecard pooled over years")
    assert {("rpt_provider_scorecard_pooled", "PRIMARY KEY", ("program_id",)),
            ("rpt_provider_scorecard_pooled", "FOREIGN KEY", ("program_id",)),
            ("rpt_provider_scorecard_pooled", "FOREIGN KEY", ("provider_id",))} <= pg_keys
    assert ("rpt_provider_scorecard_pooled", "provider_id") in indexed


def analyst_questions() -> list[str]:
    """The SQL blocks of docs/bi.md's *Three analyst questions*, as written there."""
    from orchestration.settings import PROJECT_DIR

    text = (PROJECT_DIR / "docs" / "bi.md").read_text(encoding="utf-8")
    section = text.split("### Three analyst questions", 1)[1].split("\n### ", 1)[0]
    return [block.split("```", 1)[0].strip() for block in section.split("```sql\n")[1:]]


def _label(row: tuple) -> tuple:
    return tuple(str(v) for v in row if not isinstance(v, float))


def _close(a: tuple, b: tuple) -> bool:
    """Equal, numbers within one last rounded digit (DuckDB rounds a double, PostgreSQL an exact numeric)."""
    return all(x == y or (isinstance(x, float) and isinstance(y, float) and abs(x - y) <= 0.1 + 1e-9)
               for x, y in zip(a, b))


def test_the_three_analyst_questions_run_as_written_in_duckdb_and_postgres(generated_run, pg_url):
    """Names come with the rows (no join): the same answers from the DuckDB file and PostgreSQL."""
    questions = analyst_questions()
    assert len(questions) == 3
    publish_to_postgres(generated_run.published, pg_url)
    with duckdb.connect(str(generated_run.published), read_only=True) as duck, psycopg.connect(pg_url) as pg:
        for question, name_column in zip(questions, [1, 0, 1]):  # lwda_name, program_name, race_ethnicity
            assert " JOIN " not in question.upper()
            in_duck = [_exact(r) for r in duck.execute(question).fetchall()]
            in_pg = [_exact(r) for r in pg.execute(question).fetchall()]
            assert in_duck and len(in_pg) == len(in_duck), question
            for d, p in zip(sorted(in_duck, key=_label), sorted(in_pg, key=_label)):
                assert _label(d) == _label(p) and _close(d, p), (question, d, p)
            assert all(isinstance(r[name_column], str) and r[name_column] for r in in_duck), question
    by_area = [_exact(r) for r in psycopg.connect(pg_url).execute(questions[0]).fetchall()]
    assert {r[1] for r in by_area} <= {f"Area {n} - {d}" for n, d in
                                       [(1, "Central"), (2, "Northeast"), (3, "Southwest"), (4, "West"), (5, "East")]}
    # the first question's year is the latest whose exits all have their Q2 outcome: not a later
    # year still filling in (the generated feeds end with one), not an earlier complete one
    [year] = {r[0] for r in by_area}
    with duckdb.connect(str(generated_run.published), read_only=True) as con:
        unknown = dict(con.execute("""SELECT exit_program_year, count(*) - count(employed_q2)
            FROM marts.fct_exit_outcomes WHERE NOT is_excluded GROUP BY 1""").fetchall())
    assert unknown[year] == 0, unknown
    assert all(unknown[y] > 0 for y in unknown if y > year), unknown
    assert max(unknown) > year, f"the generated feeds should end with a year still filling in: {unknown}"
