"""An attacker's recomputation of suppressed cells from the published reports (mart.md, Privacy).

What a reader of the published mart can do with pencil and paper, over and over until nothing
new comes out:
- in a rollup family (the funding streams under funding_stream = 'all', the areas under
  lwda_code = 'all', the groups of one equity dimension under their total), the parent is the
  sum of its children, numerators and denominators alike: one unknown member is the parent
  minus (or the sum of) the others;
- when the withheld children's numerators add up to 0, or to their denominators, each of them
  is 0, or its denominator (unless the parent itself is 0 % or 100 %: then every child is
  implied by one published cell, which suppression does not try to hide);
- across indicators of the same cohort: median_earnings_q2's denominator is
  employment_rate_q2's numerator; retention_same_employer's denominator is that numerator too
  once employment_rate_q4's denominator equals employment_rate_q2's (every exit's Q4 known).

`derived_cells` returns the suppressed numerators this recovers. It treats every family as
additive, which a rollup that counts a co-enrolled person once is not quite: it errs on the
side of calling a cell recoverable. No code is shared with the dbt models.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import pandas as pd

Q2, MEDIAN, Q4, RETENTION = ("employment_rate_q2", "median_earnings_q2", "employment_rate_q4",
                             "retention_same_employer")


@dataclass(frozen=True)
class Table:
    """A report: its key columns (without `indicator`), the rollup axes with an 'all' parent,
    the equity grouping (dimension column, group column) if any, and whether retention shares
    employment_rate_q2's cohort."""
    name: str
    keys: tuple[str, ...]
    axes: tuple[str, ...] = ("funding_stream", "lwda_code")
    groups: tuple[str, str] | None = None
    retention_shares_q2_cohort: bool = True


WIOA = Table("rpt_wioa_performance", ("exit_program_year", "funding_stream", "lwda_code"))
ETA9169 = Table("rpt_eta9169_performance", ("report_program_year", "funding_stream", "lwda_code"),
                retention_shares_q2_cohort=False)
EQUITY = Table("rpt_equity_outcomes", ("exit_program_year", "funding_stream", "lwda_code", "dimension", "group_value"),
               groups=("dimension", "group_value"))


def _known(value) -> bool:
    return value is not None and not pd.isna(value)


def derived_cells(report: pd.DataFrame, table: Table, totals: pd.DataFrame | None = None) -> pd.DataFrame:
    """The suppressed numerators of `report` that the published cells give back, with how.
    `totals` (optional): rows of rpt_wioa_performance, the published totals of the equity groups."""
    report = report.reset_index(drop=True)
    keys = list(table.keys) + ["indicator"]
    num: dict[tuple, float] = {}
    den: dict[tuple, float] = {}
    cells = []
    for row in report.itertuples(index=False):
        cell = tuple(getattr(row, k) for k in keys)
        cells.append(cell)
        if _known(row.numerator):
            num[cell] = float(row.numerator)
        if _known(row.denominator):
            den[cell] = float(row.denominator)
    suppressed = {c for c, s in zip(cells, report["is_suppressed"]) if bool(s)}
    how: dict[tuple, str] = {}
    index = {k: i for i, k in enumerate(keys)}

    families: list[tuple[tuple, list[tuple]]] = []  # (parent, children); a median has no numerator
    rate_cells = cells
    for axis in table.axes:
        groups = defaultdict(list)
        for c in rate_cells:
            groups[tuple(v for k, v in zip(keys, c) if k != axis)].append(c)
        for members in groups.values():
            parents = [c for c in members if c[index[axis]] == "all"]
            if parents:
                families.append((parents[0], [c for c in members if c[index[axis]] != "all"]))
    if table.groups:
        dim, group = table.groups
        groups = defaultdict(list)
        for c in rate_cells:
            groups[tuple(v for k, v in zip(keys, c) if k not in (dim, group))].append(c)
        for total_key, members in groups.items():
            parent = ("total",) + total_key
            by_dimension = defaultdict(list)
            for c in members:
                by_dimension[c[index[dim]]].append(c)
            for children in by_dimension.values():
                families.append((parent, children))
        if totals is not None:  # the published total of each (year, stream, area, indicator)
            for row in totals.itertuples(index=False):
                parent = ("total", row.exit_program_year, row.funding_stream, row.lwda_code, row.indicator)
                if _known(row.numerator):
                    num[parent] = float(row.numerator)
                if _known(row.denominator):
                    den[parent] = float(row.denominator)
                if bool(row.is_suppressed):  # a total the groups give back counts too
                    suppressed.add(parent)

    def learn(store: dict, cell: tuple, value: float, reason: str) -> bool:
        if cell in store:
            return False
        store[cell] = value
        if store is num and cell in suppressed and cell not in how:
            how[cell] = reason
        return True

    def coupled(cell: tuple, indicator: str) -> tuple:
        return cell[:index["indicator"]] + (indicator,)

    changed = True
    while changed:
        changed = False
        for c in cells:  # across indicators of one cohort
            ind = c[index["indicator"]]
            q2 = coupled(c, Q2)
            if ind == MEDIAN:
                if c in den:
                    changed |= learn(num, q2, den[c], "median_earnings_q2's denominator")
                if q2 in num:
                    changed |= learn(den, c, num[q2], "")
            if ind == RETENTION and table.retention_shares_q2_cohort and c in den:
                q4 = coupled(c, Q4)
                if q4 in den and q2 in den and den[q4] == den[q2]:
                    changed |= learn(num, q2, den[c], "retention_same_employer's denominator")
        for parent, children in families:
            for store, name in ((num, "numerator"), (den, "denominator")):
                unknown = [c for c in children if c not in store]
                if parent in store and len(unknown) == 1:
                    value = store[parent] - sum(store[c] for c in children if c in store)
                    changed |= learn(store, unknown[0], value, f"{name}: parent minus the other children")
                elif parent not in store and not unknown and children:
                    changed |= learn(store, parent, sum(store[c] for c in children), f"{name}: sum of children")
            unknown = [c for c in children if c not in num]
            if (parent in num and parent in den and len(unknown) >= 2 and all(c in den for c in unknown)
                    and 0 < num[parent] < den[parent]):
                hidden = num[parent] - sum(num[c] for c in children if c in num)
                hidden_den = sum(den[c] for c in unknown)
                if hidden == 0 or hidden == hidden_den:
                    for c in unknown:
                        changed |= learn(num, c, 0.0 if hidden == 0 else den[c],
                                         f"the withheld children add up to {'0' if hidden == 0 else 'their denominators'}")
    rows = [dict(zip(keys, c), derived_numerator=num[c], how=how[c]) for c in cells if c in how]
    rows += [dict(zip(["total"] + keys[:3] + ["indicator"], c), derived_numerator=num[c],
                  how="rpt_wioa_performance's total: " + how[c]) for c in how if c[0] == "total"]
    return pd.DataFrame(rows, columns=keys + ["derived_numerator", "how"])
