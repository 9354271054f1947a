"""Vega-Lite chart specs (built with Altair) for the outcomes report.

Every chart carries its data inline, so the report needs no server and no network, and is one
view as wide as its container (`width: "container"`), so it fits a phone and a desktop alike. A
suppressed cell is never drawn as a value: bars leave it out and the word "suppressed" marks it.
"""

from __future__ import annotations

import altair as alt

from . import outcomes_noise as noise
from .outcomes_report_data import DOLLAR_INDICATORS, INDICATORS, Record, ReportData, dimension_label
from .outcomes_report_sections import JUDGEMENT_TEXT, equity_order, indicators_shown

SUPPRESSED_COLOR = "#767676"
RATE_FORMAT, DOLLAR_FORMAT = ".0%", "$,.0f"
LABEL_LIMIT = 150  # pixels of a y-axis label before it is cut (a phone is 390 px wide)
# Only a gap beyond noise gets a colour; the rest stays grey (outcomes_noise.py has the rule).
VERDICT_COLORS = {JUDGEMENT_TEXT[noise.BELOW]: "#d95f02", JUDGEMENT_TEXT[noise.ABOVE]: "#1b9e77",
                  JUDGEMENT_TEXT[noise.WITHIN_NOISE]: "#c9c9c9", JUDGEMENT_TEXT[noise.NOT_TESTED]: "#9ab0c4"}
# Barrier dimensions: the chart shows the group with the barrier only (the table has every group).
ONLY_YES = ("barrier_", "has_barrier")


def _spec(chart: alt.TopLevelMixin) -> dict:
    return chart.configure_view(stroke=None).configure_axis(labelFontSize=11, titleFontSize=11).to_dict()


def _verdict(ind: str, value, reference, n, n_reference) -> str | None:
    if value is None or reference is None:
        return None
    rate = ind not in DOLLAR_INDICATORS
    v = noise.judge(round(value - reference, 12), reference if rate else None, n, n_reference, nested=True,
                    is_rate=rate)
    return JUDGEMENT_TEXT[noise.WITHIN_NOISE if v == noise.NO_GAP else v]  # no gap: trivially within noise


def _gap_chart(rows: list[Record], indicators: list[str], title: str) -> dict:
    """Each row's value (bar) beside the reference value (black tick) for the picked indicator; the bar
    is coloured only when the gap is beyond noise. rows: label, order, indicator, value, reference,
    verdict, is_suppressed, n."""
    pick = alt.param(name="indicator", value=indicators[0], bind=alt.binding_select(
        options=indicators, labels=[INDICATORS[i] for i in indicators], name="Indicator: "))
    is_dollars = " || ".join(f"indicator == '{i}'" for i in DOLLAR_INDICATORS) or "false"
    axis = alt.Axis(labelExpr=f"({is_dollars}) ? format(datum.value, '{DOLLAR_FORMAT}') "
                              f": format(datum.value, '{RATE_FORMAT}')", tickCount=4, title=None)
    y = alt.Y("label:N", title=None, sort=alt.EncodingSortField("order", op="min", order="ascending"),
              axis=alt.Axis(labelLimit=LABEL_LIMIT))
    tooltip = [alt.Tooltip("label:N", title=title), alt.Tooltip("value:Q", format=",.3~f", title="Value"),
               alt.Tooltip("reference:Q", format=",.3~f", title="Reference"),
               alt.Tooltip("n:Q", format=",", title="n (denominator)"), alt.Tooltip("verdict:N", title="Gap"),
               alt.Tooltip("is_suppressed:N", title="Suppressed")]
    color = alt.Color("verdict:N", title="Gap", legend=alt.Legend(orient="top", direction="vertical"),
                      scale=alt.Scale(domain=list(VERDICT_COLORS), range=list(VERDICT_COLORS.values())))
    bars = alt.Chart().mark_bar().encode(y=y, x=alt.X("value:Q", axis=axis), color=color, tooltip=tooltip)
    reference = alt.Chart().mark_tick(color="black", thickness=2, size=14).encode(y=y, x="reference:Q",
                                                                                 tooltip=tooltip)
    suppressed = alt.Chart().mark_text(align="left", dx=2, fontStyle="italic", color=SUPPRESSED_COLOR).encode(
        y=y, x=alt.datum(0), text="suppressed_text:N", tooltip=tooltip)
    chart = (alt.layer(bars, reference, suppressed, data=alt.Data(values=rows))
             .transform_filter("datum.indicator == indicator")
             .transform_calculate(suppressed_text="datum.is_suppressed ? 'suppressed' : ''")
             .add_params(pick).properties(width="container", height=alt.Step(16)))
    return _spec(chart)


def areas(data: ReportData) -> dict | None:
    """Each local area's value in the report year against statewide (the tick), indicator picker."""
    year = data.report_year
    state = {r["indicator"]: r for r in data.performance if r["exit_program_year"] == year and r["lwda_code"] == "all"}
    names = {str(a["lwda_code"]): str(a["lwda_name"]) for a in data.areas}
    order = {code: i for i, code in enumerate(names)}
    rows = []
    for r in data.performance:
        s = state.get(r["indicator"])
        if r["exit_program_year"] != year or r["lwda_code"] == "all" or s is None:
            continue
        rows.append({"label": names.get(str(r["lwda_code"]), r["lwda_name"] or r["lwda_code"]),
                     "order": order.get(str(r["lwda_code"]), len(order)), "indicator": r["indicator"], "value": r["value"],
                     "reference": s["value"], "n": r["denominator"], "is_suppressed": r["is_suppressed"],
                     "verdict": _verdict(r["indicator"], r["value"], s["value"], r["denominator"], s["denominator"])})
    indicators = [i for i in indicators_shown(data) if any(r["indicator"] == i for r in rows)]
    return _gap_chart(rows, indicators, "Area") if rows else None


def equity_gaps(data: ReportData) -> dict | None:
    """Each equity group's value in the report year against everyone (the tick), indicator picker."""
    if not data.equity:
        return None
    ordered = [r for r in sorted(data.equity, key=equity_order)
               if not str(r["dimension"]).startswith(ONLY_YES) or r["group_value"] == "yes"]
    order = {(r["dimension"], r["group_value"]): i for i, r in enumerate(ordered)}
    rows = [{"label": dimension_label(r["dimension"]) if str(r["dimension"]).startswith(ONLY_YES) else
             f"{dimension_label(r['dimension'])}: {str(r['group_value']).replace('_', ' ')}",
             "order": order[(r["dimension"], r["group_value"])], "indicator": r["indicator"], "value": r["value"],
             "reference": r["overall_value"], "n": r["denominator"], "is_suppressed": r["is_suppressed"],
             "verdict": _verdict(r["indicator"], r["value"], r["overall_value"], r["denominator"],
                                 r["overall_denominator"])} for r in ordered]
    indicators = [i for i in INDICATORS if any(r["indicator"] == i for r in rows)]
    return _gap_chart(rows, indicators, "Group")


def labor_market(data: ReportData) -> dict | None:
    """The unemployment rate by area and month (the latest months the data module keeps), one line per area."""
    if not data.labor_market:
        return None
    # "2019-01-01T00:00" is read as local midnight; a bare ISO date would be UTC and show as Dec 31 in the US.
    # unemployment_rate is a percent (0-100) in the mart; the chart formats a 0-1 share.
    rows = [{"area": f"{r['lwda_name']} ({r['lwda_code']})", "month": f"{r['month_start_date']}T00:00:00",
             "share": None if r["unemployment_rate"] is None else r["unemployment_rate"] / 100,
             "claims": r["initial_claims"]} for r in data.labor_market]
    chart = alt.Chart(alt.Data(values=rows)).mark_line(strokeWidth=2).encode(
        x=alt.X("month:T", title=None, axis=alt.Axis(format="%b %Y", tickCount=6, labelOverlap=True)),
        y=alt.Y("share:Q", title="Unemployment rate", axis=alt.Axis(format=".1%")),
        color=alt.Color("area:N", title=None, legend=alt.Legend(orient="top", direction="vertical")),
        tooltip=[alt.Tooltip("area:N", title="Area"), alt.Tooltip("month:T", format="%B %Y", title="Month"),
                 alt.Tooltip("share:Q", format=".1%", title="Unemployment rate"),
                 alt.Tooltip("claims:Q", format=",", title="UI initial claims")])
    return _spec(chart.properties(width="container", height=200))
