"""SQL for parsing landed text values into typed columns, and the row-level rules the loader
checks before anything is written.

Every landed value arrives as trimmed text (empty -> NULL). A value that is present but
does not match its type's pattern is a parse error: the row is quarantined under the
rule named here. PII found where it does not belong is handled here too (ssn.py says what
an SSN looks like): an SSN-shaped value in a code or number column keeps its row out of
raw, inside free text it is masked in place, in a person identifier it is pseudonymized.
What the quarantine shows of a value follows masking.py.

"SSN-shaped" (ssn.py): the whole value of a code, number or identifier; any run inside
free text.
"""

from __future__ import annotations

from dataclasses import dataclass

from .feeds import BIRTH_DATE, DATE, DECIMAL, INT, MONEY, NAME, PII_TYPES, SSN, TEXT, Column, Entity
from .masking import mask_ssn_shapes_sql, shape_sql
from .ssn import SSN_FORMAT, has_ssn_shape_sql, is_ssn_shaped_sql, issuable_ssn_sql

SEVERITY_ERROR = "error"
SEVERITY_WARNING = "warning"

# type -> (rule name shown to partners, regular expression, DuckDB cast of the matched text)
TYPE_RULES: dict[str, tuple[str, str, str]] = {
    INT: ("type:integer", r"^-?[0-9]{1,18}$", "CAST({v} AS BIGINT)"),
    MONEY: ("type:money (dollars, at most 2 decimals)", r"^-?[0-9]{1,12}(\.[0-9]{1,2})?$", "CAST({v} AS DECIMAL(14,2))"),
    DECIMAL: ("type:decimal", r"^-?[0-9]{1,12}(\.[0-9]+)?$", "CAST({v} AS DOUBLE)"),
    DATE: ("type:date (YYYY-MM-DD, a real calendar date)", r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$", "CAST(try_strptime({v}, '%Y-%m-%d') AS DATE)"),
    BIRTH_DATE: ("type:date (YYYY-MM-DD, a real calendar date)", r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$", "CAST(try_strptime({v}, '%Y-%m-%d') AS DATE)"),
    # SSN_FORMAT admits digits and dashes only: its digits are the value without dashes (a plain
    # replace costs a fraction of a regular expression, and the typed SSN uses them six times)
    SSN: ("format:ssn (9 digits, dashes allowed)", SSN_FORMAT, "replace({v}, '-', '')"),
}
REQUIRED_RULE = "required"
SSN_NOT_ISSUED_KEPT = ("ssn:never_issued (an SSN SSA never issues - area 000, 666, 900-999, group 00, serial 0000 - "
                       "or a known placeholder or example number: treated as missing, the person is matched by "
                       "name and birth date)")
SSN_NOT_ISSUED_DROPPED = ("ssn:never_issued (an SSN SSA never issues - area 000, 666, 900-999, group 00, serial 0000 - "
                          "or a known placeholder or example number: the wage record cannot be matched to a worker "
                          "and is left out of raw)")
SSN_SHAPED_VALUE = ("pii:ssn_shaped_value (an SSN-shaped number in a column not meant for SSNs: the row is left out "
                    "of raw and the value is not shown)")
SSN_IN_TEXT = "pii:ssn_in_text (an SSN-shaped number inside free text: masked in place as ***-**-****, row kept)"
SSN_SHAPED_ID = ("pii:ssn_shaped_id (an individual identifier must never be an SSN, PIRL 100: pseudonymized before "
                 "raw as ssn-shaped-id:..., ask the partner for the case-management identifier)")


@dataclass(frozen=True)
class RowCheck:
    """One row-level rule on one column of the landed text."""
    column: str
    rule: str
    predicate: str  # SQL, true for an offending row
    severity: str = SEVERITY_ERROR
    keeps_row: bool = False  # False: the row is kept out of raw (quarantined)


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def sql_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _digits(v: str) -> str:
    return f"regexp_replace({v}, '[^0-9]', '', 'g')"


def typed_expr(col: Column) -> str:
    """Typed value of `col`, NULL when empty, when an `na_code`, or when unparseable; an SSN
    SSA never issues is NULL too (treated as missing: ssn.py)."""
    v = quote_ident(col.name)
    if col.type in (TEXT, NAME):
        return v
    if col.na_codes:
        v = f"CASE WHEN {v} IN ({', '.join(map(sql_literal, col.na_codes))}) THEN NULL ELSE {v} END"
    _, pattern, cast = TYPE_RULES[col.type]
    if col.type == SSN:
        digits = cast.format(v=v)
        return f"CASE WHEN regexp_full_match({v}, {sql_literal(pattern)}) AND {issuable_ssn_sql(digits)} " \
               f"THEN {digits} END"
    return f"CASE WHEN regexp_full_match({v}, {sql_literal(pattern)}) THEN {cast.format(v=v)} END"


def parse_error_checks(col: Column) -> list[tuple[str, str]]:
    """(rule, SQL predicate true for a violating row) for the parse-level rules of `col`."""
    v = quote_ident(col.name)
    checks: list[tuple[str, str]] = []
    if col.required:
        checks.append((REQUIRED_RULE, f"{v} IS NULL"))
    if col.type == SSN:
        checks.append((TYPE_RULES[SSN][0], f"{v} IS NOT NULL AND NOT regexp_full_match({v}, {sql_literal(SSN_FORMAT)})"))
    elif col.type in TYPE_RULES:
        rule = TYPE_RULES[col.type][0]
        checks.append((rule, f"{v} IS NOT NULL AND {typed_expr(col)} IS NULL"
                       + (f" AND {v} NOT IN ({', '.join(map(sql_literal, col.na_codes))})" if col.na_codes else "")))
    return checks


def pii_checks(col: Column) -> list[RowCheck]:
    """PII where the column does not expect it: a never-issued SSN in an SSN column, an SSN
    shape in any other column."""
    v = quote_ident(col.name)
    if col.type == SSN:
        never_issued = f"regexp_full_match({v}, {sql_literal(SSN_FORMAT)}) AND NOT {issuable_ssn_sql(_digits(v))}"
        # A wage record (SSN required) is nobody's without it; a person falls back to name + birth date.
        return [RowCheck(col.name, SSN_NOT_ISSUED_DROPPED if col.required else SSN_NOT_ISSUED_KEPT, never_issued,
                         SEVERITY_WARNING, keeps_row=not col.required)]
    if col.type in PII_TYPES:
        return []
    if col.free_text:
        holds = f"length({v}) >= 9 AND {has_ssn_shape_sql(v)}"  # the length test spares most values the regex
        return [RowCheck(col.name, SSN_IN_TEXT, holds, SEVERITY_WARNING, keeps_row=True)]
    shaped = ssn_shaped_value_sql(v, written_only=col.nine_digits_ok)
    if col.person_id:
        return [RowCheck(col.name, SSN_SHAPED_ID, shaped, SEVERITY_ERROR, keeps_row=True)]
    return [RowCheck(col.name, SSN_SHAPED_VALUE, shaped)]


def ssn_shaped_value_sql(v: str, written_only: bool = False) -> str:
    """SQL predicate: the whole value of a code, number or identifier is SSN-shaped (ssn.py)."""
    return f"length({v}) BETWEEN 9 AND 11 AND {is_ssn_shaped_sql(v, written_only)}"  # length spares the regex


def row_checks(entity: Entity) -> list[RowCheck]:
    """Every row-level rule the loader checks on the contract columns. (Extra columns kept in
    raw are free text: the loader scans them all at once for SSN shapes, see SSN_IN_TEXT.)"""
    checks = []
    for col in entity.columns:
        checks += [RowCheck(col.name, rule, predicate) for rule, predicate in parse_error_checks(col)]
        checks += pii_checks(col)
    return checks


def breaks_a_rule_sql(col: Column, typed: str) -> str | None:
    """SQL true exactly when `col`'s landed text breaks one of its row_checks rules, given
    `typed`, the column's typed value (typed_expr) computed once beside it: the type's pattern
    is not evaluated a second time, so the loader types and checks in one pass. None when the
    column has no rule. (An SSN of the wrong format and one SSA never issues are exactly the
    present values typed to NULL.)"""
    v = quote_ident(col.name)
    parts = [f"{v} IS NULL"] if col.required else []
    if col.type in TYPE_RULES:
        na = f" AND {v} NOT IN ({', '.join(map(sql_literal, col.na_codes))})" if col.na_codes and col.type != SSN else ""
        parts.append(f"{v} IS NOT NULL AND {typed} IS NULL{na}")
    if col.type != SSN:
        parts += [c.predicate for c in pii_checks(col)]
    return " OR ".join(f"({p})" for p in parts) or None


def stored_expr(col: Column) -> str:
    """What raw keeps of a text column that is not a PII column: free text with SSN shapes
    masked; otherwise the text as landed (rows with SSN shapes never get here)."""
    v = quote_ident(col.name)
    return mask_ssn_shapes_sql(v) if col.free_text else v


def shown_value(column: str, entity: Entity) -> str:
    """The offending value as written to quarantine (masking.py): PII columns only by length,
    values of a file about people by shape, others with SSN shapes masked."""
    col = next((c for c in entity.columns if c.name == column), Column(column))
    v = quote_ident(column)
    if col.type in PII_TYPES:
        return f"'<redacted ' || coalesce(length({v}), 0) || ' chars>'"
    if entity.has_pii:
        return f"left({shape_sql(v)}, 200)"
    return f"left({mask_ssn_shapes_sql(v)}, 200)"
