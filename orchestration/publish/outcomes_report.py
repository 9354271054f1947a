"""The HTML outcomes report: one self-contained page written beside the published mart.

It reads only the published DuckDB file (read-only), so it shows exactly what BI tools see, and
answers a workforce board director's questions for the report year: a summary against the year
before, each local area beside statewide, programs ranked by pooled outcomes with their cost, and
equity gaps with group sizes and a noise rule (outcomes_noise.py). Sections: outcomes_report_sections.py;
charts: outcomes_charts.py; data: outcomes_report_data.py.
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
from pathlib import Path

from . import outcomes_charts as charts
from . import outcomes_report_sections as sections
from .outcomes_report_data import LABOR_MONTHS, ReportData, load_report_data

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


def _figure(chart_id: str, spec: dict | None, caption: str, specs: dict[str, dict]) -> str:
    if spec is None:
        return f'<p class="empty">{html.escape(caption)}: no rows to chart in this mart.</p>'
    specs[chart_id] = spec
    return (f'<figure><div class="chart" id="{chart_id}" role="img" aria-label="{html.escape(caption)}"></div>'
            f"<figcaption>{html.escape(caption)}</figcaption></figure>")


CSS = """
*{box-sizing:border-box}
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Liberation Sans",sans-serif;color:#222;margin:0 auto;
 max-width:1180px;padding:0 16px 48px;overflow-wrap:break-word}
header{border-bottom:3px solid #1f4e79;margin-bottom:12px}h1{margin:18px 0 4px;color:#1f4e79;font-size:1.7em}
h2{margin-top:36px;border-bottom:1px solid #ccc;padding-bottom:4px;color:#1f4e79}h3{margin:0 0 6px;font-size:1em}
nav{display:flex;flex-wrap:wrap;gap:4px 14px;margin:8px 0}.lede{color:#444;max-width:860px}
.banner{background:#fff3cd;border:1px solid #e0c36b;padding:8px 12px;margin:12px 0;border-radius:4px}
.kpis{display:grid;grid-template-columns:repeat(auto-fill,minmax(165px,1fr));gap:12px;margin:12px 0}
.kpi{border:1px solid #d5dde6;border-radius:6px;padding:10px 12px;background:#fbfcfd}
.kpi h3{color:#1f4e79;font-size:.95em}.kpi-value{font-size:1.8em;font-weight:650;margin:2px 0}
.kpi-value.suppressed,.kpi-value.unknown{font-size:1.2em;color:#6b6b6b;font-style:italic;font-weight:400}
.kpi-n{color:#666;font-size:.85em;margin:0}.kpi-change{margin:6px 0 0;font-size:.9em;color:#555}
.kpi-change.up{color:#11724f}.kpi-change.down{color:#b34700}
.about{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:2px 16px;color:#444}.about dt{font-weight:600}
.about dd{margin:0}
figure{margin:16px 0 24px}figcaption{color:#555;font-size:12px;margin-top:4px}.chart{width:100%}
.table-wrap{overflow-x:auto;margin:12px 0 20px;max-width:100%}
table{border-collapse:collapse;font-size:13px}caption{text-align:left;font-weight:600;padding:4px 0}
th,td{border-bottom:1px solid #e3e3e3;padding:4px 8px;text-align:left;vertical-align:top}
thead th{background:#f3f6f9}td.num{text-align:right}
tr.rollup{background:#f7f9fb;font-weight:600}
.suppressed{color:#6b6b6b;font-style:italic}
td.suppressed{text-align:right;background:repeating-linear-gradient(
 45deg,#f4f4f4,#f4f4f4 4px,#fafafa 4px,#fafafa 8px)}
td.unknown{color:#999;text-align:right}.detail{display:block;color:#666;font-size:11px;font-weight:400}
td.gap-below .detail{color:#b34700;font-weight:600}td.gap-above .detail{color:#11724f;font-weight:600}
.empty{color:#777;font-style:italic}.more{color:#444}
.area-pick select{font-size:1em;padding:4px;max-width:100%}.area-panel{margin:8px 0 16px}
table.programs th[scope=row]{min-width:180px}
.chart.vega-embed{display:flex;flex-direction:column;width:100%;max-width:100%}
.vega-bindings{margin:6px 0 10px;font-size:13px;order:-1}tr.dimension th{background:#eef2f6;color:#1f4e79}
.vega-bindings select{max-width:100%}
@media (max-width:640px){
 body{padding:0 10px 40px}.kpis{grid-template-columns:repeat(2,minmax(0,1fr));gap:8px}
 .kpi{padding:8px}.kpi-value{font-size:1.5em}.about{grid-template-columns:minmax(0,1fr)}.about dd{margin:0 0 6px}
 table.stack,table.stack tbody,table.stack tr,table.stack th,table.stack td,table.stack caption{display:block;width:100%}
 table.stack thead{display:none}
 table.stack tr{border:1px solid #dde3ea;border-radius:6px;margin:0 0 10px;padding:4px 0}
 table.stack td,table.stack th[scope=row]{border:0;padding:2px 10px;text-align:left}
 table.stack td[data-label]::before{content:attr(data-label) ": ";font-weight:600;font-style:normal;color:#333}
 table.stack td.num,table.stack td.unknown,table.stack td.suppressed{text-align:left}
 table.programs th[scope=row]{min-width:0;font-size:1.05em}
 table.stack .detail{display:inline;margin-left:6px}
}
"""

# Progressive enhancement: without JavaScript every area panel shows; with it, a <select> shows one.
AREA_PICKER = """
const pick = document.getElementById("area-select");
if (pick) {
  const show = () => document.querySelectorAll(".area-panel").forEach(p => { p.hidden = p.dataset.lwda !== pick.value; });
  pick.addEventListener("change", show);
  document.getElementById("area-pick").hidden = false;
  show();
}"""
EMBED = """
for (const [id, spec] of Object.entries(O4O_CHARTS)) {
  vegaEmbed("#" + id, spec, {renderer: "svg", actions: false}).catch((err) => {
    console.error("chart " + id + " failed", err);
    document.getElementById(id).textContent = "This chart could not be drawn: " + err;
  });
}"""


def render_report(data: ReportData, source: Path) -> str:
    """The whole page as one string (charts as inline Vega-Lite specs, scripts inline).

    Its size does not grow with the number of participants or programs (o4o issue 17): it shows the
    report year, the year before in the summary, the local areas, the equity groups, the top
    `PROGRAMS_SHOWN` pooled programs and the latest `LABOR_MONTHS` months; the rest is in the mart.
    """
    threshold = data.metadata.get("suppression_threshold", "10")
    cells = sections.Cells(threshold)
    specs: dict[str, dict] = {}
    esc = html.escape
    demo = ""
    if data.metadata.get("pii_key_mode") == "demo":
        demo = ('<p class="banner"><strong>Demo data.</strong> This mart was built with the public demo '
                "pseudonymization key: it holds synthetic people only.</p>")
    year = data.report_year
    ytext = esc(str(year)) if year is not None else "–"
    py = f"program year {year} (July&nbsp;1, {year} to June&nbsp;30, {year + 1})" if year is not None else "no year yet"
    fig = {chart_id: _figure(chart_id, spec, caption, specs) for chart_id, spec, caption in [
        ("chart-areas", charts.areas(data),
         "Each local area against statewide (black tick); pick the indicator above the chart"),
        ("chart-equity", charts.equity_gaps(data),
         "Each group against everyone (black tick); coloured only where the gap is beyond noise; barriers: the "
         "people with the barrier (the table has every group)"),
        ("chart-labor-market", charts.labor_market(data),
         f"Unemployment rate by local area, latest {LABOR_MONTHS} months"),
    ]}
    body = f"""
<header><h1>Workforce outcomes report</h1>
<p class="lede">What works, for whom, at what cost: exits in {py}, from the published mart
<code>{esc(source.name)}</code>, published {esc(data.metadata.get("published_at", "?"))}.
Values with fewer than {esc(threshold)} people in the denominator, and values that would give one away, are
<em>suppressed</em>: the page says so and never draws them. Every other year, stream, area and program is in the
mart's tables (named in each section).</p>
{demo}
<nav><a href="#summary">Summary</a><a href="#areas">Local areas</a><a href="#programs">Programs and cost</a>
<a href="#equity">Equity gaps</a><a href="#labor">Labor market</a><a href="#about">About</a></nav></header>

<section id="summary"><h2>Summary: program year {ytext}</h2>
<p class="lede">Statewide, all funding streams: the WIOA indicators of the people who exited in {py}, the
latest year whose Q4 outcomes are known, against the year before. A change is called up or down only when it
is beyond noise (the rule under Equity gaps, for two independent years: 1/n<sub>this</sub> + 1/n<sub>before</sub>).
Every year and funding stream: <code>marts.rpt_wioa_performance</code>; the official ETA-9169 cohorts:
<code>marts.rpt_eta9169_performance</code>.</p>
{sections.summary(data, cells)}
</section>

<section id="areas"><h2>Local areas</h2>
<p class="lede">Each local workforce development area's exits in program year {ytext} beside statewide,
all funding streams. Other years and streams by area: <code>marts.rpt_wioa_performance</code>.</p>
{fig["chart-areas"]}
{sections.areas(data, cells)}
</section>

<section id="programs"><h2>Programs: what works, at what cost</h2>
{sections.programs(data, cells)}
</section>

<section id="equity"><h2>Equity gaps</h2>
<p class="lede">Each ETA-9169 group's value in program year {ytext} (all funding streams, statewide), its
size (n, the denominator) and its gap to everyone. {sections.NOISE_RULE} Other years, streams and areas:
<code>marts.rpt_equity_outcomes</code>.</p>
{fig["chart-equity"]}
{sections.equity(data, cells)}
</section>

<section id="labor"><h2>Labor market</h2>
{fig["chart-labor-market"]}
{sections.labor(data)}
<p class="more">Every month, with UI claims: <code>marts.rpt_labor_market</code>.</p>
</section>

<section id="about"><h2>About this mart</h2>{sections.about(data)}
<p class="lede">Definitions: <code>docs/bi.md</code> and the mart contract. The same tables are in the DuckDB file
(schema <code>marts</code>) and, when configured, in PostgreSQL (schema <code>marts</code>,
role <code>o4o_bi</code>).</p>
</section>"""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>o4o outcomes report - {esc(data.metadata.get("published_at", ""))}</title>
<style>{CSS}</style>
<script>{_inline_script(vega_javascript())}</script>
</head><body>{body}
<script>{AREA_PICKER}
const O4O_CHARTS = {_json_for_script(specs)};{EMBED}</script>
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
