"""Ingest assets: one per feed entity, computed by one step per feed.

A feed's entities load in one step over one DuckDB connection because participation
needs the participants' birth dates (for age at entry) and those must never be
written anywhere: they live only in a temp table of that connection.

Before anything is written each step checks the PII key against the warehouse's and the
published mart's (ingest/key_safety.py) and removes stale DuckDB spill files (ingest/spill.py); it
removes them again when it is done.
"""


import hashlib
from pathlib import Path

import duckdb
from dagster import AssetExecutionContext, AssetSpec, MaterializeResult, MetadataValue, multi_asset

from ..asset_keys import raw_asset_key
from ..ingest.feeds import FEEDS, Entity
from ..ingest.loader import RAW_SCHEMA, EntityLoad, load_entity
from ..ingest.key_safety import check_pii_key, read_key_state, record_pii_key
from ..resources import O4oSettingsResource
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


def _feed_assets(feed: str, entities: list[Entity]):
    @multi_asset(name=f"ingest_{feed}", specs=[_spec(e) for e in entities], can_subset=True,
                 description=f"Load the `{feed}/` landing folder into the raw schema.")
    def _ingest(context: AssetExecutionContext, o4o: O4oSettingsResource):
        settings = o4o.settings()
        key = settings.require_pii_key()
        for warning in settings.pii_key_warnings():
            context.log.warning(warning)
        settings.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
        with duckdb.connect(str(settings.warehouse_path), config=settings.duckdb_config()) as con:
            if (removed := describe(remove_spill_files(settings))):  # we hold the lock: nobody else's
                context.log.info(removed)
            for note in check_pii_key(settings, read_key_state(settings, con)):  # raises before any write
                context.log.warning(note)
            record_pii_key(con, settings)
            for entity in entities:
                if raw_asset_key(entity.name) not in context.selected_asset_keys:
                    continue
                load = load_entity(con, entity, settings.landing_dir, key, log=context.log.info,
                                   max_shrink_share=settings.max_shrink_share,
                                   accept_shrink=entity.name in settings.accept_shrink)
                yield MaterializeResult(asset_key=raw_asset_key(entity.name), metadata=_metadata(con, load))
        if (removed := describe(remove_spill_files_if_idle(settings))):
            context.log.info(removed)

    return _ingest


ingest_assets = [_feed_assets(feed, entities) for feed, entities in FEEDS.items()]
