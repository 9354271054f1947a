"""The gate evaluations of one Dagster run, read back from the run's event log as plain values.

The publish step decides from them (did every gate pass in this run?), the validation report
renders them, and the published metadata records them: all three read the same events.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from dagster import AssetCheckResult, AssetKey, DagsterEventType, DagsterInstance

GATE_CHECK_NAME = "great_expectations_gate"  # the name of every GX gate's asset check


@dataclass(frozen=True)
class GateEvaluation:
    asset_key: AssetKey
    check: str
    passed: bool
    description: str | None
    metadata: dict  # MetadataValue wrappers unwrapped to plain values

    @property
    def asset(self) -> str:
        return self.asset_key.to_user_string()

    @property
    def layer(self) -> str:
        return str(self.metadata.get("layer") or "")

    @property
    def validation_seconds(self) -> float:
        return float(self.metadata.get("validation_seconds") or 0.0)

    def summary(self) -> dict:
        """What the published metadata keeps of a gate: the counts, not the samples."""
        keep = ("layer", "suites", "engine", "validated", "rows_validated", "expectations_run", "expectations_failed",
                "warnings", "unexpected_rows", "quarantined_rows", "validation_seconds")
        return {"asset": self.asset, "check_name": self.check, "passed": self.passed,
                **{k: self.metadata[k] for k in keep if k in self.metadata}}


def plain(metadata: Mapping) -> dict:
    return {k: getattr(v, "value", v) for k, v in (metadata or {}).items()}


def from_result(asset_key: AssetKey, check: str, result: AssetCheckResult) -> GateEvaluation:
    """The evaluation a check is about to report (not in the event log yet)."""
    return GateEvaluation(asset_key, check, bool(result.passed), result.description, plain(result.metadata))


def gate_evaluations(instance: DagsterInstance, run_id: str, check: str) -> list[GateEvaluation]:
    """Evaluations of asset checks named `check` in the run, in the order they were reported
    (a check evaluated twice keeps its last result)."""
    found: dict[AssetKey, GateEvaluation] = {}
    for record in instance.all_logs(run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION):
        evaluation = record.dagster_event.event_specific_data
        if evaluation.check_name == check:
            found[evaluation.asset_key] = GateEvaluation(evaluation.asset_key, evaluation.check_name,
                                                         bool(evaluation.passed), evaluation.description,
                                                         plain(evaluation.metadata))
    return list(found.values())


def run_started_at(instance: DagsterInstance, run_id: str) -> float | None:
    """Unix time the run started (its first event when the run record has no start time yet)."""
    record = instance.get_run_record_by_id(run_id)
    if record is not None and record.start_time:
        return record.start_time
    for entry in instance.all_logs(run_id):
        return entry.timestamp
    return None
