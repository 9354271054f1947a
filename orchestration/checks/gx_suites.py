"""Run the Great Expectations suites kept as JSON under `expectations/` on pandas data.

GX 1.x cannot validate DuckDB through SQLAlchemy, so each gate reads its table from the
warehouse into a DataFrame and validates it in an *ephemeral* context: a run writes no
GX files. A suite may declare `meta.parameters`, SQL queries whose result column fills a
`{"$PARAMETER": name}` placeholder (used for foreign keys and reference code lists), so a
rule that needs another table still lives in the suite, in one place.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import duckdb
import pandas as pd

from ..settings import PROJECT_DIR

os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")

EXPECTATIONS_DIR = PROJECT_DIR / "expectations"
SEEDS_DIR = PROJECT_DIR / "seeds"
SAMPLE_SIZE = 5
# Columns that point a person at the offending input row, when the table has them.
ROW_LOCATOR = ["_source_file", "_row_number"]


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

    def describe(self) -> str:
        where = f" on {self.column}" if self.column else ""
        count = f": {self.unexpected_count} rows" if self.unexpected_count is not None else ""
        rows = "".join(f"\n      at {r.get('_source_file')} row {r.get('_row_number')}" for r in self.sample_rows)
        err = f" ({self.error})" if self.error else ""
        return f"{self.rule or self.expectation}{where}{count}, sample {self.sample_values}{err}{rows}"


@dataclass
class SuiteResult:
    suite: str
    row_count: int
    evaluated: int
    failed: list[FailedExpectation]

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
    with suite_path(name).open() as f:
        return json.load(f)


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


def resolve_parameters(suite: dict, con: duckdb.DuckDBPyConnection) -> dict:
    """Fill `$PARAMETER` lists from the suite's queries; `{seeds}` is the reference-list folder,
    read directly so raw gates can run before dbt has loaded the seeds."""
    params = {}
    for name, sql in suite.get("meta", {}).get("parameters", {}).items():
        values = con.execute(sql.replace("{seeds}", str(SEEDS_DIR))).fetchall()
        params[name] = sorted({v[0] for v in values if v[0] is not None})
    return params


def validate_frame(df: pd.DataFrame, suite_name: str, parameters: dict | None = None) -> SuiteResult:
    """Validate `df` against suite `suite_name`; expectations on absent columns fail loudly."""
    import great_expectations as gx

    spec = load_suite(suite_name)
    context = _context()
    suite = gx.ExpectationSuite(name=suite_name, expectations=[
        {k: v for k, v in e.items() if k in ("type", "kwargs", "meta")} for e in spec["expectations"]])
    try:
        context.suites.delete(suite_name)
    except Exception:  # not there yet
        pass
    suite = context.suites.add(suite)
    locator = [c for c in ROW_LOCATOR if c in df.columns]
    result_format = {"result_format": "COMPLETE" if locator else "SUMMARY",
                     "partial_unexpected_count": SAMPLE_SIZE}
    if locator:
        result_format.update(unexpected_index_column_names=locator, return_unique_unexpected=False)
    batch = _batch_definition().get_batch(batch_parameters={"dataframe": df})
    result = batch.validate(suite, expectation_parameters=parameters or {}, result_format=result_format)
    failed = []
    for r in result.results:
        if r.success:
            continue
        cfg = r.expectation_config
        res = r.result or {}
        error = (r.exception_info or {}).get("exception_message") if r.exception_info else None
        index = res.get("unexpected_index_list") or []
        located = index if isinstance(index, list) and index and isinstance(index[0], dict) else []
        failed.append(FailedExpectation(
            expectation=cfg.type,
            column=cfg.kwargs.get("column") or ",".join(cfg.kwargs.get("column_list", []) or
                                                        [c for c in (cfg.kwargs.get("column_A"), cfg.kwargs.get("column_B")) if c]) or None,
            rule=(cfg.meta or {}).get("rule", cfg.type),
            unexpected_count=res.get("unexpected_count"),
            sample_values=[_plain(v) for v in (res.get("partial_unexpected_list") or [])[:SAMPLE_SIZE]],
            sample_rows=[{k: _plain(v) for k, v in row.items() if k in ROW_LOCATOR} for row in located[:SAMPLE_SIZE]],
            rows=[{k: _plain(v) for k, v in row.items()} for row in located],
            error=error,
            severity=(cfg.meta or {}).get("severity", "error"),
        ))
    return SuiteResult(suite_name, len(df), len(result.results), failed)


def _plain(value):
    """numpy scalars and tuples -> JSON-friendly values for Dagster metadata."""
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, float) and value != value:
        return None
    return value if isinstance(value, (int, float, str, bool, type(None))) else str(value)


def validate_relation(warehouse_path: Path, relation: str, suite_name: str) -> SuiteResult:
    """Read `relation` (or the suite's own `meta.query`) from the warehouse, read-only,
    and validate it against its suite."""
    suite = load_suite(suite_name)
    query = suite.get("meta", {}).get("query") or f"SELECT * FROM {relation}"
    with duckdb.connect(str(warehouse_path), read_only=True) as con:
        df = con.execute(query).df()
        params = resolve_parameters(suite, con)
    return validate_frame(df, suite_name, params)
