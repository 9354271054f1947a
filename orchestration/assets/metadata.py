"""Materialization metadata read back from the warehouse: what a person checks in the Dagster UI.

Column schemas (with the dbt YAML descriptions) and row counts of the table as built, and for
the report models a small markdown preview of their headline numbers. dbt-duckdb holds the
warehouse's write lock for the whole `dbt build`, so the dbt events are held back until the
build ends and only then enriched from one read-only connection.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import duckdb
from dagster import AssetMaterialization, MetadataValue, Output, TableColumn, TableSchema
from dagster_dbt.errors import DagsterDbtCliRuntimeError

PREVIEW_ROWS = 12


def _exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return bool(con.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
                            [schema, table]).fetchone()[0])


def row_count(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> int | None:
    return con.execute(f'SELECT count(*) FROM "{schema}"."{table}"').fetchone()[0] if _exists(con, schema, table) else None


def column_schema(con: duckdb.DuckDBPyConnection, schema: str, table: str,
                  descriptions: Mapping[str, str] | None = None) -> TableSchema | None:
    """The relation's columns and types as DuckDB has them, described from the dbt YAML when given."""
    rows = con.execute("""SELECT column_name, data_type FROM information_schema.columns
        WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position""", [schema, table]).fetchall()
    if not rows:
        return None
    descriptions = descriptions or {}
    return TableSchema(columns=[TableColumn(name=n, type=t.lower(), description=descriptions.get(n) or None)
                                for n, t in rows])


def _fmt(value: Any, kind: str) -> str:
    if value is None:
        return "suppressed" if kind != "int" else "–"
    if kind == "rate":
        return f"{value:.1%}"
    if kind == "money":
        return f"${value:,.0f}"
    if kind == "pct":
        return f"{value:.1f}%"
    return f"{value:,}"


def _md(headers: list[str], rows: list[list[str]]) -> str:
    return "\n".join(["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
                     + ["| " + " | ".join(r) + " |" for r in rows])


INDICATOR_KIND = {"median_earnings_q2": "money"}


def _wioa_performance(con: duckdb.DuckDBPyConnection, relation: str) -> str:
    rows = con.execute(f"""SELECT exit_program_year, indicator, value, denominator FROM {relation}
        WHERE funding_stream = 'all' AND lwda_code = 'all' AND denominator > 0
          AND exit_program_year IN (SELECT DISTINCT exit_program_year FROM {relation}
                                    WHERE denominator > 0 ORDER BY 1 DESC LIMIT 3)
        ORDER BY exit_program_year DESC, indicator""").fetchall()
    table = [[str(y), i, _fmt(v, INDICATOR_KIND.get(i, "rate")), f"{d:,}"] for y, i, v, d in rows]
    return ("All funding streams and areas, the three latest program years with known outcomes "
            "(`suppressed`: denominator below the threshold).\n\n"
            + _md(["program year", "indicator", "value", "denominator"], table))


def _equity_outcomes(con: duckdb.DuckDBPyConnection, relation: str) -> str:
    year = con.execute(f"""SELECT max(exit_program_year) FROM {relation}
        WHERE indicator = 'employment_rate_q2' AND NOT is_suppressed AND lwda_code = 'all'""").fetchone()[0]
    rows = con.execute(f"""SELECT dimension, group_value, value, denominator FROM {relation}
        WHERE exit_program_year = ? AND funding_stream = 'all' AND lwda_code = 'all'
          AND indicator = 'employment_rate_q2'
        ORDER BY dimension, group_value""", [year]).fetchall()
    return (f"Employment rate Q2 after exit by group, program year {year}, all funding streams.\n\n"
            + _md(["dimension", "group", "employment rate Q2", "denominator"],
                  [[d, g, _fmt(v, "rate"), f"{n:,}"] for d, g, v, n in rows]))


def _provider_scorecard(con: duckdb.DuckDBPyConnection, relation: str) -> str:
    rows = con.execute(f"""SELECT program_id, provider_id, exit_program_year, exiters, completion_rate,
            employment_rate_q2, median_earnings_q2, earnings_change FROM {relation}
        QUALIFY row_number() OVER (PARTITION BY program_id ORDER BY is_suppressed, exit_program_year DESC) = 1
        ORDER BY exiters DESC, program_id LIMIT {PREVIEW_ROWS}""").fetchall()
    return ("Each program's latest program year with unsuppressed outcomes (else its latest), "
            "most exiters first.\n\n"
            + _md(["program", "provider", "year", "exiters", "completion", "employed Q2", "median earnings Q2",
                   "earnings change"],
                  [[p, pr, str(y), f"{x:,}", _fmt(c, "rate"), _fmt(e, "rate"), _fmt(m, "money"), _fmt(ch, "money")]
                   for p, pr, y, x, c, e, m, ch in rows]))


def _provider_scorecard_pooled(con: duckdb.DuckDBPyConnection, relation: str) -> str:
    rows = con.execute(f"""SELECT program_id, provider_id, first_exit_program_year, last_exit_program_year,
            exiters, employment_rate_q2, median_earnings_q2, cost_per_completer,
            annual_earnings_change_per_tuition_dollar FROM {relation}
        ORDER BY exiters DESC, program_id LIMIT {PREVIEW_ROWS}""").fetchall()
    shown = con.execute(f"SELECT count(employment_rate_q2), count(*) FROM {relation}").fetchone()
    window = f"{rows[0][2]}-{rows[0][3]}" if rows else "none"
    return (f"Programs pooled over exit program years {window}, most exiters first; "
            f"{shown[0]:,} of {shown[1]:,} programs show employment rate Q2.\n\n"
            + _md(["program", "provider", "exiters", "employed Q2", "median earnings Q2", "cost per completer",
                   "yearly earnings change per tuition $"],
                  [[p, pr or "–", f"{x:,}", _fmt(e, "rate"), _fmt(m, "money"), _fmt(c, "money"),
                    "–" if r is None else f"{r:.2f}"]
                   for p, pr, _, _, x, e, m, c, r in rows]))


def _labor_market(con: duckdb.DuckDBPyConnection, relation: str) -> str:
    rows = con.execute(f"""SELECT lwda_code, lwda_name, month_start_date, unemployment_rate, initial_claims
        FROM {relation} WHERE month_start_date = (SELECT max(month_start_date) FROM {relation})
        ORDER BY lwda_code""").fetchall()
    return ("Latest month by local workforce area.\n\n"
            + _md(["area", "name", "month", "unemployment rate", "initial claims"],
                  [[a, n, f"{m:%Y-%m}", _fmt(u, "pct"), _fmt(c, "int")] for a, n, m, u, c in rows]))


HEADLINES = {"rpt_wioa_performance": _wioa_performance, "rpt_equity_outcomes": _equity_outcomes,
             "rpt_provider_scorecard": _provider_scorecard, "rpt_labor_market": _labor_market,
             "rpt_provider_scorecard_pooled": _provider_scorecard_pooled}


def headline_preview(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> MetadataValue | None:
    """Markdown of a report's headline numbers, or None for a table that is not a report."""
    preview = HEADLINES.get(table)
    if preview is None or not _exists(con, schema, table):
        return None
    return MetadataValue.md(preview(con, f'"{schema}"."{table}"'))


def _unique_id(event: Any) -> str | None:
    value = (getattr(event, "metadata", None) or {}).get("unique_id")
    return getattr(value, "value", value)


def dbt_table_metadata(con: duckdb.DuckDBPyConnection, node: Mapping[str, Any]) -> dict[str, Any]:
    """Column schema of a built dbt model or seed, and the headline preview of a report."""
    schema, table = node["schema"], node.get("alias") or node["name"]
    descriptions = {name: col.get("description", "") for name, col in node.get("columns", {}).items()}
    metadata: dict[str, Any] = {}
    if (columns := column_schema(con, schema, table, descriptions)) is not None:
        metadata["dagster/column_schema"] = columns
    if (headline := headline_preview(con, schema, table)) is not None:
        metadata["headline_indicators"] = headline
    return metadata


def with_warehouse_metadata(events: Iterable[Any], manifest: Mapping[str, Any], warehouse_path: Path) -> Iterator[Any]:
    """Pass dbt's events through once the build has ended, each model's enriched from the warehouse.

    When dbt fails, the models it did build are still reported before its error is raised;
    when the stream broke off while dbt may still hold the lock, they are reported as they are.
    """
    held, error = [], None
    try:
        for event in events:
            held.append(event)
    except Exception as exc:  # noqa: BLE001 - re-raised below, after the built models are reported
        error = exc
    dbt_has_exited = error is None or isinstance(error, DagsterDbtCliRuntimeError)
    if not dbt_has_exited or not warehouse_path.exists():
        yield from held
    else:
        with duckdb.connect(str(warehouse_path), read_only=True) as con:
            for event in held:
                node = manifest["nodes"].get(_unique_id(event) or "")
                if isinstance(event, (Output, AssetMaterialization)) and node is not None:
                    event = event.with_metadata({**event.metadata, **dbt_table_metadata(con, node)})
                yield event
    if error is not None:
        raise error
