"""DuckDB's spill files: a loader that runs out of memory writes its temp tables to
`O4O_DUCKDB_TEMP_DIR` (`<warehouse>.tmp` by default). During ingest those tables hold
landing rows *before* pseudonymization (SSNs, names, birth dates), and a killed run
leaves them behind. So every ingest removes the spill files it finds there, at its
start and at its end, while it holds the warehouse's lock: a spill file then belongs to
no live DuckDB process (one process writes a warehouse at a time, and its temp folder is
its own). Only DuckDB's files (`duckdb_temp_*`) are touched, never anything else in the
folder.
"""

from __future__ import annotations

import duckdb

from ..settings import Settings

SPILL_FILES = "duckdb_temp_*"


def remove_spill_files(settings: Settings) -> tuple[int, int]:
    """Delete DuckDB's spill files in the temp folder; returns (files, bytes) removed."""
    folder = settings.duckdb_temp_dir
    if not folder.is_dir():
        return 0, 0
    removed = size = 0
    for path in folder.glob(SPILL_FILES):
        if path.is_file() and not path.is_symlink():
            size += path.stat().st_size
            path.unlink(missing_ok=True)
            removed += 1
    return removed, size


def remove_spill_files_if_idle(settings: Settings) -> tuple[int, int] | None:
    """Take the warehouse's lock, then remove the spill files; None when another process
    holds the lock (its spill files are in use)."""
    if not settings.warehouse_path.exists():
        return remove_spill_files(settings)
    try:
        con = duckdb.connect(str(settings.warehouse_path), config=settings.duckdb_config())
    except duckdb.Error:
        return None
    try:
        return remove_spill_files(settings)
    finally:
        con.close()


def describe(removed: tuple[int, int] | None) -> str | None:
    if removed is None:
        return "spill files not checked: another process holds the warehouse"
    files, size = removed
    return f"removed {files} stale DuckDB spill file(s), {size / 1e6:,.1f} MB" if files else None
