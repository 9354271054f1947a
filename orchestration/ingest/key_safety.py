"""One key per warehouse and mart: a refresh never mixes pseudonyms of two keys silently.

Each pseudonym is HMAC-SHA-256(O4O_PII_KEY, identity): a run with another key gives every
person another participant_key, and a run with the public demo key makes every key
recomputable by anyone holding a list of SSNs. So before anything is written:

- the warehouse's key check (`raw.pii_key`, and for older warehouses the per-table
  `raw.load_state.key_check`) and the published mart's (`publish_metadata.key_check`)
  must equal this run's, else the run stops with a clear message (the CLI exits 2);
- `o4o refresh --rekey` (O4O_REKEY=1) lets a *secret* key replace another one: every raw
  table is rebuilt with it (the loader rebuilds a table whose key check differs, dbt's
  incremental models follow) and the next publish carries the new key check;
- the demo key never replaces a secret key, even with --rekey: move the warehouse and mart
  away (or point O4O_WAREHOUSE_PATH / O4O_PUBLISH_PATH elsewhere) for a demo.

A key check is HMAC(key, constant)[:16]: it tells whether two keys are equal, nothing else.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from .loader import RAW_SCHEMA, key_check
from ..settings import Settings, SettingsError

KEY_TABLE = f"{RAW_SCHEMA}.pii_key"
DEMO, SECRET = "demo", "secret"


class KeyMismatch(SettingsError):
    """This run's PII key is not the key the warehouse or the published mart was made with."""


@dataclass
class KeyState:
    """The key checks found in the warehouse and the published mart."""
    warehouse: set[str] = field(default_factory=set)
    mart: str | None = None
    mart_mode: str | None = None


def _has_table(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return bool(con.execute("SELECT count(*) FROM duckdb_tables() WHERE schema_name = ? AND table_name = ? "
                            "AND NOT temporary", [schema, table]).fetchone()[0])


def warehouse_key_state(con: duckdb.DuckDBPyConnection, state: KeyState) -> None:
    if _has_table(con, RAW_SCHEMA, "pii_key"):
        state.warehouse |= {r[0] for r in con.execute(f"SELECT key_check FROM {KEY_TABLE}").fetchall()}
    if _has_table(con, RAW_SCHEMA, "load_state"):  # warehouses from before raw.pii_key
        state.warehouse |= {r[0] for r in con.execute(f"SELECT DISTINCT key_check FROM {RAW_SCHEMA}.load_state "
                                                      "WHERE key_check IS NOT NULL").fetchall()}


def mart_key_state(publish_path: Path, state: KeyState) -> None:
    if not publish_path.exists():
        return
    try:
        with duckdb.connect(str(publish_path), read_only=True) as con:
            meta = dict(con.execute("SELECT key, value FROM marts.publish_metadata").fetchall())
    except duckdb.Error:  # not an o4o mart (or unreadable): the publish audit will say so
        return
    state.mart, state.mart_mode = meta.get("key_check"), meta.get("pii_key_mode")


def read_key_state(settings: Settings, con: duckdb.DuckDBPyConnection | None = None) -> KeyState | None:
    """The key checks of the warehouse (through `con` when the caller holds it) and of the
    mart; None when the warehouse is locked by another process (the ingest checks again)."""
    state = KeyState()
    if con is not None:
        warehouse_key_state(con, state)
    elif settings.warehouse_path.exists():
        try:
            with duckdb.connect(str(settings.warehouse_path), read_only=True) as own:
                warehouse_key_state(own, state)
        except duckdb.Error:
            return None
    mart_key_state(settings.publish_path, state)
    return state


def check_pii_key(settings: Settings, state: KeyState) -> list[str]:
    """Raise KeyMismatch when this run's key may not write the warehouse or the mart; else
    return what to tell the operator (a re-key in progress)."""
    current = key_check(settings.require_pii_key())
    other_in_warehouse = bool(state.warehouse - {current})
    other_in_mart = state.mart is not None and state.mart != current
    where = " and ".join(w for w, other in ((f"the warehouse {settings.warehouse_path}", other_in_warehouse),
                                            (f"the published mart {settings.publish_path}", other_in_mart)) if other)
    were = "were" if other_in_warehouse and other_in_mart else "was"
    # The demo key is one fixed key: any other key check is a secret key's.
    if settings.demo and (other_in_warehouse or other_in_mart or state.mart_mode == SECRET):
        raise KeyMismatch(
            f"refusing the public demo key: {where or 'the published mart'} {were} made with a secret O4O_PII_KEY, and "
            "anyone can recompute demo-key pseudonyms from a list of SSNs. The demo key never replaces a secret "
            "key, not even with --rekey: run the demo with its own O4O_WAREHOUSE_PATH and O4O_PUBLISH_PATH.")
    if not (other_in_warehouse or other_in_mart):
        return ["--rekey given, but the key is the one the warehouse and mart were made with: nothing to re-key"] \
            if settings.rekey and (state.warehouse or state.mart) else []
    if not settings.rekey:
        raise KeyMismatch(
            f"O4O_PII_KEY is not the key {where} {were} made with: every participant_key would change and links "
            "kept by BI users would break. Nothing was written. Use the key the warehouse was built with, or, "
            "if the key really changed (a leaked key, a planned rotation), run `o4o refresh --rekey` "
            "(O4O_REKEY=1) once: it rebuilds every table with the new key.")
    return [f"re-keying: {where} {were} made with another key; every raw table is rebuilt with this one and every "
            "participant_key changes (the next publish carries the new key check)"]


def record_pii_key(con: duckdb.DuckDBPyConnection, settings: Settings, now: dt.datetime | None = None) -> None:
    """Remember which key the warehouse is pseudonymized with (after check_pii_key passed)."""
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {RAW_SCHEMA}")
    con.execute(f"CREATE TABLE IF NOT EXISTS {KEY_TABLE} (key_check VARCHAR, pii_key_mode VARCHAR, set_at TIMESTAMP)")
    current = key_check(settings.require_pii_key())
    row = con.execute(f"SELECT key_check, pii_key_mode FROM {KEY_TABLE}").fetchall()
    if row != [(current, settings.pii_key_mode)]:
        con.execute(f"DELETE FROM {KEY_TABLE}")
        con.execute(f"INSERT INTO {KEY_TABLE} VALUES (?, ?, ?)",
                    [current, settings.pii_key_mode, now or dt.datetime.now().replace(microsecond=0)])
