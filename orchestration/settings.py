"""Runtime settings: what o4o's O4O_* variables mean, validated (the values themselves are read
from the process environment in one place only, orchestration/resources.py).

Every path is resolved to an absolute path at load time, so the Dagster process,
the dbt subprocess and the publish step agree on which files they touch whatever
their working directory.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent

# The key used by `--demo` runs. It is public on purpose: a mart built with it is
# labelled `pii_key_mode = demo` in its metadata and must never hold real people.
DEMO_PII_KEY = "o4o-demo-key-NOT-SECRET-do-not-use-with-real-data"

# Suppression threshold of the published mart (mart.md: never below 10).
MIN_PUBLISHED_SUPPRESSION_THRESHOLD = 10
# The settings dbt reads as `var()` (--vars, from Settings.dbt_vars): their defaults are the
# `vars:` of dbt_project.yml, so a dbt run by hand and an o4o run agree (one owner of each default).
DBT_PROJECT_FILE = PROJECT_DIR / "dbt_project.yml"

# Enough for a state's 20M wage rows on an 8 GiB machine (docs/benchmarks.md).
DEFAULT_DUCKDB_MEMORY_LIMIT = "4GB"
# A delivery may shrink an entity's raw table by at most this share of its rows (the volume
# rule of orchestration/ingest/loader.py): a header-only file or a half export is stopped.
DEFAULT_MAX_SHRINK_SHARE = 0.5
# A secret key shorter than this is accepted with a warning (HMAC keys should be long random
# strings; `secrets.token_hex(32)` gives 64 characters).
SHORT_PII_KEY_CHARS = 16
# The outputs of profiles.yml: the engines dbt can build on (O4O_DBT_TARGET, docs/engines.md).
DBT_TARGETS = ("duckdb", "postgres", "spark")
# What profiles.yml's postgres output reads, with its defaults.
# The storage format of the published DuckDB file (O4O_PUBLISH_STORAGE_VERSION): the oldest DuckDB
# release whose format holds every type of the mart, so the DuckDB 1.x clients most BI connectors
# embed (the 1.x CLI, Node, WASM, DBeaver's JDBC driver) open it; `latest` writes this DuckDB's own.
DEFAULT_PUBLISH_STORAGE_VERSION = "v1.0.0"
DBT_POSTGRES_DEFAULTS = {"O4O_PG_HOST": "127.0.0.1", "O4O_PG_PORT": "5432", "O4O_PG_USER": "postgres",
                         "O4O_PG_PASSWORD": "", "O4O_PG_DBNAME": "o4o"}


# Every environment variable o4o reads, its default and what it does: `o4o --help` lists these
# (docs/operations.md and docs/contracts/mart.md say more).
ENVIRONMENT_HELP: tuple[tuple[str, str, str], ...] = (
    ("O4O_LANDING_DIR", "data/landing", "feed files (providers/, job_center/, labor_market/)"),
    ("O4O_WAREHOUSE_PATH", "data/warehouse.duckdb", "build database (Dagster and dbt write it)"),
    ("O4O_PUBLISH_PATH", "data/mart.duckdb", "the published mart BI tools read"),
    ("O4O_PII_KEY", "none", "pseudonymization secret; without it only --demo runs"),
    ("O4O_DEMO", "off", "1: the public demo key (synthetic data only); what --demo sets"),
    ("O4O_REKEY", "off", "1: this run may re-key; what --rekey sets"),
    ("O4O_MAX_SHRINK_SHARE", str(DEFAULT_MAX_SHRINK_SHARE), "volume rule: largest share a delivery may shrink a raw table"),
    ("O4O_ACCEPT_SHRINK", "none", "entities whose shrinking delivery this run accepts; what --accept-shrink sets"),
    ("O4O_SUPPRESSION_THRESHOLD", str(MIN_PUBLISHED_SUPPRESSION_THRESHOLD), "small-cell suppression threshold (never below 10)"),
    ("O4O_PUBLISH_STORAGE_VERSION", DEFAULT_PUBLISH_STORAGE_VERSION, "DuckDB storage version of the published mart"),
    ("O4O_PUBLISH_POSTGRES_URL", "none", "also load the published mart into PostgreSQL schema marts"),
    ("O4O_COALITION_FILE", "none", "a coalition's data-sharing agreement (docs/coalition.md)"),
    ("O4O_DUCKDB_MEMORY_LIMIT", DEFAULT_DUCKDB_MEMORY_LIMIT, "DuckDB memory limit while loading and building"),
    ("O4O_DUCKDB_TEMP_DIR", "<warehouse>.tmp", "DuckDB spill folder"),
    ("O4O_SCHEDULE_TIMEZONE", "America/New_York", "timezone of the schedules"),
    ("O4O_MAX_PUBLISHED_AGE_HOURS", "26", "freshness: the published mart's largest age"),
    ("O4O_MAX_WAGE_QUARTER_LAG", "3", "freshness: the newest wage quarter's largest lag"),
    ("O4O_ALERT_WEBHOOK_URL", "none", "failed runs are POSTed here"),
    ("O4O_DBT_TARGET", "duckdb", "engine dbt builds on: " + ", ".join(DBT_TARGETS)),
    ("O4O_PG_HOST, O4O_PG_PORT, O4O_PG_USER, O4O_PG_PASSWORD, O4O_PG_DBNAME",
     ", ".join(DBT_POSTGRES_DEFAULTS.values()).replace(", ,", ", (empty),"), "the postgres dbt target"),
    ("O4O_SPARK_DIR", "data/spark", "the spark dbt target's files"),
    ("O4O_OUTCOME_RUNOUT_QUARTERS", "2", "quarters before an ETA-9169 row is final"),
    ("O4O_TRUST_FEED_EXITS", "off", "1: take the feed's exits as they are (no 90-day rule)"),
)


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
    publish_postgres_url: str | None  # also load the published marts into PostgreSQL (orchestration/publish/postgres.py)
    # Freshness checks (orchestration/checks/freshness.py) and failure alerts (orchestration/alerts.py).
    max_published_age_hours: float
    max_wage_quarter_lag: int
    alert_webhook_url: str | None
    # The engine dbt builds on (orchestration/dbt_targets.py, docs/engines.md).
    dbt_target: str
    dbt_postgres_env: tuple[tuple[str, str], ...]  # O4O_PG_* of the postgres target, defaults filled in
    spark_dir: Path  # O4O_SPARK_DIR: the spark target's metastore, warehouse and raw Parquet
    # O4O_DUCKDB_MEMORY_LIMIT: what DuckDB may hold in memory while loading and building; past
    # it, it spills to disk (DuckDB's own default is 80 % of the RAM).
    duckdb_memory_limit: str
    # O4O_DUCKDB_TEMP_DIR: where DuckDB spills, `<warehouse>.tmp` by default. The ingest's spill
    # holds landing rows before pseudonymization (SSNs, names): o4o removes stale spill files
    # there at the start and end of every ingest (orchestration/ingest/spill.py); protect it like the
    # landing directory, and never share it between warehouses.
    duckdb_temp_dir: Path
    # O4O_MAX_SHRINK_SHARE: the volume rule's limit (0-1); O4O_ACCEPT_SHRINK: entities whose
    # shrinking delivery the operator accepted for this run (`o4o refresh --accept-shrink E`).
    max_shrink_share: float
    accept_shrink: frozenset[str]
    # O4O_REKEY: this run may re-key a warehouse and mart made with another O4O_PII_KEY
    # (`o4o refresh --rekey`); without it a changed key stops the run (orchestration/ingest/key_safety.py).
    rekey: bool
    # O4O_TRUST_FEED_EXITS: take the feed's exits as they are instead of the 90-day rule
    # (dbt var o4o_trust_feed_exits, macros/reporting.sql); O4O_OUTCOME_RUNOUT_QUARTERS: quarters
    # of wage run-out before an ETA-9169 row is final (dbt var o4o_outcome_runout_quarters).
    trust_feed_exits: bool = False
    outcome_runout_quarters: int = 2
    # O4O_COALITION_FILE: a coalition's data-sharing agreement (docs/coalition.md); unset, the mart
    # has one reader as before (orchestration.coalition.sharing.agreement_for reads and validates it).
    coalition_file: Path | None = None
    # O4O_PUBLISH_STORAGE_VERSION: the DuckDB storage version the published mart is written in
    # (orchestration/publish/write_audit_publish.py); the warehouse keeps this DuckDB's own format.
    publish_storage_version: str = DEFAULT_PUBLISH_STORAGE_VERSION

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
        """The HMAC key, or a clear refusal: no key, no run (except an explicit demo); a key made
        of blanks is no key; a key beside O4O_DEMO is ambiguous, so it is refused too."""
        if self.demo and self.pii_key is not None:
            raise SettingsError(
                "O4O_PII_KEY and O4O_DEMO (or --demo) are both set: o4o will not guess which key you meant. "
                "For real data unset O4O_DEMO (or set O4O_DEMO=0); for synthetic data unset O4O_PII_KEY.")
        if self.demo:
            return DEMO_PII_KEY.encode()
        if self.pii_key is not None and not self.pii_key.strip():
            raise SettingsError(
                "O4O_PII_KEY is blank (only spaces, tabs or newlines): o4o refuses a key anyone can guess. "
                "Set it to a long random secret (e.g. `python -c 'import secrets; print(secrets.token_hex(32))'`).")
        if not self.pii_key:
            raise SettingsError(
                "O4O_PII_KEY is not set: o4o refuses to pseudonymize identifiers without a secret key. "
                "Set O4O_PII_KEY to a long random secret (e.g. `python -c 'import secrets; print(secrets.token_hex(32))'`), "
                "or run on synthetic data with `o4o refresh --demo` (O4O_DEMO=1)."
            )
        return self.pii_key.encode()

    def pii_key_warnings(self) -> list[str]:
        """What is weak about an accepted key (said on the console, never a refusal)."""
        if not self.demo and self.pii_key and len(self.pii_key) < SHORT_PII_KEY_CHARS:
            return [f"warning: O4O_PII_KEY has {len(self.pii_key)} characters; a short key makes the pseudonyms "
                    f"easier to reverse. Use a long random secret ({SHORT_PII_KEY_CHARS}+ characters, e.g. "
                    "`secrets.token_hex(32)`); changing it later needs `o4o refresh --rekey`."]
        return []

    def duckdb_config(self) -> dict[str, str]:
        """Configuration of a DuckDB connection that writes the warehouse (the ingest)."""
        return {"memory_limit": self.duckdb_memory_limit, "temp_directory": str(self.duckdb_temp_dir)}

    def dbt_vars(self) -> dict[str, object]:
        """What dbt reads as `var()` (models, macros and profiles.yml), passed as `--vars`: the
        settings reach dbt from this object, never from dbt reading the environment itself.
        O4O_PG_PASSWORD is the one exception: a secret stays out of dbt's command line and
        artifacts, so profiles.yml reads it with env_var (docs/operations.md)."""
        env = dict(self.dbt_postgres_env)
        return {
            "o4o_suppression_threshold": self.suppression_threshold,
            "o4o_trust_feed_exits": self.trust_feed_exits,
            "o4o_outcome_runout_quarters": self.outcome_runout_quarters,
            "o4o_warehouse_path": str(self.warehouse_path),
            "o4o_spark_dir": str(self.spark_dir),
            "o4o_duckdb_memory_limit": self.duckdb_memory_limit,
            "o4o_duckdb_temp_dir": str(self.duckdb_temp_dir),
            "o4o_pg_host": env["O4O_PG_HOST"],
            "o4o_pg_port": env["O4O_PG_PORT"],
            "o4o_pg_user": env["O4O_PG_USER"],
            "o4o_pg_dbname": env["O4O_PG_DBNAME"],
        }

    def dbt_args(self) -> list[str]:
        """`--target` and `--vars` of every dbt command o4o runs (and tests and benchmarks run)."""
        return ["--target", self.dbt_target, "--vars", json.dumps(self.dbt_vars())]


def _libpq_quoted(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _path(env: Mapping[str, str], name: str, default: str) -> Path:
    return Path(env.get(name) or default).expanduser().resolve()


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def _share(env: Mapping[str, str], name: str, default: float) -> float:
    raw = (env.get(name) or "").strip()
    try:
        value = float(raw.rstrip("%")) / (100 if raw.endswith("%") else 1) if raw else default
    except ValueError:
        value = -1.0
    if not 0 <= value <= 1:
        raise SettingsError(f"{name} is {raw!r}: give a share between 0 and 1 (e.g. 0.5) or a percent (50%)")
    return value


def _switch(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = (env.get(name) or "").strip().lower()
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    if raw == "":
        return default
    raise SettingsError(f"{name} is {raw!r}: use true or false (1/0, yes/no, on/off)")


def _whole_number(env: Mapping[str, str], name: str, default: int) -> int:
    raw = (env.get(name) or "").strip()
    if raw == "":
        return default
    if not raw.isdigit():
        raise SettingsError(f"{name} is {raw!r}: use a whole number >= 0")
    return int(raw)


def dbt_project_vars() -> dict:
    """The `vars:` of dbt_project.yml: the defaults of the settings dbt reads."""
    import yaml

    return yaml.safe_load(DBT_PROJECT_FILE.read_text())["vars"]


def _entity_names(env: Mapping[str, str], name: str) -> frozenset[str]:
    from .ingest.feeds import ENTITIES_BY_NAME

    names = frozenset(n.strip().lower() for n in (env.get(name) or "").replace(";", ",").split(",") if n.strip())
    unknown = sorted(names - set(ENTITIES_BY_NAME))
    if unknown:
        raise SettingsError(f"{name} names {', '.join(unknown)}: not a feed entity "
                            f"(one of {', '.join(ENTITIES_BY_NAME)})")
    return names


def _storage_version(env: Mapping[str, str], name: str) -> str:
    raw = (env.get(name) or DEFAULT_PUBLISH_STORAGE_VERSION).strip()
    if raw != "latest" and not re.fullmatch(r"v\d+\.\d+\.\d+", raw):
        raise SettingsError(f"{name} is {raw!r}: give a DuckDB release such as {DEFAULT_PUBLISH_STORAGE_VERSION} "
                            "(the oldest DuckDB that must open the published mart) or `latest`")
    return raw


def load_settings(env: Mapping[str, str]) -> Settings:
    """Settings from O4O_* values (`env`: a mapping of variable name to text, e.g. what
    orchestration/resources.py read from the process); SettingsError names what is wrong."""
    env = dict(env)
    dbt_defaults = dbt_project_vars()
    threshold = _whole_number(env, "O4O_SUPPRESSION_THRESHOLD", int(dbt_defaults["o4o_suppression_threshold"]))
    if threshold < MIN_PUBLISHED_SUPPRESSION_THRESHOLD:
        raise SettingsError(f"O4O_SUPPRESSION_THRESHOLD is {threshold}: the published mart never suppresses "
                            f"below {MIN_PUBLISHED_SUPPRESSION_THRESHOLD} (mart.md, Privacy)")
    dbt_target = (env.get("O4O_DBT_TARGET") or "duckdb").strip()
    if dbt_target not in DBT_TARGETS:
        raise SettingsError(f"O4O_DBT_TARGET is {dbt_target!r}: use one of {', '.join(DBT_TARGETS)} "
                            "(outputs of profiles.yml; docs/engines.md)")
    warehouse_path = _path(env, "O4O_WAREHOUSE_PATH", "data/warehouse.duckdb")
    return Settings(
        landing_dir=_path(env, "O4O_LANDING_DIR", "data/landing"),
        warehouse_path=warehouse_path,
        publish_path=_path(env, "O4O_PUBLISH_PATH", "data/mart.duckdb"),
        pii_key=env.get("O4O_PII_KEY") or None,  # blank is refused by require_pii_key, not ignored
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
        duckdb_temp_dir=_path(env, "O4O_DUCKDB_TEMP_DIR", str(warehouse_path) + ".tmp"),
        max_shrink_share=_share(env, "O4O_MAX_SHRINK_SHARE", DEFAULT_MAX_SHRINK_SHARE),
        accept_shrink=_entity_names(env, "O4O_ACCEPT_SHRINK"),
        rekey=_truthy(env.get("O4O_REKEY")),
        trust_feed_exits=_switch(env, "O4O_TRUST_FEED_EXITS", bool(dbt_defaults["o4o_trust_feed_exits"])),
        outcome_runout_quarters=_whole_number(env, "O4O_OUTCOME_RUNOUT_QUARTERS",
                                              int(dbt_defaults["o4o_outcome_runout_quarters"])),
        coalition_file=_path(env, "O4O_COALITION_FILE", "") if (env.get("O4O_COALITION_FILE") or "").strip() else None,
        publish_storage_version=_storage_version(env, "O4O_PUBLISH_STORAGE_VERSION"),
    )
