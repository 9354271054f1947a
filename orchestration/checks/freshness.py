"""Freshness checks on the published mart: is it recent, and are its wages recent.

They read the file BI tools read (O4O_PUBLISH_PATH), not the warehouse, and run in their
own job (`freshness_checks`, on `freshness_checks_schedule`) so a stale mart is noticed
even when the nightly refresh never ran. Both are blocking with ERROR severity: a failure
fails that run, and the run-failure sensor writes and posts the summary.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
from dagster import AssetCheckResult, AssetCheckSeverity, MetadataValue, asset_check

from ..asset_keys import PUBLISHED_MART
from ..resources import O4oSettingsResource

PUBLISHED_AGE_CHECK = "published_mart_is_fresh"
WAGE_QUARTER_CHECK = "newest_wage_quarter_is_recent"


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def quarter_index(year: int, quarter: int) -> int:
    return year * 4 + quarter - 1


def quarter_label(index: int) -> str:
    return f"{index // 4}Q{index % 4 + 1}"


def _missing(publish_path: Path) -> AssetCheckResult | None:
    if publish_path.exists():
        return None
    return AssetCheckResult(passed=False, severity=AssetCheckSeverity.ERROR,
                            description=f"no published mart at {publish_path}: run nightly_refresh",
                            metadata={"path": MetadataValue.path(str(publish_path))})


def published_age_result(publish_path: Path, max_age_hours: float, now: dt.datetime | None = None
                         ) -> AssetCheckResult:
    """Passes when the mart's `published_at` is at most `max_age_hours` old."""
    if missing := _missing(publish_path):
        return missing
    with duckdb.connect(str(publish_path), read_only=True) as con:
        row = con.execute("SELECT value FROM marts.publish_metadata WHERE key = 'published_at'").fetchone()
    published_at = dt.datetime.fromisoformat(row[0])
    age_hours = ((now or _utcnow()) - published_at).total_seconds() / 3600
    passed = age_hours <= max_age_hours
    return AssetCheckResult(
        passed=passed,
        severity=AssetCheckSeverity.ERROR,
        description=(f"published {age_hours:.1f} h ago (at most {max_age_hours:g} h allowed)" if passed else
                     f"the published mart is {age_hours:.1f} h old, more than the {max_age_hours:g} h allowed "
                     f"(O4O_MAX_PUBLISHED_AGE_HOURS): the nightly refresh has not published since {row[0]}"),
        metadata={"published_at": row[0], "age_hours": round(age_hours, 2),
                  "max_age_hours": max_age_hours, "path": MetadataValue.path(str(publish_path))},
    )


def wage_quarter_result(publish_path: Path, max_lag_quarters: int, now: dt.datetime | None = None
                        ) -> AssetCheckResult:
    """Passes when the newest wage quarter in the mart is at most `max_lag_quarters` before today's."""
    if missing := _missing(publish_path):
        return missing
    with duckdb.connect(str(publish_path), read_only=True) as con:
        newest = con.execute("SELECT max(year * 4 + quarter - 1) FROM marts.fct_quarterly_earnings").fetchone()[0]
    today = (now or _utcnow()).date()
    current = quarter_index(today.year, (today.month - 1) // 3 + 1)
    if newest is None:
        return AssetCheckResult(passed=False, severity=AssetCheckSeverity.ERROR,
                                description="the published mart holds no wage quarters at all",
                                metadata={"current_quarter": quarter_label(current)})
    lag = current - newest
    passed = lag <= max_lag_quarters
    return AssetCheckResult(
        passed=passed,
        severity=AssetCheckSeverity.ERROR,
        description=(f"newest wage quarter {quarter_label(newest)} is {lag} quarter(s) before "
                     f"{quarter_label(current)} (at most {max_lag_quarters} allowed)" if passed else
                     f"the newest wage quarter {quarter_label(newest)} is {lag} quarters before "
                     f"{quarter_label(current)}, more than the {max_lag_quarters} allowed "
                     f"(O4O_MAX_WAGE_QUARTER_LAG): a wage_records delivery is late"),
        metadata={"newest_wage_quarter": quarter_label(newest), "current_quarter": quarter_label(current),
                  "lag_quarters": lag, "max_lag_quarters": max_lag_quarters},
    )


@asset_check(asset=PUBLISHED_MART, name=PUBLISHED_AGE_CHECK, blocking=True,
             description="The published mart is no older than O4O_MAX_PUBLISHED_AGE_HOURS (default 26 h).")
def published_mart_is_fresh(o4o: O4oSettingsResource) -> AssetCheckResult:
    settings = o4o.settings()
    return published_age_result(settings.publish_path, settings.max_published_age_hours)


@asset_check(asset=PUBLISHED_MART, name=WAGE_QUARTER_CHECK, blocking=True,
             description="The newest wage quarter in the published mart is at most O4O_MAX_WAGE_QUARTER_LAG "
                         "(default 3) quarters before the current quarter.")
def newest_wage_quarter_is_recent(o4o: O4oSettingsResource) -> AssetCheckResult:
    settings = o4o.settings()
    return wage_quarter_result(settings.publish_path, settings.max_wage_quarter_lag)


freshness_checks = [published_mart_is_fresh, newest_wage_quarter_is_recent]
