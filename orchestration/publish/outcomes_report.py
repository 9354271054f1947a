"""The HTML outcomes report: one self-contained page written beside the published mart.

It reads only the published DuckDB file (read-only), so it shows exactly what BI tools see.
The Vega, Vega-Lite and vega-embed JavaScript is inlined from the vl-convert-python package
(no CDN), so the page works offline, from a file share or an e-mail attachment. Suppressed
cells read "suppressed" in tables and are marked "S" or "suppressed" in charts, never drawn
as zero.
"""

from __future__ import annotations

import functools
import html
import json
import os
from collections.abc import Callable
from pathlib import Path

from . import outcomes_charts as charts
from .outcomes_report_data import (DIMENSIONS, DOLLAR_INDICATORS, FUNDING_STREAMS, GROUP_ORDER, INDICATORS, Record,
                          ReportData, label, load_report_data)

REPORT_SUFFIX = ".report.html"


def report_path(publish_path: Path) -> Path:
    """Where the report of a published mart lives: `mart.duckdb` -> `mart.report.html`."""
    return publish_path.with_name(publish_path.stem + REPORT_SUFFIX)


@functools.lru_cache(maxsize=1)
def vega_javascript() -> str:
    """vega-embed + Vega-Lite + Vega as one script, from the vl-convert-python wheel (no network).

    Bundling takes seconds, so the result is kept in the user's cache directory, keyed by versions.
    """
    import altair as alt
    import vl_convert

    version = ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])
    cache = (Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "o4o"
             / f"vega-embed-{vl_convert.get_vega_embed_version()}-vl{version}-vlc{vl_convert.__version__}.js")
    try:
        return cache.read_text(encoding="utf-8")
    except OSError:
        pass
    bundle = vl_convert.javascript_bundle(vl_version=version)
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_name(f"{cache.name}.{os.getpid()}.tmp")
        tmp.write_text(bundle, encoding="utf-8")
        os.replace(tmp, cache)
    except OSError:
        pass  # no writable cache: bundle again next time
    return bundle


def _json_for_script(value: object) -> str:
    """JSON that cannot close the <script> element it sits in ("<\\/" is "</" inside a JS string)."""
    return json.dumps(value, separators=(",", ":")).replace("</", "<\\/").replace("<!--", "<\\u0021--")


def _inline_script(code: str) -> str:
    if "</script" in code.lower():  # the bundle is code, not data: it cannot be escaped, only refused
        raise RuntimeError("the Vega JavaScript bundle contains '</script' and cannot be inlined")
    return code


# ---- cell formatting -------------------------------------------------------------------------

def _rate(v: float) -> str:
    return f"{v:.1%}"


def _dollars(v: float) -> str:
    return f"${v:,.0f}"


def _signed_dollars(v: float) -> str:
    return f"{'+' if v >= 0 else '−'}${abs(v):,.0f}"


def _points(v: float) -> str:
    return f"{v * 100:+.1f} pp".replace("-", "−")


def _count(v) -> str:
    return "–" if v is None else f"{v:,}"


def _indicator_format(indicator: str) -> Callable[[float], str]:
    return _dollars if indicator in DOLLAR_INDICATORS else _rate


class _Cells:
    """Table cells that treat suppression and not-yet-known outcomes the same way everywhere."""

    def __init__(self, threshold: str):
        self.why = (f"Suppressed: fewer than {threshold} people in the denominator, or the value would give such a "
                    "cell away, so it is not published.")

    def value(self, value, suppressed: bool, fmt: Callable[[float], str], detail: str = "",
              why: str | None = None) -> str:
        if value is None and suppressed:
            return f'<td class="suppressed" title="{html.escape(why or self.why)}">suppressed</td>'
        if value is None:
            return '<td class="unknown" title="No outcome known yet (or no one in the group)">–</td>'
        extra = f'<span class="detail">{html.escape(detail)}</span>' if detail else ""
        return f'<td class="num">{html.escape(fmt(value))}{extra}</td>'


def _table(headers: list[str], rows: list[str], caption: str, css: str = "") -> str:
    head = "".join(f'<th scope="col">{html.escape(h)}</th>' for h in headers)
    body = "\n".join(rows) if rows else f'<tr><td colspan="{len(headers)}">No rows in the mart.</td></tr>'
    return (f'<div class="table-wrap"><table class="{css}"><caption>{html.escape(caption)}</caption>'
            f"<thead><tr>{head}</tr></thead><tbody>\n{body}\n</tbody></table></div>")


# ---- sections ----------------------------------------------------------------------------------

def _performance_table(data: ReportData, cells: _Cells) -> str:
    by_key = {(r["exit_program_year"], r["funding_stream"], r["indicator"]): r for r in data.performance}
    keys = sorted({(r["exit_program_year"], r["funding_stream"]) for r in data.performance},
                  key=lambda k: (-k[0], k[1] != "all", k[1]))
    indicators = [i for i in INDICATORS if any(r["indicator"] == i for r in data.performance)]
    rows = []
    for year, stream in keys:
        tds = []
        for ind in indicators:
            r = by_key.get((year, stream, ind))
            if r is None:
                tds.append('<td class="unknown">–</td>')
                continue
            detail = ("" if r["denominator"] is None  # withheld with a suppressed row (mart.md, Privacy)
                      else f"n = {r['denominator']:,}" if ind in DOLLAR_INDICATORS
                      else f"{r['numerator']:,} / {r['denominator']:,}" if r["numerator"] is not None else "")
            tds.append(cells.value(r["value"], r["is_suppressed"], _indicator_format(ind), detail))
        cls = ' class="rollup"' if stream == "all" else ""
        rows.append(f'<tr{cls}><th scope="row">{year}</th><td>{html.escape(label(FUNDING_STREAMS, stream))}</td>'
                    + "".join(tds) + "</tr>")
    return _table(["Program year", "Funding stream"] + [INDICATORS[i] for i in indicators], rows,
                  "Statewide WIOA indicators by program year of exit and funding stream "
                  "(numerator / denominator under each rate)")


# rpt_provider_scorecard flags each value (is_<value>_suppressed): an empty cell without its flag is "not known yet".
SCORECARD_WHY = "This value is withheld: fewer than the threshold are in its denominator."


def _scorecard_table(data: ReportData, cells: _Cells) -> str:
    rows = []
    value = functools.partial(cells.value, why=SCORECARD_WHY)
    for r in data.scorecards:
        def s(column: str, r=r) -> bool:
            return bool(r.get(f"is_{column}_suppressed"))
        rows.append(
            f'<tr><th scope="row">{r["exit_program_year"]}</th>'
            f'<td>{html.escape(str(r["program_name"]))}'
            f'<span class="detail">{html.escape(str(r["program_id"]))}</span></td>'
            f'<td>{html.escape(str(r["provider_name"]))}</td>'
            f'<td class="num">{_count(r["enrolled"])}</td>'
            + value(r["completed"], s("completion"), _count) + value(r["completion_rate"], s("completion"), _rate)
            + f'<td class="num">{_count(r["exiters"])}</td>'
            + value(r["employment_rate_q2"], s("employment_rate_q2"), _rate)
            + value(r["employment_rate_q4"], s("employment_rate_q4"), _rate)
            + value(r["median_pre_program_earnings"], s("median_pre_program_earnings"), _dollars)
            + value(r["median_earnings_q2"], s("median_earnings_q2"), _dollars)
            + value(r["earnings_change"], s("earnings_change"), _signed_dollars)
            + value(r["credential_attainment_rate"], s("credential_attainment_rate"), _rate)
            + value(r["tuition_cost"], False, _dollars) + "</tr>")
    table = _table(["Exit PY", "Program", "Provider", "Enrolled", "Completed", "Completion rate", "Exiters",
                   "Employed Q2", "Employed Q4", "Median earnings before", "Median earnings Q2 after",
                   "Change", "Credential rate", "Tuition"], rows,
                  "Provider scorecards (ETA-9171 style: all students, WIOA-funded or not); "
                  "earnings are quarterly, before = 2nd quarter before entry; in a row flagged suppressed an empty "
                  "outcome is suppressed or not yet known", css="wide")
    return (f"<details><summary>Scorecard table: {len(rows):,} program-years "
            f"(newest first; click to open)</summary>{table}</details>")


def _scorecard_scope(data: ReportData) -> str:
    """What part of the scorecards the report shows, and where the rest is."""
    programs = len({r["program_id"] for r in data.scorecards})
    years = sorted({r["exit_program_year"] for r in data.scorecards})
    if not years:
        return ""
    span = f"program year {years[0]}" if len(years) == 1 else f"program years {years[0]}–{years[-1]}"
    return (f'<p class="lede">Shown: the {programs:,} programs with the most exiters in program year {years[-1]}, '
            f"{span} ({len(data.scorecards):,} of the mart's {data.scorecard_rows:,} program-years). Every "
            "program and year is in the published mart, table <code>marts.rpt_provider_scorecard</code> "
            "(docs/bi.md).</p>")


def _equity_table(data: ReportData, cells: _Cells) -> str:
    year = data.report_year
    rows_in_year = [r for r in data.equity if r["exit_program_year"] == year]
    indicators = [i for i in INDICATORS if any(r["indicator"] == i for r in rows_in_year)]
    overall = {r["indicator"]: r for r in data.performance
               if r["exit_program_year"] == year and r["funding_stream"] == "all"}
    by_key = {(r["dimension"], r["group_value"], r["indicator"]): r for r in rows_in_year}
    groups = sorted({(r["dimension"], r["group_value"]) for r in rows_in_year},
                    key=lambda g: (list(DIMENSIONS).index(g[0]) if g[0] in DIMENSIONS else 99,
                                   GROUP_ORDER.index(g[1]) if g[1] in GROUP_ORDER else 50,
                                   g[1] == "not_reported", g[1]))
    head = ['<tr class="rollup"><th scope="row" colspan="2">Everyone</th>']
    for ind in indicators:
        o = overall.get(ind)
        head.append(cells.value(o["value"], o["is_suppressed"], _indicator_format(ind)) if o
                    else '<td class="unknown">–</td>')
    rows = ["".join(head) + "</tr>"]
    for dim, group in groups:
        tds = []
        for ind in indicators:
            r = by_key.get((dim, group, ind))
            if r is None:
                tds.append('<td class="unknown">–</td>')
                continue
            gap = ""
            if r["gap"] is not None:
                gap = (_signed_dollars(r["gap"]) if ind in DOLLAR_INDICATORS else _points(r["gap"])) + " vs everyone"
            tds.append(cells.value(r["value"], r["is_suppressed"], _indicator_format(ind), gap))
        rows.append(f'<tr><th scope="row">{html.escape(label(DIMENSIONS, dim))}</th>'
                    f'<td>{html.escape(str(group).replace("_", " "))}</td>' + "".join(tds) + "</tr>")
    return _table(["Dimension", "Group"] + [INDICATORS[i] for i in indicators], rows,
                  f"Equity gaps, exits in program year {year}, all funding streams "
                  "(ETA-9169 groups; gap = group value minus everyone's value)")


def _labor_table(data: ReportData) -> str:
    by_area: dict[str, list[Record]] = {}
    for r in data.labor_market:
        by_area.setdefault(r["lwda_code"], []).append(r)
    rows = []
    for code, months in sorted(by_area.items()):
        last = max(months, key=lambda r: r["month_start_date"])
        year_before = next((r for r in months if r["year"] == last["year"] - 1 and r["month"] == last["month"]), None)
        change = "–"
        if year_before and year_before["initial_claims"] and last["initial_claims"] is not None:
            change = f"{last['initial_claims'] / year_before['initial_claims'] - 1:+.0%}".replace("-", "−")
        rate = "–" if last["unemployment_rate"] is None else f"{last['unemployment_rate']:.1f}%"  # a percent, 0-100
        rows.append(f'<tr><th scope="row">{html.escape(str(last["lwda_name"]))} ({html.escape(code)})</th>'
                    f'<td>{html.escape(last["month_start_date"][:7])}</td><td class="num">{rate}</td>'
                    f'<td class="num">{_count(last["labor_force"])}</td>'
                    f'<td class="num">{_count(last["initial_claims"])}'
                    f'<span class="detail">{_count(last["claim_weeks"])} weeks</span></td>'
                    f'<td class="num">{change}</td></tr>')
    return _table(["Area (LWDA)", "Latest month", "Unemployment rate", "Labor force", "UI initial claims",
                   "Claims vs a year earlier"], rows, "Latest month by local workforce development area")


def _about(data: ReportData) -> str:
    m = data.metadata
    items = [("Published", m.get("published_at", "?")), ("Code revision", m.get("git_revision", "?")),
             ("Gates passed", m.get("gates_passed", "?")),
             ("Suppression threshold", m.get("suppression_threshold", "?")),
             ("Pseudonymization key", m.get("pii_key_mode", "?")),
             ("Participants", _count(data.counts.get("dim_participant"))),
             ("Periods of participation with an exit", _count(data.counts.get("fct_exit_outcomes"))),
             ("Providers / programs",
              f"{_count(data.counts.get('dim_provider'))} / {_count(data.counts.get('dim_program'))}")]
    return "<dl class=\"about\">" + "".join(f"<dt>{html.escape(k)}</dt><dd>{html.escape(str(v))}</dd>"
                                             for k, v in items) + "</dl>"


def _figure(chart_id: str, spec: dict | None, caption: str, specs: dict[str, dict]) -> str:
    if spec is None:
        return f'<p class="empty">{html.escape(caption)}: no rows to chart in this mart.</p>'
    specs[chart_id] = spec
    return (f'<figure><div class="chart" id="{chart_id}" role="img" aria-label="{html.escape(caption)}"></div>'
            f"<figcaption>{html.escape(caption)}</figcaption></figure>")


CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Liberation Sans",sans-serif;color:#222;margin:0 auto;
 max-width:1180px;padding:0 24px 48px}
header{border-bottom:3px solid #1f4e79;margin-bottom:12px}h1{margin:18px 0 4px;color:#1f4e79}
h2{margin-top:36px;border-bottom:1px solid #ccc;padding-bottom:4px;color:#1f4e79}
nav a{margin-right:14px}.lede{color:#555;max-width:860px}
.banner{background:#fff3cd;border:1px solid #e0c36b;padding:8px 12px;margin:12px 0;border-radius:4px}
.about{display:grid;grid-template-columns:max-content auto;gap:2px 16px;color:#444}.about dt{font-weight:600}
.about dd{margin:0}
figure{margin:16px 0 24px}figcaption{color:#555;font-size:12px;margin-top:4px}
.table-wrap{overflow-x:auto;margin:12px 0 20px}
table{border-collapse:collapse;font-size:12.5px}caption{text-align:left;font-weight:600;padding:4px 0}
th,td{border-bottom:1px solid #e3e3e3;padding:4px 8px;text-align:left;vertical-align:top}
thead th{background:#f3f6f9;position:sticky;top:0}td.num{text-align:right;white-space:nowrap}
tr.rollup{background:#f7f9fb;font-weight:600}
td.suppressed{color:#6b6b6b;font-style:italic;text-align:right;background:repeating-linear-gradient(
 45deg,#f4f4f4,#f4f4f4 4px,#fafafa 4px,#fafafa 8px)}
td.unknown{color:#999;text-align:right}.detail{display:block;color:#777;font-size:11px;font-weight:400}
.empty{color:#777;font-style:italic}table.wide td{white-space:nowrap}
details summary{cursor:pointer;color:#1f4e79;font-weight:600;margin:8px 0}.vega-embed{max-width:100%}
.vega-bindings{margin:6px 0 10px;font-size:13px;order:-1}.vega-bindings select{margin-right:16px}
.vega-bindings .vega-bind{display:inline-block}#chart-equity.vega-embed{display:flex;flex-direction:column}
"""


def render_report(data: ReportData, source: Path) -> str:
    """The whole page as one string (charts as inline Vega-Lite specs, scripts inline)."""
    threshold = data.metadata.get("suppression_threshold", "10")
    cells = _Cells(threshold)
    specs: dict[str, dict] = {}
    demo = ""
    if data.metadata.get("pii_key_mode") == "demo":
        demo = ('<p class="banner"><strong>Demo data.</strong> This mart was built with the public demo '
                "pseudonymization key: it holds synthetic people only.</p>")
    year = data.report_year
    fig = {chart_id: _figure(chart_id, spec, caption, specs) for chart_id, spec, caption in [
        ("chart-performance-rates", charts.performance_rates(data),
         "Rates by program year of exit and funding stream (S = suppressed)"),
        ("chart-performance-earnings", charts.performance_earnings(data),
         "Median quarterly earnings in the 2nd quarter after exit (S = suppressed)"),
        ("chart-scorecard-earnings", charts.scorecard_earnings(data),
         "Median quarterly earnings before and after, programs with both medians published"),
        ("chart-scorecard-employment", charts.scorecard_employment(data),
         "Employment rate in the 2nd quarter after exit, by program and program year "
         "(S = suppressed or not yet known in a flagged row, – = no known outcome)"),
        ("chart-equity", charts.equity_gaps(data),
         "Indicator by group; pick the indicator and program year above the chart"),
        ("chart-labor-market", charts.labor_market(data), "UI initial claims and unemployment rate by area and month"),
    ]}
    body = f"""
<header><h1>Workforce outcomes report</h1>
<p class="lede">WIOA performance, provider scorecards, equity gaps and the labor market, from the published mart
<code>{html.escape(source.name)}</code>, published {html.escape(data.metadata.get("published_at", "?"))}.
Cells with fewer than {html.escape(threshold)} people in the denominator, and cells that would give one away, are
<em>suppressed</em>: tables say so,
charts mark them <strong>S</strong> or <em>suppressed</em> and never draw them.</p>
{demo}
<nav><a href="#performance">WIOA indicators</a><a href="#providers">Provider scorecards</a>
<a href="#equity">Equity gaps</a><a href="#labor">Labor market</a><a href="#about">About</a></nav></header>

<section id="performance"><h2>WIOA performance indicators</h2>
<p class="lede">Statewide (all local areas), by program year of exit (July&nbsp;1 to June&nbsp;30) and funding stream,
over non-excluded exits whose outcome is known. Recent program years fill in as wage records arrive.</p>
{fig["chart-performance-rates"]}
{fig["chart-performance-earnings"]}
{_performance_table(data, cells)}
</section>

<section id="providers"><h2>Provider scorecards</h2>
<p class="lede">Every student of every listed program, WIOA-funded or not. Employment and earnings follow the
student's exit (completion or withdrawal); "before" is median earnings in the 2nd quarter before enrollment.</p>
{_scorecard_scope(data)}
{fig["chart-scorecard-earnings"]}
{fig["chart-scorecard-employment"]}
{_scorecard_table(data, cells)}
</section>

<section id="equity"><h2>Equity gaps</h2>
<p class="lede">Each ETA-9169 group against everyone (black tick) for the chosen indicator and program year,
all funding streams. Green: at or above everyone; orange: below.</p>
{fig["chart-equity"]}
{_equity_table(data, cells) if year is not None else ""}
</section>

<section id="labor"><h2>Labor market</h2>
<p class="lede">Weekly UI initial claims summed to the month (bars) beside the labor-force-weighted unemployment rate
(line), by local workforce development area.</p>
{fig["chart-labor-market"]}
{_labor_table(data)}
</section>

<section id="about"><h2>About this mart</h2>{_about(data)}
<p class="lede">Definitions: <code>docs/bi.md</code> and the mart contract. The same tables are in the DuckDB file
(schema <code>marts</code>) and, when configured, in PostgreSQL (schema <code>marts</code>,
role <code>o4o_bi</code>).</p>
</section>"""
    embed = """
for (const [id, spec] of Object.entries(O4O_CHARTS)) {
  vegaEmbed("#" + id, spec, {renderer: "svg", actions: false}).catch((err) => {
    console.error("chart " + id + " failed", err);
    document.getElementById(id).textContent = "This chart could not be drawn: " + err;
  });
}"""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>o4o outcomes report - {html.escape(data.metadata.get("published_at", ""))}</title>
<style>{CSS}</style>
<script>{_inline_script(vega_javascript())}</script>
</head><body>{body}
<script>const O4O_CHARTS = {_json_for_script(specs)};{embed}</script>
</body></html>
"""


def write_report(mart_path: Path, out: Path | None = None) -> Path:
    """Render the report of a published mart and write it atomically (default: beside the mart)."""
    out = out or report_path(mart_path)
    page = render_report(load_report_data(mart_path), mart_path)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(page, encoding="utf-8")
    os.replace(tmp, out)
    return out
