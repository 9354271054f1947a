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

# Enough for a state's 20M wage rows on an 8 GiB machine (docs/benchmarks.md).
DEFAULT_DUCKDB_MEMORY_LIMIT = "4GB"
# The outputs of profiles.yml: the engines dbt can build on (O4O_DBT_TARGET, docs/engines.md).
DBT_TARGETS = ("duckdb", "postgres", "spark")
# What profiles.yml's postgres output reads, with its defaults.
DBT_POSTGRES_DEFAULTS = {"O4O_PG_HOST": "127.0.0.1", "O4O_PG_PORT": "5432", "O4O_PG_USER": "postgres",
                         "O4O_PG_PASSWORD": "", "O4O_PG_DBNAME": "o4o"}


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
    publish_postgres_url: str | None  # also load the published marts into PostgreSQL (orchestration/bi/postgres.py)
    # Freshness checks (orchestration/checks/freshness.py) and failure alerts (orchestration/alerts.py).
    max_published_age_hours: float
    max_wage_quarter_lag: int
    alert_webhook_url: str | None
    # The engine dbt builds on (orchestration/engines.py, docs/engines.md).
    dbt_target: str
    dbt_postgres_env: tuple[tuple[str, str], ...]  # O4O_PG_* of the postgres target, defaults filled in
    spark_dir: Path  # O4O_SPARK_DIR: the spark target's metastore, warehouse and raw Parquet
    # O4O_DUCKDB_MEMORY_LIMIT: what DuckDB may hold in memory while loading and building; past
    # it, it spills to disk beside the warehouse (DuckDB's own default is 80 % of the RAM).
    duckdb_memory_limit: str

    @property
    def dbt_postgres_conninfo(self) -> str:
        """libpq connection string of profiles.yml's postgres output."""
        env = dict(self.dbt_postgres_env)
        parts = {"host": env["O4O_PG_HOST"], "port": env["O4O_PG_PORT"], "user": env["O4O_PG_USER"],
                 "password": env["O4O_PG_PASSWORD"], "dbname": env["O4O_PG_DBNAME"]}
        return " ".join(f"{k}={_libpq_quoted(v)}" for k, v in parts.items() if v)

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

    def duckdb_config(self) -> dict[str, str]:
        """Configuration of a DuckDB connection that writes the warehouse (the ingest)."""
        return {"memory_limit": self.duckdb_memory_limit}

    def dbt_env(self) -> dict[str, str]:
        """Environment the dbt subprocess needs (profiles.yml reads these)."""
        return {
            "O4O_WAREHOUSE_PATH": str(self.warehouse_path),
            "O4O_DBT_TARGET": self.dbt_target,
            "O4O_SPARK_DIR": str(self.spark_dir),
            "O4O_DUCKDB_MEMORY_LIMIT": self.duckdb_memory_limit,
            **dict(self.dbt_postgres_env),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            "DO_NOT_TRACK": "1",
        }


def _libpq_quoted(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _path(env: dict[str, str], name: str, default: str) -> Path:
    return Path(env.get(name) or default).expanduser().resolve()


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def load_settings(env: dict[str, str] | None = None) -> Settings:
    env = dict(os.environ if env is None else env)
    threshold = int(env.get("O4O_SUPPRESSION_THRESHOLD") or MIN_PUBLISHED_SUPPRESSION_THRESHOLD)
    if threshold < MIN_PUBLISHED_SUPPRESSION_THRESHOLD:
        raise SettingsError(f"O4O_SUPPRESSION_THRESHOLD is {threshold}: the published mart never suppresses "
                            f"below {MIN_PUBLISHED_SUPPRESSION_THRESHOLD} (mart.md, Privacy)")
    dbt_target = (env.get("O4O_DBT_TARGET") or "duckdb").strip()
    if dbt_target not in DBT_TARGETS:
        raise SettingsError(f"O4O_DBT_TARGET is {dbt_target!r}: use one of {', '.join(DBT_TARGETS)} "
                            "(outputs of profiles.yml; docs/engines.md)")
    return Settings(
        landing_dir=_path(env, "O4O_LANDING_DIR", "data/landing"),
        warehouse_path=_path(env, "O4O_WAREHOUSE_PATH", "data/warehouse.duckdb"),
        publish_path=_path(env, "O4O_PUBLISH_PATH", "data/mart.duckdb"),
        pii_key=env.get("O4O_PII_KEY") or None,
        demo=_truthy(env.get("O4O_DEMO")),
        suppression_threshold=threshold,
        schedule_timezone=env.get("O4O_SCHEDULE_TIMEZONE") or "America/New_York",
        publish_postgres_url=env.get("O4O_PUBLISH_POSTGRES_URL") or None,
        max_published_age_hours=float(env.get("O4O_MAX_PUBLISHED_AGE_HOURS") or 26),  # a nightly run plus slack
        max_wage_quarter_lag=int(env.get("O4O_MAX_WAGE_QUARTER_LAG") or 3),  # UI wages arrive ~2 quarters late
        alert_webhook_url=env.get("O4O_ALERT_WEBHOOK_URL") or None,
        dbt_target=dbt_target,
        dbt_postgres_env=tuple((k, env.get(k) or default) for k, default in DBT_POSTGRES_DEFAULTS.items()),
        spark_dir=_path(env, "O4O_SPARK_DIR", "data/spark"),
        duckdb_memory_limit=(env.get("O4O_DUCKDB_MEMORY_LIMIT") or DEFAULT_DUCKDB_MEMORY_LIMIT).strip(),
    )
