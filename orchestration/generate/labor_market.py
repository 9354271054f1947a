"""Area labor-market feeds: LAUS (monthly), OEWS (annual) and UI claims (weekly)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from . import formatting as fmt
from .reference import STATE_FIPS, Reference
from .timeframe import CLAIMS_FIRST_WEEK, CLAIMS_LAST_WEEK, LAUS_FIRST, LAUS_LAST, OEWS_YEARS, saturdays, ymd

# Statewide unemployment rate (percent) by year outside the pandemic months.
ANNUAL_RATE = {2018: 4.5, 2019: 4.2, 2020: 4.3, 2021: 5.1, 2022: 4.2, 2023: 3.9, 2024: 4.3, 2025: 4.7}
# 2020 pandemic months: statewide rate (the spike is April-June).
PANDEMIC_RATE = {(2020, 3): 5.6, (2020, 4): 14.2, (2020, 5): 13.4, (2020, 6): 12.6, (2020, 7): 9.4,
                 (2020, 8): 8.6, (2020, 9): 7.8, (2020, 10): 6.6, (2020, 11): 6.0, (2020, 12): 5.7}
SEASONAL = np.array([0.45, 0.35, 0.15, -0.2, -0.3, 0.1, 0.2, 0.0, -0.3, -0.35, -0.2, 0.05])

BASE_INITIAL_CLAIMS = 3_000  # statewide, per week
# Statewide initial claims in the weeks of the 2020 surge (week ending -> claims).
SURGE = {"2020-03-14": 4_600, "2020-03-21": 112_000, "2020-03-28": 131_000, "2020-04-04": 126_000,
         "2020-04-11": 119_000, "2020-04-18": 114_000, "2020-04-25": 108_000, "2020-05-02": 62_000,
         "2020-05-09": 45_000, "2020-05-16": 36_000, "2020-05-23": 30_000, "2020-05-30": 26_000}


def laus(rng: np.random.Generator, ref: Reference) -> dict:
    months = np.arange(LAUS_FIRST[0] * 12 + LAUS_FIRST[1] - 1, LAUS_LAST[0] * 12 + LAUS_LAST[1])
    year, month = months // 12, months % 12 + 1
    c, t = ref.counties.size, months.size
    state = np.array([PANDEMIC_RATE.get((y, mo), ANNUAL_RATE[y] + SEASONAL[mo - 1] * 0.6)
                      for y, mo in zip(year.tolist(), month.tolist())])
    spike = np.array([(y, mo) in PANDEMIC_RATE and 4 <= mo <= 6 for y, mo in zip(year.tolist(), month.tolist())])
    offset = ref.county_rate_offset[:, None] * np.where(spike, 1.3, 1.0)[None, :]
    rate = state[None, :] + offset + rng.normal(0, 0.12, size=(c, t))
    pandemic = np.array([(y, mo) in PANDEMIC_RATE for y, mo in zip(year.tolist(), month.tolist())])
    rate = np.where(spike[None, :], np.clip(rate, 12.0, 15.0),
                    np.where(pandemic[None, :], np.clip(rate, 3.1, 11.9), np.clip(rate, 3.1, 5.9)))
    growth = 1.0 + 0.003 * (months - months[0]) / 12.0
    season = 1.0 + 0.008 * np.sin(2 * np.pi * (month - 4) / 12.0)
    dip = np.where(spike, 0.96, 1.0)
    labor_force = np.rint(ref.county_labor_force[:, None] * (growth * season * dip)[None, :]
                          * rng.normal(1.0, 0.002, size=(c, t))).astype(np.int64)
    unemployed = np.rint(labor_force * rate / 100.0).astype(np.int64)
    # Published rate = unemployed / labor force rounded to one decimal; nudge exact ties
    # (x.x5) so every rounding rule agrees.
    tie = (2000 * unemployed) % labor_force == 0
    tie &= ((2000 * unemployed) // labor_force) % 2 == 1
    unemployed = unemployed + tie
    tenths = (1000 * unemployed + labor_force // 2) // labor_force  # round half up, exact
    employed = labor_force - unemployed

    rate_text = pa.array([f"{v // 10}.{v % 10}" for v in tenths.ravel().tolist()], type=pa.string())
    return {
        "area_fips": fmt.take(ref.counties, np.repeat(np.arange(c), t)),
        "year": fmt.ints(np.tile(year, c)),
        "month": fmt.ints(np.tile(month, c)),
        "labor_force": fmt.ints(labor_force.ravel()),
        "employed": fmt.ints(employed.ravel()),
        "unemployed": fmt.ints(unemployed.ravel()),
        "unemployment_rate": rate_text,
    }


def oews(rng: np.random.Generator, ref: Reference) -> dict:
    soc = ref.soc_codes
    s, years = soc.size, np.array(OEWS_YEARS)
    y = years.size
    employment = np.rint(ref.soc_employment[:, None] * rng.normal(1.0, 0.03, size=(s, y))
                         * (1.0 + 0.008 * (years - years[0]))[None, :] / 10).astype(np.int64) * 10
    wage = np.rint(ref.soc_annual_wage[:, None] * 1.032 ** (years - years[0])[None, :]
                   * rng.normal(1.0, 0.01, size=(s, y)) / 10).astype(np.int64) * 10
    employment_text = np.char.mod("%d", employment).astype(object)
    wage_text = np.char.mod("%d.00", wage).astype(object)
    # A few cells are not available, and the best-paid occupation's latest median is top-coded.
    employment_text[rng.random((s, y)) < 0.03] = "**"
    employment_text[0, 0] = "**"
    top = int(np.argmax(ref.soc_annual_wage))
    na = rng.random((s, y)) < 0.03
    na[top, :] = False
    na[(top + 1) % s, 1] = True
    wage_text[na] = "*"
    wage_text[top, -1] = "#"
    return {
        "area_code": pa.array(np.full(s * y, STATE_FIPS), type=pa.string()),
        "soc_code": pa.array(np.repeat(soc, y), type=pa.string()),
        "year": fmt.ints(np.tile(years, s)),
        "occupation_title": pa.array(np.repeat([ref.soc_titles[c] for c in soc], y), type=pa.string()),
        "employment": pa.array(employment_text.ravel().tolist(), type=pa.string()),
        "median_annual_wage": pa.array(wage_text.ravel().tolist(), type=pa.string()),
    }


def ui_claims(rng: np.random.Generator, ref: Reference) -> dict:
    weeks = saturdays(CLAIMS_FIRST_WEEK, CLAIMS_LAST_WEEK)
    year, month, _ = ymd(weeks)
    t = weeks.size
    index = {d: i for i, d in enumerate(weeks.tolist())}
    statewide = BASE_INITIAL_CLAIMS * (1.0 + np.select([month == 1, month == 7, month == 12], [0.55, 0.3, 0.25], 0.0))
    statewide = statewide * rng.normal(1.0, 0.06, size=t)
    # After the surge, claims decay back to normal over about a year and a half.
    after = weeks - (np.datetime64("2020-05-30") - np.datetime64("1970-01-01")).astype(np.int64)
    tail = np.where(after > 0, 1.0 + 7.0 * np.exp(-np.maximum(after, 0) / 120.0), 1.0)
    statewide = statewide * tail
    for week, claims in SURGE.items():
        d = int((np.datetime64(week) - np.datetime64("1970-01-01")).astype(np.int64))
        statewide[index[d]] = claims * rng.normal(1.0, 0.02)
    share = ref.county_weight * (1.0 + ref.county_rate_offset / 5.0)
    share = share / share.sum()
    c = share.size
    initial = np.rint(statewide[None, :] * share[:, None] * rng.normal(1.0, 0.08, size=(c, t))).astype(np.int64)
    initial = np.maximum(initial, 0)
    # Continued claims: last week's claimants who are still unemployed plus last week's new ones.
    continued = np.zeros((c, t), dtype=np.int64)
    level = initial[:, 0] * 11.0
    for i in range(t):
        level = 0.93 * level + 0.8 * (initial[:, i - 1] if i else initial[:, 0])
        continued[:, i] = np.rint(level * rng.normal(1.0, 0.01, size=c)).astype(np.int64)
    return {
        "week_ending": fmt.dates(np.tile(weeks, c)),
        "county_fips": fmt.take(ref.counties, np.repeat(np.arange(c), t)),
        "initial_claims": fmt.ints(initial.ravel()),
        "continued_claims": fmt.ints(continued.ravel()),
    }
