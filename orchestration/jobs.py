"""The nightly refresh: ingest -> raw gates -> dbt build -> staging/marts gates -> publish, in one run.

One run and the in-process executor: blocking checks only stop steps of the same run
(dagster#19821), and DuckDB allows one writing process per file.
"""

from dagster import AssetSelection, define_asset_job, in_process_executor

nightly_refresh = define_asset_job(
    "nightly_refresh",
    selection=AssetSelection.all(),
    executor_def=in_process_executor,
    description="Refresh the outcomes mart from the landing directory and publish it when every gate passes.",
)
