"""The one reader of o4o's environment: O4O_* variables become a validated `Settings`.

Assets, asset checks and sensors receive the `o4o` resource (`O4oSettingsResource`) and ask it
for `settings()`; the CLI builds the same resource from its flags; dbt gets the values as
`--vars` (`Settings.dbt_args`), never by reading the environment itself. Validation and its
messages live in orchestration/settings.py.

Process-level switches that are not o4o settings are also read here, so that
`grep os.environ orchestration` finds one module: DO_NOT_TRACK and
DBT_SEND_ANONYMOUS_USAGE_STATS (no telemetry, set for every subprocess) and DAGSTER_HOME (the
Dagster instance `o4o refresh` records its run in). docs/operations.md lists them all.
"""

from __future__ import annotations

import os

from dagster import ConfigurableResource

from .settings import Settings, load_settings

SETTINGS_PREFIX = "O4O_"
# Telemetry off for this process and every subprocess it starts (dbt, GX): nothing reaches the internet.
NO_TELEMETRY = {"DO_NOT_TRACK": "1", "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "GX_ANALYTICS_ENABLED": "False"}


def environment_settings(**overrides: str) -> Settings:
    """Settings from the process's O4O_* variables, with `overrides` (O4O_NAME=value) on top."""
    env = {k: v for k, v in os.environ.items() if k.startswith(SETTINGS_PREFIX)}
    return load_settings({**env, **overrides})


class O4oSettingsResource(ConfigurableResource):
    """o4o's settings as a Dagster resource (key `o4o`). The O4O_* variables are read when a run
    asks for them, so an operator's change applies to the next run without a reload. The fields
    are the per-run switches of `o4o refresh` (also settable in the launchpad's resource config)."""

    demo: bool = False  # --demo: the public demo PII key (O4O_DEMO=1)
    rekey: bool = False  # --rekey: a changed O4O_PII_KEY is intended (O4O_REKEY=1)
    accept_shrink: str = ""  # --accept-shrink E: comma-separated entities (O4O_ACCEPT_SHRINK)

    def overrides(self) -> dict[str, str]:
        return {**({"O4O_DEMO": "1"} if self.demo else {}), **({"O4O_REKEY": "1"} if self.rekey else {}),
                **({"O4O_ACCEPT_SHRINK": self.accept_shrink} if self.accept_shrink else {})}

    def settings(self) -> Settings:
        return environment_settings(**self.overrides())


def disable_telemetry() -> None:
    """Telemetry off for this process (the CLI calls it first); an explicit choice is kept."""
    for name, value in NO_TELEMETRY.items():
        os.environ.setdefault(name, value)


def subprocess_env() -> dict[str, str]:
    """The environment of a dbt subprocess o4o starts: this process's, telemetry off. Settings
    reach dbt as --vars; only O4O_PG_PASSWORD (a secret) is read from here by profiles.yml."""
    return {**os.environ, **NO_TELEMETRY}


def dagster_home() -> str | None:
    """DAGSTER_HOME (Dagster's own switch): where `o4o refresh` records its runs, if set."""
    return os.environ.get("DAGSTER_HOME") or None
