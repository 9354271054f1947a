"""Ingest assets: one per feed entity, all computed by one step, `ingest`, which then runs the raw gates.

A feed's entities load over one DuckDB connection because participation needs the
participants' birth dates (for age at entry) and those must never be written anywhere: they
live only in a temp table of that connection.

The raw gates (checks/gates.py) are checks of this step, evaluated once every selected feed is
loaded (a raw rule may read another feed's table: services' program_id against raw.programs). A
failed raw gate fails this step, so nothing downstream runs, and the Dagster UI's "Re-execute from
failure" runs this step again: it reads the corrected landing files (the loader rebuilds a table
whose load had problems; unchanged entities are not read again) before the gates judge them. With
the gates in steps of their own, a re-execution re-ran only the gate, on the rows loaded before
the fix.

Before anything is written the step checks the PII key against the warehouse's and the published
mart's (ingest/key_safety.py) and removes stale DuckDB spill files (ingest/spill.py); it removes
them again when the loads are done.
"""


import hashlib
from pathlib import Path

import duckdb
from dagster import AssetCheckKey, AssetExecutionContext, AssetSpec, MaterializeResult, MetadataValue, multi_asset

from ..asset_keys import raw_asset_key
from ..checks.gates import RAW_GATES, evaluate_gate, raw_check_specs
from ..ingest.feeds import ENTITIES, FEEDS, Entity
from ..ingest.loader import RAW_SCHEMA, EntityLoad, load_entity
from ..ingest.key_safety import check_pii_key, read_key_state, record_pii_key
from ..quality.evaluations import GATE_CHECK_NAME
from ..resources import O4oSettingsResource
from ..settings import Settings
from ..ingest.spill import describe, remove_spill_files, remove_spill_files_if_idle
from .metadata import column_schema, row_count

INGEST_GROUP = "raw"
# The code that turns a landing file into a raw table; a change to it (or to the entity's
# contract in feeds.py) changes the asset's code version, and the UI marks the table stale.
_LOADER_SOURCES = ("loader.py", "parse.py", "pseudonymize.py", "ssn.py", "masking.py", "sniff.py")
_INGEST_DIR = Path(__file__).resolve().parent.parent / "ingest"


def code_version(entity: Entity) -> str:
    """Hash of the entity's contract (its `feeds.py` definition) and of the loader's source."""
    digest = hashlib.sha256(repr(entity).encode())
    for name in _LOADER_SOURCES:
        digest.update((_INGEST_DIR / name).read_bytes())
    return digest.hexdigest()[:16]




def _spec(entity: Entity) -> AssetSpec:
    return AssetSpec(
        key=raw_asset_key(entity.name),
        description=f"Landing files `{entity.feed}/{entity.name}*.csv` parsed, pseudonymized and keyed "
                    f"by ({', '.join(entity.raw_key)}). Problems go to raw.quarantine; the gate is the "
                    f"Great Expectations suite `expectations/raw/{entity.name}.json`.",
        group_name=INGEST_GROUP,
        kinds={"duckdb", "csv", "great_expectations"},
        code_version=code_version(entity),
        owners=["team:data-engineering"],
        tags={"layer": "raw", "feed": entity.feed},
        skippable=True,
    )


def _metadata(con: duckdb.DuckDBPyConnection, load: EntityLoad) -> dict:
    table_meta = {}
    if (rows := row_count(con, RAW_SCHEMA, load.entity)) is not None:
        table_meta["dagster/row_count"] = rows
    if (columns := column_schema(con, RAW_SCHEMA, load.entity)) is not None:
        table_meta["dagster/column_schema"] = columns
    return {
        **table_meta,
        "rows_read": load.rows_read,
        "rows_loaded": MetadataValue.int(load.rows_loaded),
        "rows_quarantined": load.rows_quarantined,
        "rows_replaced_by_later_deliveries": load.rows_replaced,
        "rows_dropped_by_amendments": load.rows_dropped_by_amendments,
        "stopped": load.stopped,
        "blocked_by_volume_rule": load.shrink_blocked,
        "files": MetadataValue.md("\n".join(
            ["| file | status | rows | quarantined | sha256 |", "|---|---|---|---|---|"]
            + [f"| {f['source_file']} | {f['status']} | {f['rows_read']:,} | {f['rows_quarantined']:,} | "
               f"`{f['checksum'][:12]}` |" for f in load.files])),
        "problems": MetadataValue.md("\n".join(f"- {p}" for p in load.problems[:20]) or "none"),
        "extra_columns": ", ".join(load.extra_columns) or "none",
        "dropped_columns": ", ".join(load.dropped_columns) or "none",
    }


def _load_feed(context: AssetExecutionContext, settings: Settings, key: bytes, entities: list[Entity]):
    """Load one feed's selected entities over one connection; a MaterializeResult per entity."""
    with duckdb.connect(str(settings.warehouse_path), config=settings.duckdb_config()) as con:
        if (removed := describe(remove_spill_files(settings))):  # we hold the lock: nobody else's
            context.log.info(removed)
        for note in check_pii_key(settings, read_key_state(settings, con)):  # raises before any write
            context.log.warning(note)
        record_pii_key(con, settings)
        for entity in entities:
            load = load_entity(con, entity, settings.landing_dir, key, log=context.log.info,
                               max_shrink_share=settings.max_shrink_share,
                               accept_shrink=entity.name in settings.accept_shrink)
            yield MaterializeResult(asset_key=raw_asset_key(entity.name), metadata=_metadata(con, load))


@multi_asset(name="ingest", specs=[_spec(e) for e in ENTITIES], check_specs=raw_check_specs(), can_subset=True,
             description="Load the landing folders (providers/, job_center/, labor_market/) into the raw schema, "
                         "then run the raw gates on what was loaded. A failed gate fails this step: fix the "
                         "landing file and re-execute from failure (this step reads the landing files again).")
def ingest(context: AssetExecutionContext, o4o: O4oSettingsResource):
    settings = o4o.settings()
    selected = context.selected_asset_keys
    feeds = {feed: [e for e in entities if raw_asset_key(e.name) in selected] for feed, entities in FEEDS.items()}
    if any(feeds.values()):
        key = settings.require_pii_key()
        for warning in settings.pii_key_warnings():
            context.log.warning(warning)
        settings.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
        for entities in feeds.values():
            if entities:
                yield from _load_feed(context, settings, key, entities)
        if (removed := describe(remove_spill_files_if_idle(settings))):
            context.log.info(removed)
    # the ingest connections are closed: the gates open the warehouse themselves
    for gate in RAW_GATES:
        if AssetCheckKey(gate.asset_key, GATE_CHECK_NAME) in context.selected_asset_check_keys:
            yield evaluate_gate(gate, settings, context)


ingest_assets = [ingest]
