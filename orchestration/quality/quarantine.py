"""Row-level failures of the raw feed-contract suites, written to `raw.quarantine`.

The loader quarantines what it cannot parse; the raw GX suites find the rest (a code
outside its list, an orphan foreign key, a duplicate key, exit before entry). Both end
up in the one table, so a partner sees every bad row of a delivery with file, row,
column, rule and value, and the gate's summary counts them per file and rule.

Values are masked as the gate's samples are (quality/masking.py). A built-in expectation's rows
come back from GX; a SQL rule's rows are listed by running its query again inside DuckDB
(`INSERT ... SELECT`), so a delivery with a million bad rows never passes through Python.
"""

from __future__ import annotations

import re

import duckdb
import pandas as pd

from ..ingest.loader import RAW_SCHEMA
from .suites import LOCATOR, ROW_LOCATOR, SuiteResult, suite_rules
from .masking import mask_ssn, masker

QUARANTINE_COLUMNS = ["entity", "source_file", "row_number", "column_name", "rule", "value", "severity"]
_JOIN = re.compile(r"\bjoin\b", re.IGNORECASE)


def forget_expectation_failures(con: duckdb.DuckDBPyConnection, entity: str, suite_name: str) -> None:
    """Drop what an earlier run of this suite recorded, so re-running the gate never doubles rows."""
    con.execute(f"DELETE FROM {RAW_SCHEMA}.quarantine WHERE entity = ? AND list_contains(?, rule)",
                [entity, suite_rules(suite_name)])


def _batch(relation: str, where: str | None, query: str) -> str:
    """`{batch}` as GX fills it on a SQL engine: aliased unless the query joins (then the query
    aliases it itself)."""
    batch = f"(SELECT * FROM {relation}" + (f" WHERE {where}" if where else "") + ")"
    return batch if _JOIN.search(query) else f"{batch} AS subselect"


def record_expectation_failures(con: duckdb.DuckDBPyConnection, entity: str, result: SuiteResult,
                                relation: str, where: str | None = None) -> int:
    """Insert one quarantine row per offending row of each failed expectation; returns the count."""
    shown = masker(result.by_shape)
    for name, mask in (("o4o_shown", shown), ("o4o_where", mask_ssn)):
        con.create_function(name, _as_text(mask), ["VARCHAR"], "VARCHAR", null_handling="special", side_effects=False)
    rows, inserted = [], 0
    try:
        for failed in result.failed:
            if failed.error:  # the rule could not run (e.g. a table it reads is missing): the gate says so
                continue
            if failed.query:
                inserted += _insert_sql_rule(con, entity, failed, relation, where)
                continue
            for row in failed.rows:
                values = [shown(v) for k, v in row.items() if k not in ROW_LOCATOR]
                rows.append((entity, mask_ssn(row.get("_source_file")), row.get("_row_number"), failed.column, failed.rule,
                             ", ".join("" if v is None else str(v) for v in values) or None, failed.severity))
        if rows:
            frame = pd.DataFrame(rows, columns=QUARANTINE_COLUMNS).astype({"row_number": "Int64"})  # noqa: F841
            con.execute(f"INSERT INTO {RAW_SCHEMA}.quarantine SELECT * FROM frame")
    finally:
        con.remove_function("o4o_shown")
        con.remove_function("o4o_where")
    return inserted + len(rows)


def _as_text(mask):
    def masked(value: str | None) -> str | None:
        return None if value is None else str(mask(value))
    return masked


def _insert_sql_rule(con: duckdb.DuckDBPyConnection, entity: str, failed, relation: str, where: str | None) -> int:
    """Every row of a failed SQL rule, listed by its own query (its values masked by o4o_shown)."""
    query = failed.query.format(batch=_batch(relation, where, failed.query))
    columns = [d[0] for d in con.execute(f"SELECT * FROM ({query}) AS q LIMIT 0").description]
    values = [c for c in columns if c not in LOCATOR]
    value = "concat_ws(', ', " + ", ".join(f'CAST(q."{c}" AS VARCHAR)' for c in values) + ")" if values else "NULL"
    locate = {c: (f'q."{c}"' if c in columns else "NULL") for c in ROW_LOCATOR}
    return con.execute(
        f"""INSERT INTO {RAW_SCHEMA}.quarantine SELECT ?, o4o_where({locate['_source_file']}),
            {locate['_row_number']}, ?, ?, o4o_shown({value}), ? FROM ({query}) AS q""",
        [entity, ",".join(values) or None, failed.rule, failed.severity]).fetchone()[0]


def summary_by_file_and_rule(con: duckdb.DuckDBPyConnection, entity: str) -> list[str]:
    """'file: rule (severity) - N rows', one line per file and rule, errors first."""
    rows = con.execute(f"""SELECT source_file, rule, severity, count(*) FROM {RAW_SCHEMA}.quarantine
        WHERE entity = ? GROUP BY source_file, rule, severity ORDER BY severity = 'warning', source_file, rule""", [entity]).fetchall()
    return [f"{f}: {rule}" + (" (warning, not blocking)" if sev == "warning" else "") + f" - {n:,} rows"
            for f, rule, sev, n in rows]
