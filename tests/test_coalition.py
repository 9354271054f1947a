"""A coalition shares one warehouse (docs/coalition.md): each member reads its own people's records
and everyone's aggregates, in its own DuckDB file and through PostgreSQL row-level security.

Publishes the session's generated warehouse (tests/conftest.py, 2,000 participants over five local
areas) with an example three-board agreement into a temp file and a throw-away PostgreSQL database,
then reads both as each member would. Malformed agreements are refused before anything runs.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest
import yaml

psycopg = pytest.importorskip("psycopg")
from psycopg import errors, sql  # noqa: E402

from orchestration.assets.published_mart import REQUIRED_TABLES  # noqa: E402
from orchestration.publish.postgres import BI_ROLE, publish_to_postgres  # noqa: E402
from orchestration.coalition.agreement import AgreementError  # noqa: E402
from orchestration.coalition.sharing import load_coalition, mart_model_columns, person_tables  # noqa: E402
from orchestration.generate.coalition import example_agreement  # noqa: E402
from orchestration.generate.reference import area_rows  # noqa: E402
from orchestration.publish.write_audit_publish import publish  # noqa: E402
from test_bi_postgres import ADMIN_URL, require_postgres  # noqa: E402

AREAS = sorted({(r["lwda_code"], r["lwda_name"]) for r in area_rows()})
RECORD_TABLES = ["dim_participant", "fct_exit_outcomes", "fct_quarterly_earnings"]
MUTATIONS = ["DELETE FROM marts.fct_exit_outcomes", "UPDATE marts.rpt_wioa_performance SET lwda_code = 'x'",
             "INSERT INTO marts.dim_area (county_fips) VALUES ('00000')", "DROP TABLE marts.rpt_labor_market",
             "CREATE TABLE marts.mine (x int)"]


def write_agreement(path: Path, document: dict) -> Path:
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def logins():
    """One PostgreSQL login per member of the example agreement (trust auth), dropped at the end."""
    require_postgres(ADMIN_URL)
    names = {f"board_{c}": f"o4o_test_login_{c}_{os.getpid()}" for c in "abc"}
    names["bi"] = f"o4o_test_login_bi_{os.getpid()}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        for login in names.values():
            admin.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(login)))
            admin.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(login)))
        admin.execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(BI_ROLE), sql.Identifier(names["bi"])))
    yield names
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        for login in names.values():
            admin.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(login)))


@pytest.fixture(scope="module")
def coalition(generated_run, tmp_path_factory, logins):
    """The generated warehouse published with a three-board agreement: (agreement, mart path)."""
    assert generated_run.outcome.published, generated_run.outcome.step_errors
    root = tmp_path_factory.mktemp("coalition")
    document = example_agreement(AREAS, 3)
    for member in document["members"]:
        member["logins"] = [logins[member["id"]]]
    agreement = load_coalition(write_agreement(root / "coalition.yml", document))
    mart = root / "mart.duckdb"
    result = publish(generated_run.warehouse, mart, {"suppression_threshold": "10"}, REQUIRED_TABLES,
                     agreement=agreement)
    assert sorted(result.member_files) == ["board_a", "board_b", "board_c"]
    return agreement, mart


@pytest.fixture(scope="module")
def coalition_pg(coalition):
    """A throw-away database loaded from the coalition's mart with the agreement's roles and policies."""
    agreement, mart = coalition
    name = f"o4o_test_coalition_{os.getpid()}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = psycopg.conninfo.make_conninfo(ADMIN_URL, dbname=name)
    publish_to_postgres(mart, url, agreement=agreement)
    yield url
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def full(mart: Path, query: str, params=None):
    with duckdb.connect(str(mart), read_only=True) as con:
        return con.execute(query, params or []).fetchall()


def member_people(mart: Path, areas: list[str]) -> set[str]:
    """The member's people, counted here without o4o's code: an exit in its areas, or living in one."""
    rows = full(mart, """SELECT participant_key FROM marts.fct_exit_outcomes WHERE list_contains(?, lwda_code)
        UNION SELECT p.participant_key FROM marts.dim_participant p JOIN marts.dim_area a USING (county_fips)
        WHERE list_contains(?, a.lwda_code)""", [areas, areas])
    return {r[0] for r in rows}


def test_each_member_file_holds_its_own_records_and_every_aggregate(coalition):
    agreement, mart = coalition
    aggregates = agreement.shared_tables("aggregate")
    seen_exits = 0
    for member in agreement.members:
        areas = list(member.lwda_codes)
        path = member.file_name(mart)
        with duckdb.connect(str(path), read_only=True) as con:
            tables = {r[0] for r in con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'marts'").fetchall()}
            assert set(RECORD_TABLES + aggregates) <= tables
            by_area = dict(con.execute("SELECT lwda_code, count(*) FROM marts.fct_exit_outcomes GROUP BY 1").fetchall())
            assert set(by_area) == set(areas), member.id
            assert by_area == dict(full(mart, """SELECT lwda_code, count(*) FROM marts.fct_exit_outcomes
                WHERE list_contains(?, lwda_code) GROUP BY 1""", [areas]))
            seen_exits += sum(by_area.values())
            people = {r[0] for r in con.execute("SELECT participant_key FROM marts.dim_participant").fetchall()}
            assert people == member_people(mart, areas) and people
            earners = {r[0] for r in con.execute("SELECT DISTINCT participant_key FROM marts.fct_quarterly_earnings")
                       .fetchall()}
            assert earners and earners <= people
            assert con.execute("SELECT count(*) FROM marts.fct_quarterly_earnings").fetchone()[0] == full(
                mart, "SELECT count(*) FROM marts.fct_quarterly_earnings WHERE list_contains(?, participant_key)",
                [sorted(people)])[0][0]
            for table in aggregates:
                assert con.execute(f"SELECT count(*) FROM marts.{table}").fetchone()[0] == full(
                    mart, f"SELECT count(*) FROM marts.{table}")[0][0], table
            meta = dict(con.execute("SELECT key, value FROM marts.publish_metadata").fetchall())
            assert meta["coalition_member"] == member.id
            own = con.execute("SELECT DISTINCT member_id FROM marts.publish_disclosures").fetchall()
            assert own == [(member.id,)]
    assert seen_exits == full(mart, "SELECT count(*) FROM marts.fct_exit_outcomes")[0][0]  # areas cover the state


def test_disclosures_record_what_each_member_received(coalition):
    agreement, mart = coalition
    disclosed = full(mart, "SELECT member_id, table_name, access_level, row_count FROM marts.publish_disclosures")
    assert {(m, t) for m, t, _, _ in disclosed} == {
        (m.id, t) for m in agreement.members for t in agreement.tables if agreement.access(t) != "none"}
    for member_id, table, access, rows in disclosed:
        path = next(m for m in agreement.members if m.id == member_id).file_name(mart)
        with duckdb.connect(str(path), read_only=True) as con:
            assert con.execute(f"SELECT count(*) FROM marts.{table}").fetchone()[0] == rows
        assert access == agreement.access(table)
    meta = dict(full(mart, "SELECT key, value FROM marts.publish_metadata"))
    assert meta["coalition_agreement_sha256"] == agreement.sha256
    assert meta["coalition_members"] == "board_a,board_b,board_c"


def connect_as(url: str, login: str):
    return psycopg.connect(psycopg.conninfo.make_conninfo(url, user=login), autocommit=True)


def test_a_members_login_reads_only_its_own_rows_in_postgres(coalition, coalition_pg, logins):
    agreement, mart = coalition
    for member in agreement.members:
        areas = list(member.lwda_codes)
        with connect_as(coalition_pg, logins[member.id]) as con:
            by_area = dict(con.execute("SELECT lwda_code, count(*) FROM marts.fct_exit_outcomes GROUP BY 1").fetchall())
            assert by_area == dict(full(mart, """SELECT lwda_code, count(*) FROM marts.fct_exit_outcomes
                WHERE list_contains(?, lwda_code) GROUP BY 1""", [areas]))
            others = [c for c, _ in AREAS if c not in areas]
            assert con.execute("SELECT count(*) FROM marts.fct_exit_outcomes WHERE lwda_code = ANY(%s)",
                               [others]).fetchone()[0] == 0  # reading across returns no rows
            people = {r[0] for r in con.execute("SELECT participant_key FROM marts.dim_participant").fetchall()}
            assert people == member_people(mart, areas)
            with duckdb.connect(str(member.file_name(mart)), read_only=True) as duck:
                for table in RECORD_TABLES:
                    assert con.execute(f"SELECT count(*) FROM marts.{table}").fetchone()[0] == duck.execute(
                        f"SELECT count(*) FROM marts.{table}").fetchone()[0], (member.id, table)
            for table in agreement.shared_tables("aggregate"):
                assert con.execute(f"SELECT count(*) FROM marts.{table}").fetchone()[0] == full(
                    mart, f"SELECT count(*) FROM marts.{table}")[0][0], table
            assert {r[0] for r in con.execute("SELECT DISTINCT member_role FROM o4o_coalition.member_people")} == {
                member.role}  # another member's people cannot even be listed


@pytest.mark.parametrize("statement", MUTATIONS)
def test_a_member_cannot_change_anything(coalition_pg, logins, statement):
    with connect_as(coalition_pg, logins["board_b"]) as con:
        with pytest.raises(errors.InsufficientPrivilege):
            con.execute(statement)


def test_o4o_bi_keeps_the_aggregates_and_loses_the_records(coalition, coalition_pg, logins):
    agreement, _ = coalition
    with connect_as(coalition_pg, logins["bi"]) as con:
        for table in agreement.shared_tables("aggregate"):
            con.execute(f"SELECT count(*) FROM marts.{table}").fetchone()
        for table in RECORD_TABLES:
            with pytest.raises(errors.InsufficientPrivilege):
                con.execute(f"SELECT count(*) FROM marts.{table}")


def test_without_an_agreement_everything_is_as_before(generated_run, coalition, tmp_path, logins):
    """Publishing again without an agreement takes every policy and member grant back."""
    _, mart_with = coalition
    plain = tmp_path / "mart.duckdb"
    result = publish(generated_run.warehouse, plain, {"suppression_threshold": "10"}, REQUIRED_TABLES)
    assert result.member_files == {} and not list(tmp_path.glob("mart.*.duckdb"))
    tables = {r[0] for r in full(plain, "SELECT table_name FROM information_schema.tables")}
    assert "publish_disclosures" not in tables
    assert not [k for (k,) in full(plain, "SELECT key FROM marts.publish_metadata") if k.startswith("coalition")]
    name = f"o4o_test_coalition_off_{os.getpid()}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = psycopg.conninfo.make_conninfo(ADMIN_URL, dbname=name)
    try:
        publish_to_postgres(mart_with, url, agreement=coalition[0])
        publish_to_postgres(plain, url)
        with psycopg.connect(url, autocommit=True) as con:
            assert con.execute("SELECT count(*) FROM pg_policies WHERE schemaname = 'marts'").fetchone()[0] == 0
            assert con.execute("""SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = 'marts' AND c.relrowsecurity""").fetchone()[0] == 0
            assert con.execute("SELECT count(*) FROM pg_namespace WHERE nspname = 'o4o_coalition'").fetchone()[0] == 0
        with connect_as(url, logins["bi"]) as con:
            for table in RECORD_TABLES:
                assert con.execute(f"SELECT count(*) FROM marts.{table}").fetchone()[0] == full(
                    plain, f"SELECT count(*) FROM marts.{table}")[0][0]
        with connect_as(url, logins["board_a"]) as con:
            with pytest.raises(errors.InsufficientPrivilege):
                con.execute("SELECT count(*) FROM marts.fct_exit_outcomes")
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


# --- malformed agreements: refused before anything runs, naming the file and the entry ---

def _valid() -> dict:
    return example_agreement(AREAS, 2)


def _break(change):
    def broken():
        document = _valid()
        change(document)
        return document
    return broken


MALFORMED = {
    "unknown table": (_break(lambda d: d["tables"].update(fct_secret_table="record")), "tables.fct_secret_table"),
    "area owned twice": (_break(lambda d: d["members"][1]["lwda_codes"].append(d["members"][0]["lwda_codes"][0])),
                         "already owned by member 'board_a'"),
    "member with no areas": (_break(lambda d: d["members"][1].update(lwda_codes=[])), "member 'board_b'"),
    "records as aggregate": (_break(lambda d: d["tables"].update(dim_participant="aggregate")),
                             "tables.dim_participant"),
    "record level of a report": (_break(lambda d: d["tables"].update(rpt_wioa_performance="record")),
                                 "tables.rpt_wioa_performance"),
    "unknown access level": (_break(lambda d: d["tables"].update(dim_area="everything")), "tables.dim_area"),
    "unsafe member id": (_break(lambda d: d["members"][0].update(id="Board A; DROP")), "id 'Board A; DROP'"),
    "member id twice": (_break(lambda d: d["members"][1].update(id="board_a")), "id used twice"),
    "unknown member key": (_break(lambda d: d["members"][0].update(can_see="all")), "member 'board_a'"),
    "no members": (_break(lambda d: d.update(members=[])), "members"),
    "future version": (_break(lambda d: d.update(version=2)), "version"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_a_malformed_agreement_is_refused_naming_file_and_entry(tmp_path, case):
    make, entry = MALFORMED[case]
    path = write_agreement(tmp_path / "agreement.yml", make())
    with pytest.raises(AgreementError) as refused:
        load_coalition(path)
    assert str(path) in str(refused.value) and entry in str(refused.value)


def test_the_refresh_refuses_a_malformed_agreement_before_it_starts(tmp_path, capsys):
    from conftest import environ
    from orchestration.cli import main

    path = tmp_path / "agreement.yml"
    path.write_text("version: 1\nagreement: x\nmembers: [\n", encoding="utf-8")  # broken YAML
    mart = tmp_path / "mart.duckdb"
    with environ({"O4O_COALITION_FILE": str(path), "O4O_DEMO": "1", "O4O_PUBLISH_PATH": str(mart),
                  "O4O_LANDING_DIR": str(tmp_path / "landing"), "O4O_WAREHOUSE_PATH": str(tmp_path / "w.duckdb")}):
        assert main(["refresh", "--demo"]) == 2
    err = capsys.readouterr().err
    assert str(path) in err and "not valid YAML" in err
    assert not mart.exists() and not (tmp_path / "w.duckdb").exists()


def test_the_generated_agreement_is_valid_and_deals_out_every_area(tmp_path):
    from orchestration.generate.coalition import write_example_agreement

    for members in (2, 3):
        agreement = load_coalition(write_example_agreement(tmp_path, AREAS, members))
        owned = [c for m in agreement.members for c in m.lwda_codes]
        assert sorted(owned) == [c for c, _ in AREAS] and len(agreement.members) == members
        assert set(agreement.shared_tables("record")) == person_tables(mart_model_columns())


def test_rollback_takes_the_member_files_back_with_the_mart(generated_run, tmp_path):
    from conftest import environ
    from orchestration.cli import main

    path = write_agreement(tmp_path / "coalition.yml", example_agreement(AREAS, 2))
    agreement = load_coalition(path)
    mart = tmp_path / "mart.duckdb"
    for run in ("first", "second"):
        publish(generated_run.warehouse, mart, {"suppression_threshold": "10", "dagster_run_id": run},
                REQUIRED_TABLES, agreement=agreement)
    with environ({"O4O_PUBLISH_PATH": str(mart), "O4O_COALITION_FILE": str(path)}):
        assert main(["rollback"]) == 0
    for file in [mart] + [m.file_name(mart) for m in agreement.members]:
        assert dict(full(file, "SELECT key, value FROM marts.publish_metadata"))["dagster_run_id"] == "first", file


@pytest.mark.parametrize("typo", [{"lwda_codes": ["3"]}, {"provider_ids": ["P-NO-SUCH"]}])
def test_an_area_or_provider_the_mart_lacks_is_refused_before_publishing(generated_run, tmp_path, typo):
    from orchestration.publish.write_audit_publish import PublishError

    document = example_agreement(AREAS, 3)
    document["members"][2].update(typo)
    path = write_agreement(tmp_path / "coalition.yml", document)
    mart = tmp_path / "mart.duckdb"
    with pytest.raises(PublishError) as refused:
        publish(generated_run.warehouse, mart, {"suppression_threshold": "10"}, REQUIRED_TABLES,
                agreement=load_coalition(path))
    assert str(path) in str(refused.value) and "member 'board_c'" in str(refused.value)
    assert not list(tmp_path.glob("*.duckdb"))  # nothing published, no candidate left behind


def test_a_duckdb_1x_client_reads_a_members_file(coalition):
    """Member files are written in the published storage version, like the full mart."""
    from test_publish import duckdb_1x

    agreement, mart = coalition
    member = agreement.members[0]
    done = duckdb_1x(member.file_name(mart), "SELECT count(*) FROM marts.fct_exit_outcomes")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[-1] == str(full(member.file_name(mart),
                                               "SELECT count(*) FROM marts.fct_exit_outcomes")[0][0])
