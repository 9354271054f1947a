"""Sensors: start `nightly_refresh` when a landing file is new or changed; report failed runs."""

from __future__ import annotations

import hashlib
import json

from dagster import (DefaultSensorStatus, RunFailureSensorContext, RunRequest, SensorEvaluationContext, SkipReason,
                     run_failure_sensor, sensor)

from .alerts import failure_summary, post_webhook, write_summary
from .ingest.masking import file_label
from .jobs import nightly_refresh
from .resources import O4oSettingsResource


def landing_fingerprint(landing_dir) -> dict[str, str]:
    """path -> size:mtime of every CSV under the landing directory (cheap; no content read)."""
    if not landing_dir.is_dir():
        return {}
    return {str(p.relative_to(landing_dir)): f"{p.stat().st_size}:{p.stat().st_mtime_ns}"
            for p in sorted(landing_dir.rglob("*.csv"))}


@sensor(job=nightly_refresh, minimum_interval_seconds=60,
        description="Starts nightly_refresh when files in O4O_LANDING_DIR are added or changed.")
def landing_sensor(context: SensorEvaluationContext, o4o: O4oSettingsResource):
    current = landing_fingerprint(o4o.settings().landing_dir)
    if not current:
        return SkipReason("landing directory is empty")
    previous = json.loads(context.cursor) if context.cursor else {}
    changed = sorted(p for p, f in current.items() if previous.get(p) != f)
    context.update_cursor(json.dumps(current))
    if not changed:
        return SkipReason("no new or changed landing files")
    run_key = hashlib.sha256(json.dumps(current, sort_keys=True).encode()).hexdigest()[:16]
    # a file name can carry a person's name or SSN: tags show the masked label (masking.file_label)
    return RunRequest(run_key=run_key, tags={"o4o/changed_files": ", ".join(map(file_label, changed))[:1000]})


@run_failure_sensor(default_status=DefaultSensorStatus.RUNNING,
                    description="On any failed run: writes a failure summary (failed checks with rows and samples, "
                                "step errors) to <DAGSTER_HOME>/o4o_failures/<run_id>.txt and posts it to "
                                "O4O_ALERT_WEBHOOK_URL when set.")
def run_failure_alert_sensor(context: RunFailureSensorContext, o4o: O4oSettingsResource):
    run = context.dagster_run
    summary = failure_summary(context.instance, run)
    path = write_summary(context.instance, run.run_id, summary)
    context.log.error(f"{summary}\n(summary written to {path})")
    url = o4o.settings().alert_webhook_url
    if url:
        context.log.info(post_webhook(url, summary, {"run_id": run.run_id, "job_name": run.job_name,
                                                     "summary_path": str(path)}))
