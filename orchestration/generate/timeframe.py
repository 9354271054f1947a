"""The fixed calendar the synthetic feeds cover (never depends on today's date).

Dates are handled as ``int64`` day numbers since 1970-01-01 (the same numbering as
``numpy.datetime64[D]`` and Arrow ``date32``), so every computation stays vectorized.
"""

from __future__ import annotations

import numpy as np

EPOCH = np.datetime64("1970-01-01", "D")


def day(iso: str) -> int:
    """Day number of an ISO date."""
    return int((np.datetime64(iso, "D") - EPOCH).astype(np.int64))


ENTRY_START = day("2019-07-01")  # first participation entry
ENTRY_END = day("2024-06-30")  # last participation entry
AS_OF = day("2025-06-30")  # the data's "today": last day of the latest wage quarter
NON_WIOA_ENROLL_END = day("2024-12-31")  # last enrollment of students outside the job center

WAGE_FIRST_YEAR, WAGE_FIRST_QUARTER = 2018, 1
WAGE_LAST_YEAR, WAGE_LAST_QUARTER = 2025, 2
N_WAGE_QUARTERS = (WAGE_LAST_YEAR - WAGE_FIRST_YEAR) * 4 + WAGE_LAST_QUARTER - WAGE_FIRST_QUARTER + 1

LAUS_FIRST = (2018, 1)
LAUS_LAST = (2025, 6)
OEWS_YEARS = tuple(range(2019, 2025))
CLAIMS_FIRST_WEEK = day("2019-01-05")  # a Saturday
CLAIMS_LAST_WEEK = day("2025-06-28")  # a Saturday

_MONTH0 = WAGE_FIRST_YEAR * 12 + (WAGE_FIRST_QUARTER - 1) * 3  # months since year 0 of 2018-01


def quarter_index(days: np.ndarray) -> np.ndarray:
    """Quarter index of day numbers: 0 = 2018q1, 29 = 2025q2 (negative before 2018)."""
    months = np.asarray(days, dtype=np.int64).astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    return (months + 1970 * 12 - _MONTH0) // 3


def quarter_label(q: int) -> tuple[int, int]:
    """(year, quarter) of a quarter index."""
    return WAGE_FIRST_YEAR + q // 4, q % 4 + 1


def ymd(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Year, month and day-of-month arrays of day numbers."""
    d = np.asarray(days, dtype=np.int64).astype("datetime64[D]")
    m = d.astype("datetime64[M]")
    year = m.astype("datetime64[Y]").astype(np.int64) + 1970
    month = (m.astype(np.int64) % 12) + 1
    dom = (d - m.astype("datetime64[D]")).astype(np.int64) + 1
    return year, month, dom


def age_years(dob: np.ndarray, on: np.ndarray) -> np.ndarray:
    """Completed years of age on day ``on`` for people born on ``dob`` (calendar exact)."""
    by, bm, bd = ymd(dob)
    oy, om, od = ymd(on)
    before_birthday = (om < bm) | ((om == bm) & (od < bd))
    return oy - by - before_birthday.astype(np.int64)


def saturdays(first: int, last: int) -> np.ndarray:
    """Day numbers of every Saturday from ``first`` to ``last`` (both Saturdays)."""
    return np.arange(first, last + 1, 7, dtype=np.int64)
