"""One owner for each setting: the structure rules of issue 18, checked on the source tree.

- orchestration/resources.py is the only module that reads the process environment;
- dbt (macros, profiles.yml) reads no O4O_* variable but the documented secret O4O_PG_PASSWORD;
- docs/operations.md lists every O4O_* setting that orchestration/settings.py reads;
- no file points at a path outside the repository (the contracts live in docs/contracts/).
"""

from __future__ import annotations

import re
from pathlib import Path

from orchestration.settings import PROJECT_DIR

ENV_READER = Path("orchestration/resources.py")
DBT_SECRET = "O4O_PG_PASSWORD"  # profiles.yml's one env_var (docs/operations.md)
# Process-level switches read outside the resource, each listed in docs/operations.md.
PROCESS_SWITCHES = {"orchestration/publish/outcomes_report.py": "XDG_CACHE_HOME"}


def _files(*globs: str) -> list[Path]:
    return sorted(p for g in globs for p in PROJECT_DIR.glob(g) if ".venv" not in p.parts)


def test_only_the_resource_reads_the_environment():
    readers = {str(p.relative_to(PROJECT_DIR)): set(re.findall(r"os\.(?:environ|getenv)\b(?:\.get\()?\(?\"?(\w*)",
                                                                p.read_text()))
               for p in _files("orchestration/**/*.py") if re.search(r"os\.environ|os\.getenv", p.read_text())}
    others = {p: names for p, names in readers.items()
              if p != str(ENV_READER) and names != {PROCESS_SWITCHES.get(p)}}
    assert str(ENV_READER) in readers and not others, others


def test_dbt_reads_settings_as_vars_not_environment():
    found = [f"{p.relative_to(PROJECT_DIR)}: {m}" for p in _files("dbt_project/**/*.sql", "dbt_project/**/*.yml",
                                                                  "profiles.yml", "dbt_project.yml")
             for m in re.findall(r"env_var\(\s*'([A-Z0-9_]+)'", p.read_text()) if m != DBT_SECRET]
    assert not found, found


def test_operations_lists_every_setting():
    names = set(re.findall(r"\"(O4O_[A-Z0-9_]+)\"", (PROJECT_DIR / "orchestration/settings.py").read_text()))
    assert {"O4O_SUPPRESSION_THRESHOLD", "O4O_TRUST_FEED_EXITS", "O4O_PUBLISH_POSTGRES_URL"} <= names
    operations = (PROJECT_DIR / "docs/operations.md").read_text()
    missing = sorted(n for n in names if f"`{n}`" not in operations)
    assert not missing, f"docs/operations.md does not list {missing}"


def test_no_reference_outside_the_repository():
    found = [f"{p.relative_to(PROJECT_DIR)}: {m.group(0)}"
             for p in _files("**/*.py", "**/*.md", "**/*.yml", "**/*.sql", "**/*.json", "Makefile", "pyproject.toml")
             if "target" not in p.relative_to(PROJECT_DIR).parts
             for m in re.finditer(r"(\.\./)+shared/|(?<![\w/.])shared" r"/contracts/", p.read_text(errors="replace"))]
    assert not found, found
    assert (PROJECT_DIR / "docs/contracts/feeds.md").exists() and (PROJECT_DIR / "docs/contracts/mart.md").exists()


def _import_graph() -> dict[str, set[str]]:
    """module -> the orchestration modules it imports (at the top or inside a function)."""
    import ast

    root = PROJECT_DIR / "orchestration"

    def name(p: Path) -> str:
        parts = list(p.relative_to(PROJECT_DIR).with_suffix("").parts)
        return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)

    modules = {name(p): p for p in root.rglob("*.py")}
    graph = {}
    for module, path in modules.items():
        package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
        deps = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                base = package.split(".")[:len(package.split(".")) - node.level + 1] if node.level else []
                target = ".".join(base + ([node.module] if node.module else []))
                deps |= {f"{target}.{a.name}" if f"{target}.{a.name}" in modules else target for a in node.names}
            elif isinstance(node, ast.Import):
                deps |= {a.name for a in node.names}
        graph[module] = {d for d in deps if d in modules and d != module}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on, found = {}, {}, [], set(), []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while (w := stack.pop()) != v:
                on.discard(w)
                component.append(w)
            on.discard(v)
            if component:
                found.append(sorted([v, *component]))

    for v in graph:
        if v not in index:
            visit(v)
    return found


def test_no_import_circle():
    graph = _import_graph()
    assert "orchestration.run_summary" in graph["orchestration.alerts"]
    assert not _cycles(graph), _cycles(graph)
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_checks_do_not_import_assets():
    """Asset checks sit beside the assets in the Dagster wiring; they share keys through
    orchestration/asset_keys.py, never by importing an asset module."""
    graph = _import_graph()
    backward = {m: sorted(d for d in deps if d.startswith("orchestration.assets"))
                for m, deps in graph.items() if m.startswith("orchestration.checks")}
    assert not any(backward.values()), backward


def test_contracts_list_every_table_column_setting_and_command():
    """docs/contracts/ is kept current: every marts table and column, every feed entity and column,
    every setting and every CLI option appears in the contract that promises it."""
    import yaml

    from orchestration.ingest.feeds import ENTITIES

    mart = (PROJECT_DIR / "docs/contracts/mart.md").read_text()
    feeds = (PROJECT_DIR / "docs/contracts/feeds.md").read_text()
    missing = []
    for path in _files("dbt_project/models/marts/**/*.yml"):
        for model in yaml.safe_load(path.read_text()).get("models", []):
            missing += [model["name"]] if model["name"] not in mart else []
            missing += [f"{model['name']}.{c['name']}" for c in model.get("columns", []) if c["name"] not in mart]
    missing += [f"feeds.md: {e.name}.{c.name}" for e in ENTITIES for c in (*e.columns,) if c.name not in feeds]
    settings = set(re.findall(r"\"(O4O_[A-Z0-9_]+)\"", (PROJECT_DIR / "orchestration/settings.py").read_text()))
    missing += sorted(f"setting {s}" for s in settings if f"`{s}`" not in mart)
    cli = (PROJECT_DIR / "orchestration/cli.py").read_text()
    commands = re.findall(r"(?:add_parser|command)\(\"([a-z-]+)\"", cli)
    options = re.findall(r"add_argument\(\"(--[a-z-]+)\"", cli)
    assert "refresh" in commands and "--accept-shrink" in options
    missing += [f"command o4o {c}" for c in commands if f"o4o {c}" not in mart]
    missing += [f"option {o}" for o in options if o not in mart]
    assert not missing, missing
