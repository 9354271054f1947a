"""When a difference between two published rates is within sampling noise (the outcomes report's rule).

The report says a gap is "within noise" rather than colour it as a finding. The rule is a two-sided
test at about 95 % (z = 1.96) under the null hypothesis that both rates are the pooled rate `p`:

- a group against everyone (the group is part of everyone, so the two are not independent):
  |gap| < 1.96 · sqrt(p(1 − p) · (1/n_group − 1/n_all)), with p = everyone's rate;
- one year against the year before (independent cohorts):
  |change| < 1.96 · sqrt(p(1 − p) · (1/n_this + 1/n_before)), with p = the two years' pooled rate.

(The variance of group − everyone is p(1 − p)(1/n_group − 1/n_all) because everyone's rate contains the
group's; for n_group much smaller than n_all it is the familiar p(1 − p)(1/n_group + 1/n_rest) up to a
factor (n_rest/n_all)².) Rates are 0–1 shares, n are denominators (people). Medians have no such test:
`judge` returns "not tested" for them, and the page says so.
"""

from __future__ import annotations

import math

Z_95 = 1.96
NOT_TESTED, WITHIN_NOISE, ABOVE, BELOW, NO_GAP = "not tested", "within noise", "above", "below", "no gap"


def margin(p: float, n_a: int, n_b: int, nested: bool) -> float:
    """Half-width of the noise band of a difference of two rates (same unit as p, 0-1).

    `nested`: the first population is part of the second (a group against everyone). Raises
    ValueError when p is not a share or a denominator is not positive.
    """
    if not 0 <= p <= 1 or n_a <= 0 or n_b <= 0:
        raise ValueError(f"margin needs 0 <= p <= 1 and positive denominators, got p={p}, n={n_a}, {n_b}")
    spread = 1 / n_a - 1 / n_b if nested else 1 / n_a + 1 / n_b
    return Z_95 * math.sqrt(p * (1 - p) * max(spread, 0.0))


def judge(difference: float | None, p: float | None, n_a: int | None, n_b: int | None, *, nested: bool,
          is_rate: bool = True) -> str | None:
    """"above" / "below" (beyond noise), "within noise", "no gap", "not tested" (a median, or a
    denominator or base rate not published), or None when there is no difference to judge."""
    if difference is None:
        return None
    if difference == 0:
        return NO_GAP
    if not is_rate or p is None or not n_a or not n_b:
        return NOT_TESTED
    if abs(difference) < margin(p, n_a, n_b, nested):
        return WITHIN_NOISE
    return ABOVE if difference > 0 else BELOW


def pooled_rate(num_a: int | None, n_a: int | None, num_b: int | None, n_b: int | None) -> float | None:
    """(num_a + num_b) / (n_a + n_b), or None when a part is withheld or there is no one."""
    if None in (num_a, n_a, num_b, n_b) or not (n_a + n_b):
        return None
    return (num_a + num_b) / (n_a + n_b)
