"""What a person on call reads when a run fails: a plain summary, kept on disk and posted to a webhook.

The summary lists each failed check (asset, check, rows affected, sample rows with file and
row number) and each step error, using the same wording as `o4o refresh`
(orchestration/run_summary.py), and says whether the published mart was replaced. Posting never
raises: an unreachable webhook must not hide the failure it reports.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from dagster import DagsterEventType, DagsterInstance, DagsterRun

from .asset_keys import PUBLISHED_MART
from .run_summary import BI_OUTPUT_STEPS, bi_outputs_behind, failed_checks, step_errors

FAILURES_DIR = "o4o_failures"  # under the Dagster instance directory (DAGSTER_HOME)
WEBHOOK_TIMEOUT_SECONDS = 10
CHECK_FAILED_ERROR = "DagsterAssetCheckFailedError"
_ANSI = re.compile(r"\x1b\[[0-9;]*m")  # dbt colours its errors


@dataclass
class _RunEvents:
    """A run's events as `failed_checks`/`step_errors` read them from an in-process result."""
    all_events: list = field(default_factory=list)


def run_events(instance: DagsterInstance, run_id: str) -> _RunEvents:
    return _RunEvents([r.dagster_event for r in instance.all_logs(run_id) if r.dagster_event is not None])


def _touches_published_mart(events: _RunEvents, event_type: DagsterEventType) -> bool:
    return any(e.event_type == event_type and e.asset_key is not None
               and e.asset_key == PUBLISHED_MART for e in events.all_events)


def _published_at(events: _RunEvents) -> str:
    for e in events.all_events:
        if e.event_type == DagsterEventType.ASSET_MATERIALIZATION and e.asset_key is not None \
                and e.asset_key == PUBLISHED_MART:
            meta = e.event_specific_data.materialization.metadata
            path, sha = meta.get("path"), meta.get("sha256")
            return f" at {getattr(path, 'value', path)} (sha256 {str(getattr(sha, 'value', sha))[:12]}…)"
    return ""


def _publish_line(events: _RunEvents) -> list[str]:
    """Whether BI tools see new data: only said of runs that set out to publish. A DuckDB mart
    published before a BI output failed is a partial publish, and said so first."""
    if not _touches_published_mart(events, DagsterEventType.ASSET_MATERIALIZATION_PLANNED):
        return []
    if _touches_published_mart(events, DagsterEventType.ASSET_MATERIALIZATION):
        behind = bi_outputs_behind(events)
        if behind:
            outputs = " and ".join(behind)
            catch_up = "o4o report --postgres" if BI_OUTPUT_STEPS["postgres_mart"] in behind else "o4o report"
            return [f"PARTIAL PUBLISH: the DuckDB mart WAS published{_published_at(events)}: BI tools reading the "
                    f"file see the new version. {outputs[0].upper() + outputs[1:]} was NOT updated and still shows "
                    f"the previous version: the two now differ. Fix the cause, then run `{catch_up}`."]
        return [f"The published mart was replaced{_published_at(events)} before the failure."]
    return ["The published mart was NOT replaced: BI tools keep reading the previous version."]


def failure_summary(instance: DagsterInstance, run: DagsterRun) -> str:
    """The failure in words: which run, what failed, and what it means for the published mart."""
    events = run_events(instance, run.run_id)
    checks = failed_checks(events)
    # A failed blocking check also fails its step; the check's own lines already say why.
    errors = [e for e in step_errors(events) if not (checks and CHECK_FAILED_ERROR in e)]
    changed = run.tags.get("o4o/changed_files")
    lines = [f"o4o: run {run.run_id} of job `{run.job_name}` failed.",
             *([f"Started by new landing files: {changed}"] if changed else []),
             *_publish_line(events),
             ""]
    if checks:
        lines += [f"Failed checks ({len(checks)}):", *checks, ""]
    if errors:
        lines += [f"Step errors ({len(errors)}):", *errors, ""]
    if not checks and not errors:
        lines += ["No failed check or step error was recorded: see the run's logs in the Dagster UI.", ""]
    lines.append(f"Dagster UI: /runs/{run.run_id}. How to read a failed gate: docs/operations.md.")
    return _ANSI.sub("", "\n".join(lines))


def write_summary(instance: DagsterInstance, run_id: str, text: str) -> Path:
    """Keep the summary beside the run history: <instance dir>/o4o_failures/<run_id>.txt."""
    directory = Path(instance.root_directory) / FAILURES_DIR
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{run_id}.txt"
    path.write_text(text + "\n", encoding="utf-8")
    return path


def post_webhook(url: str, text: str, extra: dict | None = None,
                 timeout: float = WEBHOOK_TIMEOUT_SECONDS) -> str:
    """POST {"text": ...} as JSON (Slack/Teams/Mattermost incoming-webhook shape); never raises.

    Returns what happened, for the sensor's log.
    """
    body = json.dumps({"text": text, **(extra or {})}).encode("utf-8")
    if not url.lower().startswith(("http://", "https://")):
        return "could not post to webhook: O4O_ALERT_WEBHOOK_URL must start with http:// or https://"
    try:
        request = urllib.request.Request(url, data=body, method="POST",
                                         headers={"Content-Type": "application/json", "User-Agent": "o4o-alerts"})
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return f"posted to webhook: HTTP {response.status}"
    except urllib.error.HTTPError as exc:
        return f"webhook answered HTTP {exc.code}: {exc.reason}"
    except Exception as exc:  # noqa: BLE001 - a broken webhook must never mask the failure being reported
        return f"could not post to webhook: {type(exc).__name__}: {exc}"
