"""Identity and deliveries that cannot silently go wrong (issue 14), at the loader.

Each kind of fault on a small hand-made file, loaded into a real DuckDB file by
`load_entity`; then raw, raw.quarantine, raw.load_log, the log lines and the problems are
read back - and scanned for every planted SSN, name and birth date. Row numbers count the
header as row 1.

Kinds: SSNs SSA never issues (placeholders) must not merge people; SSN-shaped values
outside the SSN columns (ids, codes, numbers, free text, extra columns, file names) never
reach raw or a message in clear; unknown columns of files about people are dropped;
columns without a name are ignored; files that are not CSV, empty, or have an over-long
row are refused with the real reason; a delivery that shrinks a table is blocked unless
accepted; a re-delivered wage quarter replaces the employer's quarter.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from orchestration.ingest.feeds import ENTITIES_BY_NAME
from orchestration.ingest.loader import SHRINK_RULE, load_entity
from orchestration.ingest.masking import file_label, mask_ssn_shapes, shape
from orchestration.ingest.pseudonymize import SSN_SHAPED_ID_PREFIX
from orchestration.ingest.ssn import PLACEHOLDER_SSNS, is_issuable_ssn, issuable_ssn_sql
from test_ingest import (KEY, NOW, csv_line, entity_lines, everything_stored, fetch, hmac_hex, quarantine,
                         snapshot, write_entity, write_lines)


def load(con, landing: Path, entity: str, log: list[str] | None = None, **kw):
    messages = [] if log is None else log
    return load_entity(con, ENTITIES_BY_NAME[entity], landing, KEY, log=messages.append, now=kw.pop("now", NOW), **kw)


def said(result, log: list[str]) -> str:
    """Everything the loader said: log lines and problems (what reaches the console and Dagster)."""
    return "\n".join(log + [str(p) for p in result.problems] + [repr(f) for f in result.files])


def assert_nowhere(secrets, *texts: str) -> None:
    for text in texts:
        for secret in secrets:
            assert secret.lower() not in text.lower(), f"{secret!r} found in: ...{text[max(0, text.lower().find(secret.lower()) - 80):][:200]}"


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


# ---------------------------------------------------------------- 1. SSNs SSA never issues

@pytest.mark.parametrize("digits, issuable", [
    ("899417723", True), ("001010001", True), ("665991234", True), ("899999999", True),
    ("000123456", False), ("666123456", False), ("900123456", False), ("999123456", False),  # area
    ("123004567", False),                                                                    # group 00
    ("123450000", False),                                                                    # serial 0000
    ("078051120", False), ("219099999", False), ("123456789", False),                        # known examples
    ("111111111", False), ("888888888", False), ("555555555", False),                        # nine equal digits
    ("12345678", False), ("1234567890", False), ("12345678x", False),
])
def test_ssa_issuance_rules_in_python_and_sql_agree(digits, issuable):
    assert is_issuable_ssn(digits) is issuable
    if len(digits) == 9 and digits.isdigit():
        with duckdb.connect() as c:
            assert c.execute(f"SELECT {issuable_ssn_sql('$d')}", {"d": digits}).fetchone()[0] is issuable


def test_placeholder_ssns_never_merge_people(con, landing, warehouse):
    # The case: four people with 999-99-9999, three with 000000000, and the well-known examples;
    # every one a different person (name, birth date). Two people share a real SSN: one person.
    people = [dict(individual_id=f"I{i}", ssn="999-99-9999", first_name=f"Ann{chr(97 + i)}",
                   date_of_birth=f"1980-01-0{i}") for i in range(1, 5)]
    people += [dict(individual_id=f"J{i}", ssn="000000000", first_name=f"Bob{chr(97 + i)}",
                    date_of_birth=f"1981-02-0{i}") for i in range(1, 4)]
    people += [dict(individual_id="K1", ssn="123-45-6789", first_name="Cyd"),
               dict(individual_id="K2", ssn="078-05-1120", first_name="Dee"),
               dict(individual_id="K3", ssn="666-12-3456", first_name="Eve"),
               dict(individual_id="K4", ssn="212-00-3456", first_name="Fox"),
               dict(individual_id="R1", ssn="212-45-6788", first_name="Gil"),
               dict(individual_id="R2", ssn="212456788", first_name="Gil")]
    write_entity(landing, "participants", people)
    log: list[str] = []

    result = load(con, landing, "participants", log)

    assert result.blocking_problems == [] and result.rows_loaded == len(people)
    keys = dict(fetch(con, "SELECT individual_id, participant_key FROM raw.participants"))
    placeholder_people = [p["individual_id"] for p in people if not p["individual_id"].startswith("R")]
    assert len({keys[i] for i in placeholder_people}) == len(placeholder_people), "placeholder SSNs merged people"
    assert keys["R1"] == keys["R2"] == hmac_hex(KEY, "ssn:212456788")  # a real SSN still links, dashes or not
    assert fetch(con, "SELECT count(*) FROM raw.participants WHERE ssn_key IS NULL") == [(len(placeholder_people),)]
    anna = next(p for p in people if p["individual_id"] == "I1")
    assert keys["I1"] == hmac_hex(KEY, f"name:{anna['first_name'].upper()}|ORTIZ|{anna['date_of_birth']}")
    warnings = [q for q in quarantine(con, "participants") if q[3].startswith("ssn:never_issued")]
    assert [(q[1], q[2], q[5]) for q in warnings] == [(n, "ssn", "warning") for n in range(2, 2 + len(placeholder_people))]
    assert all(q[4].startswith("<redacted") for q in warnings)
    assert result.rule_counts[(warnings[0][3], "ssn")] == len(placeholder_people)
    assert any("ssn:never_issued" in line and f"{len(placeholder_people)} rows" in line for line in log)
    con.close()
    assert_nowhere(["999-99-9999", "999999999", "000000000", "078-05-1120", "212-45-6788", "212456788"],
                   everything_stored(warehouse), said(result, log))


def test_never_issued_ssn_on_a_training_record_falls_back_to_name_and_birth_date(con, landing):
    lines = [csv_line(ENTITIES_BY_NAME["training_records"].column_names),
             csv_line(["TR1", "PRG1", "219-09-9999", "Ana", "Ortiz", "1990-03-15", "2020-01-06", "", "enrolled", "0", ""]),
             csv_line(["TR2", "PRG1", "219-09-9999", "Ben", "Lee", "1991-04-16", "2020-01-06", "", "enrolled", "0", ""])]
    write_lines(landing, "providers", "training_records.csv", lines)
    result = load(con, landing, "training_records")
    assert result.blocking_problems == []
    assert sorted(fetch(con, "SELECT record_id, participant_key, ssn_key FROM raw.training_records")) == [
        ("TR1", hmac_hex(KEY, "name:ANA|ORTIZ|1990-03-15"), None),
        ("TR2", hmac_hex(KEY, "name:BEN|LEE|1991-04-16"), None)]


def test_never_issued_ssn_on_a_wage_record_keeps_the_row_out_of_raw_with_a_warning(con, landing, warehouse):
    # A wage record is nobody's without a real SSN: many workers must not collapse onto one key.
    write_entity(landing, "wage_records", [dict(ssn="212-45-6789", employer_id="E1"),
                                           dict(ssn="999-99-9999", employer_id="E1", wages="10.00"),
                                           dict(ssn="999999999", employer_id="E2", wages="20.00"),
                                           dict(ssn="000-00-0000", employer_id="E3"),
                                           dict(ssn="900-12-3456", employer_id="E3")])
    log: list[str] = []
    result = load(con, landing, "wage_records", log)
    assert result.blocking_problems == [] and not result.stopped
    assert fetch(con, "SELECT employer_id FROM raw.wage_records") == [("E1",)]
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (5, 1, 4)
    assert [(q[1], q[5]) for q in quarantine(con, "wage_records")] == [(3, "warning"), (4, "warning"),
                                                                       (5, "warning"), (6, "warning")]
    assert all("cannot be matched" in q[3] for q in quarantine(con, "wage_records"))
    con.close()
    assert_nowhere(["999-99-9999", "999999999", "900-12-3456", "212-45-6789"], everything_stored(warehouse),
                   said(result, log))


# ---------------------------------------------------------------- 2. SSN-shaped values outside the SSN columns

def test_ssn_as_individual_id_is_pseudonymized_consistently_and_reported(con, landing, warehouse):
    # PIRL 100: the individual identifier is never an SSN. Written three ways in two files.
    write_entity(landing, "participants", [dict(individual_id="P1"), dict(individual_id="899-41-7730"),
                                           dict(individual_id="899 41 7731")])
    write_entity(landing, "participation", [dict(participation_id="PA1", individual_id="P1"),
                                            dict(participation_id="PA2", individual_id="899417730"),
                                            dict(participation_id="PA3", individual_id="899-41-7731")])
    log: list[str] = []
    people = load(con, landing, "participants", log)
    periods = load(con, landing, "participation", log)

    ids = [r[0] for r in fetch(con, "SELECT individual_id FROM raw.participants ORDER BY _row_number")]
    assert ids[0] == "P1" and all(i.startswith(SSN_SHAPED_ID_PREFIX) for i in ids[1:]) and ids[1] != ids[2]
    assert not any(c.isdigit() for i in ids[1:] for c in i)  # the pseudonym cannot look like an SSN
    # participation still joins, and gets its age at entry through the pseudonym
    joined = fetch(con, """SELECT p.participation_id, p.age_at_entry IS NOT NULL FROM raw.participation p
        JOIN raw.participants i USING (individual_id) ORDER BY 1""")
    assert joined == [("PA1", True), ("PA2", True), ("PA3", True)]
    # reported as an error (blocking), value masked, row kept
    for entity, result in (("participants", people), ("participation", periods)):
        errors = [q for q in quarantine(con, entity) if q[3].startswith("pii:ssn_shaped_id")]
        assert [(q[1], q[2], q[5]) for q in errors] == [(3, "individual_id", "error"), (4, "individual_id", "error")]
        assert result.rows_loaded == 3 and len(result.blocking_problems) == 2
    assert {q[4] for q in quarantine(con, "participants")} == {"999-99-9999", "999 99 9999"}  # by shape
    assert {q[4] for q in quarantine(con, "participation")} == {"***-**-****"}
    con.close()
    assert_nowhere(["899-41-7730", "899417730", "899 41 7730", "899-41-7731", "899417731", "899 41 7731"],
                   everything_stored(warehouse), said(people, log), said(periods, log))


def test_ssn_typed_into_code_and_number_columns_keeps_the_row_out_of_raw(con, landing, warehouse):
    write_entity(landing, "participants", [
        dict(individual_id="P1"),
        dict(individual_id="P2", sex="899417728"),         # row 3: nine digits in an int column
        dict(individual_id="P3", veteran="899-41-7729"),   # row 4: dashed, also not an integer
        dict(individual_id="P4", county_fips="899 41 7735"),  # row 5: spaced, in a text code
    ])
    write_entity(landing, "wage_records", [dict(employer_id="E1"), dict(employer_id="899-41-7734"),
                                           dict(employer_id="UI0000001", naics_code="899417736")])
    write_entity(landing, "providers", [dict(provider_id="TP1"), dict(provider_id="TP2", county_fips="899417737")])
    log: list[str] = []
    results = [load(con, landing, e, log) for e in ("participants", "wage_records", "providers")]

    assert fetch(con, "SELECT individual_id FROM raw.participants") == [("P1",)]
    assert fetch(con, "SELECT employer_id FROM raw.wage_records") == [("E1",)]
    assert fetch(con, "SELECT provider_id FROM raw.providers") == [("TP1",)]
    pii = [q for e in ("participants", "wage_records", "providers") for q in quarantine(con, e)
           if q[3].startswith("pii:ssn_shaped_value")]
    assert [(q[0].split("/")[1], q[1], q[2], q[4], q[5]) for q in pii] == [
        ("participants.csv", 3, "sex", "999999999", "error"),
        ("participants.csv", 4, "veteran", "999-99-9999", "error"),
        ("participants.csv", 5, "county_fips", "999 99 9999", "error"),
        ("wage_records.csv", 3, "employer_id", "999-99-9999", "error"),
        ("wage_records.csv", 4, "naics_code", "999999999", "error"),
        ("providers.csv", 3, "county_fips", "***-**-****", "error")]
    # the type rule of the same value is masked too
    assert ("job_center/participants.csv", 4, "veteran", "type:integer", "999-99-9999", "error") in \
        quarantine(con, "participants")
    con.close()
    planted = ["899417728", "899-41-7729", "899 41 7735", "899-41-7734", "899417736", "899417737"]
    assert_nowhere(planted, everything_stored(warehouse), *(said(r, log) for r in results))


def test_ids_with_nine_digits_are_not_ssns(con, landing):
    # Sequential ids often carry nine digits; only a value that *is* SSN-shaped counts. UI
    # employer account numbers are often nine plain digits: there only the written form counts.
    write_entity(landing, "participants", [dict(individual_id="S000001234"), dict(individual_id="P-2024-000001")])
    write_entity(landing, "wage_records", [dict(employer_id="123456789"), dict(employer_id="123-45-6780")])
    result = load(con, landing, "participants")
    assert result.problems == []
    assert sorted(fetch(con, "SELECT individual_id FROM raw.participants")) == [("P-2024-000001",), ("S000001234",)]
    wages = load(con, landing, "wage_records")
    assert fetch(con, "SELECT employer_id FROM raw.wage_records") == [("123456789",)]
    assert [p.rule.split(" ")[0] for p in wages.problems] == ["pii:ssn_shaped_value"]


def test_ssn_inside_free_text_and_kept_extra_columns_is_masked_in_place(con, landing, warehouse):
    write_entity(landing, "providers", [
        dict(provider_id="TP1", provider_name="<b>Acme</b> Training 899-41-7725"),
        dict(provider_id="TP2", provider_name="Two SSNs 899417726 899 41 7738, phone 614-555-1234"),
        dict(provider_id="TP3")])
    header = ENTITIES_BY_NAME["programs"].column_names + ["contact_note"]
    write_lines(landing, "providers", "programs.csv", entity_lines("programs", [
        dict(program_id="PRG1", contact_note="call re SSN 899-41-7739"), dict(program_id="PRG2", contact_note="ok")],
        header=header))
    log: list[str] = []
    providers, programs = load(con, landing, "providers", log), load(con, landing, "programs", log)

    assert providers.blocking_problems == [] and programs.blocking_problems == []
    assert fetch(con, "SELECT provider_name FROM raw.providers ORDER BY provider_id") == [
        ("<b>Acme</b> Training ***-**-****",), ("Two SSNs ***-**-**** ***-**-****, phone 614-555-1234",),
        ("Columbus Welding Institute, LLC",)]
    assert fetch(con, "SELECT contact_note FROM raw.programs ORDER BY program_id") == [
        ("call re SSN ***-**-****",), ("ok",)]
    warnings = [q for e in ("providers", "programs") for q in quarantine(con, e) if q[3].startswith("pii:ssn_in_text")]
    assert [(q[1], q[2], q[4], q[5]) for q in warnings] == [
        (2, "provider_name", "<b>Acme</b> Training ***-**-****", "warning"),
        (3, "provider_name", "Two SSNs ***-**-**** ***-**-****, phone 614-555-1234", "warning"),
        (2, "contact_note", "call re SSN ***-**-****", "warning")]
    con.close()
    assert_nowhere(["899-41-7725", "899417726", "899 41 7738", "899-41-7739"], everything_stored(warehouse),
                   said(providers, log), said(programs, log))


# ---------------------------------------------------------------- 3. unknown columns of files about people

def test_extra_columns_of_files_about_people_are_dropped_before_anything_is_written(con, landing, warehouse):
    # The case pii-valid-rows-extra-columns: a second training_records file with extra columns.
    header = ENTITIES_BY_NAME["training_records"].column_names + ["student_full_name", "ssn_confirm",
                                                                    "dob_confirm", "case_notes"]
    write_lines(landing, "providers", "training_records_2021extra.csv", [
        csv_line(header),
        csv_line(["TR9", "PRG1", "899-41-7727", "Ophelianne", "Vandersnoot", "1939-04-14", "2021-01-04", "",
                  "enrolled", "0", "", "Ophelianne Vandersnoot", "899-41-7727", "1939-04-14",
                  "client Ophelianne Vandersnoot SSN 899417727 DOB 04/14/1939"]),
        csv_line(["TR8", "PRG1", "", "Ana", "Ortiz", "1990-03-15", "2021-01-04", "", "enrolled", "0", "",
                  "", "", "", ""])])
    write_entity(landing, "participants", [dict(individual_id="P1", note="Ophelianne's cousin")],
                 header=ENTITIES_BY_NAME["participants"].column_names + ["Note"])
    log: list[str] = []
    records, people = load(con, landing, "training_records", log), load(con, landing, "participants", log)

    assert records.blocking_problems == [] and records.rows_loaded == 2 and people.rows_loaded == 1
    assert records.extra_columns == [] and records.dropped_columns == ["student_full_name", "ssn_confirm",
                                                                       "dob_confirm", "case_notes"]
    columns = {r[0] for r in fetch(con, "DESCRIBE raw.training_records")}
    assert not columns & {"student_full_name", "ssn_confirm", "dob_confirm", "case_notes"}
    assert "note" not in {r[0] for r in fetch(con, "DESCRIBE raw.participants")}
    [warning] = [q for q in quarantine(con, "training_records") if q[3].startswith("extra_column_dropped")]
    assert warning[:3] == ("providers/training_records_2021extra.csv", 1,
                           "student_full_name, ssn_confirm, dob_confirm, case_notes")
    assert warning[5] == "warning" and "1 rows had values" in warning[3]
    assert any("training_records_2021extra.csv" in line and "dropped" in line for line in log)
    con.close()
    assert_nowhere(["Ophelianne", "Vandersnoot", "899-41-7727", "899417727", "1939-04-14", "04/14/1939"],
                   everything_stored(warehouse), said(records, log), said(people, log))


def test_a_column_named_like_an_ssn_is_never_kept(con, landing, warehouse):
    header = ENTITIES_BY_NAME["programs"].column_names + ["899-41-7740"]
    write_lines(landing, "providers", "programs.csv", entity_lines("programs", [dict(program_id="PRG1")], header))
    result = load(con, landing, "programs")
    assert result.extra_columns == [] and result.dropped_columns == ["***-**-****"]
    con.close()
    assert "899-41-7740" not in everything_stored(warehouse) + said(result, [])


# ---------------------------------------------------------------- 4. columns without a name

@pytest.mark.parametrize("trailing", [1, 2, 5])
def test_unnamed_trailing_columns_are_ignored_however_many(con, landing, trailing):
    # Excel's trailing commas: `...,etpl_status,,` and `...,approved,,` (CRLF).
    lines = entity_lines("programs", [dict(program_id="PRG1"), dict(program_id="PRG2")])
    write_lines(landing, "providers", "programs.csv", [line + "," * trailing for line in lines], newline="\r\n")
    log: list[str] = []
    result = load(con, landing, "programs", log)
    assert result.problems == [] and result.rows_loaded == 2 and result.extra_columns == []
    assert {r[0] for r in fetch(con, "DESCRIBE raw.programs")} >= {"program_id", "etpl_status"}
    assert not any(r[0].startswith("column") for r in fetch(con, "DESCRIBE raw.programs"))
    assert any(f"{trailing} column(s) without a name" in line for line in log)


def test_an_unnamed_column_with_values_is_ignored_with_a_warning(con, landing):
    lines = entity_lines("programs", [dict(program_id="PRG1"), dict(program_id="PRG2")])
    write_lines(landing, "providers", "programs.csv", [lines[0] + ",", lines[1] + ",stray", lines[2] + ","])
    result = load(con, landing, "programs")
    [warning] = result.problems
    assert warning.severity == "warning" and "1 rows had values" in warning.rule and result.rows_loaded == 2


def test_a_name_twice_is_still_refused_and_named(con, landing):
    header = ENTITIES_BY_NAME["programs"].column_names + ["Program_Name"]
    write_lines(landing, "providers", "programs.csv", entity_lines("programs", [dict(program_id="PRG1")], header))
    result = load(con, landing, "programs")
    assert result.stopped and [(p.column_name, p.rule.split(" ")[0]) for p in result.problems] == [
        ("program_name", "duplicate_column")]


# ---------------------------------------------------------------- 5. files that are not what they say

def _xlsx(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("xl/worksheets/sheet1.xml", "<row>899-41-7799 Jane Doe</row>")


def _zip(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("laus.csv", "area_fips,year\n899-41-7799,2020\n")


@pytest.mark.parametrize("make, says", [
    (_xlsx, "this is an Excel workbook (.xlsx), not CSV"),
    (_zip, "this is a zip archive, not CSV"),
    (lambda p: p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600), "Excel 97-2003 workbook"),
    (lambda p: p.write_bytes("area_fips,year\r\n899-41-7799,2020\r\n".encode("utf-16")), "UTF-16 text"),
    (lambda p: p.write_bytes(b""), "file:empty (the file is 0 bytes"),
])
def test_a_file_that_is_not_csv_says_what_it_is(con, landing, warehouse, make, says):
    write_entity(landing, "laus", [])  # placeholder so the folder exists
    (landing / "labor_market/laus.csv").unlink()
    make(landing / "labor_market/laus.csv")
    result = load(con, landing, "laus")
    assert result.stopped
    [problem] = result.problems
    assert says in problem.rule
    assert says.startswith("file:empty") or "save it as \"CSV UTF-8" in problem.rule
    assert "encoding" not in problem.rule and "missing_column" not in problem.rule
    assert fetch(con, "SELECT status FROM raw.load_log") == [("refused",)]
    con.close()
    assert_nowhere(["899-41-7799", "Jane Doe"], everything_stored(warehouse), str(problem))


def test_a_link_to_a_file_outside_the_landing_directory_is_refused_unread(con, landing, warehouse, tmp_path):
    """A symlink `laus_link.csv -> <outside>/secret.csv` is not a delivery: refused by its own
    (masked) name, its target's content never read into any table; a link inside the landing
    directory (an operator's alias) still loads."""
    write_entity(landing, "laus", [])
    outside = tmp_path / "elsewhere" / "secret.csv"
    outside.parent.mkdir()
    outside.write_text("area_fips,year,month,labor_force,employed,unemployed,unemployment_rate\n"
                       "899-41-7799,2020,4,1000,900,100,10.0\n")
    (landing / "labor_market/laus.csv").unlink()
    (landing / "labor_market/laus_link.csv").symlink_to(outside)
    result = load(con, landing, "laus")
    assert result.stopped
    [problem] = result.problems
    assert problem.rule.startswith("file:outside_landing") and problem.source_file.startswith("labor_market/laus_")
    assert fetch(con, "SELECT status FROM raw.load_log") == [("refused",)]
    con.close()
    assert_nowhere(["899-41-7799"], everything_stored(warehouse), str(problem))


def test_a_link_inside_the_landing_directory_still_loads(con, landing):
    write_entity(landing, "laus", [])
    (landing / "labor_market/laus.csv").unlink()
    kept = landing / "archive" / "laus_2020.csv"
    kept.parent.mkdir()
    kept.write_text("area_fips,year,month,labor_force,employed,unemployed,unemployment_rate\n"
                    "39041,2020,4,1000,900,100,10.0\n")
    (landing / "labor_market/laus.csv").symlink_to(kept)
    result = load(con, landing, "laus")
    assert not result.stopped and result.rows_loaded == 1, result.problems


@pytest.mark.parametrize("quoted", [False, True])
def test_an_over_long_row_is_refused_with_its_real_line_number(con, landing, warehouse, quoted):
    header = "area_fips,year,month,labor_force,employed,unemployed,unemployment_rate"
    good = "39041,2020,4,1000,900,100,10.0"
    long = ('39041,2020,5,1000,900,100,"' + "899-41-7798 " * 200_000 + "\n" + good) if quoted else \
        ("39041,2020,5,1000,900,100," + "899-41-7798 " * 200_000)
    write_lines(landing, "labor_market", "laus.csv", [header, good, good.replace(",4,", ",6,"), long, good])
    result = load(con, landing, "laus")
    assert result.stopped
    [problem] = result.problems
    assert problem.rule.startswith("csv:row_too_long (the row starting on line 4 is more than 2 MB long")
    assert ("never closes" in problem.rule) is quoted
    con.close()
    assert_nowhere(["899-41-7798"], everything_stored(warehouse), str(problem))


# ---------------------------------------------------------------- 6. deliveries that shrink

def _training_records(n: int) -> list[dict]:
    return [dict(record_id=f"TR{i}", program_id="PRG1", first_name="Ana", last_name="Ortiz",
                 date_of_birth="1990-03-15", enrollment_date="2020-01-06", completion_status="enrolled",
                 credential_type="0") for i in range(n)]


def _write_training(landing: Path, n: int) -> None:
    header = ENTITIES_BY_NAME["training_records"].column_names
    lines = [csv_line(header)] + [csv_line(r.get(h, "") for h in header) for r in _training_records(n)]
    write_lines(landing, "providers", "training_records.csv", lines)


def test_a_header_only_delivery_is_blocked_and_raw_kept(con, landing):
    _write_training(landing, 10)
    assert load(con, landing, "training_records").rows_loaded == 10
    before = snapshot(con, "raw.training_records")
    _write_training(landing, 0)  # a failed export: the header only
    log: list[str] = []

    result = load(con, landing, "training_records", log, now=NOW + dt.timedelta(days=1))

    assert result.shrink_blocked and snapshot(con, "raw.training_records") == before
    [problem] = result.blocking_problems
    assert problem.source_file == "providers/training_records.csv"
    assert problem.rule.startswith(f"{SHRINK_RULE} (this delivery would shrink raw.training_records from 10 to 0 rows")
    assert "--accept-shrink training_records" in problem.rule
    assert [(q[0], q[3][:13], q[5]) for q in quarantine(con, "training_records")] == [
        ("providers/training_records.csv", SHRINK_RULE, "error")]
    assert fetch(con, "SELECT status FROM raw.load_log ORDER BY loaded_at DESC LIMIT 1") == [("blocked",)]
    assert any("STOPPED by the volume rule" in line and "from 10 to 0" in line for line in log)
    assert fetch(con, "SELECT count(*) FROM raw.load_state WHERE entity = 'training_records'") == [(0,)]

    accepted = load(con, landing, "training_records", now=NOW + dt.timedelta(days=2), accept_shrink=True)
    assert not accepted.shrink_blocked and accepted.blocking_problems == [] and accepted.rows_loaded == 0


@pytest.mark.parametrize("rows, share, blocked", [(2, 0.5, False), (1, 0.5, True), (1, 0.8, False), (3, 0.0, True)])
def test_the_volume_rule_on_a_single_file_entity(con, landing, rows, share, blocked):
    laus = [dict(area_fips="39041", year="2020", month=str(m), labor_force="1000", employed="900",
                 unemployed="100", unemployment_rate="10.0") for m in range(1, 5)]
    header = ENTITIES_BY_NAME["laus"].column_names
    write_lines(landing, "labor_market", "laus.csv", [csv_line(header)] + [csv_line(r[h] for h in header) for r in laus])
    load(con, landing, "laus")
    write_lines(landing, "labor_market", "laus.csv", [csv_line(header)] + [csv_line(r[h] for h in header)
                                                                           for r in laus[:rows]])
    result = load(con, landing, "laus", now=NOW + dt.timedelta(days=1), max_shrink_share=share)
    assert result.shrink_blocked is blocked
    assert fetch(con, "SELECT count(*) FROM raw.laus") == [(4 if blocked else rows,)]


def test_a_blocked_delivery_fails_the_raw_gate(landing, warehouse, monkeypatch):
    from orchestration.checks.gates import Gate, run_gate
    from orchestration.resources import environment_settings
    from orchestration.asset_keys import raw_asset_key

    with duckdb.connect(str(warehouse)) as c:
        _write_training(landing, 4)
        load(c, landing, "training_records")
        _write_training(landing, 0)
        load(c, landing, "training_records", now=NOW + dt.timedelta(days=1))
    monkeypatch.setenv("O4O_WAREHOUSE_PATH", str(warehouse))
    monkeypatch.setenv("O4O_PUBLISH_PATH", str(warehouse.parent / "mart.duckdb"))
    gate = Gate("raw", raw_asset_key("training_records"), "raw.training_records", "raw/training_records")
    verdict = run_gate(gate, environment_settings())
    assert not verdict.passed
    assert SHRINK_RULE in verdict.metadata["failures"].value
    # the foreign-key rule cannot run without raw.programs: the gate says so instead of crashing
    assert "programs does not exist" in verdict.metadata["failures"].value


# ---------------------------------------------------------------- 7. amended wage quarters

def _wage_rows(*rows) -> list[dict]:
    return [dict(ssn=s, employer_id=e, year="2023", quarter="2", wages=w) for s, e, w in rows]


def test_an_amended_quarter_replaces_the_employers_quarter(con, landing):
    # The case: a full re-extract of 2023Q2 the next night; one wage corrected, one worker moved
    # from UI1 to the account they belong to, UI2. Nothing doubles, nothing is lost.
    write_entity(landing, "wage_records", _wage_rows(("212456781", "UI1", "100.00"), ("212456782", "UI1", "200.00"),
                                                     ("212456783", "UI1", "300.00"), ("212456784", "UI3", "400.00")),
                 file_name="wage_records_2023q2.csv")
    load(con, landing, "wage_records")
    write_entity(landing, "wage_records", _wage_rows(("212456781", "UI1", "150.00"), ("212456782", "UI2", "200.00"),
                                                     ("212456783", "UI1", "300.00"), ("212456784", "UI3", "400.00")),
                 file_name="wage_records_2023q2_amended.csv")
    log: list[str] = []

    result = load(con, landing, "wage_records", log, now=NOW + dt.timedelta(days=1))

    rows = sorted((r[0][-1], r[1], r[2]) for r in fetch(con, """SELECT w.participant_key, w.employer_id, w.wages
        FROM raw.wage_records w"""))
    assert len(rows) == 4
    by_worker = {hmac_hex(KEY, f"ssn:21245678{i}"): i for i in range(1, 5)}
    got = sorted((by_worker[k], e, w) for k, e, w in fetch(con, "SELECT participant_key, employer_id, wages "
                                                                "FROM raw.wage_records"))
    assert got == [(1, "UI1", Decimal("150.00")), (2, "UI2", Decimal("200.00")), (3, "UI1", Decimal("300.00")),
                   (4, "UI3", Decimal("400.00"))]
    assert (result.rows_loaded, result.rows_replaced, result.rows_dropped_by_amendments) == (4, 4, 1)
    assert any("4 rows of earlier deliveries replaced" in line and "1 of them absent" in line for line in log)


def test_an_amendment_appended_equals_a_full_load(tmp_path, landing):
    write_entity(landing, "wage_records", _wage_rows(("212456781", "UI1", "100.00"), ("212456782", "UI1", "200.00")),
                 file_name="wage_records_2023q2.csv")
    with duckdb.connect(str(tmp_path / "incremental.duckdb")) as c:
        load(c, landing, "wage_records")
        write_entity(landing, "wage_records", _wage_rows(("212456781", "UI1", "110.00")),
                     file_name="wage_records_2023q2_amended.csv")
        later = load(c, landing, "wage_records", now=NOW + dt.timedelta(days=1))
        incremental = sorted(fetch(c, "SELECT * EXCLUDE (_loaded_at) FROM raw.wage_records"))
    with duckdb.connect(str(tmp_path / "full.duckdb")) as c:
        load(c, landing, "wage_records", now=NOW + dt.timedelta(days=1))
        full = sorted(fetch(c, "SELECT * EXCLUDE (_loaded_at) FROM raw.wage_records"))
    assert incremental == full and len(full) == 1 and later.mode == "full"  # rebuilt: a row was dropped


def test_other_entities_still_replace_by_key(con, landing):
    write_entity(landing, "providers", [dict(provider_id="TP1"), dict(provider_id="TP2")])
    write_entity(landing, "providers", [dict(provider_id="TP1", provider_name="Renamed")],
                 file_name="providers_fix.csv")
    result = load(con, landing, "providers")
    assert sorted(fetch(con, "SELECT provider_id, provider_name FROM raw.providers")) == [
        ("TP1", "Renamed"), ("TP2", "Columbus Welding Institute, LLC")]
    assert (result.rows_replaced, result.rows_dropped_by_amendments) == (1, 0)


# ---------------------------------------------------------------- 8. file names

def test_a_file_name_with_a_name_and_ssn_is_stored_and_shown_masked(con, landing, warehouse):
    name = "training_records_fix_Jane_Doe_899-41-7741.csv"
    header = ENTITIES_BY_NAME["training_records"].column_names
    write_lines(landing, "providers", "training_records.csv",
                [csv_line(header)] + [csv_line(r.get(h, "") for h in header) for r in _training_records(2)])
    write_lines(landing, "providers", name, [csv_line(header), csv_line(["TR77777701", "PRG1", "", "Ana", "Ortiz",
                                                                         "1990-03-15", "2020-01-06", "", "x", "0", ""])])
    log: list[str] = []
    result = load(con, landing, "training_records", log)
    label = "providers/training_records_fix_Xxxx_Xxx_***-**-****.csv"
    assert file_label(f"providers/{name}") == label and label in [f["source_file"] for f in result.files]
    assert fetch(con, "SELECT DISTINCT _source_file FROM raw.training_records WHERE record_id = 'TR77777701'") == [
        (label,)]
    con.close()
    assert_nowhere(["Jane", "899-41-7741"], everything_stored(warehouse), said(result, log))


@pytest.mark.parametrize("name, label", [
    ("labor_market/wage_records_2023q2_amended.csv", "labor_market/wage_records_2023q2_amended.csv"),
    ("job_center/participation_2024b.csv", "job_center/participation_2024b.csv"),
    ("providers/training_records 899 41 7741 (copy).csv", "providers/training_records ***-**-**** (copy).csv"),
    ("providers/programs_Müller.csv", "providers/programs_Xxxxxx.csv"),
])
def test_file_labels_keep_delivery_words_and_mask_the_rest(name, label):
    assert file_label(name) == label and file_label(label) == label


def test_the_generator_never_draws_a_placeholder_ssn():
    import numpy as np

    from orchestration.generate.people import draw_ssns

    class Draws:  # a generator whose first draws are the placeholder 123-45-6789, then ordinary numbers
        def integers(self, low, high, size, dtype):
            placeholder = (123 - 1) * 99 * 9_999 + (45 - 1) * 9_999 + (6789 - 1)
            return np.array([placeholder] + list(range(1, size)), dtype=dtype)[:size]

    drawn = draw_ssns(Draws(), 3)
    assert 123456789 not in drawn and len(drawn) == 3


def test_value_masks():
    assert mask_ssn_shapes("a 899-41-7741 b 899417742 c 899 41 7743") == "a ***-**-**** b ***-**-**** c ***-**-****"
    assert mask_ssn_shapes("8994177421 and 614-555-1234") == "8994177421 and 614-555-1234"
    assert shape("Jane Doe 1937-02-11") == "Xxxx Xxx 9999-99-99"
    assert "078051120" in PLACEHOLDER_SSNS
