"""Opening the published mart from a long-lived process so that each new publish is seen.

DuckDB keeps one database instance per file path per process: while any connection to
`mart.duckdb` is open in a process, `duckdb.connect("mart.duckdb")` joins that instance,
which still reads the file the path named when it was first opened - after the publish
renamed a new file over it, the old one (docs/bi.md). A fresh in-memory database that
ATTACHes the path read-only opens the file the path names *now*, whatever else the
process holds open. So a BI server, notebook kernel or API that stays up opens one such
connection per query (or per pooled connection's life) with `open_published_mart`, and
sees a new mart on its next connection after a publish; `published_version` is a cheap
way to notice a publish without opening DuckDB at all.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

ALIAS = "mart"


def open_published_mart(path: Path | str) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the mart file at `path` as it is now: an in-memory DuckDB
    with the file attached as `mart` and selected, so `marts.<table>` works as usual."""
    con = duckdb.connect(":memory:")
    escaped = str(path).replace("'", "''")
    con.execute(f"ATTACH '{escaped}' AS {ALIAS} (READ_ONLY)")
    con.execute(f"USE {ALIAS}")
    return con


def published_version(path: Path | str) -> tuple[str | None, str | None]:
    """(published_at, sha256) from `<mart>.json` beside the file: poll it, and reconnect
    (close every connection to the mart) when it changes."""
    doc_path = Path(str(path) + ".json")
    try:
        doc = json.loads(doc_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None, None
    return doc.get("published_at"), doc.get("sha256")
