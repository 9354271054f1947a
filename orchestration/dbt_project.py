"""The dbt project handle: one factory, so every caller agrees on paths and target."""

from __future__ import annotations

import os
import subprocess
import sys
from functools import cache

from dagster_dbt import DbtProject

from .resources import environment_settings, subprocess_env
from .settings import PROJECT_DIR


def dbt_executable() -> str:
    """The `dbt` installed beside this Python (the venv's bin need not be on PATH)."""
    beside = os.path.join(os.path.dirname(sys.executable), "dbt")
    return beside if os.path.exists(beside) else "dbt"


@cache
def o4o_dbt_project() -> DbtProject:
    """The dbt project at the repository root. `dagster dev` re-parses on load, `o4o refresh`
    before every run; otherwise the manifest is only parsed when it does not exist yet."""
    project = DbtProject(project_dir=PROJECT_DIR, profiles_dir=PROJECT_DIR, target=environment_settings().dbt_target)
    if not project.manifest_path.exists():  # a fresh clone: parse once rather than fail to load
        prepare_manifest()
    project.prepare_if_dev()
    return project


def prepare_manifest() -> None:
    """`dbt parse`: write target/manifest.json, which the Dagster definitions read."""
    proc = subprocess.run([dbt_executable(), "parse", "--quiet", "--project-dir", str(PROJECT_DIR),
                           "--profiles-dir", str(PROJECT_DIR)], cwd=PROJECT_DIR, env=subprocess_env(),
                          capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"dbt parse failed:\n{proc.stdout}\n{proc.stderr}")
