"""Blocking quality gates, one per checked asset and layer, backed by GX suites.

raw: the feed contract (loader quarantine + `expectations/raw/<entity>.json`);
staging and marts: `expectations/<layer>/<model>.json`. Each gate is a blocking
asset check: when it fails, nothing downstream in the run executes, and the publish
step refuses to replace the published mart.
"""


import time
from dataclasses import dataclass

import duckdb
from dagster import (AssetCheckExecutionContext, AssetCheckResult, AssetCheckSeverity, AssetKey,
                     MetadataValue, asset_check)

from ..ingest.feeds import ENTITIES
from ..ingest.loader import RAW_SCHEMA, SEVERITY_ERROR
from ..settings import load_settings
from .gx_suites import EXPECTATIONS_DIR, SuiteResult, validate_relation
from .raw_quarantine import forget_expectation_failures, record_expectation_failures, summary_by_file_and_rule

GATE_CHECK_NAME = "great_expectations_gate"
QUARANTINE_SAMPLE = 10


@dataclass(frozen=True)
class Gate:
    layer: str
    asset_key: AssetKey
    relation: str  # schema.table in the warehouse
    suite: str     # path under expectations/, without .json

    @property
    def entity(self) -> str:
        return self.relation.split(".")[1]


def _quarantine_errors(con: duckdb.DuckDBPyConnection, entity: str) -> tuple[int, list[str]]:
    rows = con.execute(f"""SELECT source_file, row_number, column_name, rule, count(*) OVER () AS n
        FROM {RAW_SCHEMA}.quarantine WHERE entity = ? AND severity = ?
        ORDER BY source_file, row_number NULLS FIRST LIMIT {QUARANTINE_SAMPLE}""", [entity, SEVERITY_ERROR]).fetchall()
    total = rows[0][4] if rows else 0
    return total, [f"{f}" + (f", row {r}" if r else "") + (f", column {c}" if c else "") + f": {rule}"
                   for f, r, c, rule, _ in rows]


def run_gate(gate: Gate) -> AssetCheckResult:
    settings = load_settings()
    started = time.perf_counter()
    quarantined, samples = 0, []
    by_file_and_rule: list[str] = []
    if gate.layer == "raw":
        with duckdb.connect(str(settings.warehouse_path)) as con:
            forget_expectation_failures(con, gate.entity, gate.suite)
            quarantined, samples = _quarantine_errors(con, gate.entity)
    try:
        suite: SuiteResult | None = validate_relation(settings.warehouse_path, gate.relation, gate.suite)
        error = None
    except (duckdb.Error, KeyError) as exc:
        suite, error = None, f"could not validate {gate.relation}: {str(exc).splitlines()[0]}"
    if gate.layer == "raw":
        with duckdb.connect(str(settings.warehouse_path)) as con:
            if suite:
                record_expectation_failures(con, gate.entity, suite)
            by_file_and_rule = summary_by_file_and_rule(con, gate.entity)
    failures = [("" if f.severity == "error" else "(warning, not blocking) ") + f.describe()
                for f in suite.failed] if suite else []
    passed = quarantined == 0 and error is None and bool(suite and suite.success)
    lines = ([f"quarantine: {quarantined} rows broke a required rule"] + [f"  {s}" for s in samples]
             if quarantined else []) + ([error] if error else []) + [f"expectation failed: {d}" for d in failures]
    if not passed and by_file_and_rule:
        lines += ["raw.quarantine by file and rule:"] + [f"  {line}" for line in by_file_and_rule]
    return AssetCheckResult(
        passed=passed,
        severity=AssetCheckSeverity.ERROR,
        description="; ".join(lines[:3]) if lines else f"{gate.suite}: all expectations met",
        metadata={
            "layer": gate.layer,
            "suite": gate.suite,
            "rows_validated": suite.row_count if suite else 0,
            "expectations_run": suite.evaluated if suite else 0,
            "expectations_failed": len(suite.blocking) if suite else 0,
            "warnings": len(suite.failed) - len(suite.blocking) if suite else 0,
            "unexpected_rows": sum(f.unexpected_count or 0 for f in suite.failed) if suite else 0,
            "quarantined_rows": quarantined,
            "failures": MetadataValue.md("\n".join(f"- {line}" for line in lines) or "none"),
            "validation_seconds": round(time.perf_counter() - started, 3),
        },
    )


def _gate_check(gate: Gate):
    @asset_check(asset=gate.asset_key, name=GATE_CHECK_NAME, blocking=True,
                 description=f"Great Expectations suite `expectations/{gate.suite}.json` on {gate.relation}"
                             + (" plus the loader's quarantine" if gate.layer == "raw" else "") + ".")
    def _check(context: AssetCheckExecutionContext) -> AssetCheckResult:
        result = run_gate(gate)
        if not result.passed:
            context.log.error(f"gate failed on {gate.relation}: {result.description}")
        return result

    return _check


def all_gates() -> list[Gate]:
    """Raw gates for every feed entity; staging/marts gates for every suite file present."""
    from ..assets.ingest import raw_asset_key

    gates = [Gate("raw", raw_asset_key(e.name), f"{RAW_SCHEMA}.{e.name}", f"raw/{e.name}") for e in ENTITIES]
    for layer in ("staging", "marts"):
        for path in sorted((EXPECTATIONS_DIR / layer).glob("*.json")):
            gates.append(Gate(layer, AssetKey([path.stem]), f"{layer}.{path.stem}", f"{layer}/{path.stem}"))
    return gates


GATES = all_gates()
gate_checks = [_gate_check(g) for g in GATES]
