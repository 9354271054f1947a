"""Blocking quality gates, one per checked asset and layer, backed by GX suites.

raw: the feed contract (loader quarantine + `expectations/raw/<entity>.json`), validated in the
DuckDB warehouse, on an incremental run only for the deliveries loaded since the gate last passed
(quality/raw_scope.py); the ingest step evaluates them itself once every feed is loaded
(assets/ingest.py, with `raw_check_specs` and `evaluate_gate`), so that a failed raw gate fails the
ingest step and "Re-execute from failure" reads the corrected landing files again. staging:
`expectations/staging/<model>.json`, each gate its own step after dbt's; marts: every table of the
`marts` schema, with its own `expectations/marts/<model>.json` when there is one, plus the suites
in `expectations/marts/every_table/` (no PII-shaped values). Staging and marts are validated
where dbt built them (O4O_DBT_TARGET: DuckDB, PostgreSQL or Spark; quality/sources.py). Each gate
is a blocking asset check: when it fails, nothing downstream in the run executes, and the publish
step refuses to replace the published mart. Each evaluation rewrites the run's HTML validation
report beside the published mart (quality/validation_report.py) and links it.
"""


import json
import time
from dataclasses import dataclass

import duckdb
from dagster import (AssetCheckExecutionContext, AssetCheckResult, AssetCheckSeverity, AssetCheckSpec, AssetKey,
                     MetadataValue, asset_check)

from ..asset_keys import raw_asset_key
from ..ingest.feeds import ENTITIES
from ..ingest.loader import RAW_SCHEMA, SEVERITY_ERROR
from ..resources import O4oSettingsResource
from ..settings import Settings
from ..quality import raw_scope
from ..quality.evaluations import GATE_CHECK_NAME
from ..quality.suites import EXPECTATIONS_DIR, SuiteResult, suite_path, validate_relation
from ..quality.masking import mask_ssn
from ..quality.quarantine import forget_expectation_failures, record_expectation_failures, summary_by_file_and_rule
from ..quality.validation_report import report_path, write_run_report
from ..quality.sources import Source, dbt_target_source

RAW_LAYER = "raw"
MARTS_LAYER = "marts"
EVERY_TABLE = "every_table"  # expectations/marts/every_table/*.json apply to each marts table
QUARANTINE_SAMPLE = 10
# What a failed raw gate tells the operator (its description and `next_step` metadata): the ingest
# step that ran it reads the landing directory again when re-executed.
RAW_NEXT_STEP = ("fix or replace the file in the landing directory, then run again: `o4o refresh`, or in the "
                 "Dagster UI re-execute this run from failure (its ingest step reads the landing files again)")


@dataclass(frozen=True)
class Gate:
    layer: str
    asset_key: AssetKey
    relation: str  # schema.table in the warehouse
    suite: str     # path under expectations/, without .json
    extra_suites: tuple[str, ...] = ()  # suites shared by every table of the layer

    @property
    def entity(self) -> str:
        return self.relation.split(".")[1]

    @property
    def suites(self) -> tuple[str, ...]:
        return (self.suite, *self.extra_suites)


@dataclass
class Validated:
    """What a gate found: the suites' results, or the error that kept them from running."""
    results: list[SuiteResult]
    error: str | None = None
    quarantined: int = 0
    quarantine_samples: tuple[str, ...] = ()
    by_file_and_rule: tuple[str, ...] = ()
    scope: str | None = None


def _quarantine_errors(con: duckdb.DuckDBPyConnection, entity: str) -> tuple[int, list[str]]:
    rows = con.execute(f"""SELECT source_file, row_number, column_name, rule, count(*) OVER () AS n
        FROM {RAW_SCHEMA}.quarantine WHERE entity = ? AND severity = ?
        ORDER BY source_file, row_number NULLS FIRST LIMIT {QUARANTINE_SAMPLE}""", [entity, SEVERITY_ERROR]).fetchall()
    total = rows[0][4] if rows else 0
    return total, [mask_ssn(f"{f}" + (f", row {r}" if r else "") + (f", column {c}" if c else "") + f": {rule}")
                   for f, r, c, rule, _ in rows]


def _placeholders(settings: Settings) -> dict:
    return {"suppression_threshold": settings.suppression_threshold}


def validate_raw(gate: Gate, settings: Settings) -> Validated:
    """The loader's quarantine plus the raw suite, on the rows loaded since the gate last passed;
    the suite's offending rows go to raw.quarantine."""
    warehouse = settings.warehouse_path
    with duckdb.connect(str(warehouse)) as con:
        forget_expectation_failures(con, gate.entity, gate.suite)
        quarantined, samples = _quarantine_errors(con, gate.entity)
        scope = raw_scope.scope(con, gate.entity, gate.suite)
    try:
        result = validate_relation(Source.duckdb(warehouse), gate.relation, gate.suite, _placeholders(settings),
                                   where=scope.where, list_rows=True)
    except KeyError as exc:
        result, error = None, f"could not validate {gate.relation} with {gate.suite}: {exc.args[0]}"
    else:
        error = None
    with duckdb.connect(str(warehouse)) as con:
        if result is not None:
            record_expectation_failures(con, gate.entity, result, gate.relation, scope.where)
        passed = result is not None and result.success and quarantined == 0
        raw_scope.record(con, gate.entity, gate.suite, scope, passed)
        by_file_and_rule = summary_by_file_and_rule(con, gate.entity)
    return Validated([result] if result else [], error, quarantined, tuple(samples),
                     tuple(mask_ssn(line) for line in by_file_and_rule), scope.describe())


def validate_built(gate: Gate, settings: Settings) -> Validated:
    """Every suite of a staging or marts gate, where dbt built the relation."""
    source = dbt_target_source(settings)
    results = []
    for name in gate.suites:
        try:
            results.append(validate_relation(source, gate.relation, name, _placeholders(settings)))
        except KeyError as exc:
            return Validated(results, f"could not validate {gate.relation} with {name}: {exc.args[0]}")
    return Validated(results)


def run_gate(gate: Gate, settings: Settings, log=None) -> AssetCheckResult:
    """The gate's verdict, with what it found as Dagster metadata."""
    started = time.perf_counter()
    found = validate_raw(gate, settings) if gate.layer == RAW_LAYER else validate_built(gate, settings)
    if log and found.scope:
        log(f"{gate.relation}: validated {found.scope}")
    results, error, quarantined = found.results, found.error, found.quarantined
    failed = [f for r in results for f in r.failed]
    failures = [("" if f.severity == "error" else "(warning, not blocking) ") + f.describe() for f in failed]
    blocking = [f for r in results for f in r.blocking]
    passed = quarantined == 0 and error is None and bool(results) and not blocking
    lines = ([f"quarantine: {quarantined} rows broke a required rule"] + [f"  {s}" for s in found.quarantine_samples]
             if quarantined else []) + ([error] if error else []) + [f"expectation failed: {d}" for d in failures]
    if not passed and found.by_file_and_rule:
        lines += ["raw.quarantine by file and rule:"] + [f"  {line}" for line in found.by_file_and_rule]
    next_step = RAW_NEXT_STEP if gate.layer == RAW_LAYER and not passed else None
    description = "; ".join(lines[:3]) if lines else f"{', '.join(gate.suites)}: all expectations met"
    return AssetCheckResult(
        asset_key=gate.asset_key,
        check_name=GATE_CHECK_NAME,
        passed=passed,
        severity=AssetCheckSeverity.ERROR,
        description=f"{description}. Next: {next_step}" if next_step else description,
        metadata={
            **({"next_step": next_step} if next_step else {}),
            "layer": gate.layer,
            "suite": gate.suite,
            "suites": ", ".join(gate.suites),
            "engine": settings.dbt_target if gate.layer != RAW_LAYER else "duckdb",
            "rows_validated": max((r.row_count for r in results), default=0),  # suites share the batch
            **({"validated": found.scope} if found.scope else {}),
            "expectations_run": sum(r.evaluated for r in results),
            "expectations_failed": len(blocking),
            "warnings": len(failed) - len(blocking),
            "unexpected_rows": sum(f.unexpected_count or 0 for f in failed),
            "quarantined_rows": quarantined,
            "failures": MetadataValue.md("\n".join(f"- {line}" for line in lines) or "none"),
            "failed_expectations": _json_metadata([
                {"rule": f.rule, "expectation": f.expectation, "column": f.column, "severity": f.severity,
                 "unexpected_count": f.unexpected_count, "observed": f.observed, "sample_values": f.sample_values,
                 "sample_rows": f.sample_rows} for f in failed]),
            # every expectation run, passed or not: the rows of the HTML validation report
            "expectations": _json_metadata([{"suite": r.suite, **e} for r in results for e in r.expectations]),
            "validation_report": MetadataValue.path(str(report_path(settings.publish_path))),
            "validation_seconds": round(time.perf_counter() - started, 3),
        },
    )


def _json_metadata(value) -> MetadataValue:
    """JSON metadata whatever the values (dates, decimals, numpy types are shown as text)."""
    return MetadataValue.json(json.loads(json.dumps(value, default=str)))


def _description(gate: Gate) -> str:
    suites = ", ".join(f"`expectations/{s}.json`" for s in gate.suites)
    return (f"Great Expectations suite{'s' if gate.extra_suites else ''} {suites} on {gate.relation}"
            + (" plus the loader's quarantine, evaluated by the ingest step after every feed is loaded"
               if gate.layer == RAW_LAYER else "") + ".")


def evaluate_gate(gate: Gate, settings: Settings, context) -> AssetCheckResult:
    """Run one gate inside a Dagster step (`context`: an asset or asset-check execution context):
    its verdict (run_gate), a log line either way (the CLI shows each gate as it finishes), and the
    run's HTML validation report rewritten with it. Raises only what run_gate raises."""
    result = run_gate(gate, settings, log=context.log.info)
    if not result.passed:
        context.log.error(f"gate failed on {gate.relation}: {result.description}")
    else:
        meta = result.metadata
        context.log.info(f"gate passed on {gate.relation}: {meta['expectations_run'].value} expectations over "
                         f"{meta['rows_validated'].value:,} rows in {meta['validation_seconds'].value:.1f} s")
    try:
        write_run_report(context.instance, context.run.run_id, settings.publish_path,
                         expected=[(g.asset_key, g.layer) for g in GATES], current=(gate.asset_key, result))
    except OSError as exc:  # a report that cannot be written never turns a gate's verdict
        context.log.warning(f"validation report not written: {exc}")
    return result


def _gate_check(gate: Gate):
    """A staging or marts gate as its own blocking asset check (a step after dbt's)."""
    @asset_check(asset=gate.asset_key, name=GATE_CHECK_NAME, blocking=True, description=_description(gate))
    def _check(context: AssetCheckExecutionContext, o4o: O4oSettingsResource) -> AssetCheckResult:
        return evaluate_gate(gate, o4o.settings(), context)

    return _check


def marts_models() -> list[str]:
    """Every dbt model built into the `marts` schema, from the dbt manifest."""
    from ..dbt_project import o4o_dbt_project

    with o4o_dbt_project().manifest_path.open() as f:
        nodes = json.load(f)["nodes"].values()
    return sorted(n["name"] for n in nodes if n["resource_type"] == "model" and n["schema"] == MARTS_LAYER)


def included(suite: str) -> tuple[str, ...]:
    """The shared suites a suite names in its `include` (rules several tables share, written once)."""
    with suite_path(suite).open() as f:
        return tuple(json.load(f).get("include", []))


def all_gates() -> list[Gate]:
    """Raw gates for every feed entity; staging gates for every suite file present; marts
    gates for every marts table (its own suite and those it includes, if any, plus the
    every-table suites)."""
    gates = [Gate("raw", raw_asset_key(e.name), f"{RAW_SCHEMA}.{e.name}", f"raw/{e.name}") for e in ENTITIES]
    for path in sorted((EXPECTATIONS_DIR / "staging").glob("*.json")):
        gates.append(Gate("staging", AssetKey([path.stem]), f"staging.{path.stem}", f"staging/{path.stem}"))
    every_table = tuple(f"{MARTS_LAYER}/{EVERY_TABLE}/{p.stem}"
                        for p in sorted((EXPECTATIONS_DIR / MARTS_LAYER / EVERY_TABLE).glob("*.json")))
    own = {p.stem for p in (EXPECTATIONS_DIR / MARTS_LAYER).glob("*.json")}
    for model in sorted(own | set(marts_models())):
        suites = ((f"{MARTS_LAYER}/{model}", *included(f"{MARTS_LAYER}/{model}")) if model in own else ()) + every_table
        gates.append(Gate(MARTS_LAYER, AssetKey([model]), f"{MARTS_LAYER}.{model}", suites[0], suites[1:]))
    return gates


def raw_check_specs() -> list[AssetCheckSpec]:
    """The raw gates as blocking check specs of the ingest step, which evaluates them (evaluate_gate)."""
    return [AssetCheckSpec(GATE_CHECK_NAME, asset=g.asset_key, blocking=True, description=_description(g))
            for g in RAW_GATES]


GATES = all_gates()
RAW_GATES = [g for g in GATES if g.layer == RAW_LAYER]
# staging and marts gates: steps of their own; the raw gates run in the ingest step (raw_check_specs)
gate_checks = [_gate_check(g) for g in GATES if g.layer != RAW_LAYER]
