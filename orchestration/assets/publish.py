"""The publish asset: the only writer of O4O_PUBLISH_PATH, and only after every gate passed."""


from dagster import (AssetCheckKey, AssetExecutionContext, AssetKey, DagsterEventType, MaterializeResult,
                     MetadataValue, asset)

from ..checks.gates import GATE_CHECK_NAME, GATES
from ..publish import publish
from ..settings import load_settings

# The tables mart.md promises; a candidate without one of them is never published.
REQUIRED_TABLES = ["dim_participant", "dim_provider", "dim_program", "dim_area", "dim_date", "dim_occupation",
                   "fct_quarterly_earnings", "fct_exit_outcomes", "rpt_wioa_performance",
                   "rpt_provider_scorecard", "rpt_equity_outcomes", "rpt_labor_market"]
GATE_KEYS = [AssetCheckKey(g.asset_key, GATE_CHECK_NAME) for g in GATES]


class GateNotPassed(RuntimeError):
    """A blocking gate failed or did not run in this run: the mart is not published."""


def _gate_results_in_run(context: AssetExecutionContext) -> dict[AssetCheckKey, bool]:
    results = {}
    for record in context.instance.all_logs(context.run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION):
        evaluation = record.dagster_event.event_specific_data
        results[evaluation.asset_check_key] = evaluation.passed
    return results


@asset(
    key=AssetKey(["published_mart"]),
    group_name="published",
    deps=[AssetKey([t]) for t in REQUIRED_TABLES] + sorted({g.asset_key for g in GATES}, key=str),
    kinds={"duckdb"},
    owners=["team:data-engineering"],
    description="The marts schema copied to O4O_PUBLISH_PATH for BI tools: written beside it, audited, "
                "swapped in atomically, only when every Great Expectations gate in this run passed.",
)
def published_mart(context: AssetExecutionContext) -> MaterializeResult:
    settings = load_settings()
    results = _gate_results_in_run(context)
    not_passed = [k for k in GATE_KEYS if results.get(k) is not True]
    if not_passed:
        raise GateNotPassed("not publishing: these gates failed or did not run in this run: "
                            + ", ".join(f"{k.asset_key.to_user_string()}:{k.name}" for k in not_passed))
    result = publish(settings.warehouse_path, settings.publish_path, {
        "pii_key_mode": settings.pii_key_mode,
        "suppression_threshold": str(settings.suppression_threshold),
        "gates_passed": str(len(GATE_KEYS)),
        "dagster_run_id": context.run_id,
    }, REQUIRED_TABLES)
    context.log.info(f"published {len(result.tables)} tables to {result.path} ({result.size_bytes:,} bytes)")
    return MaterializeResult(metadata={
        "path": MetadataValue.path(str(result.path)),
        "size_bytes": result.size_bytes,
        "pii_key_mode": settings.pii_key_mode,
        "tables": MetadataValue.md("\n".join(["| table | rows |", "|---|---|"]
                                             + [f"| {t} | {n:,} |" for t, n in sorted(result.tables.items())])),
    })
