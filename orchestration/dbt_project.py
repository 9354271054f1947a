"""The dbt project handle: one factory, so every caller agrees on paths and target."""

from __future__ import annotations

import os
import subprocess
import sys
from functools import cache

from dagster_dbt import DbtProject

from .settings import PROJECT_DIR


@cache
def o4o_dbt_project() -> DbtProject:
    """The dbt project at the repository root. `dagster dev` re-parses on load; everywhere
    else the manifest is prepared ahead (`o4o refresh`, `make setup`, the test session)."""
    project = DbtProject(project_dir=PROJECT_DIR, profiles_dir=PROJECT_DIR,
                         target=os.environ.get("O4O_DBT_TARGET", "duckdb"))
    project.prepare_if_dev()
    return project


def prepare_manifest() -> None:
    """`dbt parse`: write target/manifest.json, which the Dagster definitions read."""
    env = {**os.environ, "DO_NOT_TRACK": "1", "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    dbt = os.path.join(os.path.dirname(sys.executable), "dbt")
    proc = subprocess.run([dbt, "parse", "--quiet", "--project-dir", str(PROJECT_DIR),
                           "--profiles-dir", str(PROJECT_DIR)], cwd=PROJECT_DIR, env=env,
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"dbt parse failed:\n{proc.stdout}\n{proc.stderr}")
