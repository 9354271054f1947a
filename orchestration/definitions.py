"""The Dagster code location: assembles definitions and nothing else."""

from dagster import AssetSpec, Definitions, in_process_executor
from dagster_dbt import DbtCliResource

from .assets.dbt import o4o_dbt_models
from .assets.ingest import ingest_assets
from .assets.published_mart import outcomes_report, postgres_mart, published_mart
from .checks.freshness import freshness_checks
from .checks.gates import GATES, gate_checks
from .dbt_project import dbt_executable, o4o_dbt_project
from .resources import O4oSettingsResource
from .jobs import freshness_checks_job, nightly_refresh
from .schedules import freshness_checks_schedule, nightly_refresh_schedule
from .sensors import landing_sensor, run_failure_alert_sensor

_GATED = {g.asset_key for g in GATES}


def _gx_kind(spec: AssetSpec) -> AssetSpec:
    """Show the Great Expectations badge on every asset a gate validates."""
    return spec.merge_attributes(kinds={"great_expectations"}) if spec.key in _GATED else spec


defs = Definitions(
    assets=[*ingest_assets, o4o_dbt_models.map_asset_specs(_gx_kind), published_mart, outcomes_report, postgres_mart],
    asset_checks=[*gate_checks, *freshness_checks],
    jobs=[nightly_refresh, freshness_checks_job],
    schedules=[nightly_refresh_schedule, freshness_checks_schedule],
    sensors=[landing_sensor, run_failure_alert_sensor],
    # `o4o`: the settings (the one reader of O4O_*); `dbt`: the dbt CLI, given them as --vars.
    resources={"dbt": DbtCliResource(project_dir=o4o_dbt_project(), dbt_executable=dbt_executable()),
               "o4o": O4oSettingsResource()},
    # Materializing a selection from the asset graph runs in one process too: DuckDB has one writer.
    executor=in_process_executor,
)
