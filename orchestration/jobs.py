"""Jobs: the nightly refresh, and the freshness checks that watch what it published.

nightly_refresh: ingest -> raw gates -> dbt build -> staging/marts gates -> publish, in one run.
One run and the in-process executor: blocking checks only stop steps of the same run
(dagster#19821), and DuckDB allows one writing process per file. It leaves out the
freshness checks, which judge the published file against the clock, not this run's work.
"""

from dagster import AssetSelection, define_asset_job, in_process_executor

from .checks.freshness import freshness_checks

FRESHNESS_CHECKS = AssetSelection.checks(*freshness_checks)

nightly_refresh = define_asset_job(
    "nightly_refresh",
    selection=AssetSelection.all() - FRESHNESS_CHECKS,
    executor_def=in_process_executor,
    description="Refresh the outcomes mart from the landing directory and publish it when every gate passes.",
)

freshness_checks_job = define_asset_job(
    "freshness_checks",
    selection=FRESHNESS_CHECKS,
    executor_def=in_process_executor,
    description="Check that the published mart and its newest wage quarter are recent enough; "
                "fails (and alerts) when they are not.",
)
