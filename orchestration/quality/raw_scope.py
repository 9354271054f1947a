"""Which rows a raw gate validates: the deliveries loaded since it last passed, or all of them.

The loader records in `raw.load_state` which files (with checksums, in delivery order) each raw
table was built from, and when it was last rebuilt from all of them; an incremental load only
appends the rows of new files (and deletes rows they replace). A raw gate that passed records the
same facts in `raw.gate_state`, with a fingerprint of its rules. The next run validates only the
rows of files that came since - when the table was not rebuilt, the files the gate passed are the
first of today's list, and the rules are the same - and everything otherwise (a first run, a
rebuild, a changed file, a changed suite or reference list, a load with problems). Rules that read
whole tables (keys, foreign keys, reconciliations) check the whole table either way.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ..ingest.loader import RAW_SCHEMA
from .suites import SEEDS_DIR, suite_files

GATE_STATE = f"{RAW_SCHEMA}.gate_state"
_CODE = sorted(Path(__file__).parent.glob("*.py"))


@dataclass(frozen=True)
class Scope:
    where: str | None  # SQL condition on the raw table's rows; None: every row
    files: list | None  # the load's file listing the gate validates up to (None: unknown)
    rebuilt_at: dt.datetime | None
    new_files: int | None = None  # files validated this time (None: all)

    @property
    def incremental(self) -> bool:
        return self.where is not None

    def describe(self) -> str:
        if not self.incremental:
            return "every row"
        return f"the rows of {self.new_files} new file(s) (earlier deliveries passed this gate before)"


def fingerprint(suite_name: str) -> str:
    """Changes when the suite, a SQL rule, a reference list or the gate's code changes."""
    digest = hashlib.sha256()
    for path in [*suite_files(suite_name), *sorted(SEEDS_DIR.glob("*.csv")), *_CODE]:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _ensure(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"""CREATE TABLE IF NOT EXISTS {GATE_STATE} (entity VARCHAR PRIMARY KEY, fingerprint VARCHAR,
        rebuilt_at TIMESTAMP, files VARCHAR, passed_at TIMESTAMP)""")


def _sql_list(values: list[str]) -> str:
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values)


def scope(con: duckdb.DuckDBPyConnection, entity: str, suite_name: str) -> Scope:
    """What the raw gate of `entity` must validate now."""
    _ensure(con)
    loaded = con.execute(f"SELECT files, rebuilt_at FROM {RAW_SCHEMA}.load_state WHERE entity = ?",
                         [entity]).fetchone() if _has_load_state(con) else None
    if loaded is None:
        return Scope(None, None, None)
    files, rebuilt_at = json.loads(loaded[0]).get(entity, []), loaded[1]
    passed = con.execute(f"SELECT fingerprint, rebuilt_at, files FROM {GATE_STATE} WHERE entity = ?",
                         [entity]).fetchone()
    if passed is None or passed[0] != fingerprint(suite_name) or passed[1] != rebuilt_at:
        return Scope(None, files, rebuilt_at)
    validated = json.loads(passed[2])
    if files[:len(validated)] != validated:
        return Scope(None, files, rebuilt_at)
    new = [source for source, _ in files[len(validated):]]
    return Scope(f"_source_file IN ({_sql_list(new)})" if new else "false", files, rebuilt_at, len(new))


def _has_load_state(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(con.execute("SELECT count(*) FROM duckdb_tables() WHERE schema_name = ? AND table_name = 'load_state'",
                            [RAW_SCHEMA]).fetchone()[0])


def record(con: duckdb.DuckDBPyConnection, entity: str, suite_name: str, validated: Scope, passed: bool) -> None:
    """After the gate: remember what passed (the next run validates only what comes after it),
    or forget it after a failure (the next run validates every row again)."""
    _ensure(con)
    con.execute(f"DELETE FROM {GATE_STATE} WHERE entity = ?", [entity])
    if passed and validated.files is not None:
        con.execute(f"INSERT INTO {GATE_STATE} VALUES (?, ?, ?, ?, ?)",
                    [entity, fingerprint(suite_name), validated.rebuilt_at, json.dumps(validated.files),
                     dt.datetime.now().replace(microsecond=0)])
