"""One published DuckDB file per coalition member, since a DuckDB file cannot enforce row security.

Made from the candidate of the full mart, inside the same write-audit-publish
(publish.py): every member file is written beside its published path, audited (its rows are
exactly the member's own rows and the shared aggregates, nothing else), and swapped in only
after every member's file and the full mart passed. The full mart records what each member
received in `marts.publish_disclosures`; each member file holds its own part of that table.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from ..ingest.parse import quote_ident, sql_literal
from .agreement import Agreement, Member
from .sharing import AREA_COLUMN, DISCLOSURES_TABLE, PERSON_KEY, PUBLISH_TABLES, member_participants_sql, \
    own_rows_predicate

SCHEMA = "marts"
DISCLOSURE_COLUMNS = {"member_id": "VARCHAR", "member_name": "VARCHAR", "postgres_role": "VARCHAR",
                      "duckdb_file": "VARCHAR", "table_name": "VARCHAR", "access_level": "VARCHAR",
                      "row_count": "BIGINT"}


class MemberFileError(RuntimeError):
    """A member's file did not hold exactly what the agreement gives it; nothing was published."""


@dataclass
class MemberFile:
    member: Member
    path: Path  # where it is published
    candidate: Path  # where it is written and audited first
    tables: dict[str, int]  # table -> rows the member received


def _tables(con: duckdb.DuckDBPyConnection, catalog: str) -> dict[str, set[str]]:
    rows = con.execute("SELECT table_name, column_name FROM information_schema.columns "
                       "WHERE table_catalog = ? AND table_schema = ?", [catalog, SCHEMA]).fetchall()
    tables: dict[str, set[str]] = {}
    for table, column in rows:
        tables.setdefault(table, set()).add(column)
    return tables


def _selection(table: str, columns: set[str], member: Member, access: str) -> str | None:
    """The SELECT giving the member's part of `table` from catalog `src`, or None when not shared."""
    if access == "aggregate":
        return f"SELECT * FROM src.{SCHEMA}.{table}"
    if access == "record":
        return f"SELECT * FROM src.{SCHEMA}.{table} WHERE {own_rows_predicate(columns, member, 'member_people')}"
    return None


def disclosure_rows(member: Member, published_name: str, agreement: Agreement, counts: dict[str, int]) -> list[tuple]:
    """Rows of publish_disclosures for one member: (member, name, role, file, table, access, rows)."""
    return [(member.id, member.name, member.role, published_name, table, agreement.access(table), rows)
            for table, rows in sorted(counts.items())]


def _create_disclosures(con: duckdb.DuckDBPyConnection, relation: str, rows: list[tuple]) -> None:
    con.execute(f"CREATE TABLE {relation} (" + ", ".join(f"{c} {t}" for c, t in DISCLOSURE_COLUMNS.items()) + ")")
    if rows:
        con.executemany(f"INSERT INTO {relation} VALUES ({', '.join('?' * len(DISCLOSURE_COLUMNS))})", rows)


def write_disclosures(candidate: Path, rows: list[tuple]) -> None:
    """Add marts.publish_disclosures (every member's rows) to the full mart's candidate."""
    with duckdb.connect(str(candidate)) as con:
        _create_disclosures(con, f"{SCHEMA}.{DISCLOSURES_TABLE}", rows)


def _attach_new(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    con.execute(f"ATTACH '{path}' AS pub")


def _copy_comments(con: duckdb.DuckDBPyConnection, table: str) -> None:
    """The full mart's table and column comments (the dbt descriptions) on the member's copy."""
    comment = con.execute("SELECT comment FROM duckdb_tables() WHERE database_name = 'src' AND schema_name = ? "
                          "AND table_name = ?", [SCHEMA, table]).fetchone()
    if comment and comment[0]:
        con.execute(f"COMMENT ON TABLE pub.{SCHEMA}.{table} IS {sql_literal(comment[0])}")
    for column, text in con.execute("SELECT column_name, comment FROM duckdb_columns() WHERE database_name = 'src' "
                                    "AND schema_name = ? AND table_name = ? AND comment IS NOT NULL",
                                    [SCHEMA, table]).fetchall():
        con.execute(f'COMMENT ON COLUMN pub.{SCHEMA}.{table}.{quote_ident(column)} IS {sql_literal(text)}')


def build_member_file(candidate: Path, member_candidate: Path, member: Member, agreement: Agreement,
                      published_name: str, attach=_attach_new) -> dict[str, int]:
    """Write the member's file from the full mart's candidate, with its own disclosure rows; return its
    row counts per shared table. `attach(con, path)` attaches the new file as `pub` (publish.py: in
    the published storage version)."""
    member_candidate.unlink(missing_ok=True)
    counts = {}
    with duckdb.connect() as con:
        con.execute(f"ATTACH '{candidate}' AS src (READ_ONLY)")
        attach(con, member_candidate)
        con.execute(f"CREATE SCHEMA pub.{SCHEMA}")
        con.execute(f"CREATE TEMP TABLE member_people AS {member_participants_sql(member, f'src.{SCHEMA}')}")
        tables = _tables(con, "src")
        for table in sorted(tables):
            if table in PUBLISH_TABLES:
                continue
            select = _selection(table, tables[table], member, agreement.access(table))
            if select is not None:
                con.execute(f"CREATE TABLE pub.{SCHEMA}.{table} AS {select}")
                _copy_comments(con, table)
                counts[table] = con.execute(f"SELECT count(*) FROM pub.{SCHEMA}.{table}").fetchone()[0]
        for table in ("publish_metadata", "publish_feed_files", "publish_checks"):
            if table in tables:
                con.execute(f"CREATE TABLE pub.{SCHEMA}.{table} AS SELECT * FROM src.{SCHEMA}.{table}")
        con.executemany(f"INSERT INTO pub.{SCHEMA}.publish_metadata VALUES (?, ?)", [
            ("coalition_member", member.id), ("coalition_member_name", member.name)])
        con.execute(f"CREATE TABLE pub.{SCHEMA}.publish_tables (table_name VARCHAR PRIMARY KEY, row_count BIGINT)")
        if counts:
            con.executemany(f"INSERT INTO pub.{SCHEMA}.publish_tables VALUES (?, ?)", sorted(counts.items()))
        _create_disclosures(con, f"pub.{SCHEMA}.{DISCLOSURES_TABLE}",
                            disclosure_rows(member, published_name, agreement, counts))
        con.execute("DETACH pub")
    return counts


def audit_member_file(member_candidate: Path, member: Member, agreement: Agreement,
                      expected: dict[str, int]) -> None:
    """The member file holds exactly the tables and rows the disclosures promise, and no other member's rows."""
    with duckdb.connect(str(member_candidate), read_only=True) as con:
        catalog = con.execute("SELECT current_database()").fetchone()[0]
        tables = _tables(con, catalog)
        outside = con.execute(f"SELECT table_schema || '.' || table_name FROM information_schema.tables "
                              f"WHERE table_schema <> '{SCHEMA}'").fetchall()
        if outside:
            raise MemberFileError(f"{member.id}: file holds relations outside `{SCHEMA}`: {outside}")
        data_tables = {t for t in tables if t not in PUBLISH_TABLES}
        if data_tables != set(expected):
            raise MemberFileError(f"{member.id}: file holds tables {sorted(data_tables)}, the agreement gives "
                                  f"{sorted(expected)}")
        for table, rows in expected.items():
            got = con.execute(f"SELECT count(*) FROM {SCHEMA}.{table}").fetchone()[0]
            if got != rows:
                raise MemberFileError(f"{member.id}: {table} holds {got} rows, the disclosure says {rows}")
            if agreement.access(table) == "record" and AREA_COLUMN in tables[table]:
                foreign = con.execute(f"SELECT count(*) FROM {SCHEMA}.{table} WHERE {AREA_COLUMN} IS NULL OR "
                                      f"{AREA_COLUMN} NOT IN (SELECT unnest(?::VARCHAR[]))",
                                      [list(member.lwda_codes)]).fetchone()[0]
                if foreign:
                    raise MemberFileError(f"{member.id}: {table} holds {foreign} rows of areas the member does "
                                          "not own")
            elif agreement.access(table) == "record" and PERSON_KEY not in tables[table]:
                raise MemberFileError(f"{member.id}: {table} is shared at record level but has no {PERSON_KEY}")


def check_ownership(candidate: Path, agreement: Agreement) -> None:
    """Every area and provider the agreement gives a member is in the mart: a typo ('3' for '03')
    would publish an empty file for the member and leave the area unowned."""
    with duckdb.connect(str(candidate), read_only=True) as con:
        areas = {r[0] for r in con.execute(f"SELECT DISTINCT {AREA_COLUMN} FROM {SCHEMA}.dim_area").fetchall()}
        providers = {r[0] for r in con.execute(f"SELECT provider_id FROM {SCHEMA}.dim_provider").fetchall()}
    for member in agreement.members:
        for codes, known, what in ((member.lwda_codes, areas, "lwda_codes"), (member.provider_ids, providers,
                                                                             "provider_ids")):
            unknown = [c for c in codes if c not in known]
            if unknown:
                raise MemberFileError(f"{agreement.path}: member {member.id!r}.{what}: {unknown} not in the mart "
                                      f"(it has {', '.join(sorted(known))})")


def prepare_member_files(candidate: Path, publish_path: Path, agreement: Agreement,
                         candidate_of, attach=_attach_new) -> list[MemberFile]:
    """Write and audit every member's candidate, then record what each received in the full candidate.

    `candidate_of(path)` names the candidate of a published path (publish.py's rule), `attach` attaches
    a new member file as `pub`. Raises MemberFileError (nothing published) when a member file is not
    exactly what the agreement gives.
    """
    check_ownership(candidate, agreement)
    files: list[MemberFile] = []
    try:
        for member in agreement.members:
            path = member.file_name(publish_path)
            files.append(MemberFile(member, path, candidate_of(path), {}))
            files[-1].tables = build_member_file(candidate, files[-1].candidate, member, agreement, path.name, attach)
            audit_member_file(files[-1].candidate, member, agreement, files[-1].tables)
    except BaseException:
        for written in files:
            written.candidate.unlink(missing_ok=True)
        raise
    write_disclosures(candidate, [row for f in files for row in disclosure_rows(f.member, f.path.name, agreement,
                                                                                  f.tables)])
    return files
