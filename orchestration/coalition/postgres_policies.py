"""A coalition in PostgreSQL: one role per member, row-level security on the person tables.

Called by the PostgreSQL publish (orchestration/publish/postgres.py) inside its one transaction,
so a reader never sees a table without its policy: `set_policies` before the rows are loaded,
`grant_shares` after them. Every publish
first takes back what an earlier agreement gave (drops every policy on schema `marts`, revokes
every `o4o_member_*` role), then applies the current agreement:

- `o4o_member_<id>` (NOLOGIN, like `o4o_bi`; granted to the member's `logins`) may read the
  aggregate tables, the publish bookkeeping, and the person tables shared at `record` level,
  through a policy that shows only its own rows (sharing.py defines them).
- Which people are a member's is kept in `o4o_coalition.member_people`, itself under row-level
  security, so a member cannot list another member's people.
- `o4o_bi` keeps the aggregate tables and loses the person tables: with an agreement, nobody
  reads every member's records except the warehouse's owner.

Without an agreement only the taking back happens, so the mart and `o4o_bi` are as they were.
"""

from __future__ import annotations

from collections.abc import Callable

import psycopg
from psycopg import sql

from ..ingest.parse import sql_literal
from .agreement import Agreement
from .sharing import PUBLISH_TABLES, member_participants_sql, own_rows_predicate

SCHEMA = "marts"
PEOPLE_SCHEMA = "o4o_coalition"
MEMBER_ROLE_PREFIX = "o4o_member_"


class CoalitionPolicyError(RuntimeError):
    """PostgreSQL could not be set up as the agreement says (the publish transaction rolls back)."""


def _take_back(cur: psycopg.Cursor) -> None:
    """Drop every policy on the mart and every member role's access: start each publish from nothing."""
    cur.execute("SELECT tablename, policyname FROM pg_policies WHERE schemaname = %s", [SCHEMA])
    for table, policy in cur.fetchall():
        cur.execute(sql.SQL("DROP POLICY {} ON {}").format(sql.Identifier(policy), sql.Identifier(SCHEMA, table)))
    cur.execute("""SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = %s AND c.relkind = 'r' AND c.relrowsecurity""", [SCHEMA])
    for (table,) in cur.fetchall():
        cur.execute(sql.SQL("ALTER TABLE {} DISABLE ROW LEVEL SECURITY").format(sql.Identifier(SCHEMA, table)))
    cur.execute("SELECT rolname FROM pg_roles WHERE rolname LIKE %s", [MEMBER_ROLE_PREFIX.replace("_", r"\_") + "%"])
    for (role,) in cur.fetchall():
        ident = sql.Identifier(role)
        cur.execute(sql.SQL("REVOKE ALL ON ALL TABLES IN SCHEMA {} FROM {}").format(sql.Identifier(SCHEMA), ident))
        cur.execute(sql.SQL("REVOKE ALL ON SCHEMA {} FROM {}").format(sql.Identifier(SCHEMA), ident))
    cur.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(PEOPLE_SCHEMA)))


def _create_member_people(cur: psycopg.Cursor) -> None:
    people = sql.Identifier(PEOPLE_SCHEMA, "member_people")
    cur.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(PEOPLE_SCHEMA)))
    cur.execute(sql.SQL("REVOKE ALL ON SCHEMA {} FROM PUBLIC").format(sql.Identifier(PEOPLE_SCHEMA)))
    cur.execute(sql.SQL("CREATE TABLE {} (member_role text NOT NULL, participant_key text NOT NULL, "
                        "PRIMARY KEY (member_role, participant_key))").format(people))
    cur.execute(sql.SQL("ALTER TABLE {} ENABLE ROW LEVEL SECURITY").format(people))
    cur.execute(sql.SQL("CREATE POLICY own_people ON {} FOR SELECT USING (pg_has_role(member_role, 'MEMBER'))"
                        ).format(people))


def _check_tables(agreement: Agreement, tables: dict[str, set[str]]) -> None:
    unknown = sorted(t for t in agreement.tables if t not in tables)
    if unknown:
        raise CoalitionPolicyError(f"{agreement.path}: tables {unknown} are not in the published mart")


def set_policies(cur: psycopg.Cursor, agreement: Agreement | None, tables: dict[str, set[str]],
                 ensure_role: Callable[[psycopg.Cursor, str], None]) -> None:
    """Before any row is loaded (PostgreSQL refuses ALTER TABLE on a table with pending deferred
    foreign-key checks): take back what the last agreement gave, then create the member roles, the
    (empty) member_people lookup and the row-level security policies of `agreement` (None: take back
    only). `tables` maps each published table to its columns; `ensure_role(cur, role)` makes a
    NOLOGIN reader role as the publish makes `o4o_bi` (publish/postgres.py)."""
    _take_back(cur)
    if agreement is None:
        return
    _check_tables(agreement, tables)
    _create_member_people(cur)
    for table in sorted(t for t, cols in tables.items() if "participant_key" in cols):
        cur.execute(sql.SQL("ALTER TABLE {} ENABLE ROW LEVEL SECURITY").format(sql.Identifier(SCHEMA, table)))
    for member in agreement.members:
        ensure_role(cur, member.role)
        people = f"{PEOPLE_SCHEMA}.member_people WHERE member_role = {sql_literal(member.role)}"
        for table in sorted(t for t in tables if agreement.access(t) == "record"):
            cur.execute(sql.SQL("CREATE POLICY {} ON {} FOR SELECT TO {} USING ({})").format(
                sql.Identifier(member.role), sql.Identifier(SCHEMA, table), sql.Identifier(member.role),
                sql.SQL(own_rows_predicate(tables[table], member, people))))


def grant_shares(cur: psycopg.Cursor, agreement: Agreement | None, tables: dict[str, set[str]],
                 bi_role: str) -> dict[str, list[str]]:
    """After the rows are loaded and `bi_role` was granted the mart: fill member_people, grant each
    member role its tables and its logins, and take the person tables (and anything not shared as
    an aggregate) from `bi_role`. Returns {role: tables it may read}."""
    if agreement is None:
        return {}
    people = sql.Identifier(PEOPLE_SCHEMA, "member_people")
    for member in agreement.members:
        cur.execute(sql.SQL("INSERT INTO {} SELECT DISTINCT {}, participant_key FROM ({}) people").format(
            people, sql.Literal(member.role), sql.SQL(member_participants_sql(member, SCHEMA))))
    cur.execute(sql.SQL("ANALYZE {}").format(people))
    person = {t for t, cols in tables.items() if "participant_key" in cols}
    for table in sorted(person | (set(tables) - set(agreement.shared_tables("aggregate")) - set(PUBLISH_TABLES))):
        cur.execute(sql.SQL("REVOKE ALL ON {} FROM {}").format(sql.Identifier(SCHEMA, table), sql.Identifier(bi_role)))
    readable = {}
    for member in agreement.members:
        role = sql.Identifier(member.role)
        for login in member.logins:
            cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [login])
            if cur.fetchone() is None:
                raise CoalitionPolicyError(f"{agreement.path}: member {member.id!r} lists login {login!r}, which "
                                           "is not a role in this PostgreSQL server; create it first")
            cur.execute(sql.SQL("GRANT {} TO {}").format(role, sql.Identifier(login)))
        cur.execute(sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(sql.Identifier(SCHEMA), role))
        cur.execute(sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(sql.Identifier(PEOPLE_SCHEMA), role))
        cur.execute(sql.SQL("GRANT SELECT ON {} TO {}").format(people, role))
        shared = sorted(t for t in tables if t in PUBLISH_TABLES or agreement.access(t) in ("aggregate", "record"))
        for table in shared:
            cur.execute(sql.SQL("GRANT SELECT ON {} TO {}").format(sql.Identifier(SCHEMA, table), role))
        readable[member.role] = shared
    return readable
