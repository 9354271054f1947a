"""The Dagster code location: assembles definitions and nothing else."""

from dagster import Definitions
from dagster_dbt import DbtCliResource

from .assets.dbt import o4o_dbt_models
from .assets.ingest import ingest_assets
from .assets.publish import published_mart
from .checks.gates import gate_checks
from .dbt_project import dbt_executable, o4o_dbt_project
from .jobs import nightly_refresh
from .schedules import nightly_refresh_schedule
from .sensors import landing_sensor

defs = Definitions(
    assets=[*ingest_assets, o4o_dbt_models, published_mart],
    asset_checks=gate_checks,
    jobs=[nightly_refresh],
    schedules=[nightly_refresh_schedule],
    sensors=[landing_sensor],
    resources={"dbt": DbtCliResource(project_dir=o4o_dbt_project(), dbt_executable=dbt_executable())},
)
