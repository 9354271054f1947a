"""What a run's events say, in the words `o4o refresh` and the failure alert both use: failed
checks (asset, check, rows affected, samples), step errors, BI outputs left behind, and each
materialization's metadata. Reads events only; imports nothing of the Dagster definitions, so
the alert sensor (orchestration/alerts.py) and the CLI runner (orchestration/refresh.py) share
it without importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .asset_keys import PUBLISHED_MART

# The BI outputs that follow the published DuckDB mart (orchestration/assets/published_mart.py), by
# step, and what to call them when they could not follow.
BI_OUTPUT_STEPS = {"outcomes_report": "the outcomes report (HTML)", "postgres_mart": "PostgreSQL (schema marts)"}


@dataclass
class RefreshOutcome:
    published: bool  # the DuckDB mart was swapped in by this run
    failed_checks: list[str] = field(default_factory=list)
    step_errors: list[str] = field(default_factory=list)
    # asset key ("rpt_provider_scorecard") -> metadata of its materialization in this run
    materializations: dict[str, dict] = field(default_factory=dict)
    # BI outputs that failed to follow a published mart (BI_OUTPUT_STEPS' words): a partial publish
    bi_outputs_behind: list[str] = field(default_factory=list)

    @property
    def succeeded(self) -> bool:
        return self.published and not self.bi_outputs_behind


def failed_checks(result) -> list[str]:
    """One entry per failed asset check: asset, check, rows affected, and the sample lines.
    Blocking failures come first; a warning-severity check (e.g. a dbt test with severity warn)
    is listed after them as a WARNING, since it never stopped anything."""
    from dagster import AssetCheckSeverity

    blocking, warnings = [], []
    for event in result.all_events:
        if event.event_type_value != "ASSET_CHECK_EVALUATION" or event.event_specific_data.passed:
            continue
        evaluation = event.event_specific_data
        meta = {k: getattr(v, "value", v) for k, v in evaluation.metadata.items()}
        rows = (meta.get("unexpected_rows") or 0) + (meta.get("quarantined_rows") or 0)
        is_warning = evaluation.severity == AssetCheckSeverity.WARN
        (warnings if is_warning else blocking).append(
            f"{'WARNING' if is_warning else 'FAILED'} {evaluation.asset_key.to_user_string()} :: "
            f"{evaluation.check_name} ({rows} rows affected)\n{meta.get('failures', evaluation.description or '')}")
    return blocking + warnings


def step_errors(result) -> list[str]:
    errors = []
    for event in result.all_events:
        if event.event_type_value != "STEP_FAILURE":
            continue
        err = event.event_specific_data.error
        while err is not None and err.cause is not None:  # the user's exception, not Dagster's wrapper
            err = err.cause
        errors.append(f"step {event.step_key} failed: {err.message.strip() if err else ''}")
    return errors


def bi_outputs_behind(result) -> list[str]:
    """The BI outputs whose step failed in this run (each still shows the previous mart)."""
    return [BI_OUTPUT_STEPS[e.step_key] for e in result.all_events
            if e.event_type_value == "STEP_FAILURE" and e.step_key in BI_OUTPUT_STEPS]


def published(materialized: dict[str, dict]) -> bool:
    """The DuckDB mart was swapped in by the run whose materializations these are."""
    return PUBLISHED_MART.to_user_string() in materialized


def materializations(result) -> dict[str, dict]:
    """Each materialized asset's metadata as plain values, for callers that check what the UI shows."""
    found = (e.event_specific_data.materialization for e in result.get_asset_materialization_events())
    return {m.asset_key.to_user_string(): {k: getattr(v, "value", v) for k, v in m.metadata.items()}
            for m in found}


