"""Row-level failures of the raw feed-contract suites, written to `raw.quarantine`.

The loader quarantines what it cannot parse; the raw GX suites find the rest (a code
outside its list, an orphan foreign key, a duplicate key, exit before entry). Both end
up in the one table, so a partner sees every bad row of a delivery with file, row,
column, rule and value, and the gate's summary counts them per file and rule.
"""

from __future__ import annotations

import re

import duckdb

from ..ingest.loader import RAW_SCHEMA
from .gx_suites import ROW_LOCATOR, SuiteResult, load_suite

# Raw tables hold no SSNs, but an id column could carry one by mistake (feeds.md:
# individual_id is "never an SSN"): such a value is masked in the quarantine too.
_SSN_SHAPE = re.compile(r"^\d{3}-?\d{2}-?\d{4}$")


def suite_rules(suite_name: str) -> list[str]:
    return sorted({(e.get("meta") or {}).get("rule", e["type"]) for e in load_suite(suite_name)["expectations"]})


def forget_expectation_failures(con: duckdb.DuckDBPyConnection, entity: str, suite_name: str) -> None:
    """Drop what an earlier run of this suite recorded, so re-running the gate never doubles rows."""
    rules = suite_rules(suite_name)
    con.execute(f"DELETE FROM {RAW_SCHEMA}.quarantine WHERE entity = ? AND list_contains(?, rule)",
                [entity, rules])


def _shown(value) -> str | None:
    if value is None:
        return None
    text = str(value)
    return "***-**-****" if _SSN_SHAPE.match(text) else text


def record_expectation_failures(con: duckdb.DuckDBPyConnection, entity: str, result: SuiteResult) -> int:
    """Insert one quarantine row per offending row of each failed expectation; returns the count."""
    rows = []
    for failed in result.failed:
        for row in failed.rows:
            values = [_shown(v) for k, v in row.items() if k not in ROW_LOCATOR]
            rows.append((entity, row.get("_source_file"), row.get("_row_number"), failed.column, failed.rule,
                         ", ".join("" if v is None else v for v in values) or None, failed.severity))
    if rows:
        con.executemany(f"INSERT INTO {RAW_SCHEMA}.quarantine VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    return len(rows)


def summary_by_file_and_rule(con: duckdb.DuckDBPyConnection, entity: str) -> list[str]:
    """'file: rule (severity) - N rows', one line per file and rule, errors first."""
    rows = con.execute(f"""SELECT source_file, rule, severity, count(*) FROM {RAW_SCHEMA}.quarantine
        WHERE entity = ? GROUP BY source_file, rule, severity ORDER BY severity = 'warning', source_file, rule""", [entity]).fetchall()
    return [f"{f}: {rule}" + (" (warning, not blocking)" if sev == "warning" else "") + f" - {n:,} rows"
            for f, rule, sev, n in rows]
