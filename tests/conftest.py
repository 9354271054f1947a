"""Session fixtures: real pipeline runs (real DuckDB files, real dbt, real Dagster, real GX).

Each fixture runs `nightly_refresh` once per session with its own landing directory,
warehouse and published file under a temp dir; tests only read what they produced.
"""

from __future__ import annotations

import os
import shutil
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from browser import browser_page, chromium  # noqa: F401  (headless Chromium fixtures, tests/browser.py)

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")

TEST_PII_KEY = "test-key-" + "x" * 32
RUN_FLAGS = {"O4O_DEMO", "O4O_REKEY", "O4O_ACCEPT_SHRINK"}
# The demo's own data (Makefile: PARTICIPANTS=2000, SEED=42), so `make demo` is in the suite.
GENERATED_PARTICIPANTS = 2000
GENERATED_SEED = 42


@dataclass
class Run:
    landing: Path
    warehouse: Path
    published: Path
    outcome: object  # orchestration.refresh.RefreshOutcome

    def env(self) -> dict[str, str]:
        return {"O4O_LANDING_DIR": str(self.landing), "O4O_WAREHOUSE_PATH": str(self.warehouse),
                "O4O_PUBLISH_PATH": str(self.published), "O4O_PII_KEY": TEST_PII_KEY}


@contextmanager
def environ(values: dict[str, str]):
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    for flag in RUN_FLAGS - set(values):  # per-run switches never leak in from the environment
        os.environ.pop(flag, None)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def refresh(landing: Path, workdir: Path, published: Path | None = None) -> Run:
    from orchestration.refresh import run_refresh

    run = Run(landing, workdir / "warehouse.duckdb", published or workdir / "mart.duckdb", None)
    with environ(run.env()):
        run.outcome = run_refresh()
    return run


@pytest.fixture(scope="session")
def handmade_run(tmp_path_factory) -> Run:
    from handmade_feeds import write_handmade_feeds

    root = tmp_path_factory.mktemp("handmade")
    return refresh(write_handmade_feeds(root / "landing"), root)


@pytest.fixture(scope="session")
def federal_run(tmp_path_factory) -> Run:
    """The hand-made feeds of the federal reporting rules (tests/federal_feeds.py)."""
    from federal_feeds import write_federal_feeds

    root = tmp_path_factory.mktemp("federal")
    return refresh(write_federal_feeds(root / "landing"), root)


@pytest.fixture(scope="session")
def generated_run(tmp_path_factory) -> Run:
    """The demo's generated feeds (2,000 participants, seed 42): enough co-enrolment, re-entry and
    small cells for the suppression-recovery test (tests/test_complementary_suppression.py) to mean
    something. Seed 7 passed while the demo's seed failed a suppression test: the suite runs the demo's."""
    from orchestration.generate import generate

    root = tmp_path_factory.mktemp("generated")
    generate(root / "landing", participants=GENERATED_PARTICIPANTS, seed=GENERATED_SEED)
    return refresh(root / "landing", root)


@pytest.fixture
def copy_of(tmp_path):
    """Copy a landing directory so a test can break it without touching the session's."""
    def _copy(landing: Path) -> Path:
        target = tmp_path / "landing"
        shutil.copytree(landing, target)
        return target
    return _copy
