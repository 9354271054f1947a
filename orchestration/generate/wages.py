"""UI quarterly wage records, simulated quarter by quarter and written as they go.

Each worker (job-center participant or other training student) carries a few arrays of
state (employed?, employer, occupation); one quarter is one vectorized step, so memory
stays at a few arrays per worker plus one quarter of rows, whatever the population.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Callable

import numpy as np
import pyarrow as pa

from . import formatting as fmt
from .employers import Employers
from .formatting import NO_DATE
from .participation import COMPLETED, DISLOCATED, Participation, Periods
from .people import Participants
from .providers import Programs
from .reference import DISLOCATED_OCCUPATIONS, ENTRY_OCCUPATIONS, Reference
from .timeframe import N_WAGE_QUARTERS, day, quarter_index, quarter_label
from .training import Students

NEVER = 10**6  # a quarter index that never comes
SHARE_WITH_WAGES = 0.85  # people found in the state's wage records at all
PERSISTENCE = 0.80  # chance a worker keeps last quarter's employment state
JOB_CHANGE = 0.04  # quarterly chance an employed worker changes employer
MULTIPLE_JOBHOLDERS = 0.15  # workers who hold a second job in some quarters
ZERO_WAGE = 0.002  # employer reports a record with 0.00 wages
PANDEMIC = {9: 0.72, 10: 0.86, 11: 0.94}  # 2020q2..2020q4 employment multipliers
SWITCH_TO_TARGET = 0.75  # completers who go to work in the program's target occupation


@dataclass
class Workers:
    ssn: np.ndarray
    pb: np.ndarray  # baseline probability of being employed in a quarter
    entry_q: np.ndarray
    exit_q: np.ndarray  # NEVER while active
    status_at_entry: np.ndarray  # PIRL 400 at first entry, -1 when unknown
    dislocated: np.ndarray
    deceased_q: np.ndarray
    train_start_q: np.ndarray  # NEVER without training
    train_end_q: np.ndarray  # NEVER while enrolled or without training
    completed: np.ndarray
    target: np.ndarray  # target SOC index (switch on completion), -1 none
    occupation: np.ndarray  # SOC index before training
    age0: np.ndarray  # age in years at 2018-01-01
    level: np.ndarray  # personal wage factor
    hours: np.ndarray  # share of full-time
    multi: np.ndarray  # sometimes holds a second job

    def take(self, rows: np.ndarray) -> "Workers":
        return Workers(**{f.name: getattr(self, f.name)[rows] for f in fields(self)})

    @property
    def n(self) -> int:
        return self.ssn.size


def _q(days: np.ndarray) -> np.ndarray:
    return np.where(days == NO_DATE, NEVER, quarter_index(np.where(days == NO_DATE, 0, days)))


def _latest_training(first: Periods, second: Periods, n: int) -> tuple[np.ndarray, ...]:
    """Per participant: (enroll, completion, status, program) of the latest training."""
    enroll = np.where(first.trained, first.enroll, NO_DATE)
    completion, status, program = first.completion.copy(), first.status.copy(), first.program.copy()
    later = second.trained
    who = second.person[later]
    enroll[who] = second.enroll[later]
    completion[who] = second.completion[later]
    status[who] = second.status[later]
    program[who] = second.program[later]
    return enroll, completion, status, program


def _choose(rng: np.random.Generator, table: dict, n: int, ref: Reference) -> np.ndarray:
    codes = list(table)
    w = np.array(list(table.values()), dtype=np.float64)
    index = np.array([ref.soc_index(c) for c in codes])
    return index[rng.choice(len(codes), size=n, p=w / w.sum())]


def build_workers(rng: np.random.Generator, people: Participants, part: Participation,
                  students: Students, programs: Programs, ref: Reference) -> Workers:
    n, m = people.n, students.n
    first, second = part.first, part.second
    last_exit = first.exit.copy()
    last_exit[second.person] = second.exit
    deceased = np.full(n, NO_DATE)
    for periods in (first, second):
        dead = periods.exit_reason == 3
        deceased[periods.person[dead]] = periods.exit[dead]
    enroll, completion, status, program = _latest_training(first, second, n)
    dislocated = first.funding == DISLOCATED

    occupation = np.where(dislocated, _choose(rng, DISLOCATED_OCCUPATIONS, n, ref),
                          _choose(rng, ENTRY_OCCUPATIONS, n, ref))
    s_occupation = _choose(rng, ENTRY_OCCUPATIONS, m, ref)
    start_2018 = day("2018-01-01")

    def target_of(prog, done):
        soc = programs.soc[np.maximum(prog, 0)]
        switch = done & (prog >= 0) & (soc >= 0) & (rng.random(prog.size) < SWITCH_TO_TARGET)
        return np.where(switch, soc, -1)

    w = Workers(
        ssn=np.concatenate([people.ssn, students.ssn]),
        pb=np.concatenate([rng.beta(5.0, 1.3, size=n), rng.beta(5.0, 1.2, size=m)]),
        entry_q=np.concatenate([_q(first.entry), _q(students.enroll)]),
        exit_q=np.concatenate([_q(last_exit), _q(students.completion)]),
        status_at_entry=np.concatenate([part.employment_status, np.full(m, -1)]),
        dislocated=np.concatenate([dislocated, np.zeros(m, bool)]),
        deceased_q=np.concatenate([_q(deceased), np.full(m, NEVER)]),
        train_start_q=np.concatenate([_q(enroll), _q(students.enroll)]),
        train_end_q=np.concatenate([_q(completion), _q(students.completion)]),
        completed=np.concatenate([status == COMPLETED, students.status == COMPLETED]),
        target=np.concatenate([target_of(program, status == COMPLETED),
                               target_of(students.program, students.status == COMPLETED)]),
        occupation=np.concatenate([occupation, s_occupation]),
        age0=np.concatenate([(start_2018 - people.dob), (start_2018 - students.dob)]) / 365.25,
        level=np.concatenate([rng.lognormal(-0.15, 0.30, size=n), rng.lognormal(-0.05, 0.30, size=m)]),
        hours=np.ones(n + m),
        multi=rng.random(n + m) < MULTIPLE_JOBHOLDERS,
    )
    part_time = rng.random(n + m) < np.where(w.age0 < 22, 0.45, 0.20)
    w.hours = np.where(part_time, rng.uniform(0.3, 0.75, size=n + m), rng.uniform(0.9, 1.1, size=n + m))
    # Only ~85% ever appear in the wage records (others work out of state, federally, not at all...).
    found = rng.random(n + m) < SHARE_WITH_WAGES
    w = w.take(np.flatnonzero(found))
    return w.take(np.argsort(w.ssn, kind="stable"))


def write_quarters(rng: np.random.Generator, workers: Workers, employers: Employers, ref: Reference,
                   write: Callable[[dict, str], object]) -> int:
    """Simulate every wage quarter and hand each quarter's columns to ``write``."""
    w = workers
    n = w.n
    quarterly_wage = ref.soc_annual_wage / 4.0
    ssn_text = fmt.padded(w.ssn, 9)
    employed = np.zeros(n, bool)
    employer = np.full(n, -1, dtype=np.int64)
    occupation = w.occupation.copy()
    second_job = employers.draw(rng, occupation)
    total = 0
    for t in range(N_WAGE_QUARTERS):
        year, quarter = quarter_label(t)
        age = w.age0 + t / 4.0
        during = (t >= w.entry_q) & (t <= w.exit_q)
        training_now = (t >= w.train_start_q) & (t <= w.train_end_q)
        after_completion = w.completed & (t > w.train_end_q)
        mult = np.full(n, 0.9)
        mult = np.where((t < w.entry_q) & w.dislocated, 1.15, mult)
        # the dip before entry: people come to the job center after losing work
        mult = np.where((t >= w.entry_q - 2) & (t < w.entry_q) & ~w.dislocated, 0.75, mult)
        mult = np.where(during, 0.75, mult)
        mult = np.where(training_now, 0.6, mult)
        mult = np.where(t > w.exit_q, 1.0, mult)
        mult = np.where(after_completion, 1.25, mult)
        mult = mult * PANDEMIC.get(t, 1.0)
        mult = mult * np.select([age < 16, age < 18, age >= 66], [0.1, 0.6, 0.5], 1.0)
        p = np.clip(w.pb * mult, 0.0, 0.97)

        # Right after training or exit people look for work anew: last quarter's state matters less.
        fresh = ((w.completed & (t > w.train_end_q) & (t <= w.train_end_q + 2))
                 | ((t > w.exit_q) & (t <= w.exit_q + 2)))
        keep = rng.random(n) < (np.where(fresh, 0.3, PERSISTENCE) if t else 0.0)
        now = np.where(keep, employed, rng.random(n) < p)
        # What the job center recorded at entry holds; dislocated workers had a job before.
        lost_soon = w.dislocated & ((t == w.entry_q - 1) | (t == w.entry_q - 2))
        now = np.where(lost_soon, rng.random(n) < 0.9, now)
        at_entry = (t == w.entry_q) & (w.status_at_entry >= 0)
        now = np.where(at_entry, np.isin(w.status_at_entry, (1, 2)), now)
        now = np.where((t == w.entry_q + 1) & (w.status_at_entry == 2), False, now)
        now &= t <= w.deceased_q

        switch = (w.target >= 0) & (t == w.train_end_q + 1)
        occupation = np.where(switch, w.target, occupation)
        started = now & ~employed if t else np.zeros(n, bool)  # 2018q1 jobs began earlier
        recall = started & (employer >= 0) & (rng.random(n) < 0.3)  # back to the last employer
        changed = now & employed & ((rng.random(n) < JOB_CHANGE) | switch)
        hire = np.flatnonzero((started & ~recall) | changed | (now & (employer < 0)))
        previous = employer.copy()
        drawn = employers.draw(rng, occupation[hire])
        drawn = np.where(drawn == previous[hire], (drawn + 1) % employers.n, drawn)
        employer[hire] = drawn

        level = (quarterly_wage[occupation] * w.level * w.hours * 1.03 ** (t / 4.0)
                 * np.where(after_completion, 1.08, 1.0) * rng.lognormal(0.0, 0.10, size=n))
        partial = np.where(started | changed, rng.uniform(0.15, 1.0, size=n), 1.0)
        old_job = changed & w.multi & (rng.random(n) < 0.6)  # overlapping last quarter at the old job
        second = now & w.multi & (rng.random(n) < 0.5)
        u_old, u_second = rng.uniform(0.1, 0.7, size=n), rng.uniform(0.08, 0.45, size=n)

        primary = np.flatnonzero(now)
        leavers = np.flatnonzero(old_job)
        seconds = np.flatnonzero(second)
        person = np.concatenate([primary, leavers, seconds])
        job = np.concatenate([employer[primary], previous[leavers], second_job[seconds]])
        dollars = np.concatenate([level[primary] * partial[primary], level[leavers] * u_old[leavers],
                                  level[seconds] * u_second[seconds]])
        cents = np.minimum(fmt.to_cents(dollars), 99_999_999)
        cents = np.where(rng.random(cents.size) < ZERO_WAGE, 0, cents)
        # One row per (person, employer): the first (primary) wins; sorted by SSN then employer.
        _, first_row = np.unique(person * employers.n + job, return_index=True)
        person, job, cents = person[first_row], job[first_row], cents[first_row]

        employed = now
        write({
            "ssn": ssn_text.take(pa.array(person)),
            "employer_id": employers.take_ids(job),
            "naics_code": employers.take_naics(job),
            "year": pa.array(np.full(person.size, year, dtype=np.int64)),
            "quarter": pa.array(np.full(person.size, quarter, dtype=np.int64)),
            "wages": fmt.money(cents),
        }, f"wage_records_{year}q{quarter}")
        total += person.size
    return total
