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
PROCESS_SWITCHES = {"orchestration/bi/report.py": "XDG_CACHE_HOME"}


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
