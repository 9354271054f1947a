"""Operating the CLI: what a wrong landing directory, --version, --help and a bad `o4o generate` say."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import TEST_PII_KEY, environ
from orchestration.cli import main
from orchestration.settings import PROJECT_DIR


def _refresh(tmp_path: Path, landing: Path, capfd) -> tuple[int, str, str]:
    capfd.readouterr()
    with environ({"O4O_LANDING_DIR": str(landing), "O4O_WAREHOUSE_PATH": str(tmp_path / "warehouse.duckdb"),
                  "O4O_PUBLISH_PATH": str(tmp_path / "mart.duckdb"), "O4O_PII_KEY": TEST_PII_KEY}):
        rc = main(["refresh"])
    out, err = capfd.readouterr()
    return rc, out, err


@pytest.mark.parametrize("case, expected", [
    ("missing", r"the landing directory \S+/nowhere does not exist: set O4O_LANDING_DIR"),
    ("empty", r"the landing directory \S+/landing has no feed folder providers/, job_center/, labor_market/"),
    ("no job_center", r"the landing directory \S+/landing has no feed folder job_center/ "),
    ("folders without files", r"the landing directory \S+/landing holds no feed file \(\*\.csv\)"),
])
def test_a_wrong_landing_directory_is_one_line_exit_2_and_no_run(tmp_path, capfd, case, expected):
    from handmade_feeds import write_handmade_feeds

    landing = tmp_path / "landing"
    if case == "missing":
        landing = tmp_path / "nowhere"
    elif case == "empty":
        landing.mkdir()
    elif case == "no job_center":
        write_handmade_feeds(landing)
        shutil.rmtree(landing / "job_center")
    else:
        for feed in ("providers", "job_center", "labor_market"):
            (landing / feed).mkdir(parents=True)
    rc, out, err = _refresh(tmp_path, landing, capfd)
    assert rc == 2
    assert len(err.strip().splitlines()) == 1 and re.search("^o4o refresh: " + expected, err), err
    assert "Traceback" not in out + err and out == ""
    assert not (tmp_path / "warehouse.duckdb").exists() and not (tmp_path / "mart.duckdb").exists()


def test_version(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0 and re.fullmatch(r"o4o \d+\.\d+\.\d+\n", capsys.readouterr().out)


def test_help_lists_each_commands_defaults_and_every_environment_variable(capsys):
    read = set(re.findall(r'"(O4O_[A-Z_]+)"', (PROJECT_DIR / "orchestration" / "settings.py").read_text()))
    read |= set(re.findall(r"O4O_[A-Z_]+", (PROJECT_DIR / "dbt_project" / "macros" / "reporting.sql").read_text()))
    assert {"O4O_LANDING_DIR", "O4O_PUBLISH_STORAGE_VERSION", "O4O_PG_HOST"} <= read
    for command in ([], ["generate"], ["refresh"], ["rollback"], ["report"]):
        with pytest.raises(SystemExit):
            main([*command, "--help"])
        text = capsys.readouterr().out
        missing = [v for v in read if v not in text]
        assert not missing, (command, missing)
        assert "O4O_PUBLISH_STORAGE_VERSION  DuckDB storage version of the published mart (v1.0.0)" in text
    with pytest.raises(SystemExit):
        main(["generate", "--help"])
    text = capsys.readouterr().out
    assert "(default: 2000)" in text and "(default: 42)" in text


def test_help_shows_no_python_values_as_defaults(capsys):
    """argparse prints an empty default as "(default: [])" or "(default: None)"; o4o says "(default: none)"
    or nothing (flags, required options)."""
    texts = {}
    for command in ([], ["generate"], ["refresh"], ["rollback"], ["report"]):
        with pytest.raises(SystemExit):
            main([*command, "--help"])
        texts[" ".join(command)] = text = " ".join(capsys.readouterr().out.split())  # argparse wraps lines
        assert not re.search(r"\(default: (\[\]|None|False|True|''|)\)", text), (command, text)
    refresh = texts["refresh"]
    assert "O4O_ACCEPT_SHRINK=e1,e2 in the UI) (default: none)" in refresh
    assert refresh.count("(default:") == 1  # --demo, --verbose, --rekey are flags
    assert "(default: <O4O_PUBLISH_PATH stem>.report.html)" in texts["report"] and texts["report"].count("(default:") == 1
    assert "(default: 0)" in texts["generate"] and "landing directory to write (default" not in texts["generate"]


@pytest.mark.parametrize("args, message", [
    (["--participants", "0"], "o4o generate: participants must be at least 1"),
    (["--participants", "5"], "o4o generate: [Errno 20] Not a directory"),
    (["--participants", "5", "--seed", "-1"], "o4o generate: seed must be a whole number >= 0, not -1"),
    (["--participants", "5", "--coalition", "7"], "o4o generate: --coalition takes 2 to 5 members"),
])
def test_generate_errors_are_one_line_without_a_traceback(tmp_path, capfd, args, message):
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    rc = main(["generate", "--out", str(blocker / "landing" if "5" in args else tmp_path / "landing"), *args])
    out, err = capfd.readouterr()
    assert rc == 2 and err.startswith(message) and len(err.strip().splitlines()) == 1
    assert "Traceback" not in out + err


@pytest.mark.slow
def test_make_docs_builds_the_dbt_docs_site(tmp_path):
    proc = subprocess.run(["make", "docs"], cwd=PROJECT_DIR, capture_output=True, text=True, timeout=900,
                          env={**__import__("os").environ, "O4O_WAREHOUSE_PATH": str(tmp_path / "none.duckdb")})
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert (PROJECT_DIR / "target" / "index.html").exists() and (PROJECT_DIR / "target" / "catalog.json").exists()
