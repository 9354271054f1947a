"""The HTML sections of the outcomes report: summary, local areas, programs, equity, labor market, about.

Each function takes the `ReportData` read from the published mart and returns an HTML fragment.
Every value a table shows goes through `Cells`, so a withheld value reads "suppressed" (never 0)
and a value not known yet reads "–" the same way everywhere. Names from the mart are escaped.
"""

from __future__ import annotations

import html
from collections.abc import Callable

from . import outcomes_noise as noise
from .outcomes_report_data import (DOLLAR_INDICATORS, GROUP_ORDER, INDICATORS, POOLED_TABLE, PROGRAMS_SHOWN, Record,
                                   ReportData, dimension_label)

e = html.escape


# ---- formatting --------------------------------------------------------------------------------

def rate(v: float) -> str:
    return f"{v:.1%}"


def dollars(v: float) -> str:
    return f"${v:,.0f}"


def signed_dollars(v: float) -> str:
    return f"{'+' if v >= 0 else '−'}${abs(v):,.0f}"


def points(v: float) -> str:
    return f"{v * 100:+.1f} pp".replace("-", "−")


def count(v) -> str:
    return "–" if v is None else f"{v:,}"


def per_dollar(v: float) -> str:
    return f"{'−' if v < 0 else ''}${abs(v):,.2f}"


def value_format(indicator: str) -> Callable[[float], str]:
    return dollars if indicator in DOLLAR_INDICATORS else rate


def difference_format(indicator: str) -> Callable[[float], str]:
    return signed_dollars if indicator in DOLLAR_INDICATORS else points


def is_rate(indicator: str) -> bool:
    return indicator not in DOLLAR_INDICATORS


JUDGEMENT_TEXT = {noise.ABOVE: "above, beyond noise", noise.BELOW: "below, beyond noise",
                  noise.WITHIN_NOISE: "within noise", noise.NOT_TESTED: "not tested (median)",
                  noise.NO_GAP: "no gap"}
NOISE_RULE = ("A gap is <em>within noise</em> when |gap| &lt; 1.96·√(p(1−p)(1/n<sub>group</sub> − "
              "1/n<sub>all</sub>)), p = everyone's rate, n = denominators (a two-sided test at about 95 %; the "
              "group is part of everyone, hence the minus). Such gaps are shown grey, not as findings. Medians "
              "have no such test: their gaps are shown, not judged.")


class Cells:
    """Table cells that treat suppression and not-yet-known outcomes the same way everywhere."""

    def __init__(self, threshold: str):
        self.why = (f"Suppressed: fewer than {threshold} people in the denominator, or the value would give such a "
                    "cell away, so it is not published.")

    def value(self, value, suppressed: bool, fmt: Callable[[float], str], detail: str = "",
              why: str | None = None, label: str = "", css: str = "") -> str:
        data = f' data-label="{e(label)}"' if label else ""
        if value is None and suppressed:
            return f'<td class="suppressed"{data} title="{e(why or self.why)}">suppressed</td>'
        if value is None:
            return f'<td class="unknown"{data} title="No outcome known yet (or no one in the group)">–</td>'
        extra = f'<span class="detail">{detail}</span>' if detail else ""
        return f'<td class="num {css}"{data}>{e(fmt(value))}{extra}</td>'


def table(headers: list[str], rows: list[str], caption: str, css: str = "") -> str:
    head = "".join(f'<th scope="col">{e(h)}</th>' for h in headers)
    body = "\n".join(rows) if rows else f'<tr><td colspan="{len(headers)}">No rows in the mart.</td></tr>'
    return (f'<div class="table-wrap"><table class="{css}"><caption>{e(caption)}</caption>'
            f"<thead><tr>{head}</tr></thead><tbody>\n{body}\n</tbody></table></div>")


def _counts_detail(r: Record) -> str:
    if r["denominator"] is None:  # withheld with a suppressed row (mart.md, Privacy)
        return ""
    if r["indicator"] in DOLLAR_INDICATORS:
        return f"n = {r['denominator']:,} employed"
    return f"{r['numerator']:,} / {r['denominator']:,}" if r["numerator"] is not None else ""


def _by_indicator(data: ReportData, year: int | None, lwda: str = "all") -> dict[str, Record]:
    return {r["indicator"]: r for r in data.performance if r["exit_program_year"] == year and r["lwda_code"] == lwda}


def indicators_shown(data: ReportData) -> list[str]:
    present = {r["indicator"] for r in data.performance if r["lwda_code"] == "all"}
    return [i for i in INDICATORS if i in present]


# ---- summary -----------------------------------------------------------------------------------

def _change(ind: str, now: Record | None, before: Record | None, year: int) -> str:
    """The words under a summary figure: the change from the year before, judged against noise."""
    prev = f"PY {year - 1}"
    if before is None:
        return f'<p class="kpi-change">{prev}: not known</p>'
    if before["value"] is None:
        what = "suppressed" if before["is_suppressed"] else "not known yet"
        return f'<p class="kpi-change">{prev}: {what}</p>'
    was = value_format(ind)(before["value"])
    if now is None or now["value"] is None:
        return f'<p class="kpi-change">{prev}: {e(was)}</p>'
    diff = now["value"] - before["value"]
    p = noise.pooled_rate(now["numerator"], now["denominator"], before["numerator"], before["denominator"])
    verdict = noise.judge(round(diff, 12), p, now["denominator"], before["denominator"], nested=False,
                          is_rate=is_rate(ind))
    arrow = {noise.ABOVE: "▲ up ", noise.BELOW: "▼ down "}.get(verdict, "")
    note = {noise.WITHIN_NOISE: ": within noise", noise.NOT_TESTED: "; no noise test for medians",
            noise.NO_GAP: ": no change"}.get(verdict, "")
    css = {noise.ABOVE: "up", noise.BELOW: "down"}.get(verdict, "flat")
    return (f'<p class="kpi-change {css}">{arrow}{e(difference_format(ind)(diff))} from {prev} '
            f"({e(was)}){note}</p>")


def summary(data: ReportData, cells: Cells) -> str:
    year = data.report_year
    if year is None:
        return '<p class="empty">No WIOA indicator in this mart yet.</p>'
    now, before = _by_indicator(data, year), _by_indicator(data, year - 1)
    cards = []
    for ind in indicators_shown(data):
        r = now.get(ind)
        if r is not None and r["value"] is not None:
            shown = f'<p class="kpi-value">{e(value_format(ind)(r["value"]))}</p>'
            detail = _counts_detail(r)
            shown += f'<p class="kpi-n">{e(detail)}</p>' if detail else ""
        elif r is not None and r["is_suppressed"]:
            shown = f'<p class="kpi-value suppressed" title="{e(cells.why)}">suppressed</p>'
        else:
            shown = '<p class="kpi-value unknown">not known yet</p>'
        note = (' <span class="detail">participants in the program year, not exits</span>'
                if ind == "measurable_skill_gains_rate" else "")
        cards.append(f'<article class="kpi" data-indicator="{e(ind)}"><h3>{e(INDICATORS[ind])}{note}</h3>'
                     f"{shown}{_change(ind, r, before.get(ind), year)}</article>")
    return f'<div class="kpis">{"".join(cards)}</div>'


# ---- local areas -------------------------------------------------------------------------------

def _gap_detail(ind: str, r: Record | None, ref: Record | None, nested: bool) -> tuple[str, str]:
    """(detail text, css class) of a value against a reference value: the gap and the noise verdict
    ("+0.5 pp · within noise"); only a gap beyond noise gets a colour class."""
    if r is None or ref is None or r["value"] is None or ref["value"] is None:
        return "", ""
    gap = r["value"] - ref["value"]
    verdict = noise.judge(round(gap, 12), ref["value"] if is_rate(ind) else None, r["denominator"],
                          ref["denominator"], nested=nested, is_rate=is_rate(ind))
    css = {noise.ABOVE: "gap-above", noise.BELOW: "gap-below"}.get(verdict, "gap-quiet")
    words = {noise.ABOVE: "beyond noise", noise.BELOW: "beyond noise", noise.WITHIN_NOISE: "within noise",
             noise.NOT_TESTED: "not tested"}.get(verdict)
    return " · ".join(x for x in (e(difference_format(ind)(gap)), words) if x), css


def areas(data: ReportData, cells: Cells) -> str:
    year = data.report_year
    if year is None or not data.areas:
        return '<p class="empty">No local area in this mart yet.</p>'
    state = _by_indicator(data, year)
    options, panels = [], []
    for a in data.areas:
        code, name = str(a["lwda_code"]), str(a["lwda_name"])
        mine = _by_indicator(data, year, code)
        rows = []
        for ind in indicators_shown(data):
            r, s = mine.get(ind), state.get(ind)
            gap, css = _gap_detail(ind, r, s, nested=True)
            detail = " · ".join(x for x in (e(_counts_detail(r)) if r else "", gap) if x)
            rows.append(f'<tr><th scope="row">{e(INDICATORS[ind])}</th>'
                        + (cells.value(r["value"], r["is_suppressed"], value_format(ind), detail, label=name, css=css)
                           if r else f'<td class="unknown" data-label="{e(name)}">–</td>')
                        + (cells.value(s["value"], s["is_suppressed"], value_format(ind), label="Statewide")
                           if s else '<td class="unknown" data-label="Statewide">–</td>') + "</tr>")
        options.append(f'<option value="{e(code)}">{e(name)} ({e(code)})</option>')
        panels.append(f'<section class="area-panel" id="area-{e(code)}" data-lwda="{e(code)}">'
                      f"<h3>{e(name)} <small>({e(code)})</small></h3>"
                      + table(["Indicator", name, "Statewide"], rows,
                              f"{name}: exits in program year {year}, all funding streams, beside statewide "
                              "(under the area's value: numerator / denominator · gap to statewide · noise)",
                              css="stack") + "</section>")
    return (f'<p class="area-pick" id="area-pick" hidden><label for="area-select">Local area: </label>'
            f'<select id="area-select">{"".join(options)}</select></p>'
            f'<div class="area-panels">{"".join(panels)}</div>')


# ---- programs ----------------------------------------------------------------------------------

POOLED_WHY = ("Withheld: fewer than the threshold in its denominator over the pooled years, or it would give a "
              "withheld yearly value back by subtraction.")


def programs(data: ReportData, cells: Cells) -> str:
    if not data.has_pooled_table:
        return f'<p class="empty">This mart has no <code>marts.{POOLED_TABLE}</code> yet.</p>'
    pc = data.program_counts
    value = lambda v, flag, fmt, label, r: cells.value(v, bool(r.get(flag)), fmt, why=POOLED_WHY, label=label)  # noqa: E731
    rows = []
    for rank, r in enumerate(data.programs, 1):
        ranked = r["employment_rate_q2"] is not None
        rows.append(
            f'<tr><td class="num rank" data-label="Rank">{rank if ranked else "–"}</td>'
            f'<th scope="row" data-label="Program">{e(str(r["program_name"]))}'
            f'<span class="detail">{e(str(r["provider_name"]))} · {e(str(r["program_id"]))}</span></th>'
            + value(r["employment_rate_q2"], "is_employment_rate_q2_suppressed", rate, "Employed Q2", r)
            + value(r["median_earnings_q2"], "is_median_earnings_q2_suppressed", dollars, "Median earnings Q2", r)
            + value(r["earnings_change"], "is_earnings_change_suppressed", signed_dollars, "Earnings change", r)
            + value(r["credential_attainment_rate"], "is_credential_attainment_rate_suppressed", rate,
                    "Credential rate", r)
            + cells.value(r["tuition_cost"], False, dollars, label="Tuition")
            + value(r["cost_per_completer"], "is_completion_suppressed", dollars, "Cost per completer", r)
            + value(r["annual_earnings_change_per_tuition_dollar"], "is_earnings_change_suppressed", per_dollar,
                    "Yearly earnings change per tuition $", r)
            + f'<td class="num" data-label="Exiters">{count(r["exiters"])}</td></tr>')
    window = (f"exits in program years {pc.get('first_year')}–{pc.get('last_year')}"
              if pc.get("first_year") is not None else "the pooled exit years")
    more = max(int(pc.get("rows") or 0) - len(data.programs), 0)
    lede = (f'<p class="lede">Every student of each program, WIOA-funded or not, pooled over {e(window)} '
            "(as TrainingProviderResults.gov pools them), so small programs get a publishable row. Ranked by "
            "<strong>pooled employment rate in the 2nd quarter after exit</strong> (highest first; ties: more "
            f"exiters first). {count(pc.get('ranked'))} of {count(pc.get('rows'))} programs have a published rate; "
            "a program whose rate is withheld or not known yet cannot be ranked. Earnings are quarterly; "
            "the earnings change is the median Q2 after exit minus the median in the 2nd quarter before entry; "
            "cost per completer = tuition × exiters ÷ completers; yearly earnings change per tuition dollar = "
            "4 × earnings change ÷ tuition.</p>")
    tail = (f'<p class="more">{more:,} more programs in <code>marts.{POOLED_TABLE}</code>; every program and '
            "year in <code>marts.rpt_provider_scorecard</code> (docs/bi.md).</p>" if more else
            f'<p class="more">Every program and year: <code>marts.rpt_provider_scorecard</code> (docs/bi.md).</p>')
    return lede + table(["Rank", "Program (provider)", "Employed Q2", "Median earnings Q2", "Earnings change",
                         "Credential rate", "Tuition", "Cost per completer", "Yearly earnings change per tuition $",
                         "Exiters"], rows,
                        f"Top {min(len(rows), PROGRAMS_SHOWN)} programs by pooled employment rate Q2",
                        css="stack programs") + tail


# ---- equity ------------------------------------------------------------------------------------

def equity_order(r: Record) -> tuple:
    """Reading order of equity groups: known dimensions first, age bands by age, 'not reported' last."""
    dims = ["sex", "race_ethnicity", "age_group", "veteran", "disability", "low_income", "has_barrier"]
    g = str(r["group_value"])
    return (dims.index(r["dimension"]) if r["dimension"] in dims else 50, r["dimension"],
            GROUP_ORDER.index(g) if g in GROUP_ORDER else 50, g == "not_reported", g)


def equity(data: ReportData, cells: Cells) -> str:
    year = data.report_year
    if year is None or not data.equity:
        return '<p class="empty">No equity rows for the report year in this mart.</p>'
    inds = [i for i in INDICATORS if any(r["indicator"] == i for r in data.equity)]
    state = _by_indicator(data, year)
    by_key = {(r["dimension"], r["group_value"], r["indicator"]): r for r in data.equity}
    groups = sorted({(r["dimension"], r["group_value"]) for r in data.equity},
                    key=lambda g: equity_order({"dimension": g[0], "group_value": g[1]}))
    head = ['<tr class="rollup"><th scope="row">Everyone</th>']
    for ind in inds:
        s = state.get(ind)
        n = "" if s is None or s["denominator"] is None else f"n = {s['denominator']:,}"
        head.append(cells.value(s["value"], s["is_suppressed"], value_format(ind), n) if s
                    else '<td class="unknown">–</td>')
    rows = ["".join(head) + "</tr>"]
    for i, (dim, group) in enumerate(groups):
        if i == 0 or groups[i - 1][0] != dim:
            rows.append(f'<tr class="dimension"><th scope="rowgroup" colspan="{len(inds) + 1}">'
                        f"{e(dimension_label(dim))}</th></tr>")
        tds = []
        for ind in inds:
            r = by_key.get((dim, group, ind))
            if r is None:
                tds.append('<td class="unknown">–</td>')
                continue
            ref = {"value": r["overall_value"], "denominator": r["overall_denominator"]}
            gap, css = _gap_detail(ind, r, ref, nested=True)
            n = "" if r["denominator"] is None else f"n = {r['denominator']:,}"
            tds.append(cells.value(r["value"], r["is_suppressed"], value_format(ind),
                                   " · ".join(x for x in (n, gap) if x), css=css))
        rows.append(f'<tr><th scope="row">{e(str(group).replace("_", " "))}</th>' + "".join(tds) + "</tr>")
    return table(["Group"] + [INDICATORS[i] for i in inds], rows,
                 f"Equity gaps, exits in program year {year}, all funding streams (ETA-9169 groups; n = the "
                 "group's denominator; gap = group value minus everyone's value)", css="equity")


# ---- labor market and about --------------------------------------------------------------------

def labor(data: ReportData) -> str:
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
        unemployment = "–" if last["unemployment_rate"] is None else f"{last['unemployment_rate']:.1f}%"  # 0-100
        rows.append(f'<tr><th scope="row">{e(str(last["lwda_name"]))} ({e(str(code))})</th>'
                    f'<td data-label="Latest month">{e(str(last["month_start_date"])[:7])}</td>'
                    f'<td class="num" data-label="Unemployment rate">{unemployment}</td>'
                    f'<td class="num" data-label="Labor force">{count(last["labor_force"])}</td>'
                    f'<td class="num" data-label="UI initial claims">{count(last["initial_claims"])}</td>'
                    f'<td class="num" data-label="Claims vs a year earlier">{change}</td></tr>')
    return table(["Area (LWDA)", "Latest month", "Unemployment rate", "Labor force", "UI initial claims",
                  "Claims vs a year earlier"], rows, "Latest month by local workforce development area", css="stack")


def about(data: ReportData) -> str:
    m = data.metadata
    items = [("Published", m.get("published_at", "?")), ("Code revision", m.get("git_revision", "?")),
             ("Gates passed", m.get("gates_passed", "?")),
             ("Suppression threshold", m.get("suppression_threshold", "?")),
             ("Pseudonymization key", m.get("pii_key_mode", "?")),
             ("Participants", count(data.counts.get("dim_participant"))),
             ("Periods of participation with an exit", count(data.counts.get("fct_exit_outcomes"))),
             ("Providers / programs",
              f"{count(data.counts.get('dim_provider'))} / {count(data.counts.get('dim_program'))}")]
    return '<dl class="about">' + "".join(f"<dt>{e(k)}</dt><dd>{e(str(v))}</dd>" for k, v in items) + "</dl>"
