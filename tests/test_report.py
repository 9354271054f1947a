"""The HTML outcomes report: written beside the mart on every publish, opened in headless Chromium,
charts drawn offline, suppressed cells shown as suppressed."""

from __future__ import annotations

import shutil

from dataclasses import dataclass, field

import duckdb
import pytest

from browser import is_local
from orchestration.publish.outcomes_report import render_report, report_path, write_report
from orchestration.publish.outcomes_report_data import load_report_data

CHART_IDS = ["chart-performance-rates", "chart-performance-earnings", "chart-scorecard-earnings",
             "chart-scorecard-employment", "chart-equity", "chart-labor-market"]
ALL_DRAWN = """() => [...document.querySelectorAll('.chart')].every(
    c => c.querySelector('svg') || c.textContent.includes('could not be drawn'))"""


def query(mart, sql: str, params=None):
    with duckdb.connect(str(mart), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def mark_texts(page, chart_id: str, text: str) -> int:
    """How many text marks (not axis labels) in a chart read exactly `text`."""
    return page.eval_on_selector_all(f"#{chart_id} .mark-text text",
                                     "(els, t) => els.filter(e => e.textContent === t).length", text)


@dataclass
class Watched:
    """A page plus what it said on the console and what it tried to fetch from off the machine."""
    page: object
    console_errors: list[str] = field(default_factory=list)
    external_requests: list[str] = field(default_factory=list)


@pytest.fixture
def report_page(browser_page) -> Watched:
    seen = Watched(browser_page)
    browser_page.on("console", lambda msg: seen.console_errors.append(msg.text) if msg.type == "error" else None)
    browser_page.on("pageerror", lambda exc: seen.console_errors.append(f"uncaught: {exc}"))
    browser_page.on("request", lambda req: None if is_local(req.url) else seen.external_requests.append(req.url))
    return seen


def open_report(watched: Watched, path):
    watched.page.goto(path.as_uri())
    watched.page.wait_for_function(ALL_DRAWN, timeout=60_000)
    return watched.page


def test_publish_writes_the_report_beside_the_mart(generated_run):
    assert generated_run.outcome.published
    report = report_path(generated_run.published)
    assert report == generated_run.published.with_name("mart.report.html") and report.is_file()
    assert generated_run.outcome.materializations["outcomes_report"]["report_path"] == str(report)  # its own asset
    page = report.read_text(encoding="utf-8")
    assert "Workforce outcomes report" in page
    assert "cdn." not in page and "<script src" not in page  # everything inline
    # the headline number a reader looks for first: statewide Q2 employment rate, with numerator/denominator
    year, num, den, value = query(generated_run.published, """SELECT exit_program_year, numerator, denominator, value
        FROM marts.rpt_wioa_performance WHERE funding_stream = 'all' AND lwda_code = 'all'
        AND indicator = 'employment_rate_q2' AND value IS NOT NULL ORDER BY 1 DESC LIMIT 1""")[0]
    assert f"{value:.1%}" in page and f"{num:,} / {den:,}" in page


def test_report_renders_offline_in_headless_chromium(generated_run, report_page, tmp_path):
    mart = generated_run.published
    page = open_report(report_page, report_path(mart))
    charts = page.eval_on_selector_all(".chart", """els => els.map(e => ({id: e.id,
        svg: e.querySelectorAll('svg').length, marks: e.querySelectorAll('svg .role-mark > *').length}))""")
    assert [c["id"] for c in charts] == CHART_IDS
    assert all(c["svg"] >= 1 and c["marks"] >= 5 for c in charts), charts
    assert report_page.console_errors == []
    assert report_page.external_requests == [], "the report must not fetch anything (offline)"
    shot = tmp_path / "outcomes_report.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 50_000
    print(f"screenshot: {shot}")


def test_suppressed_cells_are_marked_never_drawn(generated_run, report_page):
    mart = generated_run.published
    page = open_report(report_page, report_path(mart))
    suppressed_rates = query(mart, """SELECT count(*) FROM marts.rpt_wioa_performance WHERE lwda_code = 'all'
        AND is_suppressed AND indicator <> 'median_earnings_q2'""")[0][0]
    suppressed_all = query(mart, "SELECT count(*) FROM marts.rpt_wioa_performance "
                                 "WHERE lwda_code = 'all' AND is_suppressed")[0][0]
    assert suppressed_rates > 0
    assert mark_texts(page, "chart-performance-rates", "S") == suppressed_rates
    cells = page.eval_on_selector_all("#performance td.suppressed", "els => els.map(e => e.textContent)")
    assert cells == ["suppressed"] * suppressed_all

    # Equity chart: the default view is the latest program year with complete (Q4) outcomes.
    year = query(mart, """SELECT max(exit_program_year) FROM marts.rpt_wioa_performance WHERE funding_stream = 'all'
        AND lwda_code = 'all' AND indicator = 'employment_rate_q4' AND value IS NOT NULL""")[0][0]

    def suppressed_groups(indicator):
        return query(mart, """SELECT count(*) FROM marts.rpt_equity_outcomes WHERE funding_stream = 'all'
            AND lwda_code = 'all' AND exit_program_year = ? AND indicator = ? AND is_suppressed""", [year, indicator])[0][0]

    assert mark_texts(page, "chart-equity", "suppressed") == suppressed_groups("employment_rate_q2") > 0
    # the indicator picker re-draws the chart from the same inline data
    page.locator("#chart-equity select").first.select_option("median_earnings_q2")
    page.wait_for_function("n => [...document.querySelectorAll('#chart-equity .mark-text text')]"
                           ".filter(e => e.textContent === 'suppressed').length === n",
                           arg=suppressed_groups("median_earnings_q2"), timeout=30_000)
    assert report_page.console_errors == []


def test_a_tiny_mart_still_gives_a_clean_report(handmade_run, report_page, tmp_path):
    """13 people: nearly everything is suppressed and some charts have nothing to draw."""
    assert handmade_run.outcome.published
    mart = tmp_path / "mart.duckdb"
    shutil.copy(handmade_run.published, mart)
    page = open_report(report_page, write_report(mart))
    assert page.locator("td.suppressed").count() > 0
    assert report_page.console_errors == []
    assert report_page.external_requests == []


def test_names_cannot_break_out_of_the_page(generated_run):
    data = load_report_data(generated_run.published)
    assert data.scorecards
    data.scorecards[0]["program_name"] = "</script><img src=x onerror=alert(1)>"
    page = render_report(data, generated_run.published)
    assert "</script><img" not in page
    assert "&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;" in page  # the table shows it as text


def test_o4o_report_command(generated_run, tmp_path, monkeypatch, capsys):
    from orchestration.cli import main

    monkeypatch.setenv("O4O_PUBLISH_PATH", str(generated_run.published))
    out = tmp_path / "outcomes.html"
    assert main(["report", "--out", str(out)]) == 0
    assert "Workforce outcomes report" in out.read_text(encoding="utf-8")
    monkeypatch.setenv("O4O_PUBLISH_PATH", str(tmp_path / "missing.duckdb"))
    assert main(["report"]) == 1
    assert "no published mart" in capsys.readouterr().err

