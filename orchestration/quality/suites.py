"""Run the Great Expectations suites of `expectations/` where the relation lives (quality/sources.py).

A suite is a GX 1.x suite as JSON: a list of expectations, each with GX's own `description` (the
rule, as reports and raw.quarantine name it) and `severity` (`warning`: reported, not blocking;
feeds.md: codes outside the reference lists are flagged, not dropped). Rules GX cannot express
well on every engine - patterns, compound keys, foreign keys, reconciliations across tables, the
scan of every text value for PII shapes - are GX's `unexpected_rows_expectation`: a query that
returns the offending rows, kept as a `.sql` file beside the suite and named by its
`unexpected_rows_query` (expectations/README.md says how to write one).

The SQL of a `.sql` file is plain SQL with a few placeholders: `{batch}` (GX: the rows being
validated), `{suppression_threshold}` (settings), `{seeds}` (the reference-list folder, for raw
gates that run before dbt loads the seeds), `{matches}` (the engine's regular-expression test),
and for a scan of every value `{text_values}` / `{columns}` (one row per text value, or per
column, of the batch: table_name, column_name[, value]). Every other brace is literal SQL.

Each failed rule comes back with its count, a few sample values and the rows they are in
(`_source_file`/`_row_number` when the relation has them), masked by quality/masking.py.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import io
import json
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from ..settings import PROJECT_DIR
from .masking import mask_ssn, masker
from .sources import OpenBatch, Source, open_batch

EXPECTATIONS_DIR = PROJECT_DIR / "expectations"
SEEDS_DIR = PROJECT_DIR / "seeds"
SAMPLE_SIZE = 5
SQL_RULE = "unexpected_rows_expectation"
WARNING = "warning"
# Columns of a relation, or of a SQL rule's result, that say where a bad value is (not the value).
ROW_LOCATOR = ("_source_file", "_row_number")
LOCATOR = (*ROW_LOCATOR, "table_name", "column_name")
_PLACEHOLDER = re.compile(r"\{(\w+)\}|[{}]")


@dataclass
class FailedExpectation:
    expectation: str
    column: str | None
    rule: str
    unexpected_count: int | None
    sample_values: list
    sample_rows: list[dict] = field(default_factory=list)
    error: str | None = None
    severity: str = "error"  # or "warning": reported, never blocking
    # Every offending row with its locator and value(s), when the gate asked for them (raw gates).
    rows: list[dict] = field(default_factory=list)
    # What a table-level expectation saw (e.g. the row count), when it reports one.
    observed: object = None
    # A SQL rule's query as GX ran it ({batch} still to fill): raw gates list its rows with it.
    query: str | None = None
    by_shape: bool = False  # sample_values show shapes only (digits as 9, letters as x/X)

    def describe(self) -> str:
        where = f" on {self.column}" if self.column else ""
        count = f": {self.unexpected_count} rows" if self.unexpected_count is not None else ""
        seen = f", observed {self.observed}" if self.observed is not None else ""
        rows = "".join("\n      at " + (f"{r.get('_source_file')} row {r.get('_row_number')}" if "_source_file" in r
                                        else ", ".join(f"{k} {v}" for k, v in r.items()))
                       for r in self.sample_rows)
        err = f" ({self.error})" if self.error else ""
        sample = "sample shapes" if self.by_shape else "sample"
        return f"{self.rule or self.expectation}{where}{count}{seen}, {sample} {self.sample_values}{err}{rows}"


@dataclass
class SuiteResult:
    suite: str
    row_count: int
    evaluated: int
    failed: list[FailedExpectation]
    # One entry per expectation run, passed or not (rule, column, success, ...): the report's rows.
    expectations: list[dict] = field(default_factory=list)
    by_shape: bool = False  # sample values are shown by shape only (samples_by_shape)

    @property
    def blocking(self) -> list[FailedExpectation]:
        return [f for f in self.failed if f.severity != WARNING]

    @property
    def success(self) -> bool:
        return not self.blocking


def suite_path(name: str) -> Path:
    return EXPECTATIONS_DIR / f"{name}.json"


def suite_files(name: str) -> list[Path]:
    """The suite's JSON and every .sql file it names (for a fingerprint of its rules)."""
    spec = _read(name)
    return [suite_path(name)] + [suite_path(name).parent / e["kwargs"]["unexpected_rows_query"]
                                 for e in spec["expectations"] if e["type"] == SQL_RULE]


@cache
def _read(name: str) -> dict:
    with suite_path(name).open() as f:
        return json.load(f)


@cache
def load_suite(name: str) -> dict:
    """The suite as stored, each SQL rule's file read in (as written: placeholders unfilled)."""
    spec = _read(name)
    folder = suite_path(name).parent
    expectations = []
    for e in spec["expectations"]:
        if e["type"] == SQL_RULE:
            path = folder / e["kwargs"]["unexpected_rows_query"]
            e = {**e, "kwargs": {**e["kwargs"], "unexpected_rows_query": path.read_text()}, "sql_file": str(path)}
        expectations.append(e)
    return {**spec, "expectations": expectations}


def suite_rules(name: str) -> list[str]:
    """The rule names (descriptions) of a suite, as raw.quarantine records them."""
    return sorted({e.get("description") or e["type"] for e in load_suite(name)["expectations"]})


def fill_placeholders(text: str, values: dict) -> str:
    """Plain replacement of `{name}` for the names in `values` (rule texts, row conditions)."""
    for name, value in values.items():
        text = text.replace("{" + name + "}", str(value))
    return text


def gx_query(sql: str, values: dict) -> str:
    """A .sql file's SQL as GX's unexpected_rows_query template: o4o's placeholders filled,
    `{batch}` kept for GX, every other brace doubled (GX formats the query with str.format)."""
    def replace(match: re.Match) -> str:
        name = match.group(1)
        if name == "batch":
            return "{batch}"
        if name in values:
            return gx_query(str(values[name]), {})
        return match.group(0).replace("{", "{{").replace("}", "}}")
    return _PLACEHOLDER.sub(replace, sql)


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _scan_relations(opened: OpenBatch, table: str) -> dict[str, str]:
    """`{columns}`: one row per column of the batch; `{text_values}`: one per distinct non-NULL
    value of each text column (table_name, column_name, value), for rules about every value."""
    columns = " UNION ALL ".join(f"SELECT {_quoted(table)} AS table_name, {_quoted(c)} AS column_name"
                                 for c in opened.column_names)
    values = " UNION ALL ".join(
        f"SELECT DISTINCT {_quoted(table)} AS table_name, {_quoted(c)} AS column_name, "
        f"CAST({_ident(c)} AS {opened.source.text_type}) AS value FROM {{batch}} WHERE {_ident(c)} IS NOT NULL"
        for c in opened.text_columns) or (f"SELECT {_quoted(table)} AS table_name, '' AS column_name, "
                                          f"CAST(NULL AS {opened.source.text_type}) AS value FROM {{batch}} WHERE 1 = 0")
    return {"columns": f"({columns}) AS o4o_columns", "text_values": f"({values}) AS o4o_text_values"}


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"' if re.fullmatch(r"[a-z_][a-z0-9_]*", name) is None else name


def _severity(value: str | None) -> str:
    return WARNING if str(value or "").lower().endswith(WARNING) else "error"


def _gx_suite(name: str, spec: dict, values: dict, opened: OpenBatch, relation: str):
    """The GX ExpectationSuite, every placeholder filled."""
    import great_expectations as gx

    if any(("{text_values}" in e["kwargs"].get("unexpected_rows_query", "")
            or "{columns}" in e["kwargs"].get("unexpected_rows_query", "")) for e in spec["expectations"]):
        values = {**values, **_scan_relations(opened, relation.rpartition(".")[2])}
    expectations = []
    for e in spec["expectations"]:
        kwargs = {k: (fill_placeholders(v, values) if isinstance(v, str) else v) for k, v in e["kwargs"].items()}
        if e["type"] == SQL_RULE:
            kwargs["unexpected_rows_query"] = gx_query(e["kwargs"]["unexpected_rows_query"], values)
        expectations.append({"type": e["type"], "kwargs": kwargs, "meta": {"sql_file": e.get("sql_file")},
                             "description": fill_placeholders(e.get("description") or e["type"], values),
                             "severity": "warning" if _severity(e.get("severity")) == WARNING else "critical"})
    with _quiet():
        return gx.ExpectationSuite(name=name, expectations=expectations)


def _quiet():
    """GX prints a reminder for each SQL rule that reads whole tables instead of `{batch}` (a
    foreign key checked over the whole table): that is what such a rule means to do."""
    return contextlib.redirect_stdout(io.StringIO())


def samples_by_shape(relation: str, suite_name: str) -> bool:
    """Whether a suite shows its samples by shape only: on the records of people (the feed entities
    that carry PII, in raw and staging), and in the PII scans, whose samples are PII-shaped."""
    from ..ingest.feeds import ENTITIES_BY_NAME

    schema, _, table = relation.rpartition(".")
    entity = ENTITIES_BY_NAME.get(table.rpartition("__")[2])
    return "/every_table/" in suite_name or (schema != "marts" and bool(entity and entity.has_pii))


def validate_relation(source: Source | Path, relation: str, suite_name: str, placeholders: dict | None = None,
                      where: str | None = None, list_rows: bool = False) -> SuiteResult:
    """Validate `relation` (schema.table) of `source` (a Source, or a DuckDB file) with suite
    `suite_name`, in place. `where` limits the rows validated (a SQL condition; rules that read
    whole tables still do); `list_rows` returns every offending row of the built-in expectations
    (raw gates record them in raw.quarantine). Samples are masked (samples_by_shape)."""
    source = source if isinstance(source, Source) else Source.duckdb(source)
    by_shape = samples_by_shape(relation, suite_name)
    spec = load_suite(suite_name)
    values = {"seeds": SEEDS_DIR, **(placeholders or {})}
    with open_batch(source, relation, where) as opened:
        values["matches"] = source.matches
        suite = _gx_suite(suite_name, spec, values, opened, relation)
        locator = [c for c in ROW_LOCATOR if c in opened.column_names]
        result_format = {"result_format": "COMPLETE", "partial_unexpected_count": SAMPLE_SIZE,
                         "return_unexpected_index_query": False}
        if locator:
            result_format.update(unexpected_index_column_names=locator)
        with _quiet():
            result = opened.batch.validate(suite, result_format=result_format)
        row_count = _row_count(result) if result.results else 0
        if row_count is None:
            row_count = opened.count_rows()
    return _suite_result(suite_name, row_count, result, locator, by_shape, list_rows)


def _row_count(result) -> int | None:
    counts = [(r.result or {}).get("element_count") for r in result.results]
    return next((c for c in counts if c is not None), None)


def _value_columns(row: dict) -> list[str]:
    return [k for k in row if k not in LOCATOR]


def _suite_result(name: str, row_count: int, result, locator: list[str], by_shape: bool,
                  list_rows: bool) -> SuiteResult:
    shown = masker(by_shape)
    failed, summary = [], []
    for r in result.results:
        cfg = r.expectation_config
        res = r.result or {}
        rule = cfg.description or cfg.type
        severity = _severity(cfg.severity.value if hasattr(cfg.severity, "value") else cfg.severity)
        sql_rows = (res.get("details") or {}).get("unexpected_rows") if cfg.type == SQL_RULE else None
        if cfg.type == SQL_RULE:
            count = res.get("observed_value")
            value_columns = _value_columns(sql_rows[0]) if sql_rows else []
            column = ",".join(value_columns) or None
            samples = [shown(_plain(row[value_columns[0]] if len(value_columns) == 1 else
                                    [row[c] for c in value_columns])) for row in (sql_rows or [])[:SAMPLE_SIZE]]
            located = [{k: _plain(row[k]) for k in row if k in LOCATOR} for row in (sql_rows or [])[:SAMPLE_SIZE]]
            observed = None
        else:
            pair = [c for c in (cfg.kwargs.get("column_A"), cfg.kwargs.get("column_B")) if c]
            column = cfg.kwargs.get("column") or ",".join(cfg.kwargs.get("column_list", []) or pair) or None
            count = res.get("unexpected_count")
            samples = [shown(_plain(v)) for v in (res.get("partial_unexpected_list") or [])[:SAMPLE_SIZE]]
            index = res.get("partial_unexpected_index_list") or []
            located = [{k: _plain(row[k]) for k in locator if k in row}
                       for row in index[:SAMPLE_SIZE] if isinstance(row, dict)]
            value = res.get("observed_value")
            observed = None if isinstance(value, (list, dict)) else _plain(value)
        summary.append({"rule": rule, "expectation": cfg.type, "column": column, "success": bool(r.success),
                        "severity": severity, "unexpected_count": count, "observed": observed,
                        "sample_values": [] if r.success else samples})
        if r.success:
            continue
        error = _exception_message(r.exception_info)
        rows = []
        if list_rows and cfg.type != SQL_RULE:
            rows = [{k: (_plain(v) if k in locator else shown(_plain(v))) for k, v in row.items()}
                    for row in res.get("unexpected_index_list") or [] if isinstance(row, dict)]
        failed.append(FailedExpectation(
            expectation=cfg.type, column=column, rule=rule, unexpected_count=count, sample_values=samples,
            sample_rows=[{k: mask_ssn(v) for k, v in row.items()} for row in located],
            rows=rows, error=mask_ssn(error) if error else None, severity=severity, observed=observed,
            query=cfg.kwargs.get("unexpected_rows_query") if cfg.type == SQL_RULE else None, by_shape=by_shape))
    return SuiteResult(name, row_count, len(result.results), failed, summary, by_shape)


def _exception_message(info) -> str | None:
    """The message of an expectation that could not run. GX reports it flat
    (`{"exception_message": ...}`) or per metric (`{metric_id: {"exception_message": ...}}`)."""
    if not isinstance(info, dict):
        return None
    if info.get("exception_message"):
        return str(info["exception_message"])
    nested = [v.get("exception_message") for v in info.values() if isinstance(v, dict) and v.get("exception_message")]
    return str(nested[0]).splitlines()[0] if nested else None


def _plain(value):
    """Database and numpy scalars -> JSON-friendly values for Dagster metadata."""
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if hasattr(value, "item"):
        item = value.item()
        return item if isinstance(item, (int, float, str, bool, type(None))) else _plain(str(item))
    if isinstance(value, float) and value != value:
        return None
    return value if isinstance(value, (int, float, str, bool, type(None))) else str(value)
