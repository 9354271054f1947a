"""Unit tests of the landing-zone loader (orchestration/ingest) and the raw GX suites.

Each test writes a few hand-made CSV files under tmp_path, loads them into a real DuckDB
file with `load_entity`, and reads back `raw.<entity>`, `raw.quarantine` and
`raw.load_log`. No mocks, no Dagster, no dbt. Row numbers count the header as row 1.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from orchestration.ingest.feeds import ENTITIES_BY_NAME
from orchestration.ingest.loader import SEVERITY_WARNING, EntityLoad, load_entity
from orchestration.ingest.parse import breaks_a_rule_sql, quote_ident, row_checks, typed_expr
from orchestration.ingest.ssn import SSN_FORMAT, issuable_ssn_sql

KEY = b"unit-test-pii-key-0123456789abcdef"
OTHER_KEY = b"another-pii-key-fedcba9876543210"
NOW = dt.datetime(2024, 5, 1, 2, 0, 0)

# One valid row per entity; a test overrides only the fields it is about.
DEFAULTS: dict[str, dict[str, str]] = {
    "wage_records": dict(ssn="212-45-6789", employer_id="E1", naics_code="311111", year="2024", quarter="1",
                         wages="1000.00"),
    "participants": dict(individual_id="I1", ssn="", first_name="Ana", last_name="Ortiz",
                         date_of_birth="1990-03-16", sex="2", hispanic="0", american_indian="0", asian="0",
                         black="0", pacific_islander="0", white="1", veteran="0", disability="0",
                         highest_education="1", employment_status_at_entry="0", low_income="1",
                         county_fips="39041"),
    "participation": dict(participation_id="PA1", individual_id="I1", funding_stream="adult", lwda_code="01",
                          entry_date="2024-03-15", exit_date="", exit_reason=""),
    "providers": dict(provider_id="TP1", provider_name="Columbus Welding Institute, LLC", entity_type="3",
                      county_fips="39041", state="OH"),
    "programs": dict(program_id="PRG1", provider_id="TP1", program_name="Welding I", cip_code="48.0508",
                     soc_code="51-4121", potential_outcome="5", tuition_cost="3500.00", length_hours="320",
                     delivery_mode="in_person", etpl_status="approved"),
}
WAGE_HEADER = ENTITIES_BY_NAME["wage_records"].column_names


# ---------------------------------------------------------------- helpers

def csv_field(value) -> str:
    text = "" if value is None else str(value)
    if any(c in text for c in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def csv_line(values) -> str:
    return ",".join(csv_field(v) for v in values)


def write_lines(landing: Path, feed: str, file_name: str, lines: list[str], *, newline: str = "\n",
                bom: bool = False, encoding: str = "utf-8") -> Path:
    """Write `lines` verbatim (so a test can make them malformed) as one landing file."""
    path = landing / feed / file_name
    path.parent.mkdir(parents=True, exist_ok=True)
    data = ("\ufeff" if bom else "") + "".join(line + newline for line in lines)
    path.write_bytes(data.encode(encoding))
    return path


def entity_lines(entity: str, rows: list[dict], header: list[str] | None = None) -> list[str]:
    """Header + one line per row; each row is DEFAULTS[entity] updated by the row's fields."""
    header = header or ENTITIES_BY_NAME[entity].column_names
    full = [{**DEFAULTS[entity], **r} for r in rows]
    return [csv_line(header)] + [csv_line(r.get(h.strip().lower(), "") for h in header) for r in full]


def write_entity(landing: Path, entity: str, rows: list[dict], file_name: str | None = None,
                 header: list[str] | None = None, **kw) -> Path:
    e = ENTITIES_BY_NAME[entity]
    return write_lines(landing, e.feed, file_name or f"{entity}.csv", entity_lines(entity, rows, header), **kw)


def load(con, landing: Path, entity: str, key: bytes = KEY, now: dt.datetime = NOW,
         log: list[str] | None = None) -> EntityLoad:
    messages = [] if log is None else log
    return load_entity(con, ENTITIES_BY_NAME[entity], landing, key, log=messages.append, now=now)


def fetch(con, sql: str, *params) -> list[tuple]:
    return con.execute(sql, list(params)).fetchall()


def table_exists(con, schema: str, name: str) -> bool:
    return bool(fetch(con, "SELECT count(*) FROM duckdb_tables() WHERE schema_name = ? AND table_name = ? "
                           "AND NOT temporary", schema, name)[0][0])


def quarantine(con, entity: str) -> list[tuple]:
    return fetch(con, "SELECT source_file, row_number, column_name, rule, value, severity FROM raw.quarantine "
                      "WHERE entity = ? ORDER BY row_number NULLS FIRST, column_name", entity)


def snapshot(con, table: str) -> tuple[list[str], list[tuple]]:
    cols = [r[0] for r in fetch(con, f"DESCRIBE {table}")]
    return cols, fetch(con, f"SELECT * FROM {table} ORDER BY ALL")


def everything_stored(path: Path) -> str:
    """Every value of every persistent table in the warehouse file, as one string."""
    with duckdb.connect(str(path), read_only=True) as con:
        tables = fetch(con, "SELECT schema_name, table_name FROM duckdb_tables() WHERE NOT temporary")
        return "\n".join(f"{s}.{t}: {fetch(con, f'SELECT * FROM {s}.{t}')}" for s, t in tables)


def hmac_hex(key: bytes, identity: str) -> str:
    return hmac.new(key, identity.encode("utf-8"), hashlib.sha256).hexdigest()


@pytest.fixture
def landing(tmp_path) -> Path:
    return tmp_path / "landing"


@pytest.fixture
def warehouse(tmp_path) -> Path:
    return tmp_path / "warehouse.duckdb"


@pytest.fixture
def con(warehouse):
    with duckdb.connect(str(warehouse)) as c:
        yield c


# ---------------------------------------------------------------- 1. encoding and header tolerance

def test_bom_crlf_and_mixed_case_header_are_loaded(con, landing):
    # Column order is free and names are case-insensitive; a text column last catches a
    # stray "\r" from CRLF, and `ssn` first catches a BOM glued to the first name.
    header = ["SSN", "Year", "QUARTER", "Wages", "NAICS_Code", "Employer_ID"]
    write_entity(landing, "wage_records", [dict(employer_id="E1"), dict(employer_id="E2", quarter="2",
                                                                        wages="5")],
                 header=header, newline="\r\n", bom=True)
    assert (landing / "labor_market/wage_records.csv").read_bytes().startswith(b"\xef\xbb\xbfSSN,Year")

    result = load(con, landing, "wage_records")

    assert not result.stopped and result.problems == []
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (2, 2, 0)
    assert fetch(con, "SELECT _row_number, employer_id, naics_code, year, quarter, wages FROM raw.wage_records "
                      "ORDER BY _row_number") == [(2, "E1", "311111", 2024, 1, Decimal("1000.00")),
                                                  (3, "E2", "311111", 2024, 2, Decimal("5.00"))]
    cols = [r[0] for r in fetch(con, "DESCRIBE raw.wage_records")]
    assert {"employer_id", "naics_code", "year", "quarter", "wages"} <= set(cols)
    assert all(c == c.lower() and "\ufeff" not in c for c in cols)
    assert quarantine(con, "wage_records") == []
    assert fetch(con, "SELECT status FROM raw.load_log") == [("loaded",)]


# ---------------------------------------------------------------- 2. missing column

def test_missing_column_stops_entity_and_leaves_raw_table_untouched(con, landing):
    write_entity(landing, "wage_records", [dict(employer_id="E1")], file_name="wage_records_2024q1.csv")
    first = load(con, landing, "wage_records")
    assert not first.stopped
    before = snapshot(con, "raw.wage_records")

    # q2 lacks a column; q3 is fine but must not be loaded either: the whole entity stops.
    header = [c for c in WAGE_HEADER if c != "naics_code"]
    write_entity(landing, "wage_records", [dict(employer_id="E2", quarter="2")],
                 file_name="wage_records_2024q2.csv", header=header)
    write_entity(landing, "wage_records", [dict(employer_id="E3", quarter="3")], file_name="wage_records_2024q3.csv")
    result = load(con, landing, "wage_records", now=NOW + dt.timedelta(days=1))

    assert result.stopped
    [problem] = result.blocking_problems
    assert problem.source_file == "labor_market/wage_records_2024q2.csv"
    assert problem.column_name == "naics_code"
    assert problem.rule.startswith("missing_column")
    assert problem.row_number == 1
    assert "wage_records_2024q2.csv" in str(problem) and "naics_code" in str(problem)
    assert snapshot(con, "raw.wage_records") == before
    assert quarantine(con, "wage_records") == [
        ("labor_market/wage_records_2024q2.csv", 1, "naics_code", problem.rule, None, "error")]
    assert dict(fetch(con, "SELECT source_file, status FROM raw.load_log")) == {
        "labor_market/wage_records_2024q1.csv": "loaded", "labor_market/wage_records_2024q2.csv": "refused",
        "labor_market/wage_records_2024q3.csv": "loaded"}  # read fine, but not published to raw


def test_missing_column_on_first_load_creates_no_raw_table(con, landing):
    write_entity(landing, "wage_records", [{}], header=[c for c in WAGE_HEADER if c != "wages"])
    result = load(con, landing, "wage_records")
    assert result.stopped
    assert [(p.column_name, p.rule.split(" ")[0]) for p in result.problems] == [("wages", "missing_column")]
    assert not table_exists(con, "raw", "wage_records")


def test_repeated_header_name_is_refused_not_kept_as_extra_column(con, landing, warehouse):
    # DuckDB renames a repeated column (`ssn`, `SSN` -> `ssn`, `SSN_1`); the loader must
    # refuse the file, not keep the second SSN column in raw as an "extra" column.
    lines = [csv_line(WAGE_HEADER + ["SSN"]), csv_line(["212456789", "E1", "3111", "2024", "1", "1", "387654321"])]
    write_lines(landing, "labor_market", "wage_records.csv", lines)
    result = load(con, landing, "wage_records")
    assert result.stopped
    assert [(p.column_name, p.rule.split(" ")[0]) for p in result.problems] == [("ssn", "duplicate_column")]
    assert not table_exists(con, "raw", "wage_records")
    con.close()
    assert "387654321" not in everything_stored(warehouse)


# ---------------------------------------------------------------- 3. extra column

def test_extra_column_is_kept_and_reported_as_warning(con, landing):
    # programs are not about people: an unknown column is kept (feeds.md), as a warning
    header = ENTITIES_BY_NAME["programs"].column_names + ["Note"]
    lines = entity_lines("programs", [dict(program_id="PRG1", note="first"), dict(program_id="PRG2", note="")],
                         header=header)
    write_lines(landing, "providers", "programs.csv", lines)

    result = load(con, landing, "programs")

    assert not result.stopped and result.blocking_problems == []
    assert result.extra_columns == ["note"]
    [warning] = result.problems
    assert (warning.severity, warning.column_name, warning.row_number) == (SEVERITY_WARNING, "note", 1)
    assert warning.rule.startswith("extra_column")
    assert fetch(con, "SELECT program_id, note FROM raw.programs ORDER BY program_id") == [("PRG1", "first"),
                                                                                           ("PRG2", None)]
    assert quarantine(con, "programs") == [("providers/programs.csv", 1, "note", warning.rule, None, "warning")]
    assert result.rows_loaded == 2 and result.rows_quarantined == 0


def test_files_with_different_extra_columns_keep_each_in_first_seen_order(con, landing):
    # The loader types file by file: a later file's new extra column is added to what the
    # earlier files gave, NULL in their rows, and each row keeps its own file name.
    base = ENTITIES_BY_NAME["programs"].column_names
    write_lines(landing, "providers", "programs_1.csv",
                entity_lines("programs", [dict(program_id="PRG1", note="first")], header=base + ["note"]))
    write_lines(landing, "providers", "programs_2.csv",
                entity_lines("programs", [dict(program_id="PRG2", region="north", note="second")],
                             header=base + ["region", "note"]))
    write_lines(landing, "providers", "programs_3.csv", entity_lines("programs", [dict(program_id="PRG3")]))

    result = load(con, landing, "programs")

    assert result.extra_columns == ["note", "region"] and not result.stopped
    columns = [r[0] for r in fetch(con, "DESCRIBE raw.programs")]
    assert columns[:3] == ["_source_file", "_row_number", "_loaded_at"] and columns[-2:] == ["note", "region"]
    assert fetch(con, "SELECT program_id, note, region, _source_file, _row_number, _loaded_at FROM raw.programs "
                      "ORDER BY program_id") == [
        ("PRG1", "first", None, "providers/programs_1.csv", 2, NOW),
        ("PRG2", "second", "north", "providers/programs_2.csv", 2, NOW),
        ("PRG3", None, None, "providers/programs_3.csv", 2, NOW)]


# ---------------------------------------------------------------- 4. malformed rows

def test_malformed_rows_are_quarantined_with_spreadsheet_row_numbers(con, landing):
    good = lambda employer: csv_line(["212456789", employer, "3111", "2024", "1", "10.00"])  # noqa: E731
    lines = [csv_line(WAGE_HEADER),                                           # row 1
             good("E2"),                                                      # row 2
             csv_line(["212456789", "E3", "3111", "2024", "1", "10", "x"]),   # row 3: too many columns
             good("E4"),                                                      # row 4
             csv_line(["212456789", "E5", "3111", "2024", "1"]),              # row 5: one column missing
             good("E6")]                                                      # row 6
    write_lines(landing, "labor_market", "wage_records.csv", lines)

    result = load(con, landing, "wage_records")

    assert not result.stopped
    assert [(p.row_number, p.rule) for p in result.blocking_problems] == [
        (3, "csv:malformed_row (too many columns)"), (5, "csv:malformed_row (missing columns)")]
    assert [(r[1], r[3]) for r in quarantine(con, "wage_records")] == [
        (3, "csv:malformed_row (too many columns)"), (5, "csv:malformed_row (missing columns)")]
    assert fetch(con, "SELECT _row_number, employer_id FROM raw.wage_records ORDER BY _row_number") == [
        (2, "E2"), (4, "E4"), (6, "E6")]
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (5, 3, 2)
    assert result.rule_counts == {("csv:malformed_row (too many columns)", None): 1,
                                  ("csv:malformed_row (missing columns)", None): 1}


def test_malformed_rows_first_consecutive_and_several_missing_columns(con, landing):
    # A row missing several columns is reported by DuckDB once per missing column: it is
    # still one bad row, and must shift the row numbers of later rows by one, not by four.
    good = lambda employer: csv_line(["212456789", employer, "3111", "2024", "1", "10.00"])  # noqa: E731
    lines = [csv_line(WAGE_HEADER),                                               # row 1
             csv_line(["212456789", "E2", "3111", "2024", "1"]),                  # row 2: bad (first data row)
             good("E3"),                                                          # row 3
             csv_line(["212456789", "E4", "3111", "2024", "1", "1", "x"]),        # row 4: bad
             csv_line(["212456789", "E5", "3111", "2024", "1", "1", "x", "y"]),   # row 5: bad (consecutive)
             good("E6"),                                                          # row 6
             csv_line(["212456789", "E7"]),                                       # row 7: four columns missing
             good("E8"),                                                          # row 8
             good("E9")]                                                          # row 9
    write_lines(landing, "labor_market", "wage_records.csv", lines, newline="\r\n", bom=True)

    result = load(con, landing, "wage_records")

    assert [r[1] for r in quarantine(con, "wage_records")] == [2, 4, 5, 7]
    assert fetch(con, "SELECT _row_number, employer_id FROM raw.wage_records ORDER BY _row_number") == [
        (3, "E3"), (6, "E6"), (8, "E8"), (9, "E9")]
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (8, 4, 4)
    assert sum(result.rule_counts.values()) == 4


# ---------------------------------------------------------------- 5. encoding

@pytest.mark.parametrize("where", ["data", "header"])
def test_latin1_file_is_refused_with_encoding_rule(con, landing, warehouse, where):
    if where == "data":
        lines = entity_lines("wage_records", [dict(employer_id="E1"), dict(employer_id="Café Ñandú")])
    else:
        lines = entity_lines("wage_records", [dict(employer_id="E1", **{"noté": "x"})], header=WAGE_HEADER + ["noté"])
    path = write_lines(landing, "labor_market", "wage_records.csv", lines, encoding="latin-1")
    assert b"\xe9" in path.read_bytes()

    result = load(con, landing, "wage_records")

    assert result.stopped
    [problem] = result.problems
    assert problem.rule.startswith("encoding:utf-8")
    assert problem.source_file == "labor_market/wage_records.csv"
    assert not table_exists(con, "raw", "wage_records")
    assert fetch(con, "SELECT status FROM raw.load_log") == [("refused",)]
    assert [r[3] for r in quarantine(con, "wage_records")] == [problem.rule]
    con.close()
    stored = everything_stored(warehouse)
    assert "\ufffd" not in stored and "Caf" not in stored


def test_latin1_delivery_leaves_previous_raw_table_untouched(con, landing):
    write_entity(landing, "wage_records", [dict(employer_id="Café")], file_name="wage_records_2024q1.csv")
    assert not load(con, landing, "wage_records").stopped
    assert fetch(con, "SELECT employer_id FROM raw.wage_records") == [("Café",)]  # UTF-8 accents kept as-is
    before = snapshot(con, "raw.wage_records")

    write_entity(landing, "wage_records", [dict(employer_id="Café", quarter="2")],
                 file_name="wage_records_2024q2.csv", encoding="latin-1")
    write_entity(landing, "wage_records", [dict(employer_id="E3", quarter="3")], file_name="wage_records_2024q3.csv")
    result = load(con, landing, "wage_records")
    assert result.stopped and result.problems[0].rule.startswith("encoding:utf-8")
    assert snapshot(con, "raw.wage_records") == before


# ---------------------------------------------------------------- 6. unparseable values

def test_impossible_dates_and_bad_integers_are_quarantined_pii_masked(con, landing, warehouse):
    write_entity(landing, "participants", [
        dict(individual_id="I1"),
        dict(individual_id="I2", first_name="Zelda", last_name="Quixote", date_of_birth="1985-02-30"),  # row 3
        dict(individual_id="I3", sex="F"),                                                              # row 4
    ])
    write_entity(landing, "participation", [
        dict(participation_id="PA1", individual_id="I1"),
        dict(participation_id="PA2", individual_id="I1", entry_date="2024-02-30"),                      # row 3
        dict(participation_id="PA3", individual_id="I3", exit_date="2024-13-01"),                       # row 4
    ])
    log: list[str] = []

    people = load(con, landing, "participants", log=log)
    periods = load(con, landing, "participation", log=log)

    date_rule = "type:date (YYYY-MM-DD, a real calendar date)"
    assert quarantine(con, "participants") == [
        ("job_center/participants.csv", 3, "date_of_birth", date_rule, "<redacted 10 chars>", "error"),
        ("job_center/participants.csv", 4, "sex", "type:integer", "X", "error"),  # a file about people: by shape
    ]
    assert quarantine(con, "participation") == [
        ("job_center/participation.csv", 3, "entry_date", date_rule, "2024-02-30", "error"),
        ("job_center/participation.csv", 4, "exit_date", date_rule, "2024-13-01", "error"),
    ]
    assert people.rule_counts == {(date_rule, "date_of_birth"): 1, ("type:integer", "sex"): 1}
    assert (people.rows_read, people.rows_loaded, people.rows_quarantined) == (3, 1, 2)
    assert (periods.rows_read, periods.rows_loaded, periods.rows_quarantined) == (3, 1, 2)
    assert fetch(con, "SELECT individual_id FROM raw.participants") == [("I1",)]
    assert fetch(con, "SELECT participation_id FROM raw.participation") == [("PA1",)]
    # The quarantine problems are blocking, not warnings, and the loader does not stop.
    assert not people.stopped and len(people.blocking_problems) == 2

    # The impossible birth date (and the names) of the quarantined person are stored nowhere.
    pii_columns = {"ssn", "first_name", "last_name", "date_of_birth"}
    assert not pii_columns & {r[0] for r in fetch(con, "DESCRIBE raw.participants")}
    assert "1985-02-30" not in " ".join(map(str, people.problems)) + " ".join(log)
    con.close()
    stored = everything_stored(warehouse)
    for secret in ("1985-02-30", "Zelda", "Quixote", "ZELDA"):
        assert secret not in stored


def test_bad_integer_and_money_in_wage_records(con, landing):
    write_entity(landing, "wage_records", [dict(employer_id="E1"), dict(employer_id="E2", year="20x4"),
                                           dict(employer_id="E3", wages="12.345"), dict(employer_id="E4", ssn="12345")])
    result = load(con, landing, "wage_records")
    assert [(r[1], r[2], r[3], r[4]) for r in quarantine(con, "wage_records")] == [
        (3, "year", "type:integer", "99x9"),  # wage records are about people: values shown by shape
        (4, "wages", "type:money (dollars, at most 2 decimals)", "99.999"),
        (5, "ssn", "format:ssn (9 digits, dashes allowed)", "<redacted 5 chars>"),
    ]
    assert fetch(con, "SELECT employer_id FROM raw.wage_records") == [("E1",)]
    assert result.rows_quarantined == 3


# Values that break, or nearly break, each kind of rule: types, na codes, SSN formats and
# never-issued numbers, SSN shapes in codes, identifiers and free text.
RULE_EDGE_VALUES = [None, "", "abc", "5", "-5", "12.34", "12.345", "1e3", "+5", "99999999999999999999",
                    "2024-02-28", "2024-02-30", "24-2-28", "*", "**", "#", "212-45-6789", "212456789",
                    "212 45 6789", "000-12-3456", "666-12-3456", "912-45-6789", "212-00-6789", "212-45-0000",
                    "123-45-6789", "111111111", "12345", "Acme 212-45-6789 Training", "Acme 2124567891", "Jane"]


@pytest.mark.parametrize("entity", sorted(ENTITIES_BY_NAME))
def test_one_pass_flag_is_true_exactly_when_a_row_rule_is_broken(entity):
    """The loader types and checks in one pass (parse.breaks_a_rule_sql, given the typed value):
    for every column it must flag exactly the values that break one of row_checks' rules, or a
    bad row would reach raw unlisted (or a good one be read twice for nothing)."""
    con = duckdb.connect()
    for col in ENTITIES_BY_NAME[entity].columns:
        exact = " OR ".join(f"({c.predicate})" for c in row_checks(ENTITIES_BY_NAME[entity]) if c.column == col.name)
        one_pass = breaks_a_rule_sql(col, typed_expr(col))
        assert (exact == "") == (one_pass is None), col.name
        if not exact:
            continue
        v = quote_ident(col.name)
        rows = con.execute(f"""SELECT {v}, coalesce({exact}, false), coalesce({one_pass}, false)
            FROM (SELECT unnest(?::VARCHAR[]) AS {v})""", [RULE_EDGE_VALUES]).fetchall()
        assert [(value, exact) for value, exact, flagged in rows if exact != flagged] == [], col.name
        assert {flagged for _, _, flagged in rows} == {True, False}, col.name  # the values reach both sides


def test_a_typed_ssn_is_the_digits_of_an_issuable_number():
    # typed_expr takes an SSN's digits by dropping dashes, which holds only while SSN_FORMAT
    # admits nothing else: it must give what stripping every non-digit gives.
    col = ENTITIES_BY_NAME["wage_records"].columns[0]
    v, digits = quote_ident(col.name), f"regexp_replace({quote_ident(col.name)}, '[^0-9]', '', 'g')"
    by_definition = (f"CASE WHEN regexp_full_match({v}, '{SSN_FORMAT}') AND {issuable_ssn_sql(digits)} "
                     f"THEN {digits} END")
    rows = duckdb.connect().execute(f"""SELECT {v}, {typed_expr(col)}, {by_definition}
        FROM (SELECT unnest(?::VARCHAR[]) AS {v})""", [RULE_EDGE_VALUES + ["212-456789", "21245-6789"]]).fetchall()
    assert [r for r in rows if r[1] != r[2]] == []
    assert ("212-45-6789", "212456789", "212456789") in rows and ("000-12-3456", None, None) in rows


# ---------------------------------------------------------------- 7. duplicate delivery

def test_identical_file_under_second_name_is_a_duplicate(con, landing):
    first = write_entity(landing, "wage_records", [dict(employer_id="E1"), dict(employer_id="E2")],
                         file_name="wage_records_2024q1.csv")
    (landing / "labor_market/wage_records_2024q1_resent.csv").write_bytes(first.read_bytes())

    result = load(con, landing, "wage_records")

    statuses = {f["source_file"]: f["status"] for f in result.files}
    assert statuses == {"labor_market/wage_records_2024q1.csv": "loaded",
                        "labor_market/wage_records_2024q1_resent.csv": "duplicate"}
    assert not result.stopped and result.blocking_problems == []
    assert (result.rows_read, result.rows_loaded, result.rows_replaced) == (2, 2, 0)
    assert fetch(con, "SELECT employer_id, _source_file FROM raw.wage_records ORDER BY employer_id") == [
        ("E1", "labor_market/wage_records_2024q1.csv"), ("E2", "labor_market/wage_records_2024q1.csv")]
    assert dict(fetch(con, "SELECT source_file, status FROM raw.load_log")) == statuses


# ---------------------------------------------------------------- 8. corrected delivery

def test_later_file_replaces_rows_with_the_same_key(con, landing):
    write_entity(landing, "participants", [dict(individual_id="I1")])  # participants.csv is not participation's
    write_entity(landing, "participation", [
        dict(participation_id="PA1"), dict(participation_id="PA2", exit_date=""), dict(participation_id="PA3")])
    write_entity(landing, "participation", [dict(participation_id="PA2", exit_date="2024-06-30", exit_reason="00")],
                 file_name="participation_2024b.csv")

    assert not load(con, landing, "participants").stopped
    result = load(con, landing, "participation")

    assert [f["source_file"] for f in result.files] == ["job_center/participation.csv",
                                                        "job_center/participation_2024b.csv"]
    assert (result.rows_read, result.rows_loaded, result.rows_replaced, result.rows_quarantined) == (4, 3, 1, 0)
    assert fetch(con, "SELECT participation_id, exit_date, exit_reason, _source_file, _row_number "
                      "FROM raw.participation ORDER BY participation_id") == [
        ("PA1", None, None, "job_center/participation.csv", 2),
        ("PA2", dt.date(2024, 6, 30), "00", "job_center/participation_2024b.csv", 2),
        ("PA3", None, None, "job_center/participation.csv", 4),
    ]


def test_a_file_delivered_in_a_later_refresh_wins_even_if_its_name_sorts_first(con, landing):
    write_entity(landing, "participants", [dict(individual_id="I1")])
    write_entity(landing, "participation", [dict(participation_id="PA1", exit_date="2024-06-30", exit_reason="00")],
                 file_name="participation_2024b.csv")
    load(con, landing, "participants")
    load(con, landing, "participation", now=NOW)
    write_entity(landing, "participation", [dict(participation_id="PA1", exit_date="2024-07-31", exit_reason="00")],
                 file_name="participation_2024a_fix.csv")

    result = load(con, landing, "participation", now=NOW + dt.timedelta(days=1))

    assert [f["source_file"] for f in result.files] == ["job_center/participation_2024b.csv",
                                                        "job_center/participation_2024a_fix.csv"]
    assert fetch(con, "SELECT exit_date, _source_file FROM raw.participation") == [
        (dt.date(2024, 7, 31), "job_center/participation_2024a_fix.csv")]
    again = load(con, landing, "participation", now=NOW + dt.timedelta(days=2))
    assert again.rows_loaded == 1 and fetch(con, "SELECT exit_date FROM raw.participation") == [(dt.date(2024, 7, 31),)]


def test_later_wage_file_replaces_the_employer_quarter_on_the_pseudonymized_key(con, landing):
    # A later file re-delivers E1's 2024Q1 report: every earlier E1 row of that quarter goes,
    # also the worker it no longer lists; E2's report of the same quarter is untouched.
    write_entity(landing, "wage_records", [dict(ssn="212-45-6789", wages="100.00"), dict(ssn="387654321"),
                                           dict(ssn="387654321", employer_id="E2", wages="70.00")],
                 file_name="wage_records.csv")
    write_entity(landing, "wage_records", [dict(ssn="212456789", wages="150.00")],
                 file_name="wage_records_2024q1_corrected.csv")
    result = load(con, landing, "wage_records")
    assert (result.rows_loaded, result.rows_replaced, result.rows_dropped_by_amendments) == (2, 2, 1)
    assert sorted((r[0], r[1]) for r in fetch(con, "SELECT employer_id, wages FROM raw.wage_records")) == [
        ("E1", Decimal("150.00")), ("E2", Decimal("70.00"))]


# ---------------------------------------------------------------- 9. idempotence

def write_mixed_landing(landing: Path) -> None:
    write_entity(landing, "participants", [dict(individual_id="I1", ssn="212-45-6789"),
                                           dict(individual_id="I2", first_name="José", date_of_birth="1991-07-04"),
                                           dict(individual_id="I3", sex="x")])
    write_entity(landing, "participation", [dict(participation_id="PA1"), dict(participation_id="PA2",
                                                                               individual_id="I2")])
    write_entity(landing, "participation", [dict(participation_id="PA2", individual_id="I2",
                                                 exit_date="2024-09-30")], file_name="participation_2024b.csv")
    first = write_entity(landing, "wage_records", [dict(employer_id="E1"), dict(employer_id="E2", wages="bad")],
                         file_name="wage_records_2024q1.csv", header=WAGE_HEADER)
    (landing / "labor_market/wage_records_2024q1_copy.csv").write_bytes(first.read_bytes())


def test_loading_the_same_landing_twice_gives_identical_raw_tables(con, landing):
    write_mixed_landing(landing)
    entities = ["participants", "participation", "wage_records"]

    for entity in entities:
        load(con, landing, entity, now=NOW)
    first = {t: snapshot(con, f"raw.{t}") for t in entities + ["quarantine", "load_log"]}
    for entity in entities:
        load(con, landing, entity, now=NOW + dt.timedelta(days=1, hours=3))
    second = {t: snapshot(con, f"raw.{t}") for t in entities + ["quarantine", "load_log"]}

    assert second == first
    for entity in entities:
        assert fetch(con, f"SELECT DISTINCT _loaded_at FROM raw.{entity}") == [(NOW,)]
    assert fetch(con, "SELECT count(*) FROM raw.wage_records") == [(1,)]


# ---------------------------------------------------------------- 10. pseudonymization

def test_participant_key_is_hmac_of_ssn_else_name_and_birth_date(con, landing):
    write_entity(landing, "participants", [
        dict(individual_id="I1", ssn="212-45-6789", first_name="Ana", last_name="Ortiz", date_of_birth="1990-03-15"),
        dict(individual_id="I2", ssn="", first_name="José", last_name="O'Neil", date_of_birth="1990-03-16"),
        dict(individual_id="I3", ssn="", first_name="  mary-jo ", last_name="Smith Jones", date_of_birth="1990-03-14"),
    ])
    write_entity(landing, "wage_records", [dict(ssn="212456789", employer_id="E1"),
                                           dict(ssn="212-45-6789", employer_id="E2")])
    load(con, landing, "participants")
    load(con, landing, "wage_records")

    ssn_key = hmac_hex(KEY, "ssn:212456789")
    people = {r[0]: r[1:] for r in fetch(con, "SELECT individual_id, participant_key, ssn_key, name_dob_key, "
                                              "birth_year FROM raw.participants")}
    assert people["I1"] == (ssn_key, ssn_key, hmac_hex(KEY, "name:ANA|ORTIZ|1990-03-15"), 1990)
    name_key = hmac_hex(KEY, "name:JOSE|ONEIL|1990-03-16")
    assert people["I2"] == (name_key, None, name_key, 1990)
    assert people["I3"][0] == hmac_hex(KEY, "name:MARYJO|SMITHJONES|1990-03-14")
    # The same SSN with or without dashes gives the same key, in the wage feed too.
    assert fetch(con, "SELECT DISTINCT participant_key FROM raw.wage_records") == [(ssn_key,)]
    assert not {"ssn", "first_name", "last_name", "date_of_birth"} & {
        r[0] for r in fetch(con, "DESCRIBE raw.wage_records") + fetch(con, "DESCRIBE raw.participants")}


def test_a_different_key_gives_different_pseudonyms(tmp_path, landing):
    write_entity(landing, "participants", [dict(individual_id="I1", ssn="212-45-6789"),
                                           dict(individual_id="I2", ssn="")])
    keys = {}
    for name, key in (("a", KEY), ("b", OTHER_KEY)):
        with duckdb.connect(str(tmp_path / f"{name}.duckdb")) as c:
            load(c, landing, "participants", key=key)
            keys[name] = dict(fetch(c, "SELECT individual_id, participant_key FROM raw.participants"))
    assert keys["b"]["I1"] == hmac_hex(OTHER_KEY, "ssn:212456789")
    assert all(keys["a"][i] != keys["b"][i] for i in ("I1", "I2"))
    assert not set(keys["a"].values()) & set(keys["b"].values())


def test_birth_year_and_age_at_entry_via_participants(con, landing):
    write_entity(landing, "participants", [
        dict(individual_id="I1", date_of_birth="1990-03-15"),  # birthday on the entry date: 34
        dict(individual_id="I2", date_of_birth="1990-03-16"),  # birthday the day after entry: still 33
        dict(individual_id="I3", date_of_birth="1990-12-31"),  # 33
        dict(individual_id="I4", date_of_birth="2000-02-29"),  # leap-day birth, entry 2021-02-28: 20
    ])
    write_entity(landing, "participation", [
        dict(participation_id="PA1", individual_id="I1", entry_date="2024-03-15"),
        dict(participation_id="PA2", individual_id="I2", entry_date="2024-03-15"),
        dict(participation_id="PA3", individual_id="I3", entry_date="2024-03-15"),
        dict(participation_id="PA4", individual_id="I4", entry_date="2021-02-28"),
        dict(participation_id="PA5", individual_id="I4", entry_date="2021-03-01"),
        dict(participation_id="PA6", individual_id="NOBODY", entry_date="2021-03-01"),
    ])
    load(con, landing, "participants")
    load(con, landing, "participation")

    assert fetch(con, "SELECT individual_id, birth_year FROM raw.participants ORDER BY 1") == [
        ("I1", 1990), ("I2", 1990), ("I3", 1990), ("I4", 2000)]
    assert fetch(con, "SELECT participation_id, age_at_entry FROM raw.participation ORDER BY 1") == [
        ("PA1", 34), ("PA2", 33), ("PA3", 33), ("PA4", 20), ("PA5", 21), ("PA6", None)]
    assert "birth_year" not in {r[0] for r in fetch(con, "DESCRIBE raw.participation")}


# ---------------------------------------------------------------- 11. raw GX suites

def failed_by_rule(result) -> dict:
    return {f.rule: f for f in result.failed}


def test_raw_suite_catches_out_of_range_wages_and_duplicate_keys(landing, warehouse):
    from orchestration.quality.suites import validate_relation

    write_entity(landing, "wage_records", [
        dict(employer_id="E1", wages="100.00"),          # row 2
        dict(employer_id="E2", wages="-5.00"),           # row 3: negative
        dict(employer_id="E3", wages="1000000.00"),      # row 4: above 999999.99
        dict(employer_id="E1", wages="200.00"),          # row 5: same key as row 2, same file
    ])
    with duckdb.connect(str(warehouse)) as con:
        result = load(con, landing, "wage_records")
    assert result.blocking_problems == [] and result.rows_loaded == 4  # in-file duplicates stay for the suite

    suite = validate_relation(warehouse, "raw.wage_records", "raw/wage_records")

    assert not suite.success
    failed = failed_by_rule(suite)
    assert set(failed) == {"0 <= wages <= 999999.99", "unique key: (participant_key, employer_id, year, quarter)"}
    wages = failed["0 <= wages <= 999999.99"]
    assert wages.unexpected_count == 2
    assert sorted(wages.sample_values) == ["-9.9", "9999999.9"]  # wage records are people's: shapes only
    assert sorted((r["_source_file"], r["_row_number"]) for r in wages.sample_rows) == [
        ("labor_market/wage_records.csv", 3), ("labor_market/wage_records.csv", 4)]
    dupes = failed["unique key: (participant_key, employer_id, year, quarter)"]
    assert dupes.unexpected_count == 2
    assert sorted(r["_row_number"] for r in dupes.sample_rows) == [2, 5]


def test_raw_suite_catches_orphan_foreign_key_and_duplicate_id(landing, warehouse):
    from orchestration.quality.suites import validate_relation

    write_entity(landing, "providers", [dict(provider_id="TP1"), dict(provider_id="TP2"),
                                        dict(provider_id="TP2", provider_name="Same id again")])
    write_entity(landing, "programs", [dict(program_id="PRG1", provider_id="TP1"),
                                       dict(program_id="PRG2", provider_id="TP9")])  # row 3: no such provider
    with duckdb.connect(str(warehouse)) as con:
        load(con, landing, "providers")
        load(con, landing, "programs")

    programs = validate_relation(warehouse, "raw.programs", "raw/programs")
    assert [f.rule for f in programs.failed] == ["provider_id exists in providers"]
    [orphan] = programs.failed
    assert orphan.column == "provider_id" and orphan.unexpected_count == 1 and orphan.sample_values == ["TP9"]
    assert orphan.sample_rows == [{"_source_file": "providers/programs.csv", "_row_number": 3}]

    providers = validate_relation(warehouse, "raw.providers", "raw/providers")
    assert [f.rule for f in providers.failed] == ["unique key: provider_id"]
    assert sorted(r["_row_number"] for r in providers.failed[0].sample_rows) == [3, 4]


def test_raw_suite_passes_clean_data(landing, warehouse):
    from orchestration.quality.suites import validate_relation

    write_entity(landing, "providers", [dict(provider_id="TP1")])
    write_entity(landing, "programs", [dict(program_id="PRG1"), dict(program_id="PRG2", soc_code="")])
    write_entity(landing, "wage_records", [dict(employer_id="E1", wages="0.00"),
                                           dict(employer_id="E2", wages="999999.99")])
    with duckdb.connect(str(warehouse)) as con:
        for entity in ("providers", "programs", "wage_records"):
            assert load(con, landing, entity).blocking_problems == []

    for entity in ("providers", "programs", "wage_records"):
        result = validate_relation(warehouse, f"raw.{entity}", f"raw/{entity}")
        assert result.success, [f.describe() for f in result.failed]
        assert result.failed == []
