"""The HTML outcomes report: written beside the mart on every publish, opened in headless Chromium
at desktop and phone widths, charts drawn offline, suppressed cells shown as suppressed, and a size
that does not grow with the data (o4o issues 17 and 19).

Expected values come from the published mart through SQL written here (an independent read of
the same file), or, for the noise rule and the page's wording, from small hand-made cases whose
numbers are counted by hand in the comments.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pytest

from browser import is_local
from orchestration.publish import outcomes_noise as noise
from orchestration.publish.outcomes_report import render_report, report_path, write_report
from orchestration.publish.outcomes_report_data import (INDICATORS, PROGRAMS_SHOWN, ReportData,
                                                        load_report_data)

CHART_IDS = ["chart-areas", "chart-equity", "chart-labor-market"]
ALL_DRAWN = """() => [...document.querySelectorAll('.chart')].every(
    c => c.querySelector('svg') || c.textContent.includes('could not be drawn'))"""
DESKTOP, PHONE = {"width": 1366, "height": 900}, {"width": 390, "height": 844}
# Screenshots stay in the test's tmp_path; O4O_SCREENSHOT_DIR also keeps a copy to look at.
SCREENS = Path(os.environ["O4O_SCREENSHOT_DIR"]) if os.environ.get("O4O_SCREENSHOT_DIR") else None
REPORT_YEAR_SQL = """SELECT max(exit_program_year) FROM marts.rpt_wioa_performance WHERE funding_stream = 'all'
    AND lwda_code = 'all' AND indicator = 'employment_rate_q4' AND value IS NOT NULL"""


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


def open_report(watched: Watched, path, viewport: dict | None = None):
    if viewport:
        watched.page.set_viewport_size(viewport)
    watched.page.goto(path.as_uri())
    watched.page.wait_for_function(ALL_DRAWN, timeout=60_000)
    return watched.page


def screenshot(page, tmp_path: Path, name: str) -> Path:
    shot = tmp_path / name
    page.screenshot(path=str(shot), full_page=True)
    if SCREENS is not None:
        SCREENS.mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, SCREENS / name)
    return shot


# ---- the noise rule, hand-counted ----------------------------------------------------------------

def test_noise_margin_by_hand():
    # group against everyone: p = 0.5, n_group = 100, n_all = 400:
    # 1/100 - 1/400 = 0.0075; 0.25 * 0.0075 = 0.001875; sqrt = 0.0433013; * 1.96 = 0.0848705
    assert noise.margin(0.5, 100, 400, nested=True) == pytest.approx(0.0848705, abs=1e-6)
    assert noise.judge(-0.08, 0.5, 100, 400, nested=True) == noise.WITHIN_NOISE
    assert noise.judge(-0.09, 0.5, 100, 400, nested=True) == noise.BELOW
    assert noise.judge(0.09, 0.5, 100, 400, nested=True) == noise.ABOVE
    # two independent years: p = 0.5, 100 and 100: 0.25 * (0.01 + 0.01) = 0.005; sqrt = 0.0707107; * 1.96 = 0.1385929
    assert noise.margin(0.5, 100, 100, nested=False) == pytest.approx(0.1385929, abs=1e-6)
    # a half-point gap of a 500-person group among 2,000 at p = 0.7: 0.21 * (1/500 - 1/2000) = 0.000315,
    # sqrt = 0.0177482, * 1.96 = 0.0347865 > 0.005: within noise, not a finding
    assert noise.judge(0.005, 0.7, 500, 2000, nested=True) == noise.WITHIN_NOISE
    assert noise.judge(120.0, None, 500, 2000, nested=True, is_rate=False) == noise.NOT_TESTED  # a median
    assert noise.judge(0.0, 0.7, 500, 2000, nested=True) == noise.NO_GAP
    assert noise.judge(None, 0.7, 500, 2000, nested=True) is None
    assert noise.pooled_rate(30, 100, 50, 100) == 0.4  # (30 + 50) / 200
    assert noise.pooled_rate(None, 100, 50, 100) is None  # a withheld numerator: no pooled rate
    with pytest.raises(ValueError):
        noise.margin(1.5, 10, 10, nested=False)


def _handmade_data() -> ReportData:
    """A report year 2023 with two equity groups and one area, every number chosen by hand:
    everyone 0.700 of 2,000 (1,400 employed); women 0.705 of 500 (a half-point gap: within noise,
    margin 0.0348 as in test_noise_margin_by_hand); veterans 0.600 of 100 (gap -0.100; margin
    1.96*sqrt(0.21*(1/100-1/2000)) = 1.96*sqrt(0.001995) = 0.0875: beyond noise, below); men's rate
    withheld. Previous year 0.650 of 1,000 (650): change +0.050, pooled p = 2050/3000 = 0.6833,
    margin 1.96*sqrt(0.6833*0.3167*(1/2000+1/1000)) = 1.96*0.01799 = 0.0353: up, beyond noise.
    Median earnings 2023 $7,000 (n = 1,400 employed), 2022 $6,800: +$200, not tested."""
    def perf(year, lwda, ind, num, den, value, sup=False):
        return {"exit_program_year": year, "lwda_code": lwda, "lwda_name": "Area 9 - Hand" if lwda != "all" else
                "All local areas", "indicator": ind, "numerator": num, "denominator": den, "value": value,
                "is_suppressed": sup}

    def group(dim, value, num, den, rate, sup=False):
        return {"dimension": dim, "group_value": value, "indicator": "employment_rate_q2", "numerator": num,
                "denominator": den, "value": rate, "is_suppressed": sup, "overall_value": 0.7,
                "overall_denominator": 2000, "gap": None if rate is None else rate - 0.7}

    performance = [perf(2023, "all", "employment_rate_q2", 1400, 2000, 0.7),
                   perf(2022, "all", "employment_rate_q2", 650, 1000, 0.65),
                   perf(2023, "all", "median_earnings_q2", None, 1400, 7000.0),
                   perf(2022, "all", "median_earnings_q2", None, 650, 6800.0),
                   perf(2023, "all", "credential_attainment_rate", None, None, None, sup=True),
                   perf(2023, "09", "employment_rate_q2", 6, 12, 0.5)]
    equity = [group("sex", "female", 352, 500, 0.705), group("sex", "male", None, None, None, sup=True),
              group("veteran", "yes", 60, 100, 0.6)]
    return ReportData(metadata={"suppression_threshold": "10", "published_at": "2026-12-01T00:00:00"},
                      report_year=2023, performance=performance,
                      areas=[{"lwda_code": "09", "lwda_name": "Area 9 - Hand"}], equity=equity, programs=[],
                      labor_market=[], has_pooled_table=False)


def test_page_words_and_colours_by_hand():
    """The hand-made year of _handmade_data, rendered: only the beyond-noise gap is coloured."""
    page = render_report(_handmade_data(), Path("mart.duckdb"))
    assert '<p class="kpi-value">70.0%</p>' in page and "1,400 / 2,000" in page
    assert "▲ up +5.0 pp from PY 2022 (65.0%)" in page  # beyond noise (margin 0.0353 < 0.050)
    assert "▲" not in page.split('data-indicator="median_earnings_q2"')[1].split("</article>")[0]
    assert "+$200 from PY 2022 ($6,800); no noise test for medians" in page
    assert '<p class="kpi-value suppressed"' in page  # credential rate withheld: "suppressed", no number
    assert 'class="num gap-quiet">70.5%<span class="detail">n = 500 · +0.5 pp · within noise' in page
    assert 'class="num gap-below">60.0%<span class="detail">n = 100 · −10.0 pp · beyond noise' \
        in page
    # two withheld cells: the men's rate (equity table) and the statewide credential rate beside the area
    assert page.count('<td class="suppressed"') == 2
    # the area at 6 of 12 against 1,400 of 2,000: margin 1.96*sqrt(0.21*(1/12-1/2000)) = 0.2587 > 0.2 gap
    assert "6 / 12 · −20.0 pp · within noise" in page
    assert "no <code>marts.rpt_provider_scorecard_pooled</code> yet" in page


# ---- the published report ------------------------------------------------------------------------

def test_publish_writes_the_report_beside_the_mart(generated_run):
    assert generated_run.outcome.published
    report = report_path(generated_run.published)
    assert report == generated_run.published.with_name("mart.report.html") and report.is_file()
    assert generated_run.outcome.materializations["outcomes_report"]["report_path"] == str(report)  # its own asset
    page = report.read_text(encoding="utf-8")
    assert "Workforce outcomes report" in page
    assert "cdn." not in page and "<script src" not in page  # everything inline
    # the headline number a reader looks for first: the report year's statewide Q2 employment rate,
    # with numerator / denominator under it
    year = query(generated_run.published, REPORT_YEAR_SQL)[0][0]
    num, den, value = query(generated_run.published, """SELECT numerator, denominator, value
        FROM marts.rpt_wioa_performance WHERE funding_stream = 'all' AND lwda_code = 'all'
        AND indicator = 'employment_rate_q2' AND exit_program_year = ?""", [year])[0]
    assert f"Summary: program year {year}" in page
    assert f'<p class="kpi-value">{value:.1%}</p><p class="kpi-n">{num:,} / {den:,}</p>' in page


def test_report_at_desktop_and_phone_widths(generated_run, report_page, tmp_path):
    """Screenshots at 1366 and 390 px; no sideways scroll on the phone; every chart drawn offline;
    the summary shows each indicator; the area picker shows one area; programs carry their cost."""
    mart = generated_run.published
    year = query(mart, REPORT_YEAR_SQL)[0][0]
    for name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page = open_report(report_page, report_path(mart), viewport)
        charts = page.eval_on_selector_all(".chart", """els => els.map(e => ({id: e.id, width: e.clientWidth,
            svg: e.querySelectorAll('svg').length, marks: e.querySelectorAll('svg .role-mark > *').length}))""")
        assert [c["id"] for c in charts] == CHART_IDS
        assert all(c["svg"] >= 1 and c["marks"] >= 5 for c in charts), charts
        widths = page.eval_on_selector_all(".chart svg", "els => els.map(e => e.getBoundingClientRect().right)")
        assert max(widths) <= viewport["width"], (name, widths)  # charts fit the width
        scroll = page.evaluate("document.documentElement.scrollWidth")
        assert scroll <= viewport["width"] + 1, f"{name}: the page scrolls sideways ({scroll} px)"
        assert screenshot(page, tmp_path, f"outcomes_report_{name}.png").stat().st_size > 50_000
    assert report_page.console_errors == []
    assert report_page.external_requests == [], "the report must not fetch anything (offline)"

    # the summary: one card per statewide all-streams indicator the mart has for the report year or the one
    # before, in INDICATORS order, each reading its value, "suppressed" or "not known yet"
    rows = query(mart, """SELECT indicator, any_value(value) FILTER (WHERE exit_program_year = ?),
            bool_or(is_suppressed) FILTER (WHERE exit_program_year = ?)
        FROM marts.rpt_wioa_performance WHERE funding_stream = 'all' AND lwda_code = 'all'
        AND exit_program_year IN (?, ?) GROUP BY indicator""", [year, year, year, year - 1])
    expected = {}
    for ind, value, suppressed in rows:
        fmt = (lambda v: f"${v:,.0f}") if ind == "median_earnings_q2" else (lambda v: f"{v:.1%}")
        expected[ind] = fmt(value) if value is not None else "suppressed" if suppressed else "not known yet"
    cards = page.eval_on_selector_all("#summary .kpi", """els => els.map(e => [e.dataset.indicator,
        e.querySelector('h3').textContent, e.querySelector('.kpi-value').textContent])""")
    assert [c[0] for c in cards] == [i for i in INDICATORS if i in expected]
    assert {c[0]: c[2] for c in cards} == expected
    assert all(c[1].startswith(INDICATORS[c[0]]) for c in cards)
    assert {"employment_rate_q2", "employment_rate_q4", "median_earnings_q2"} <= set(expected)

    # the area picker: one panel at a time, the picked one, with its name
    areas = query(mart, "SELECT lwda_code, lwda_name FROM marts.dim_lwda WHERE lwda_code <> 'all' ORDER BY 1")
    assert len(areas) >= 2
    for code, name in [areas[-1], areas[0]]:
        page.select_option("#area-select", code)
        visible = page.eval_on_selector_all(".area-panel", "els => els.filter(e => !e.hidden).map(e => e.id)")
        assert visible == [f"area-{code}"]
        assert page.locator(f"#area-{code} h3").inner_text().startswith(name)
        assert page.locator(f"#area-{code} tbody tr").count() == len(cards)  # every summary indicator

    # the ranked programs: PROGRAMS_SHOWN rows (or all), by pooled employment rate Q2, tuition and cost beside
    total, ranked = query(mart, "SELECT count(*), count(employment_rate_q2) FROM marts.rpt_provider_scorecard_pooled")[0]
    top = query(mart, f"""SELECT program_name, employment_rate_q2, tuition_cost FROM marts.rpt_provider_scorecard_pooled
        ORDER BY employment_rate_q2 DESC NULLS LAST, exiters DESC NULLS LAST, program_id LIMIT {PROGRAMS_SHOWN}""")
    table = page.eval_on_selector_all("table.programs tbody tr", """els => els.map(r => [
        r.querySelector('th').firstChild.textContent, r.querySelector('[data-label="Employed Q2"]').textContent,
        r.querySelector('[data-label="Tuition"]').textContent,
        r.querySelector('[data-label="Cost per completer"]').textContent])""")
    assert [r[0] for r in table] == [t[0] for t in top]
    assert [r[1] for r in table[:ranked]] == [f"{t[1]:.1%}" for t in top[:ranked]]  # highest first
    assert [r[2] for r in table] == [f"${t[2]:,.0f}" if t[2] is not None else "–" for t in top]
    assert any(r[3].startswith("$") for r in table), "no program shows a cost per completer"
    if total > PROGRAMS_SHOWN:
        assert f"{total - PROGRAMS_SHOWN:,} more programs in marts.rpt_provider_scorecard_pooled" in \
            page.locator("#programs .more").inner_text()


def test_without_javascript_every_area_shows(generated_run, chromium):
    context = chromium.new_context(java_script_enabled=False, viewport=PHONE)
    context.route("**/*", lambda route: route.continue_() if is_local(route.request.url) else route.abort())
    try:
        page = context.new_page()
        page.goto(report_path(generated_run.published).as_uri())
        areas = query(generated_run.published, "SELECT count(*) FROM marts.dim_lwda WHERE lwda_code <> 'all'")[0][0]
        assert page.locator(".area-panel:visible").count() == areas >= 2
        assert not page.locator("#area-pick").is_visible()  # a picker that cannot work is not offered
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
    finally:
        context.close()


def test_suppressed_cells_are_marked_never_drawn(generated_run, report_page):
    mart = generated_run.published
    page = open_report(report_page, report_path(mart))
    year = query(mart, REPORT_YEAR_SQL)[0][0]
    # every withheld value reads "suppressed", never a number
    assert set(page.eval_on_selector_all(".suppressed", "els => els.map(e => e.textContent)")) == {"suppressed"}

    # summary: one "suppressed" figure per withheld statewide all-streams indicator of the report year
    assert page.locator("#summary .kpi-value.suppressed").count() == query(mart, """SELECT count(*)
        FROM marts.rpt_wioa_performance WHERE funding_stream = 'all' AND lwda_code = 'all'
        AND exit_program_year = ? AND is_suppressed""", [year])[0][0]
    # area panels: each area's withheld values plus the statewide ones beside every area
    area_rows, state_rows, areas = query(mart, """SELECT
            count(*) FILTER (WHERE p.lwda_code <> 'all' AND is_suppressed),
            count(*) FILTER (WHERE p.lwda_code = 'all' AND is_suppressed),
            (SELECT count(*) FROM marts.dim_lwda WHERE lwda_code <> 'all')
        FROM marts.rpt_wioa_performance p WHERE funding_stream = 'all' AND exit_program_year = ?
        AND p.lwda_code IN (SELECT lwda_code FROM marts.dim_lwda)""", [year])[0]
    assert page.locator("#areas td.suppressed").count() == area_rows + state_rows * areas

    # programs: each withheld value of the shown rows (cost per completer follows the completion flag,
    # the per-tuition-dollar value the earnings-change flag)
    withheld = query(mart, f"""SELECT coalesce(sum(
            (employment_rate_q2 IS NULL AND is_employment_rate_q2_suppressed)::int
          + (median_earnings_q2 IS NULL AND is_median_earnings_q2_suppressed)::int
          + (earnings_change IS NULL AND is_earnings_change_suppressed)::int
          + (credential_attainment_rate IS NULL AND is_credential_attainment_rate_suppressed)::int
          + (cost_per_completer IS NULL AND is_completion_suppressed)::int
          + (annual_earnings_change_per_tuition_dollar IS NULL AND is_earnings_change_suppressed)::int), 0)
        FROM (SELECT * FROM marts.rpt_provider_scorecard_pooled
              ORDER BY employment_rate_q2 DESC NULLS LAST, exiters DESC NULLS LAST, program_id
              LIMIT {PROGRAMS_SHOWN})""")[0][0]
    assert page.locator("#programs td.suppressed").count() == withheld

    # charts: a withheld group is a "suppressed" label and no bar; every shown value is one bar
    def groups(indicator):  # the chart's groups: a barrier dimension by its 'yes' group only
        return query(mart, """SELECT count(*) FILTER (WHERE is_suppressed), count(value)
            FROM marts.rpt_equity_outcomes WHERE funding_stream = 'all' AND lwda_code = 'all'
            AND exit_program_year = ? AND indicator = ?
            AND NOT ((dimension LIKE 'barrier\\_%' ESCAPE '\\' OR dimension = 'has_barrier') AND group_value <> 'yes')""",
                     [year, indicator])[0]

    def bars(chart_id):
        # Vega-Lite labels each bar item "bar" (the statewide / everyone ticks are rects too, labelled "tick")
        return page.eval_on_selector_all(f'#{chart_id} [aria-roledescription="bar"]', "els => els.length")

    suppressed, shown = groups("employment_rate_q2")
    assert mark_texts(page, "chart-equity", "suppressed") == suppressed > 0
    assert bars("chart-equity") == shown
    area_suppressed, area_shown = query(mart, """SELECT count(*) FILTER (WHERE is_suppressed), count(value)
        FROM marts.rpt_wioa_performance WHERE funding_stream = 'all' AND lwda_code <> 'all'
        AND exit_program_year = ? AND indicator = 'employment_rate_q2'""", [year])[0]
    assert mark_texts(page, "chart-areas", "suppressed") == area_suppressed
    assert bars("chart-areas") == area_shown
    # the indicator picker re-draws the chart from the same inline data
    suppressed, shown = groups("median_earnings_q2")
    page.locator("#chart-equity select").first.select_option("median_earnings_q2")
    page.wait_for_function("n => [...document.querySelectorAll('#chart-equity .mark-text text')]"
                           ".filter(e => e.textContent === 'suppressed').length === n", arg=suppressed, timeout=30_000)
    assert bars("chart-equity") == shown
    assert report_page.console_errors == []


def test_a_tiny_mart_still_gives_a_clean_report(handmade_run, report_page, tmp_path):
    """13 people: nearly everything is suppressed and some charts have nothing to draw."""
    assert handmade_run.outcome.published
    mart = tmp_path / "mart.duckdb"
    shutil.copy(handmade_run.published, mart)
    page = open_report(report_page, write_report(mart), PHONE)
    assert page.locator(".suppressed").count() > 0
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
    assert report_page.console_errors == []
    assert report_page.external_requests == []


def test_names_cannot_break_out_of_the_page(generated_run):
    data = load_report_data(generated_run.published)
    assert data.programs and data.areas
    data.programs[0]["program_name"] = "</script><img src=x onerror=alert(1)>"
    data.areas[0]["lwda_name"] = "<b>Area</b></script>"
    page = render_report(data, generated_run.published)
    assert "</script><img" not in page
    assert "&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;" in page  # the table shows it as text
    # the area's name: text in the HTML, and inside the chart data a JSON string that cannot close its script
    assert "<b>Area</b>" not in page and "&lt;b&gt;Area&lt;/b&gt;&lt;/script&gt;" in page
    assert '"<b>Area<\\/b><\\/script>"' in page


def test_o4o_report_command(generated_run, tmp_path, monkeypatch, capsys):
    from orchestration.cli import main

    monkeypatch.setenv("O4O_PUBLISH_PATH", str(generated_run.published))
    out = tmp_path / "outcomes.html"
    assert main(["report", "--out", str(out)]) == 0
    assert "Workforce outcomes report" in out.read_text(encoding="utf-8")
    monkeypatch.setenv("O4O_PUBLISH_PATH", str(tmp_path / "missing.duckdb"))
    assert main(["report"]) == 1
    assert "no published mart" in capsys.readouterr().err


@pytest.mark.slow
def test_report_stays_small_at_100k_participants(tmp_path):
    """o4o issue 17: the report was 170 MB at 1M participants. At 100,000 (50 times the demo) it must stay
    under 5 MB: its size is bounded by areas, groups, PROGRAMS_SHOWN programs and months, not by people."""
    from conftest import refresh
    from orchestration.generate import generate

    generate(tmp_path / "landing", participants=100_000, seed=42)
    run = refresh(tmp_path / "landing", tmp_path)
    assert run.outcome.published
    report = report_path(run.published)
    size = report.stat().st_size
    print(f"report at 100,000 participants: {size:,} bytes")
    assert size < 5 * 1024 * 1024
    page = report.read_text(encoding="utf-8")
    assert page.count("data-label=\"Rank\"") == PROGRAMS_SHOWN  # bounded, and the rest is pointed to
    assert "more programs in <code>marts.rpt_provider_scorecard_pooled</code>" in page
