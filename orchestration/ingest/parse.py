"""SQL for parsing landed text values into typed columns, one rule per value type.

Every landed value arrives as trimmed text (empty -> NULL). A value that is present but
does not match its type's pattern is a parse error: the row is quarantined under the
rule named here, with the value masked when the column holds PII.
"""

from __future__ import annotations

from .feeds import BIRTH_DATE, DATE, DECIMAL, INT, MONEY, NAME, PII_TYPES, SSN, TEXT, Column

# type -> (rule name shown to partners, regular expression, DuckDB cast of the matched text)
TYPE_RULES: dict[str, tuple[str, str, str]] = {
    INT: ("type:integer", r"^-?[0-9]{1,18}$", "CAST({v} AS BIGINT)"),
    MONEY: ("type:money (dollars, at most 2 decimals)", r"^-?[0-9]{1,12}(\.[0-9]{1,2})?$", "CAST({v} AS DECIMAL(14,2))"),
    DECIMAL: ("type:decimal", r"^-?[0-9]{1,12}(\.[0-9]+)?$", "CAST({v} AS DOUBLE)"),
    DATE: ("type:date (YYYY-MM-DD, a real calendar date)", r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$", "CAST(try_strptime({v}, '%Y-%m-%d') AS DATE)"),
    BIRTH_DATE: ("type:date (YYYY-MM-DD, a real calendar date)", r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$", "CAST(try_strptime({v}, '%Y-%m-%d') AS DATE)"),
    SSN: ("format:ssn (9 digits, dashes allowed)", r"^[0-9]{3}-?[0-9]{2}-?[0-9]{4}$", "regexp_replace({v}, '[^0-9]', '', 'g')"),
}
REQUIRED_RULE = "required"


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def sql_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def typed_expr(col: Column) -> str:
    """Typed value of `col`, NULL when empty, when an `na_code`, or when unparseable."""
    v = quote_ident(col.name)
    if col.type in (TEXT, NAME):
        return v
    if col.na_codes:
        v = f"CASE WHEN {v} IN ({', '.join(map(sql_literal, col.na_codes))}) THEN NULL ELSE {v} END"
    _, pattern, cast = TYPE_RULES[col.type]
    return f"CASE WHEN regexp_full_match({v}, {sql_literal(pattern)}) THEN {cast.format(v=v)} END"


def parse_error_checks(col: Column) -> list[tuple[str, str]]:
    """(rule, SQL predicate true for a violating row) for the parse-level rules of `col`."""
    v = quote_ident(col.name)
    checks: list[tuple[str, str]] = []
    if col.required:
        checks.append((REQUIRED_RULE, f"{v} IS NULL"))
    if col.type in TYPE_RULES:
        rule = TYPE_RULES[col.type][0]
        checks.append((rule, f"{v} IS NOT NULL AND {typed_expr(col)} IS NULL"
                       + (f" AND {v} NOT IN ({', '.join(map(sql_literal, col.na_codes))})" if col.na_codes else "")))
    return checks


def shown_value(col: Column) -> str:
    """The offending value as written to quarantine: PII is never shown, only its length."""
    v = quote_ident(col.name)
    if col.type in PII_TYPES:
        return f"'<redacted ' || coalesce(length({v}), 0) || ' chars>'"
    return f"left({v}, 200)"
