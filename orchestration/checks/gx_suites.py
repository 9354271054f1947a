"""Run the Great Expectations suites kept as JSON under `expectations/` on pandas data.

GX 1.x cannot validate DuckDB through SQLAlchemy, so each gate reads its table from the
warehouse into a DataFrame and validates it in an *ephemeral* context: a run writes no
GX files. A suite may declare `meta.parameters` (or `meta.scalars`), SQL queries whose
result fills a `{"$PARAMETER": name}` placeholder (reference code lists, the row count of
another layer), so a rule that needs another table still lives in the suite, in one place.
`meta.query` replaces the plain `SELECT *`: it adds the columns a rule needs from other
tables, e.g. whether a foreign key was found (a join: a million-value `$PARAMETER` list
makes GX about ten times slower); `meta.frame: "text_values"`
validates every text value (and every column name) of the relation instead of its rows,
for rules about the shape of values such as "no SSN-shaped values anywhere"; with
`meta.mask_samples` the sample values are shown by shape only (digits as 9, letters as
x/X), so a report about leaked PII does not leak it again.

A relation larger than `chunk_rows` is validated chunk by chunk, so memory stays bounded
whatever the size of the table (20M wage rows are validated in about 1M-row DataFrames).
Rows are split by a hash of the columns every uniqueness rule of the suite shares, so rows
that could be duplicates always meet in the same chunk and every row rule gives exactly
the answer it would give on the whole table; table-level rules (the row count) are checked
once, on the total. The counts, samples and offending rows of the chunks are added up.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from ..settings import PROJECT_DIR

os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")

EXPECTATIONS_DIR = PROJECT_DIR / "expectations"
SEEDS_DIR = PROJECT_DIR / "seeds"
SAMPLE_SIZE = 5
# Columns that point a person at the offending input row, when the table has them
# (a suite may name its own in `meta.row_locator`).
ROW_LOCATOR = ["_source_file", "_row_number"]
TEXT_VALUES_FRAME = "text_values"
# Validate a relation in chunks of about this many rows (bounded memory; see the docstring).
CHUNK_ROWS = 1_000_000
# Expectations about the table as a whole: checked once, never per chunk.
TABLE_LEVEL = frozenset({"expect_table_row_count_to_equal"})
UNIQUENESS = frozenset({"expect_column_values_to_be_unique", "expect_compound_columns_to_be_unique"})
_SSN_SHAPE = re.compile(r"^\d{3}-?\d{2}-?\d{4}$")


@dataclass
class FailedExpectation:
    expectation: str
    column: str | None
    rule: str
    unexpected_count: int | None
    sample_values: list
    sample_rows: list[dict] = field(default_factory=list)
    error: str | None = None
    # `meta.severity: warning` marks a rule that is reported but does not block
    # (feeds.md: codes outside the reference lists are flagged, not dropped).
    severity: str = "error"
    # Every offending row with its locator and value(s), for raw.quarantine.
    rows: list[dict] = field(default_factory=list)
    # What a table-level expectation saw (e.g. the row count), when it reports one.
    observed: object = None

    def describe(self) -> str:
        where = f" on {self.column}" if self.column else ""
        count = f": {self.unexpected_count} rows" if self.unexpected_count is not None else ""
        seen = f", observed {self.observed}" if self.observed is not None else ""
        rows = "".join("\n      at " + (f"{r.get('_source_file')} row {r.get('_row_number')}" if "_source_file" in r
                                        else ", ".join(f"{k} {v}" for k, v in r.items()))
                       for r in self.sample_rows)
        err = f" ({self.error})" if self.error else ""
        return f"{self.rule or self.expectation}{where}{count}{seen}, sample {self.sample_values}{err}{rows}"


@dataclass
class SuiteResult:
    suite: str
    row_count: int
    evaluated: int
    failed: list[FailedExpectation]
    # One entry per expectation run, passed or not (rule, column, success, ...): the report's rows.
    expectations: list[dict] = field(default_factory=list)

    @property
    def blocking(self) -> list[FailedExpectation]:
        return [f for f in self.failed if f.severity != "warning"]

    @property
    def success(self) -> bool:
        return not self.blocking


def suite_path(name: str) -> Path:
    return EXPECTATIONS_DIR / f"{name}.json"


@cache
def load_suite(name: str) -> dict:
    """The suite as stored, with the expectations of the suites in `meta.include` put first
    (rules shared by several tables are written once)."""
    with suite_path(name).open() as f:
        spec = json.load(f)
    included = [e for other in spec.get("meta", {}).get("include", []) for e in load_suite(other)["expectations"]]
    return {**spec, "expectations": included + spec["expectations"]}


def _fill_all(value, placeholders: dict | None):
    """fill_placeholders through every string of a suite (kwargs, row conditions, queries)."""
    if isinstance(value, str):
        return fill_placeholders(value, placeholders)
    if isinstance(value, list):
        return [_fill_all(v, placeholders) for v in value]
    if isinstance(value, dict):
        return {k: _fill_all(v, placeholders) for k, v in value.items()}
    return value


@cache
def _context():
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context


def _batch_definition():
    context = _context()
    try:
        source = context.data_sources.get("o4o_frames")
    except (KeyError, ValueError, Exception):  # GX raises its own lookup error type
        source = context.data_sources.add_pandas("o4o_frames")
        source.add_dataframe_asset("frame").add_batch_definition_whole_dataframe("whole")
    return source.get_asset("frame").get_batch_definition("whole")


def fill_placeholders(sql: str, placeholders: dict | None = None) -> str:
    """`{seeds}` is the reference-list folder (read directly, so raw gates can run before dbt
    has loaded the seeds); other `{name}`s come from the caller's settings, e.g.
    `{suppression_threshold}`. Plain replacement: SQL keeps its own braces."""
    for name, value in {"seeds": SEEDS_DIR, **(placeholders or {})}.items():
        sql = sql.replace("{" + name + "}", str(value))
    return sql


def resolve_parameters(suite: dict, con: duckdb.DuckDBPyConnection, placeholders: dict | None = None) -> dict:
    """Fill `$PARAMETER`s from the suite's queries: `meta.parameters` give lists (foreign keys,
    reference code lists), `meta.scalars` one value each (row counts of another layer)."""
    params = {}
    meta = suite.get("meta", {})
    for name, sql in meta.get("parameters", {}).items():
        values = con.execute(fill_placeholders(sql, placeholders)).fetchall()
        params[name] = sorted({v[0] for v in values if v[0] is not None})
    for name, sql in meta.get("scalars", {}).items():
        row = con.execute(fill_placeholders(sql, placeholders)).fetchone()
        params[name] = _plain(row[0]) if row else None
    return params


def validate_frame(df: pd.DataFrame, suite_name: str, parameters: dict | None = None,
                   placeholders: dict | None = None, table_level: bool | None = None) -> SuiteResult:
    """Validate `df` against suite `suite_name`; expectations on absent columns fail loudly.
    `table_level` True or False runs only the table-level or only the row-level expectations
    (a chunked validation, see validate_relation); None runs them all."""
    import great_expectations as gx

    spec = _fill_all(load_suite(suite_name), placeholders)
    context = _context()
    chosen = [e for e in spec["expectations"] if table_level is None or (e["type"] in TABLE_LEVEL) == table_level]
    suite = gx.ExpectationSuite(name=suite_name, expectations=[
        {k: v for k, v in e.items() if k in ("type", "kwargs", "meta")} for e in chosen])
    try:
        context.suites.delete(suite_name)
    except Exception:  # not there yet
        pass
    suite = context.suites.add(suite)
    locator = [c for c in spec.get("meta", {}).get("row_locator", ROW_LOCATOR) if c in df.columns]
    shown = mask_shape if spec.get("meta", {}).get("mask_samples") else mask_ssn
    result_format = {"result_format": "COMPLETE" if locator else "SUMMARY",
                     "partial_unexpected_count": SAMPLE_SIZE}
    if locator:
        result_format.update(unexpected_index_column_names=locator, return_unique_unexpected=False)
    batch = _batch_definition().get_batch(batch_parameters={"dataframe": df})
    result = batch.validate(suite, expectation_parameters=parameters or {}, result_format=result_format)
    failed, summary = [], []
    for r in result.results:
        cfg = r.expectation_config
        res = r.result or {}
        pair = [c for c in (cfg.kwargs.get("column_A"), cfg.kwargs.get("column_B")) if c]
        column = cfg.kwargs.get("column") or ",".join(cfg.kwargs.get("column_list", []) or pair) or None
        rule = (cfg.meta or {}).get("rule", cfg.type)
        severity = (cfg.meta or {}).get("severity", "error")
        observed = res.get("observed_value") if not isinstance(res.get("observed_value"), (list, dict)) else None
        samples = [shown(_plain(v)) for v in (res.get("partial_unexpected_list") or [])[:SAMPLE_SIZE]]
        summary.append({"rule": rule, "expectation": cfg.type, "column": column, "success": bool(r.success),
                        "severity": severity, "unexpected_count": res.get("unexpected_count"),
                        "observed": _plain(observed), "sample_values": [] if r.success else samples})
        if r.success:
            continue
        error = (r.exception_info or {}).get("exception_message") if r.exception_info else None
        index = res.get("unexpected_index_list") or []
        located = index if isinstance(index, list) and index and isinstance(index[0], dict) else []
        failed.append(FailedExpectation(
            expectation=cfg.type,
            column=column,
            rule=rule,
            unexpected_count=res.get("unexpected_count"),
            sample_values=samples,
            sample_rows=[{k: _plain(row[k]) for k in locator if k in row} for row in located[:SAMPLE_SIZE]],
            rows=[{k: (_plain(v) if k in locator else shown(_plain(v))) for k, v in row.items()} for row in located],
            error=error,
            severity=severity,
            observed=_plain(observed),
        ))
    return SuiteResult(suite_name, len(df), len(result.results), failed, summary)


def mask_ssn(value):
    """An SSN-shaped sample is never shown, whatever the rule that caught it."""
    return "***-**-****" if isinstance(value, str) and _SSN_SHAPE.match(value) else value


def mask_shape(value):
    """The shape of a value without the value: `123-45-6789` -> `999-99-9999`, `Ann Lee` -> `Xxx Xxx`."""
    if not isinstance(value, str):
        return value
    return re.sub(r"[a-z]", "x", re.sub(r"[A-Z]", "X", re.sub(r"[0-9]", "9", value)))


def _plain(value):
    """numpy scalars and tuples -> JSON-friendly values for Dagster metadata."""
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    if isinstance(value, (dt.date, dt.datetime)):  # pandas Timestamps too
        return value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value.isoformat()
    if hasattr(value, "item"):
        item = value.item()
        return item if isinstance(item, (int, float, str, bool, type(None))) else _plain(str(item))
    if isinstance(value, float) and value != value:
        return None
    return value if isinstance(value, (int, float, str, bool, type(None))) else str(value)


def text_values_query(con: duckdb.DuckDBPyConnection, relation: str) -> str:
    """One row per column of `relation` (value NULL), plus one per distinct non-NULL value of
    each text column: (table_name, column_name, data_type, value)."""
    schema, table = relation.split(".")
    columns = con.execute("""SELECT column_name, data_type FROM information_schema.columns
        WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position""", [schema, table]).fetchall()
    if not columns:
        raise KeyError(f"{relation} does not exist")
    quote = lambda text: "'" + text.replace("'", "''") + "'"  # noqa: E731
    parts = [f"SELECT {quote(table)} AS table_name, {quote(c)} AS column_name, {quote(t)} AS data_type, "
             "CAST(NULL AS VARCHAR) AS value" for c, t in columns]
    parts += [f'SELECT DISTINCT {quote(table)}, {quote(c)}, {quote(t)}, "{c}" FROM {relation} WHERE "{c}" IS NOT NULL'
              for c, t in columns if t == "VARCHAR" or t.startswith("ENUM")]
    return "\nUNION ALL\n".join(parts)


def chunk_key(suite: dict) -> list[str] | None:
    """The columns to split a relation by: those every uniqueness rule of the suite shares
    (rows that could collide agree on them), `[]` when the suite has no uniqueness rule
    (any split will do), None when its keys share no column (it cannot be split)."""
    keys = [set(e["kwargs"].get("column_list") or [e["kwargs"]["column"]])
            for e in suite["expectations"] if e["type"] in UNIQUENESS]
    if not keys:
        return []
    shared = set.intersection(*keys)
    return sorted(shared) or None


def validate_relation(warehouse_path: Path, relation: str, suite_name: str,
                      placeholders: dict | None = None, chunk_rows: int = CHUNK_ROWS,
                      log=None) -> SuiteResult:
    """Read `relation` (or the suite's own `meta.query`, or its text values) from the
    warehouse, read-only, and validate it against its suite, in chunks when it is large."""
    suite = load_suite(suite_name)
    meta = suite.get("meta", {})
    with duckdb.connect(str(warehouse_path), read_only=True) as con:
        if meta.get("frame") == TEXT_VALUES_FRAME:
            query = text_values_query(con, relation)
        else:
            query = fill_placeholders(meta.get("query") or f"SELECT * FROM {relation}", placeholders)
        params = resolve_parameters(suite, con, placeholders)
        key = chunk_key(suite)
        rows = con.execute(f"SELECT count(*) FROM ({query})").fetchone()[0] if key is not None else 0
        chunks = -(-rows // chunk_rows) if rows > chunk_rows else 1
        if chunks == 1:
            return validate_frame(con.execute(query).df(), suite_name, params, placeholders)
        # the whole row's hash when no column must stay together
        by = ", ".join(f'_o4o_q."{c}"' for c in key) if key else "_o4o_q"
        table = validate_frame(pd.DataFrame({"_row": np.zeros(rows, dtype=np.int8)}), suite_name, params,
                               placeholders, table_level=True)
        parts = []
        for i in range(chunks):
            df = con.execute(f"SELECT _o4o_q.* FROM ({query}) _o4o_q WHERE hash({by}) % {chunks} = {i}").df()
            parts.append(validate_frame(df, suite_name, params, placeholders, table_level=False))
            del df
            if log:
                log(f"{suite_name}: chunk {i + 1}/{chunks} validated ({sum(p.row_count for p in parts):,} of {rows:,} rows)")
    return merge_chunks(suite_name, rows, table, parts)


def merge_chunks(suite_name: str, rows: int, table: SuiteResult, parts: list[SuiteResult]) -> SuiteResult:
    """One result for the relation: each row-level expectation's counts added over the chunks,
    its samples and offending rows put together; the table-level ones as checked on the total."""
    summary, failed = list(table.expectations), list(table.failed)
    for position, first in enumerate(parts[0].expectations):
        entries = [p.expectations[position] for p in parts]
        counts = [e["unexpected_count"] for e in entries if e["unexpected_count"] is not None]
        summary.append({**first, "success": all(e["success"] for e in entries),
                        "unexpected_count": sum(counts) if counts else None,
                        "sample_values": [v for e in entries for v in e["sample_values"]][:SAMPLE_SIZE]})
        misses = [f for p in parts for f in p.failed if (f.expectation, f.column, f.rule) ==
                  (first["expectation"], first["column"], first["rule"])]
        if misses:
            counted = [f.unexpected_count for f in misses if f.unexpected_count is not None]
            failed.append(FailedExpectation(
                expectation=misses[0].expectation, column=misses[0].column, rule=misses[0].rule,
                unexpected_count=sum(counted) if counted else None,
                sample_values=[v for f in misses for v in f.sample_values][:SAMPLE_SIZE],
                sample_rows=[r for f in misses for r in f.sample_rows][:SAMPLE_SIZE],
                rows=[r for f in misses for r in f.rows],
                error=next((f.error for f in misses if f.error), None),
                severity=misses[0].severity, observed=misses[0].observed))
    return SuiteResult(suite_name, rows, len(summary), failed, summary)
