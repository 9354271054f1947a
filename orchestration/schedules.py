"""Nightly schedule: 02:00 in the board's timezone (O4O_SCHEDULE_TIMEZONE)."""

from dagster import DefaultScheduleStatus, ScheduleDefinition

from .jobs import nightly_refresh
from .settings import load_settings

NIGHTLY_CRON = "0 2 * * *"

nightly_refresh_schedule = ScheduleDefinition(
    name="nightly_refresh_schedule",
    job=nightly_refresh,
    cron_schedule=NIGHTLY_CRON,
    execution_timezone=load_settings().schedule_timezone,
    default_status=DefaultScheduleStatus.RUNNING,
)
