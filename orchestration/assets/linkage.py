"""Training-record linkage rate on the provider scorecard's materialization in the Dagster UI.

rpt_provider_scorecard's outcomes are only as good as the linkage of provider training records
to job-center participants (by SSN, else normalized name + birth date) and to UI wage records
(mart.md). The counts come from one query over int_training_record_linkage, where the linking
rules live; they are read after `dbt build` has ended, as dbt-duckdb holds the write lock
while it runs.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import duckdb
from dagster import AssetMaterialization, MetadataValue, Output

LINKAGE_MODEL = "model.o4o.int_training_record_linkage"
# The assets that show the linkage: the model that computes it and the report that relies on it.
LINKAGE_SHOWN_ON = {LINKAGE_MODEL, "model.o4o.rpt_provider_scorecard"}

LINKAGE_SQL = """
SELECT
    count(*) AS training_records,
    count(linked_by) AS linked_to_participant,
    count(CASE WHEN linked_by = 'ssn' THEN 1 END) AS linked_by_ssn,
    count(CASE WHEN linked_by = 'name_dob' THEN 1 END) AS linked_by_name_dob,
    count(CASE WHEN has_wage_records THEN 1 END) AS with_wage_records,
    count(CASE WHEN wage_key_source = 'record_ssn' THEN 1 END) AS wage_key_from_record_ssn,
    count(CASE WHEN wage_key_source = 'participant_ssn' THEN 1 END) AS wage_key_from_participant_ssn
FROM {relation}
"""


def linkage_counts(con: duckdb.DuckDBPyConnection, relation: str) -> dict[str, int]:
    """The counts of LINKAGE_SQL by name."""
    cursor = con.execute(LINKAGE_SQL.format(relation=relation))
    names = [d[0] for d in cursor.description]
    return dict(zip(names, cursor.fetchone(), strict=True))


def linkage_metadata(counts: Mapping[str, int]) -> dict[str, Any]:
    """Shares (0-1, NULL-free: 0 records give 0.0) and counts, prefixed `linkage_` in the UI."""
    total = counts["training_records"]

    def share(n: int) -> MetadataValue:
        return MetadataValue.float(n / total if total else 0.0)

    return {
        "linkage_training_records": MetadataValue.int(total),
        "linkage_linked_to_participant_rate": share(counts["linked_to_participant"]),
        "linkage_with_wage_records_rate": share(counts["with_wage_records"]),
        "linkage_linked_by_ssn": MetadataValue.int(counts["linked_by_ssn"]),
        "linkage_linked_by_name_dob": MetadataValue.int(counts["linked_by_name_dob"]),
        "linkage_not_linked": MetadataValue.int(total - counts["linked_to_participant"]),
        "linkage_wage_key_from_record_ssn": MetadataValue.int(counts["wage_key_from_record_ssn"]),
        "linkage_wage_key_from_participant_ssn": MetadataValue.int(counts["wage_key_from_participant_ssn"]),
    }


def _unique_id(event: Any) -> str | None:
    value = (getattr(event, "metadata", None) or {}).get("unique_id")
    return getattr(value, "value", value)


def with_linkage_rate(events: Iterable[Any], manifest: Mapping[str, Any], warehouse_path: Path) -> Iterator[Any]:
    """Attach the linkage metadata to the materializations in LINKAGE_SHOWN_ON.

    Expects the events only after dbt has exited (metadata.with_warehouse_metadata holds them
    back). When the linkage model was not built, or the warehouse cannot be read, the events
    pass through unchanged: the metadata is informative, never a reason to fail the build.
    """
    node = manifest["nodes"][LINKAGE_MODEL]
    relation = f'"{node["schema"]}"."{node.get("alias") or node["name"]}"'
    metadata: dict[str, Any] | None = None
    for event in events:
        if isinstance(event, (Output, AssetMaterialization)) and _unique_id(event) in LINKAGE_SHOWN_ON:
            if metadata is None:
                try:
                    with duckdb.connect(str(warehouse_path), read_only=True) as con:
                        metadata = linkage_metadata(linkage_counts(con, relation))
                except duckdb.Error:
                    metadata = {}
            event = event.with_metadata({**event.metadata, **metadata})
        yield event
