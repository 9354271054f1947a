"""Run `nightly_refresh` in process and say plainly what happened (used by the CLI and tests)."""

from __future__ import annotations

from .run_summary import (BI_OUTPUT_STEPS, RefreshOutcome, bi_outputs_behind, failed_checks,  # noqa: F401
                          materializations, published, step_errors)

def run_refresh(instance=None, log_level: str = "INFO", o4o=None) -> RefreshOutcome:
    """Prepare the dbt manifest, run the job, and report whether the mart was published.
    `log_level` filters the console log (INFO shows progress and failures; DEBUG every event);
    `o4o` (an O4oSettingsResource) carries the run's switches (--demo, --rekey, --accept-shrink)."""
    from dagster import DagsterInstance

    from .dbt_project import prepare_manifest
    from .resources import dagster_home

    prepare_manifest()
    from .definitions import defs

    if instance is None:
        instance = DagsterInstance.get() if dagster_home() else DagsterInstance.ephemeral()
    run_config = {"loggers": {"console": {"config": {"log_level": log_level}}}}
    if o4o is not None:
        run_config["resources"] = {"o4o": {"config": o4o.model_dump()}}
    result = defs.resolve_job_def("nightly_refresh").execute_in_process(
        instance=instance, raise_on_error=False, run_config=run_config)
    materialized = materializations(result)
    return RefreshOutcome(published(materialized), failed_checks(result), step_errors(result),
                          materialized, bi_outputs_behind(result))
