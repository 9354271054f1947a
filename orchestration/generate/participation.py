"""Periods of participation, including each period's training plan.

A period's training (program, enrollment, completion) is drawn together with the
period so that the period's exit can follow the end of training, as it does in
practice (exit comes after the last service).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import pyarrow as pa

from . import formatting as fmt
from .formatting import NO_DATE
from .people import Participants, individual_ids
from .providers import Programs
from .reference import Reference
from .timeframe import AS_OF, ENTRY_END, ENTRY_START, age_years

FUNDING_STREAMS = ("adult", "dislocated_worker", "youth", "wagner_peyser")
ADULT, DISLOCATED, YOUTH, WAGNER_PEYSER = range(4)
TRAINING_TYPES = ("occupational_skills", "ojt", "customized", "apprenticeship", "skill_upgrading", "other")
TRAINING_TYPE_SHARES = (0.75, 0.10, 0.04, 0.05, 0.04, 0.02)
TRAINING_STATUSES = ("completed", "withdrew", "enrolled")
COMPLETED, WITHDREW, ENROLLED = range(3)
# PIRL 923 reasons for an excluded exit 01..06 and their shares among excluded exits
EXCLUSION_SHARES = (0.15, 0.35, 0.15, 0.05, 0.10, 0.20)
TRAINING_SHARE = {ADULT: 0.45, DISLOCATED: 0.45, YOUTH: 0.38, WAGNER_PEYSER: 0.25}


@dataclass
class Periods:
    person: np.ndarray  # index into participants
    funding: np.ndarray  # index into FUNDING_STREAMS
    lwda: np.ndarray  # index into Reference.lwdas
    entry: np.ndarray  # day number
    exit: np.ndarray  # day number or NO_DATE while active
    exit_reason: np.ndarray  # 0..6, -1 while active
    trained: np.ndarray  # has a training service
    program: np.ndarray  # index into programs, -1 when not trained
    training_type: np.ndarray  # index into TRAINING_TYPES, -1 when not trained
    enroll: np.ndarray  # training start (day number) or NO_DATE
    completion: np.ndarray  # training end (day number) or NO_DATE
    status: np.ndarray  # index into TRAINING_STATUSES, -1 when not trained

    @property
    def n(self) -> int:
        return self.person.size

    @property
    def active(self) -> np.ndarray:
        return self.exit == NO_DATE

    def take(self, rows: np.ndarray) -> "Periods":
        return Periods(**{f.name: getattr(self, f.name)[rows] for f in fields(self)})

    @staticmethod
    def concat(parts: list["Periods"]) -> "Periods":
        return Periods(**{f.name: np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(Periods)})


@dataclass
class Participation:
    first: Periods  # every participant's first period (row i = participant i)
    second: Periods  # second periods of the participants who came back
    all: Periods  # both, ordered by participant then entry: the rows of participation.csv
    employment_status: np.ndarray  # per participant, at first entry (PIRL 400)
    low_income: np.ndarray  # per participant


def _funding(rng: np.random.Generator, age: np.ndarray) -> np.ndarray:
    n = age.size
    u = rng.random(n)
    minor = np.select([u < 0.70], [YOUTH], WAGNER_PEYSER)
    young = np.select([u < 0.45, u < 0.80, u < 0.95], [YOUTH, WAGNER_PEYSER, ADULT], DISLOCATED)
    adult = np.select([u < 0.48, u < 0.76], [WAGNER_PEYSER, ADULT], DISLOCATED)
    return np.where(age < 18, minor, np.where(age <= 24, young, adult))


def training_outcome(rng: np.random.Generator, enroll: np.ndarray, hours: np.ndarray,
                     p_never_done: float = 0.14) -> tuple[np.ndarray, np.ndarray]:
    """(status, completion day) of trainings starting on ``enroll`` lasting ``hours``."""
    n = enroll.size
    length = np.clip(np.ceil(hours / rng.uniform(12, 35, size=n) * 7), 3, 900).astype(np.int64)
    u = rng.random(n)
    status = np.where(u < p_never_done, ENROLLED, np.where(rng.random(n) < 0.75, COMPLETED, WITHDREW))
    done_share = np.where(status == WITHDREW, rng.uniform(0.05, 0.8, size=n), 1.0)
    completion = enroll + np.maximum(1, np.rint(length * done_share).astype(np.int64))
    status = np.where(completion > AS_OF, ENROLLED, status)
    completion = np.where(status == ENROLLED, NO_DATE, completion)
    return status, completion


def _periods(rng: np.random.Generator, person: np.ndarray, entry: np.ndarray, age: np.ndarray,
             home_lwda: np.ndarray, n_lwda: int, programs: Programs) -> Periods:
    n = person.size
    funding = _funding(rng, age)
    lwda = np.where(rng.random(n) < 0.95, home_lwda, rng.integers(0, n_lwda, size=n))

    trained = rng.random(n) < np.array([TRAINING_SHARE[f] for f in range(4)])[funding]
    program = np.where(trained, rng.choice(programs.n, size=n, p=programs.weight), -1)
    training_type = np.where(trained, rng.choice(len(TRAINING_TYPES), size=n, p=TRAINING_TYPE_SHARES), -1)
    enroll = entry + rng.integers(0, 46, size=n)
    status, completion = training_outcome(rng, enroll, programs.hours[np.maximum(program, 0)])
    status = np.where(trained, status, -1)
    completion = np.where(trained, completion, NO_DATE)
    enroll = np.where(trained, enroll, NO_DATE)

    # Length of participation: Wagner-Peyser is short (often a single day), others months.
    short = funding == WAGNER_PEYSER
    duration = np.where(short, rng.lognormal(np.log(45), 1.1, size=n), rng.lognormal(np.log(170), 0.7, size=n))
    duration = np.where(short & (rng.random(n) < 0.12), 0, np.clip(np.rint(duration), 1, 1000)).astype(np.int64)
    exit_ = entry + duration
    after_training = completion + rng.integers(0, 121, size=n)
    exit_ = np.where(trained & (status != ENROLLED), np.maximum(exit_, after_training), exit_)

    # Still active: in training, drawn as long-term (more likely for recent entries), or not yet exited.
    recency = (entry - ENTRY_START) / (ENTRY_END - ENTRY_START)
    active = (status == ENROLLED) | (rng.random(n) < 0.09 * recency) | (exit_ > AS_OF)
    exit_ = np.where(active, NO_DATE, exit_)

    excluded = ~active & (rng.random(n) < 0.03)
    reason = 1 + rng.choice(6, size=n, p=EXCLUSION_SHARES)
    reason = np.where((reason == 5) & (funding != YOUTH), 2, reason)  # foster care: youth only
    exit_reason = np.where(active, -1, np.where(excluded, reason, 0))
    return Periods(person=person, funding=funding, lwda=lwda, entry=entry, exit=exit_,
                   exit_reason=exit_reason, trained=trained, program=program,
                   training_type=training_type, enroll=enroll, completion=completion, status=status)


def generate(rng: np.random.Generator, people: Participants, ref: Reference, programs: Programs) -> Participation:
    n = people.n
    lwda_index = {c: i for i, c in enumerate(ref.lwdas)}
    home_lwda = np.array([lwda_index[c] for c in ref.county_lwda])[people.county]
    everyone = np.arange(n)
    first = _periods(rng, everyone, people.first_entry, people.age_at_first_entry,
                     home_lwda, ref.lwdas.size, programs)

    # Some come back for a second period after exiting (not after death or institutionalization).
    back = ~first.active & ~np.isin(first.exit_reason, (1, 3)) & (rng.random(n) < 0.36)
    entry2 = first.exit + rng.integers(30, 721, size=n)
    back &= (entry2 <= ENTRY_END) & (age_years(people.dob, np.minimum(entry2, ENTRY_END)) <= 75)
    who = np.flatnonzero(back)
    second = _periods(rng, who, entry2[who], age_years(people.dob[who], entry2[who]),
                      home_lwda[who], ref.lwdas.size, programs)

    both = Periods.concat([first, second])
    order = np.lexsort((both.entry, both.person))
    all_periods = both.take(order)

    # Employment status at (first) entry and low income follow the funding stream.
    f = first.funding
    u = rng.random(n)
    status = np.select(
        [f == DISLOCATED, f == YOUTH, f == ADULT],
        [np.where(u < 0.70, 0, 2),
         np.select([u < 0.35, u < 0.55], [0, 1], 3),
         np.select([u < 0.60, u < 0.85], [0, 1], 3)],
        np.select([u < 0.55, u < 0.90], [0, 1], 3),
    )
    low_income = (rng.random(n) < np.array([0.70, 0.20, 0.75, 0.35])[f]).astype(np.int64)
    return Participation(first=first, second=second, all=all_periods,
                         employment_status=status, low_income=low_income)


def participation_ids(n: int) -> pa.Array:
    return fmt.ids("PP", np.arange(1, n + 1), 8)


def table(periods: Periods, ref: Reference, n_participants: int) -> dict:
    """Columns of participation.csv in contract order."""
    active = periods.active
    return {
        "participation_id": participation_ids(periods.n),
        "individual_id": individual_ids(n_participants).take(pa.array(periods.person)),
        "funding_stream": fmt.take(FUNDING_STREAMS, periods.funding),
        "lwda_code": fmt.take(ref.lwdas, periods.lwda),
        "entry_date": fmt.dates(periods.entry),
        "exit_date": fmt.dates(periods.exit),
        "exit_reason": fmt.take(["00", "01", "02", "03", "04", "05", "06"], np.maximum(periods.exit_reason, 0),
                                missing=active),
    }
