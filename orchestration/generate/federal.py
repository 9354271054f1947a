"""Issue 16's optional feed fields, so the demo shows every federal indicator.

- participants: school status at entry (PIRL 1401, Youth only) and the barriers to employment
  (feeds.md; 1 yes, 0 no, 9 not disclosed for a few);
- participation: the enrolment in education or training during participation (PIRL 1811) for
  trainees, one measurable skill gain (PIRL 1806-1810) for most of them, the Youth placement in
  education or training in Q2 / Q4 after exit (PIRL 1900, 1901), a post-exit enrolment in
  postsecondary education, and a credential on the case record (PIRL 1800, 1801) for some;
- supplemental_wages: out-of-state, federal, military or staff-documented wages in the year
  after exit for a few percent of exits.

Rates are plausible, not calibrated. Dates are day numbers (timeframe.py), NO_DATE when empty.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import formatting as fmt
from .formatting import NO_DATE
from .participation import YOUTH, Participation, Periods
from .people import Participants
from .timeframe import AS_OF, quarter_index, quarter_label

# barrier -> share of participants with it (foster care: youth only)
BARRIER_SHARES = {"homeless": 0.04, "ex_offender": 0.08, "english_language_learner": 0.06,
                  "basic_skills_deficient": 0.15, "cultural_barriers": 0.02, "single_parent": 0.10,
                  "displaced_homemaker": 0.02, "long_term_unemployed": 0.12, "foster_care_youth": 0.06}
NOT_DISCLOSED_SHARE = 0.02
# PIRL 1806-1810 gain types, and how often a trainee's gain is of each
GAIN_COLUMNS = ("msg_date_efl", "msg_date_secondary_transcript", "msg_date_postsecondary_transcript",
                "msg_date_training_milestone", "msg_date_skills_progression")
GAIN_SHARES = (0.05, 0.05, 0.25, 0.50, 0.15)
SKILL_GAIN_SHARE = 0.70
# PIRL 1900/1901 placement codes 0 none, 1 occupational skills training, 2 postsecondary, 3 secondary
PLACEMENT_SHARES = (0.70, 0.08, 0.15, 0.07)
CASE_CREDENTIAL_SHARE = 0.15  # trainees whose case record holds a credential (licensure/certificate)
SUPPLEMENTAL_SHARE = 0.04  # exits with wages outside the state's UI records
SOURCES = ("interstate", "federal", "military", "supplemental")
SOURCE_SHARES = (0.60, 0.15, 0.10, 0.15)
LAST_WAGE_QUARTER = 29  # 2025q2, the last quarter of the generated UI wage feed


@dataclass
class FederalFields:
    participants: dict
    participation: dict
    supplemental_wages: dict


def _dates_between(rng: np.random.Generator, start: np.ndarray, days: tuple[int, int]) -> np.ndarray:
    return start + rng.integers(days[0], days[1], size=start.size)


def _participant_columns(rng: np.random.Generator, who: Participants, part: Participation) -> dict:
    n = who.n
    youth = part.first.funding == YOUTH
    school = np.where(rng.random(n) < 0.40, rng.integers(1, 4, n), rng.integers(4, 7, n))
    columns = {"school_status_at_entry": _ints_or_empty(school, ~youth)}
    for barrier, share in BARRIER_SHARES.items():
        u = rng.random(n)
        value = np.where(u < share, 1, np.where(u > 1 - NOT_DISCLOSED_SHARE, 9, 0))
        if barrier == "foster_care_youth":
            value = np.where(youth, value, 0)
        columns[barrier] = fmt.ints(value)
    return columns


def _ints_or_empty(values: np.ndarray, empty: np.ndarray):
    """Integer text, empty where `empty`."""
    return fmt.take([str(v) for v in range(10)], np.clip(values, 0, 9), missing=empty)


def _participation_columns(rng: np.random.Generator, periods: Periods) -> dict:
    n = periods.n
    exited = ~periods.active
    trained = periods.trained & (periods.enroll != NO_DATE)
    enrolled = np.where(trained, np.maximum(periods.enroll, periods.entry), NO_DATE)
    gain_day = _dates_between(rng, np.where(trained, enrolled, 0), (45, 300))
    gain_day = np.minimum(gain_day, np.where(exited, periods.exit, AS_OF))
    has_gain = trained & (rng.random(n) < SKILL_GAIN_SHARE) & (gain_day >= enrolled)
    gain_type = rng.choice(len(GAIN_COLUMNS), size=n, p=GAIN_SHARES)
    columns = {"education_training_enrollment_date": fmt.dates(enrolled)}
    for i, name in enumerate(GAIN_COLUMNS):
        columns[name] = fmt.dates(np.where(has_gain & (gain_type == i), gain_day, NO_DATE))

    youth_exit = exited & (periods.funding == YOUTH)
    q2 = rng.choice(4, size=n, p=PLACEMENT_SHARES)
    q4 = np.where(rng.random(n) < 0.6, q2, rng.choice(4, size=n, p=PLACEMENT_SHARES))
    columns["youth_placement_q2"] = _ints_or_empty(q2, ~youth_exit)
    columns["youth_placement_q4"] = _ints_or_empty(q4, ~youth_exit)
    college = youth_exit & (q2 == 2)
    columns["postsecondary_enrollment_date"] = fmt.dates(
        np.where(college, _dates_between(rng, periods.exit, (20, 150)), NO_DATE))

    credential = exited & trained & (rng.random(n) < CASE_CREDENTIAL_SHARE)
    credential_type = rng.choice([4, 5, 6], size=n)
    diploma = youth_exit & ~credential & (rng.random(n) < 0.20)
    kind = np.where(credential, credential_type, np.where(diploma, 1, 0))
    day = np.where(credential, _dates_between(rng, periods.exit, (0, 240)),
                   np.maximum(periods.entry, _dates_between(rng, periods.exit, (-60, 1))))
    columns["credential_type"] = _ints_or_empty(kind, kind == 0)
    columns["credential_date"] = fmt.dates(np.where(kind > 0, day, NO_DATE))
    return columns


def _supplemental_wages(rng: np.random.Generator, periods: Periods, who: Participants) -> dict:
    exited = ~periods.active
    person = periods.person
    pick = exited & ~who.ssn_missing[person] & (rng.random(periods.n) < SUPPLEMENTAL_SHARE)
    rows = np.flatnonzero(pick)
    exit_q = quarter_index(periods.exit[rows])
    # wages in Q2 after exit, and in Q4 for most of them
    quarters = np.concatenate([exit_q + 2, exit_q + 4])
    people = np.concatenate([person[rows], person[rows]])
    source = np.tile(rng.choice(len(SOURCES), size=rows.size, p=SOURCE_SHARES), 2)
    keep = (quarters <= LAST_WAGE_QUARTER) & np.concatenate([np.ones(rows.size, bool),
                                                             rng.random(rows.size) < 0.8])
    quarters, people, source = quarters[keep], people[keep], source[keep]
    _, first = np.unique(np.stack([people, quarters, source]), axis=1, return_index=True)
    order = np.sort(first)
    quarters, people, source = quarters[order], people[order], source[order]
    year = np.array([quarter_label(int(q))[0] for q in quarters], dtype=np.int64)
    quarter = np.array([quarter_label(int(q))[1] for q in quarters], dtype=np.int64)
    cents = rng.integers(150_000, 1_500_000, size=quarters.size)
    return {
        "ssn": fmt.ssn_text(who.ssn[people]),
        "source": fmt.take(SOURCES, source),
        "employer_id": fmt.take([""], np.zeros(quarters.size, dtype=np.int64), missing=np.ones(quarters.size, bool)),
        "year": fmt.ints(year),
        "quarter": fmt.ints(quarter),
        "wages": fmt.money(cents),
    }


def generate(rng: np.random.Generator, who: Participants, part: Participation) -> FederalFields:
    return FederalFields(participants=_participant_columns(rng, who, part),
                         participation=_participation_columns(rng, part.all),
                         supplemental_wages=_supplemental_wages(rng, part.all, who))
