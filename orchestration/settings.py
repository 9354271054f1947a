"""Runtime settings: the one place that reads o4o's environment variables.

Every path is resolved to an absolute path at load time, so the Dagster process,
the dbt subprocess and the publish step agree on which files they touch whatever
their working directory.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent

# The key used by `--demo` runs. It is public on purpose: a mart built with it is
# labelled `pii_key_mode = demo` in its metadata and must never hold real people.
DEMO_PII_KEY = "o4o-demo-key-NOT-SECRET-do-not-use-with-real-data"

# Suppression threshold of the published mart (mart.md: never below 10).
MIN_PUBLISHED_SUPPRESSION_THRESHOLD = 10


class SettingsError(RuntimeError):
    """A setting is missing or unusable; the message says which and how to fix it."""


@dataclass(frozen=True)
class Settings:
    landing_dir: Path
    warehouse_path: Path
    publish_path: Path
    pii_key: str | None
    demo: bool
    suppression_threshold: int
    schedule_timezone: str

    @property
    def pii_key_mode(self) -> str:
        return "demo" if self.demo else "secret"

    def require_pii_key(self) -> bytes:
        """The HMAC key, or a clear refusal: no key, no run (except an explicit demo)."""
        if self.demo:
            return DEMO_PII_KEY.encode()
        if not self.pii_key:
            raise SettingsError(
                "O4O_PII_KEY is not set: o4o refuses to pseudonymize identifiers without a secret key. "
                "Set O4O_PII_KEY to a long random secret (e.g. `python -c 'import secrets; print(secrets.token_hex(32))'`), "
                "or run on synthetic data with `o4o refresh --demo` (O4O_DEMO=1)."
            )
        return self.pii_key.encode()

    def dbt_env(self) -> dict[str, str]:
        """Environment the dbt subprocess needs (profiles.yml reads these)."""
        return {
            "O4O_WAREHOUSE_PATH": str(self.warehouse_path),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            "DO_NOT_TRACK": "1",
        }


def _path(env: dict[str, str], name: str, default: str) -> Path:
    return Path(env.get(name) or default).expanduser().resolve()


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def load_settings(env: dict[str, str] | None = None) -> Settings:
    env = dict(os.environ if env is None else env)
    threshold = int(env.get("O4O_SUPPRESSION_THRESHOLD") or MIN_PUBLISHED_SUPPRESSION_THRESHOLD)
    return Settings(
        landing_dir=_path(env, "O4O_LANDING_DIR", "data/landing"),
        warehouse_path=_path(env, "O4O_WAREHOUSE_PATH", "data/warehouse.duckdb"),
        publish_path=_path(env, "O4O_PUBLISH_PATH", "data/mart.duckdb"),
        pii_key=env.get("O4O_PII_KEY") or None,
        demo=_truthy(env.get("O4O_DEMO")),
        suppression_threshold=threshold,
        schedule_timezone=env.get("O4O_SCHEDULE_TIMEZONE") or "America/New_York",
    )
