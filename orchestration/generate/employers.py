"""The employers behind the wage records: UI account numbers, industries, sizes, and
drawing an employer for a worker of a given occupation."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from . import formatting as fmt
from .reference import OCCUPATION_INDUSTRIES, Reference

P_ANY_INDUSTRY = 0.08  # share of hires outside the occupation's usual industries


class Employers:
    def __init__(self, rng: np.random.Generator, n: int, ref: Reference):
        naics = list(ref.naics_codes)
        soc = list(ref.soc_codes)
        # Industry demand: how many jobs of the seeded occupations each industry holds.
        demand = np.zeros(len(naics))
        k_max = max(len(v) for v in OCCUPATION_INDUSTRIES.values())
        self._soc_industry = np.zeros((len(soc), k_max), dtype=np.int64)
        self._soc_cum = np.ones((len(soc), k_max))
        for i, s in enumerate(soc):
            inds = OCCUPATION_INDUSTRIES[s]
            w = np.array(list(inds.values()), dtype=np.float64)
            w /= w.sum()
            idx = [naics.index(c) for c in inds]
            self._soc_industry[i, : len(idx)] = idx
            self._soc_industry[i, len(idx):] = idx[-1]
            self._soc_cum[i, : len(idx)] = np.cumsum(w)
            demand[idx] += w * ref.soc_employment[i]
        # Employers per industry in proportion to demand (at least 2 each), sorted by industry.
        n = max(n, 2 * len(naics))
        per = np.maximum(2, np.floor(demand / demand.sum() * n)).astype(np.int64)
        self.naics = np.repeat(np.arange(len(naics)), per)
        self.n = self.naics.size
        size = rng.lognormal(0.0, 1.3, size=self.n)
        self._cum_size = np.cumsum(size)
        ends = np.cumsum(per)
        self._start, self._end = ends - per, ends
        self._lo = np.where(self._start > 0, self._cum_size[np.maximum(self._start - 1, 0)], 0.0)
        self._hi = self._cum_size[ends - 1]
        # UI account numbers: distinct random 7-digit numbers, ascending in employer order.
        number = np.sort(rng.choice(9_999_999, size=self.n, replace=False) + 1)
        self.ids = fmt.ids("UI", number, 7)
        self.naics_text = fmt.take(ref.naics_codes, self.naics)

    def draw(self, rng: np.random.Generator, occupation: np.ndarray) -> np.ndarray:
        """An employer index for each worker, from their occupation's industries, bigger
        employers more often."""
        m = occupation.size
        u = rng.random(m)
        k = (u[:, None] > self._soc_cum[occupation]).sum(axis=1)
        k = np.minimum(k, self._soc_industry.shape[1] - 1)
        industry = self._soc_industry[occupation, k]
        v = rng.random(m)
        target = self._lo[industry] + v * (self._hi[industry] - self._lo[industry])
        anywhere = rng.random(m) < P_ANY_INDUSTRY
        target = np.where(anywhere, v * self._cum_size[-1], target)
        employer = np.searchsorted(self._cum_size, target, side="right")
        inside = np.clip(employer, self._start[industry], self._end[industry] - 1)
        return np.minimum(np.where(anywhere, employer, inside), self.n - 1)

    def take_ids(self, employer: np.ndarray) -> pa.Array:
        return self.ids.take(pa.array(employer))

    def take_naics(self, employer: np.ndarray) -> pa.Array:
        return self.naics_text.take(pa.array(employer))
