"""dbt models as Dagster assets, grouped by layer so the graph reads like the layer diagram."""


from collections.abc import Mapping
from typing import Any

from dagster import AssetExecutionContext, AssetKey
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets

from ..dbt_project import o4o_dbt_project
from ..dbt_targets import NIGHTLY_BUILD_SELECTION, dbt_threads, mirror_dbt_build, stage_raw_for_dbt, then
from ..ingest.loader import RAW_SCHEMA
from ..resources import O4oSettingsResource
from .linkage import with_linkage_rate
from .metadata import with_warehouse_metadata

# models/<layer>/... -> group; marts/reports get their own group.
LAYER_GROUPS = {"staging": "staging", "intermediate": "intermediate", "core": "marts", "reports": "reports"}


class O4oTranslator(DagsterDbtTranslator):
    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return AssetKey([RAW_SCHEMA, dbt_resource_props["name"]])
        return AssetKey([dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return "reference"
        fqn = dbt_resource_props.get("fqn", [])
        for part in reversed(fqn[1:-1]):
            if part in LAYER_GROUPS:
                return LAYER_GROUPS[part]
        return "staging"

    def get_owners(self, dbt_resource_props: Mapping[str, Any]):
        return ["team:data-engineering"]


DBT_TRANSLATOR = O4oTranslator(settings=DagsterDbtTranslatorSettings(enable_code_references=False))


@dbt_assets(manifest=o4o_dbt_project().manifest_path, project=o4o_dbt_project(),
            dagster_dbt_translator=DBT_TRANSLATOR)
def o4o_dbt_models(context: AssetExecutionContext, dbt: DbtCliResource, o4o: O4oSettingsResource):
    """`dbt build`: seeds, staging, intermediate, marts and reports, with dbt's data tests. The
    settings reach dbt as `--target` and `--vars` (Settings.dbt_args), from the `o4o` resource."""
    settings = o4o.settings()
    # O4O_DBT_TARGET (docs/engines.md): raw tables to the engine first, its results back after.
    if copied := stage_raw_for_dbt(settings):
        context.log.info(f"raw tables copied to dbt target {settings.dbt_target}: {copied}")
    invocation = dbt.cli(["build", *NIGHTLY_BUILD_SELECTION, "--threads", str(dbt_threads(settings.dbt_target)),
                          *settings.dbt_args()], context=context)
    warehouse = settings.warehouse_path
    built = then(invocation.stream(), lambda: mirror_dbt_build(
        settings, invocation.manifest, invocation.get_artifact("run_results.json")))
    events = with_warehouse_metadata(built, invocation.manifest, warehouse)
    yield from with_linkage_rate(events, invocation.manifest, warehouse)
