"""The Dagster asset keys other modules refer to, each defined once: the raw tables (one per
feed entity), the published mart and the BI outputs that follow it. dbt models' keys are their
names (orchestration/assets/dbt.py)."""

from __future__ import annotations

from dagster import AssetKey

from .ingest.loader import RAW_SCHEMA

PUBLISHED_MART = AssetKey(["published_mart"])
OUTCOMES_REPORT = AssetKey(["outcomes_report"])
POSTGRES_MART = AssetKey(["postgres_mart"])


def raw_asset_key(entity_name: str) -> AssetKey:
    """`raw/<entity>`: the raw table the ingest writes for a feed entity."""
    return AssetKey([RAW_SCHEMA, entity_name])
