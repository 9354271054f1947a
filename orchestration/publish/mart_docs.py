"""What BI tools learn from the published tables' catalog: comments, primary keys, foreign keys.

One source, dbt's manifest (target/manifest.json, parsed from the model YAML):
- table and column comments are the models' and columns' `description`;
- a table's primary key is its `unique` test (one column) or `unique_combination_of_columns`
  test (several); keys the dbt build already proves unique on every run;
- a foreign key is a `relationships` test between two published models (facts and reports to
  dimensions), likewise proved by the build;
- except UNDECLARED_KEYS, too large to index on every publish.
Tests with severity `warn` or a `where` filter prove nothing for every row and declare no key.

The publish step (orchestration/publish/write_audit_publish.py) writes these into the DuckDB file; the PostgreSQL
mirror (orchestration/publish/postgres.py) reads them back from that file, so both carry the same.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

# Keys DuckDB enforces with an ART index built on publish: for the person-quarter fact that costs
# about 14x the copy (4M rows: 63 s instead of 4.6 s, and the index in the file), so its key
# (participant_key, year, quarter; its dbt test proves it) stays documented, not declared.
UNDECLARED_KEYS = frozenset({"fct_quarterly_earnings"})

_REF = re.compile(r"""ref\(\s*['"]([^'"]+)['"]\s*\)""")


@dataclass(frozen=True)
class ForeignKey:
    columns: tuple[str, ...]
    referenced_table: str
    referenced_columns: tuple[str, ...]


@dataclass
class MartDocs:
    """Per published table: its comment, column comments, primary key and foreign keys."""
    table_comments: dict[str, str] = field(default_factory=dict)
    column_comments: dict[str, dict[str, str]] = field(default_factory=dict)
    primary_keys: dict[str, tuple[str, ...]] = field(default_factory=dict)
    foreign_keys: dict[str, list[ForeignKey]] = field(default_factory=dict)

    def creation_order(self, tables: list[str]) -> list[str]:
        """`tables` with every referenced table before the tables that reference it."""
        ordered: list[str] = []

        def visit(table: str, path: tuple[str, ...] = ()) -> None:
            if table in ordered or table in path:
                return
            for fk in self.foreign_keys.get(table, []):
                if fk.referenced_table in tables:
                    visit(fk.referenced_table, path + (table,))
            ordered.append(table)

        for t in sorted(tables):
            visit(t)
        return ordered


def _proves_every_row(test: Mapping[str, Any]) -> bool:
    config = test.get("config") or {}
    return str(config.get("severity", "error")).lower() == "error" and not config.get("where")


def mart_docs(manifest: Mapping[str, Any], schema: str = "marts") -> MartDocs:
    """The comments and keys of every model dbt builds into `schema`."""
    models = {uid: n for uid, n in manifest["nodes"].items()
              if n.get("resource_type") == "model" and n.get("schema") == schema}
    names = {uid: n.get("alias") or n["name"] for uid, n in models.items()}
    docs = MartDocs()
    for uid, node in models.items():
        table = names[uid]
        if (node.get("description") or "").strip():
            docs.table_comments[table] = " ".join(node["description"].split())
        docs.column_comments[table] = {c: " ".join(col["description"].split())
                                       for c, col in (node.get("columns") or {}).items()
                                       if (col.get("description") or "").strip()}
    for test in manifest["nodes"].values():
        meta = test.get("test_metadata") or {}
        owner = test.get("attached_node")
        if test.get("resource_type") != "test" or owner not in models or not _proves_every_row(test):
            continue
        table, kwargs = names[owner], meta.get("kwargs") or {}
        if meta.get("name") == "unique" and test.get("column_name"):
            docs.primary_keys.setdefault(table, (test["column_name"],))
        elif meta.get("name") == "unique_combination_of_columns":
            docs.primary_keys[table] = tuple(kwargs["combination_of_columns"])
        elif meta.get("name") == "relationships":
            match = _REF.search(str(kwargs.get("to", "")))
            target = next((names[u] for u in models if match and names[u] == match[1]), None)
            if target and test.get("column_name") and kwargs.get("field"):
                docs.foreign_keys.setdefault(table, []).append(
                    ForeignKey((test["column_name"],), target, (kwargs["field"],)))
    for table in UNDECLARED_KEYS:
        docs.primary_keys.pop(table, None)
        docs.foreign_keys.pop(table, None)
    for table in docs.foreign_keys:
        docs.foreign_keys[table].sort(key=lambda fk: (fk.columns, fk.referenced_table))
    return docs


def load_mart_docs(manifest_path: Path) -> MartDocs:
    return mart_docs(json.loads(Path(manifest_path).read_text(encoding="utf-8")))
