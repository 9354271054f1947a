"""The publish assets: `published_mart` is the only writer of O4O_PUBLISH_PATH, and only
after every gate passed; the BI outputs follow it as their own assets.

published_mart, in sequence: refuse unless every gate of this run passed; measure what the
gates cost; write-audit-publish the mart with its metadata (publish/write_audit_publish.py); write the final
validation report. Its materialization is recorded as soon as the file is swapped in.
Then `outcomes_report` (the HTML report beside the mart) and `postgres_mart` (the same
tables in PostgreSQL, when O4O_PUBLISH_POSTGRES_URL is set) are made from the published
file. When one of them fails the run fails, and the failure says what is true: the DuckDB
mart *was* published, the failed output still shows the previous version, the two differ.
"""

import datetime as dt
import time

from dagster import AssetCheckKey, AssetExecutionContext, AssetKey, MaterializeResult, MetadataValue, asset

from ..asset_keys import OUTCOMES_REPORT, POSTGRES_MART, PUBLISHED_MART
from ..quality.evaluations import GateEvaluation, gate_evaluations, run_started_at
from ..checks.gates import GATE_CHECK_NAME, GATES
from ..quality.validation_report import PublishOutcome, report_path, write_run_report
from ..coalition.agreement import AgreementError
from ..coalition.sharing import agreement_for
from ..ingest.loader import key_check
from ..dbt_project import o4o_dbt_project
from ..publish.mart_docs import load_mart_docs
from ..publish.write_audit_publish import PublishError, PublishResult, describe_version, publish
from ..resources import O4oSettingsResource
from ..settings import Settings


# The tables mart.md promises; a candidate without one of them is never published.
REQUIRED_TABLES = ["dim_participant", "dim_provider", "dim_program", "dim_area", "dim_date", "dim_occupation",
                   "fct_quarterly_earnings", "fct_exit_outcomes", "rpt_wioa_performance",
                   "rpt_provider_scorecard", "rpt_equity_outcomes", "rpt_labor_market",
                   "rpt_eta9169_performance", "rpt_eta9169_summary", "dim_lwda", "dim_funding_stream",
                   "dim_demographic_code", "rpt_provider_scorecard_pooled"]
GATE_KEYS = [AssetCheckKey(g.asset_key, GATE_CHECK_NAME) for g in GATES]


class GateNotPassed(RuntimeError):
    """A blocking gate failed or did not run in this run: the mart is not published."""


def _report(context: AssetExecutionContext, settings: Settings, outcome: PublishOutcome) -> None:
    try:
        write_run_report(context.instance, context.run_id, settings.publish_path,
                         expected=[(g.asset_key, g.layer) for g in GATES], publish=outcome)
    except OSError as exc:
        context.log.warning(f"validation report not written: {exc}")


def require_every_gate_passed(context: AssetExecutionContext, settings: Settings,
                              evaluations: list[GateEvaluation]) -> None:
    passed = {AssetCheckKey(e.asset_key, e.check) for e in evaluations if e.passed}
    not_passed = [k for k in GATE_KEYS if k not in passed]
    if not_passed:
        message = ("not publishing: these gates failed or did not run in this run: "
                   + ", ".join(f"{k.asset_key.to_user_string()}:{k.name}" for k in not_passed))
        _report(context, settings, PublishOutcome(False, message))
        raise GateNotPassed(message)


def validation_cost(context: AssetExecutionContext, evaluations: list[GateEvaluation]) -> dict:
    """Seconds the gates spent validating, the run's wall time so far, and the share."""
    started = run_started_at(context.instance, context.run_id) or time.time()
    wall = max(time.time() - started, 1e-9)
    seconds = sum(e.validation_seconds for e in evaluations)
    return {"run_started_at": dt.datetime.fromtimestamp(started, dt.timezone.utc).isoformat(timespec="seconds"),
            "validation_seconds": round(seconds, 3), "wall_seconds": round(wall, 3),
            "validation_share": round(seconds / wall, 4), "gates": len(evaluations)}


def publish_with_metadata(context: AssetExecutionContext, settings: Settings, evaluations: list[GateEvaluation],
                          cost: dict) -> PublishResult:
    """Write-audit-publish; the final report says whether the audit let it through."""
    report = report_path(settings.publish_path)
    try:
        agreement = agreement_for(settings)
    except AgreementError as exc:
        _report(context, settings, PublishOutcome(False, f"not published: {exc}", cost["validation_seconds"],
                                                  cost["wall_seconds"]))
        raise
    try:
        result = publish(settings.warehouse_path, settings.publish_path, {
            "pii_key_mode": settings.pii_key_mode,
            "key_check": key_check(settings.require_pii_key()),  # ingest/key_safety.py compares the next run's key
            "suppression_threshold": str(settings.suppression_threshold),
            "gates_passed": str(len(GATE_KEYS)),
            "dagster_run_id": context.run_id,
        }, REQUIRED_TABLES, checks=[e.summary() for e in evaluations],
            details={"validation": cost, "validation_report": str(report)},
            storage_version=settings.publish_storage_version, docs=load_mart_docs(o4o_dbt_project().manifest_path),
            agreement=agreement)
    except PublishError as exc:
        _report(context, settings, PublishOutcome(False, f"not published: the audit refused the candidate: {exc}",
                                                  cost["validation_seconds"], cost["wall_seconds"]))
        raise
    _report(context, settings, PublishOutcome(
        True, f"Every gate passed: published to {result.path} (sha256 {result.sha256[:12]}…).",
        cost["validation_seconds"], cost["wall_seconds"]))
    return result


@asset(
    key=PUBLISHED_MART,
    group_name="published",
    deps=[AssetKey([t]) for t in REQUIRED_TABLES] + sorted({g.asset_key for g in GATES}, key=str),
    kinds={"duckdb"},
    owners=["team:data-engineering"],
    description="The marts schema copied to O4O_PUBLISH_PATH for BI tools: written beside it, audited, "
                "swapped in atomically, only when every Great Expectations gate in this run passed.",
)
def published_mart(context: AssetExecutionContext, o4o: O4oSettingsResource) -> MaterializeResult:
    settings = o4o.settings()
    evaluations = gate_evaluations(context.instance, context.run_id, GATE_CHECK_NAME)
    require_every_gate_passed(context, settings, evaluations)
    cost = validation_cost(context, evaluations)
    result = publish_with_metadata(context, settings, evaluations, cost)
    context.log.info(f"published {len(result.tables)} data tables (and the publish_* tables saying what and when) "
                     f"to {result.path} ({result.size_bytes:,} bytes); "
                     f"gates took {cost['validation_seconds']:.1f} s, {cost['validation_share']:.1%} of "
                     f"{cost['wall_seconds']:.1f} s")
    return MaterializeResult(metadata={
        "path": MetadataValue.path(str(result.path)),
        "size_bytes": result.size_bytes,
        "sha256": result.sha256,
        "pii_key_mode": settings.pii_key_mode,
        "metadata_json": MetadataValue.path(str(result.metadata_path)),
        "validation_report": MetadataValue.path(str(report_path(settings.publish_path))),
        "validation_seconds": MetadataValue.float(cost["validation_seconds"]),
        "wall_seconds": MetadataValue.float(cost["wall_seconds"]),
        "validation_share": MetadataValue.float(cost["validation_share"]),
        "gates_passed": len(evaluations),
        **({"coalition_member_files": MetadataValue.md("\n".join(
            ["| member | file | tables |", "|---|---|---|"]
            + [f"| {m} | {p.name} | {len(result.disclosed.get(m, {}))} |" for m, p in sorted(result.member_files.items())]))}
           if result.member_files else {}),
        "tables": MetadataValue.md("\n".join(["| table | rows |", "|---|---|"]
                                             + [f"| {t} | {n:,} |" for t, n in sorted(result.tables.items())])),
    })


class BiOutputBehind(RuntimeError):
    """The DuckDB mart was published, but a BI output could not follow: it shows the previous version."""


def _behind(settings: Settings, output: str, exc: Exception, catch_up: str) -> BiOutputBehind:
    version = describe_version(settings.publish_path)
    return BiOutputBehind(
        f"the DuckDB mart WAS published at {settings.publish_path} ({version}), but {output} was NOT updated: "
        f"it still shows the previous version, so the two now differ. Cause: {type(exc).__name__}: {exc}. "
        f"Fix the cause, then run `{catch_up}` to bring it in line.")


@asset(
    key=OUTCOMES_REPORT,
    group_name="published",
    deps=[PUBLISHED_MART],
    kinds={"html"},
    owners=["team:data-engineering"],
    description="The HTML outcomes report (charts, works offline) written beside the published mart, "
                "from the published file.",
)
def outcomes_report(context: AssetExecutionContext, o4o: O4oSettingsResource) -> MaterializeResult:
    from ..publish.outcomes_report import report_path as outcomes_report_path, write_report

    settings = o4o.settings()
    try:
        path = write_report(settings.publish_path, outcomes_report_path(settings.publish_path))
    except Exception as exc:
        raise _behind(settings, f"the outcomes report {outcomes_report_path(settings.publish_path)}", exc,
                      "o4o report") from exc
    context.log.info(f"wrote the outcomes report to {path}")
    return MaterializeResult(metadata={"report_path": MetadataValue.path(str(path)),
                                       "mart_version": describe_version(settings.publish_path)})


@asset(
    key=POSTGRES_MART,
    group_name="published",
    deps=[PUBLISHED_MART],
    kinds={"postgres"},
    owners=["team:data-engineering"],
    output_required=False,
    description="The published marts loaded into PostgreSQL schema `marts` (read-only role o4o_bi) in one "
                "transaction, when O4O_PUBLISH_POSTGRES_URL is set; no materialization otherwise.",
)
def postgres_mart(context: AssetExecutionContext, o4o: O4oSettingsResource):
    from ..publish.postgres import describe_target, publish_to_postgres

    settings = o4o.settings()
    if not settings.publish_postgres_url:
        context.log.info("O4O_PUBLISH_POSTGRES_URL is not set: PostgreSQL is not loaded")
        return
    target = describe_target(settings.publish_postgres_url)
    try:
        loaded = publish_to_postgres(settings.publish_path, settings.publish_postgres_url,
                                     agreement=agreement_for(settings))
    except Exception as exc:
        raise _behind(settings, f"PostgreSQL ({target}, schema marts)", exc, "o4o report --postgres") from exc
    context.log.info(f"published {len(loaded.tables)} tables to PostgreSQL {loaded.target} (schema marts)")
    yield MaterializeResult(metadata={"postgres_target": loaded.target, "postgres_tables": len(loaded.tables),
                                      "mart_version": describe_version(settings.publish_path)})
