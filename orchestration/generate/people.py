"""People: the job-center participants (who they are, where they live) and SSNs.

Everything is drawn as whole arrays; the only loops run over a handful of retries,
never over people.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from ..ingest.ssn import PLACEHOLDER_SSNS
from . import formatting as fmt
from .names import FEMALE_FIRST_NAMES, LAST_NAMES, MALE_FIRST_NAMES
from .reference import Reference
from .timeframe import ENTRY_END, ENTRY_START

FIRST_NAMES = MALE_FIRST_NAMES + FEMALE_FIRST_NAMES
_N_MALE = len(MALE_FIRST_NAMES)
_LAST_WEIGHTS = 1.0 / np.sqrt(np.arange(1, len(LAST_NAMES) + 1))
_LAST_WEIGHTS /= _LAST_WEIGHTS.sum()

# Age at first entry: (lowest age, highest age, share).
AGE_GROUPS = ((14, 17, 0.04), (18, 24, 0.18), (25, 44, 0.43), (45, 54, 0.17), (55, 59, 0.08), (60, 74, 0.10))

# SSN structure: area 001-899 except 666, group 01-99, serial 0001-9999 (what SSA can issue:
# orchestration/ingest/ssn.py), never one of its known placeholder numbers.
_GROUPS, _SERIALS = 99, 9_999
_PLACEHOLDERS = np.array([int(p) for p in PLACEHOLDER_SSNS], dtype=np.int64)
_SSN_SPACE = 898 * _GROUPS * _SERIALS


def _ssn_from_index(index: np.ndarray) -> np.ndarray:
    area = index // (_GROUPS * _SERIALS) + 1
    area = area + (area >= 666)
    rest = index % (_GROUPS * _SERIALS)
    return area * 1_000_000 + (rest // _SERIALS + 1) * 10_000 + rest % _SERIALS + 1


def draw_ssns(rng: np.random.Generator, n: int, exclude: np.ndarray | None = None) -> np.ndarray:
    """``n`` distinct, validly structured 9-digit SSNs, none of them a placeholder or in ``exclude``."""
    out = np.empty(0, dtype=np.int64)
    while out.size < n:
        want = n - out.size
        draw = _ssn_from_index(rng.integers(0, _SSN_SPACE, size=int(want * 1.02) + 16, dtype=np.int64))
        _, first = np.unique(draw, return_index=True)
        draw = draw[np.sort(first)]  # distinct, in draw order
        keep = ~np.isin(draw, out) & ~np.isin(draw, _PLACEHOLDERS)
        if exclude is not None:
            keep &= ~np.isin(draw, exclude)
        out = np.concatenate([out, draw[keep][:want]])
    return out


def draw_names(rng: np.random.Generator, sex: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Indices into FIRST_NAMES (by sex) and LAST_NAMES."""
    n = sex.size
    male = rng.integers(0, _N_MALE, size=n)
    female = _N_MALE + rng.integers(0, len(FEMALE_FIRST_NAMES), size=n)
    anyone = rng.integers(0, len(FIRST_NAMES), size=n)
    first = np.where(sex == 1, male, np.where(sex == 2, female, anyone))
    last = rng.choice(len(LAST_NAMES), size=n, p=_LAST_WEIGHTS)
    return first, last


def identity_key(first: np.ndarray, last: np.ndarray, dob: np.ndarray) -> np.ndarray:
    """One integer per (first name, last name, date of birth)."""
    return (first.astype(np.int64) * len(LAST_NAMES) + last) * 200_000 + (dob + 100_000)


def _categorical(rng: np.random.Generator, n: int, codes, weights) -> np.ndarray:
    weights = np.asarray(weights, dtype=np.float64)
    return np.asarray(codes)[rng.choice(len(codes), size=n, p=weights / weights.sum())]


@dataclass
class Participants:
    ssn: np.ndarray  # true SSN (also used in wage records)
    ssn_dashed: np.ndarray  # written as 123-45-6789
    ssn_missing: np.ndarray  # empty in the job-center export
    first_name: np.ndarray  # index into FIRST_NAMES
    last_name: np.ndarray  # index into LAST_NAMES
    dob: np.ndarray  # day number
    first_entry: np.ndarray  # day number of the first entry
    age_at_first_entry: np.ndarray
    sex: np.ndarray
    race: dict  # column -> codes
    veteran: np.ndarray
    disability: np.ndarray
    highest_education: np.ndarray
    county: np.ndarray  # index into Reference.counties

    @property
    def n(self) -> int:
        return self.ssn.size

    @property
    def identity_unique(self) -> np.ndarray:
        """True where no other participant shares first name, last name and birth date."""
        key = identity_key(self.first_name, self.last_name, self.dob)
        _, inverse, counts = np.unique(key, return_inverse=True, return_counts=True)
        return counts[inverse] == 1


def generate(rng: np.random.Generator, n: int, ref: Reference) -> Participants:
    ssn = draw_ssns(rng, n)
    ssn_missing = rng.random(n) < 0.03
    ssn_dashed = ~ssn_missing & (rng.random(n) < 0.30)

    first_entry = rng.integers(ENTRY_START, ENTRY_END + 1, size=n)
    group = rng.choice(len(AGE_GROUPS), size=n, p=[g[2] for g in AGE_GROUPS])
    lo = np.array([g[0] for g in AGE_GROUPS])[group]
    hi = np.array([g[1] for g in AGE_GROUPS])[group]
    age = lo + np.floor(rng.random(n) * (hi - lo + 1)).astype(np.int64)
    # Born between 0.02 and 0.98 of a year before the nominal birthday: the calendar age
    # at first entry is exactly `age` whatever the leap years.
    dob = first_entry - np.rint((age + rng.uniform(0.02, 0.98, size=n)) * 365.25).astype(np.int64)

    sex = _categorical(rng, n, [1, 2, 9], [0.47, 0.50, 0.03])
    first_name, last_name = draw_names(rng, sex)

    race_cols = ("american_indian", "asian", "black", "pacific_islander", "white")
    # 0..4 one race (in race_cols order), 5 two races, 6 not self-identified
    main = _categorical(rng, n, [0, 1, 2, 3, 4, 5, 6], [0.010, 0.030, 0.180, 0.004, 0.676, 0.040, 0.060])
    first_of_two = rng.integers(0, 5, size=n)
    second_of_two = (first_of_two + 1 + rng.integers(0, 4, size=n)) % 5
    race = {}
    for i, col in enumerate(race_cols):
        yes = np.where(main == 5, (first_of_two == i) | (second_of_two == i), main == i)
        race[col] = np.where(main == 6, 9, yes.astype(np.int64))
    hispanic = _categorical(rng, n, [1, 0, 9], [0.07, 0.89, 0.04])
    race = {"hispanic": hispanic, **race}

    veteran = np.where(age < 18, 0, _categorical(rng, n, [1, 0, 9], [0.06, 0.91, 0.03]))
    disability = _categorical(rng, n, [1, 0, 9], [0.10, 0.85, 0.05])
    education = _categorical(rng, n, [0, 1, 2, 3, 4, 5, 6, 7], [0.10, 0.35, 0.08, 0.18, 0.08, 0.09, 0.10, 0.02])
    education = np.where(age < 18, np.where(rng.random(n) < 0.9, 0, 2), education)
    education = np.where((age < 22) & (education > 3), 1, education)
    county = rng.choice(ref.counties.size, size=n, p=ref.county_weight)

    return Participants(
        ssn=ssn, ssn_dashed=ssn_dashed, ssn_missing=ssn_missing, first_name=first_name,
        last_name=last_name, dob=dob, first_entry=first_entry, age_at_first_entry=age, sex=sex,
        race=race, veteran=veteran, disability=disability, highest_education=education, county=county,
    )


def individual_ids(n: int) -> pa.Array:
    return fmt.ids("P", np.arange(1, n + 1), 7)


def table(p: Participants, ref: Reference, employment_status: np.ndarray, low_income: np.ndarray) -> dict:
    """Columns of participants.csv in contract order."""
    return {
        "individual_id": individual_ids(p.n),
        "ssn": fmt.ssn_text(p.ssn, p.ssn_dashed, p.ssn_missing),
        "first_name": fmt.take(FIRST_NAMES, p.first_name),
        "last_name": fmt.take(LAST_NAMES, p.last_name),
        "date_of_birth": fmt.dates(p.dob),
        "sex": fmt.ints(p.sex),
        **{col: fmt.ints(p.race[col]) for col in
           ("hispanic", "american_indian", "asian", "black", "pacific_islander", "white")},
        "veteran": fmt.ints(p.veteran),
        "disability": fmt.ints(p.disability),
        "highest_education": fmt.ints(p.highest_education),
        "employment_status_at_entry": fmt.ints(employment_status),
        "low_income": fmt.ints(low_income),
        "county_fips": fmt.take(ref.counties, p.county),
    }
