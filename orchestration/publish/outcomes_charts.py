"""Vega-Lite chart specs (built with Altair) for the outcomes report.

Every chart carries its data inline, so the report needs no server and no network. A suppressed
cell is never drawn as a value: bars leave it out and an "S" (or the word "suppressed") marks it.
"""

from __future__ import annotations

import altair as alt

from .outcomes_report_data import (DIMENSIONS, DOLLAR_INDICATORS, FUNDING_STREAMS, GROUP_ORDER, INDICATORS, Record,
                          ReportData, label)

SUPPRESSED_COLOR = "#767676"
RATE_FORMAT, DOLLAR_FORMAT = ".0%", "$,.0f"
LABEL_LIMIT = 520  # pixels of a y-axis label before it is cut


def _spec(chart: alt.TopLevelMixin) -> dict:
    return chart.configure_view(stroke=None).configure_axis(labelFontSize=11, titleFontSize=11).to_dict()


def _indicator_bars(rows: list[Record], value_format: str, rate_scale: bool) -> dict:
    """Small multiples, one panel per indicator: bars by program year, one per funding stream."""
    streams = [FUNDING_STREAMS[s] for s in FUNDING_STREAMS if any(r["funding_stream"] == s for r in rows)]
    streams += sorted({r["stream_label"] for r in rows} - set(streams))
    indicators = [INDICATORS[i] for i in INDICATORS if any(r["indicator"] == i for r in rows)]
    tooltip = [alt.Tooltip("indicator_label:N", title="Indicator"),
               alt.Tooltip("exit_program_year:O", title="Program year"),
               alt.Tooltip("stream_label:N", title="Funding stream"), alt.Tooltip("value_text:N", title="Value"),
               alt.Tooltip("numerator:Q", title="Numerator"), alt.Tooltip("denominator:Q", title="Denominator")]
    base = alt.Chart().encode(
        x=alt.X("exit_program_year:O", title="Program year of exit"),
        xOffset=alt.XOffset("stream_label:N", sort=streams),
        color=alt.Color("stream_label:N", sort=streams, title="Funding stream", legend=alt.Legend(orient="top")),
        tooltip=tooltip)
    y = alt.Y("value:Q", title=None, axis=alt.Axis(format=value_format),
              scale=alt.Scale(domain=[0, 1]) if rate_scale else alt.Undefined)
    bars = base.transform_filter("datum.value != null").mark_bar().encode(y=y)
    suppressed = base.transform_filter("datum.is_suppressed").mark_text(
        text="S", baseline="bottom", dy=-1, fontSize=9, fontWeight="bold").encode(y=alt.datum(0))
    chart = alt.layer(bars, suppressed, data=alt.Data(values=rows)).properties(width=300, height=170).facet(
        facet=alt.Facet("indicator_label:N", sort=indicators, title=None, header=alt.Header(labelFontSize=12)),
        columns=2)
    return _spec(chart)


def _with_labels(rows: list[Record], value_format) -> list[Record]:
    out = []
    for r in rows:
        text = "suppressed" if r["is_suppressed"] else ("not yet known" if r["value"] is None else value_format(r))
        out.append({**r, "indicator_label": label(INDICATORS, r["indicator"]),
                    "stream_label": label(FUNDING_STREAMS, r["funding_stream"]), "value_text": text})
    return out


def performance_rates(data: ReportData) -> dict:
    rows = [r for r in data.performance if r["indicator"] not in DOLLAR_INDICATORS]
    return _indicator_bars(_with_labels(rows, lambda r: f"{r['value']:.1%}"), RATE_FORMAT, rate_scale=True)


def performance_earnings(data: ReportData) -> dict:
    rows = [r for r in data.performance if r["indicator"] in DOLLAR_INDICATORS]
    return _indicator_bars(_with_labels(rows, lambda r: f"${r['value']:,.0f}"), DOLLAR_FORMAT, rate_scale=False)


def _program_label(r: Record) -> str:
    return f"{r['program_name']} - {r['provider_name']} ({r['program_id']})"


def scorecard_earnings(data: ReportData) -> dict | None:
    """Dumbbell: median quarterly earnings before entry and after exit, per program and exit year."""
    wide = [{"label": f"{_program_label(r)}, PY {r['exit_program_year']}", "pre": r["median_pre_program_earnings"],
             "post": r["median_earnings_q2"], "change": r["earnings_change"], "exiters": r["exiters"]}
            for r in data.scorecards
            if r["median_pre_program_earnings"] is not None and r["median_earnings_q2"] is not None]
    if not wide:
        return None
    moments = {"Before: 2nd quarter before entry": "pre", "After: 2nd quarter after exit": "post"}
    long = [{"label": w["label"], "when": when, "earnings": w[key]} for w in wide for when, key in moments.items()]
    y = alt.Y("label:N", title=None, sort=alt.EncodingSortField("post", order="descending"),
              axis=alt.Axis(labelLimit=LABEL_LIMIT))
    rule = alt.Chart(alt.Data(values=wide)).mark_rule(color="#9a9a9a", strokeWidth=2).encode(
        y=y, x=alt.X("pre:Q", title="Median quarterly earnings", axis=alt.Axis(format=DOLLAR_FORMAT)), x2="post:Q",
        tooltip=[alt.Tooltip("label:N", title="Program"), alt.Tooltip("pre:Q", format=DOLLAR_FORMAT, title="Before"),
                 alt.Tooltip("post:Q", format=DOLLAR_FORMAT, title="After"),
                 alt.Tooltip("change:Q", format="+$,.0f", title="Change"), alt.Tooltip("exiters:Q", title="Exiters")])
    points = alt.Chart(alt.Data(values=long)).mark_circle(size=90, opacity=1).encode(
        y=y, x="earnings:Q",
        color=alt.Color("when:N", title=None, legend=alt.Legend(orient="top"),
                        scale=alt.Scale(domain=list(moments), range=["#a6a6a6", "#1f77b4"])),
        tooltip=[alt.Tooltip("label:N", title="Program"), alt.Tooltip("when:N", title="When"),
                 alt.Tooltip("earnings:Q", format=DOLLAR_FORMAT, title="Median earnings")])
    return _spec(alt.layer(rule, points).properties(width=560, height=alt.Step(22)))


def scorecard_employment(data: ReportData) -> dict | None:
    """Heat map: employment rate in Q2 after exit, program by exit year; suppressed cells say so."""
    rows = []
    for r in data.scorecards:
        rate = r["employment_rate_q2"]
        withheld = bool(r.get("is_employment_rate_q2_suppressed"))
        text = f"{rate:.0%}" if rate is not None else ("S" if withheld else "–")
        rows.append({"program": _program_label(r), "exit_program_year": r["exit_program_year"], "rate": rate,
                     "text": text, "exiters": r["exiters"], "enrolled": r["enrolled"],
                     "status": "suppressed" if withheld and rate is None else
                     ("no known outcome" if rate is None else "shown"),
                     "q4": r["employment_rate_q4"], "median": r["median_earnings_q2"]})
    if not rows:
        return None
    enc = {"x": alt.X("exit_program_year:O", title="Program year of exit"),
           "y": alt.Y("program:N", title=None, axis=alt.Axis(labelLimit=LABEL_LIMIT)),
           "tooltip": [alt.Tooltip("program:N", title="Program"),
                       alt.Tooltip("exit_program_year:O", title="Program year"),
                       alt.Tooltip("status:N", title="Cell"), alt.Tooltip("rate:Q", format=".1%", title="Employed Q2"),
                       alt.Tooltip("q4:Q", format=".1%", title="Employed Q4"),
                       alt.Tooltip("median:Q", format=DOLLAR_FORMAT, title="Median earnings Q2"),
                       alt.Tooltip("enrolled:Q", title="Enrolled"), alt.Tooltip("exiters:Q", title="Exiters")]}
    shown = alt.Chart().transform_filter("datum.rate != null").mark_rect().encode(
        color=alt.Color("rate:Q", title="Employed Q2", scale=alt.Scale(domain=[0, 1], scheme="blues"),
                        legend=alt.Legend(format=RATE_FORMAT)), **enc)
    hidden = alt.Chart().transform_filter("datum.rate == null").mark_rect(color="#eeeeee").encode(**enc)
    text = alt.Chart().mark_text(fontSize=10).encode(
        text="text:N", color=alt.condition("datum.rate > 0.6", alt.value("white"), alt.value("#333333")), **enc)
    return _spec(alt.layer(hidden, shown, text, data=alt.Data(values=rows)).properties(
        width=alt.Step(56), height=alt.Step(20)))


def equity_gaps(data: ReportData) -> dict | None:
    """Each group's value beside the overall value (dashed), with pickers for indicator and program year."""
    if not data.equity:
        return None
    rows = [{**r, "dimension_label": label(DIMENSIONS, r["dimension"]),
             "group_label": str(r["group_value"]).replace("_", " ")} for r in data.equity]
    years = sorted({r["exit_program_year"] for r in rows})
    indicators = [i for i in INDICATORS if any(r["indicator"] == i for r in rows)]
    indicator = alt.param(name="indicator", value=indicators[0], bind=alt.binding_select(
        options=indicators, labels=[INDICATORS[i] for i in indicators], name="Indicator: "))
    year = alt.param(name="program_year", value=data.report_year if data.report_year in years else years[-1],
                     bind=alt.binding_select(options=years, name="Program year of exit: "))
    is_dollars = " || ".join(f"indicator == '{i}'" for i in DOLLAR_INDICATORS) or "false"
    axis = alt.Axis(labelExpr=f"({is_dollars}) ? format(datum.value, '{DOLLAR_FORMAT}') "
                              f": format(datum.value, '{RATE_FORMAT}')")
    others = sorted({r["group_label"] for r in rows} - set(GROUP_ORDER) - {"not reported"})
    y = alt.Y("group_label:N", title=None, sort=GROUP_ORDER + others + ["not reported"])
    tooltip = [alt.Tooltip("dimension_label:N", title="Dimension"), alt.Tooltip("group_label:N", title="Group"),
               alt.Tooltip("value:Q", format=",.3~f", title="Value"),
               alt.Tooltip("overall_value:Q", format=",.3~f", title="Overall"),
               alt.Tooltip("gap:Q", format="+,.3~f", title="Gap"),
               alt.Tooltip("numerator:Q", title="Numerator"), alt.Tooltip("denominator:Q", title="Denominator"),
               alt.Tooltip("is_suppressed:N", title="Suppressed")]
    # The layers share one filtered source (null values simply draw nothing), so facets size correctly.
    bars = alt.Chart().mark_bar().encode(
        y=y, x=alt.X("value:Q", title=None, axis=axis),
        color=alt.condition("datum.gap < 0", alt.value("#d95f02"), alt.value("#1b9e77")), tooltip=tooltip)
    overall = alt.Chart().mark_tick(color="black", thickness=2, size=16).encode(
        y=y, x="overall_value:Q", tooltip=tooltip)
    suppressed = alt.Chart().mark_text(align="left", dx=2, fontStyle="italic", color=SUPPRESSED_COLOR).encode(
        y=y, x=alt.datum(0), text="suppressed_text:N", tooltip=tooltip)
    panels = [alt.layer(bars, overall, suppressed).transform_filter(
        f"datum.dimension == '{dim}' && datum.indicator == indicator && datum.exit_program_year == program_year"
    ).transform_calculate(suppressed_text="datum.is_suppressed ? 'suppressed' : ''").properties(
        width=480, height=alt.Step(18), title=alt.Title(label(DIMENSIONS, dim), anchor="start", fontSize=12))
        for dim in [d for d in DIMENSIONS if any(r["dimension"] == d for r in rows)]
        + sorted({r["dimension"] for r in rows} - set(DIMENSIONS))]
    chart = alt.vconcat(*panels, data=alt.Data(values=rows), spacing=14).resolve_scale(
        x="shared", y="independent").add_params(indicator, year)
    return _spec(chart)


def labor_market(data: ReportData) -> dict | None:
    """Per area: UI initial claims per month (bars, left axis) beside the unemployment rate (line, right axis)."""
    if not data.labor_market:
        return None
    x = alt.X("month_start_date:T", title=None, axis=alt.Axis(format="%Y", tickCount="year"))
    tooltip = [alt.Tooltip("lwda_name:N", title="Area"),
               alt.Tooltip("month_start_date:T", format="%B %Y", title="Month"),
               alt.Tooltip("initial_claims:Q", format=",", title="Initial claims"),
               alt.Tooltip("claim_weeks:Q", title="Weeks summed"),
               alt.Tooltip("unemployment_share:Q", format=".1%", title="Unemployment rate")]
    panels = []
    areas = sorted({(r["lwda_code"], r["lwda_name"]) for r in data.labor_market})
    for code, name in areas:
        # "2019-01-01T00:00" is read as local midnight; a bare ISO date would be UTC and show as Dec 31 in the US.
        # unemployment_rate is a percent (0-100) in the mart; the chart formats a 0-1 share.
        rows = [{**r, "month_start_date": f"{r['month_start_date']}T00:00:00",
                 "unemployment_share": None if r["unemployment_rate"] is None else r["unemployment_rate"] / 100}
                for r in data.labor_market if r["lwda_code"] == code]
        claims = alt.Chart().mark_bar(color="#9ecae1").encode(
            x=x, y=alt.Y("initial_claims:Q", title="Initial claims", axis=alt.Axis(titleColor="#3182bd")),
            tooltip=tooltip)
        rate = alt.Chart().mark_line(color="#d62728", strokeWidth=2).encode(
            x=x, y=alt.Y("unemployment_share:Q", title="Unemployment rate",
                         axis=alt.Axis(format=".1%", orient="right", titleColor="#d62728")), tooltip=tooltip)
        panels.append(alt.layer(claims, rate, data=alt.Data(values=rows)).resolve_scale(y="independent")
                      .properties(width=680, height=110, title=alt.Title(f"{name} ({code})", anchor="start")))
    return _spec(alt.vconcat(*panels, spacing=18))
