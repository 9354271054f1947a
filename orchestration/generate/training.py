"""Training records as providers report them: one per WIOA training service, plus the
providers' other students who never came through the job center."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from . import formatting as fmt
from .formatting import NO_DATE
from .names import LAST_NAMES
from .participation import COMPLETED, ENROLLED, TRAINING_STATUSES, WITHDREW, Periods, training_outcome
from .people import FIRST_NAMES, Participants, draw_names, draw_ssns, identity_key
from .providers import Programs
from .timeframe import AS_OF, ENTRY_START, NON_WIOA_ENROLL_END

NON_WIOA_SHARE = 0.30  # extra students per WIOA-funded training record
CREDENTIAL_CODES = np.array([2, 3, 4, 5, 6, 7])


@dataclass
class Students:
    """Students outside the job center (they still earn wages under their own SSN)."""

    ssn: np.ndarray
    dob: np.ndarray
    enroll: np.ndarray
    completion: np.ndarray  # NO_DATE while enrolled
    status: np.ndarray
    program: np.ndarray

    @property
    def n(self) -> int:
        return self.ssn.size


def _credentials(rng: np.random.Generator, status: np.ndarray, completion: np.ndarray,
                 usual: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(PIRL 1800 credential type, credential date) for training outcomes."""
    n = status.size
    earned = np.where(status == COMPLETED, rng.random(n) < 0.85,
                      np.where(status == WITHDREW, rng.random(n) < 0.04, False))
    ctype = np.where(rng.random(n) < 0.85, usual, CREDENTIAL_CODES[rng.integers(0, 6, size=n)])
    ctype = np.where(status == WITHDREW, 7, ctype)
    u = rng.random(n)
    delay = np.select([u < 0.85, u < 0.95],
                      [rng.integers(0, 91, size=n), rng.integers(91, 366, size=n)],
                      rng.integers(366, 541, size=n))  # some arrive more than a year later
    cdate = completion + delay
    earned &= (completion != NO_DATE) & (cdate <= AS_OF)
    return np.where(earned, ctype, 0), np.where(earned, cdate, NO_DATE)


def generate(rng: np.random.Generator, people: Participants, periods: Periods, programs: Programs,
             program_ids: pa.Array) -> tuple[dict, Students]:
    # WIOA-funded students: the trained periods, same person as in the job center.
    t = np.flatnonzero(periods.trained)
    person = periods.person[t]
    w_n = t.size
    # ~10% of their records come without SSN, only where name and birth date identify the
    # participant unambiguously (and the job center has the SSN).
    linkable = people.identity_unique[person] & ~people.ssn_missing[person]
    linkable_share = linkable.mean() if w_n else 1.0
    w_missing = linkable & (rng.random(w_n) < 0.10 / max(linkable_share, 1e-9))

    # Other students of the same providers.
    s_n = int(round(NON_WIOA_SHARE * w_n))
    s_sex = np.where(rng.random(s_n) < 0.52, 2, 1)
    s_first, s_last = draw_names(rng, s_sex)
    s_enroll = rng.integers(ENTRY_START, NON_WIOA_ENROLL_END + 1, size=s_n)
    s_age = rng.integers(17, 61, size=s_n)
    s_dob = s_enroll - np.rint((s_age + rng.uniform(0.02, 0.98, size=s_n)) * 365.25).astype(np.int64)
    taken = identity_key(people.first_name, people.last_name, people.dob)
    for _ in range(100):  # move the rare namesake with a participant's birth date by a day
        clash = np.isin(identity_key(s_first, s_last, s_dob), taken)
        if not clash.any():
            break
        s_dob = s_dob - clash
    s_ssn = draw_ssns(rng, s_n, exclude=people.ssn)
    s_program = rng.choice(programs.n, size=s_n, p=programs.weight)
    s_status, s_completion = training_outcome(rng, s_enroll, programs.hours[s_program], p_never_done=0.08)

    program = np.concatenate([periods.program[t], s_program])
    status = np.concatenate([periods.status[t], s_status])
    enroll = np.concatenate([periods.enroll[t], s_enroll])
    completion = np.concatenate([periods.completion[t], s_completion])
    first = np.concatenate([people.first_name[person], s_first])
    last = np.concatenate([people.last_name[person], s_last])
    dob = np.concatenate([people.dob[person], s_dob])
    ssn = np.concatenate([people.ssn[person], s_ssn])
    missing = np.concatenate([w_missing, np.zeros(s_n, bool)])
    dashed = ~missing & (rng.random(w_n + s_n) < 0.15)
    ctype, cdate = _credentials(rng, status, completion, programs.credential[program])

    order = np.lexsort((program, enroll))
    program, status, enroll, completion, first, last, dob, ssn, missing, dashed, ctype, cdate = (
        a[order] for a in (program, status, enroll, completion, first, last, dob, ssn, missing, dashed,
                           ctype, cdate))
    columns = {
        "record_id": fmt.ids("TR", np.arange(1, w_n + s_n + 1), 8),
        "program_id": program_ids.take(pa.array(program)),
        "ssn": fmt.ssn_text(ssn, dashed, missing),
        "first_name": fmt.take(FIRST_NAMES, first),
        "last_name": fmt.take(LAST_NAMES, last),
        "date_of_birth": fmt.dates(dob),
        "enrollment_date": fmt.dates(enroll),
        "completion_date": fmt.dates(completion),
        "completion_status": fmt.take(TRAINING_STATUSES, status),
        "credential_type": fmt.ints(ctype),
        "credential_date": fmt.dates(cdate),
    }
    assert ((status == ENROLLED) == (completion == NO_DATE)).all()
    return columns, Students(ssn=s_ssn, dob=s_dob, enroll=s_enroll, completion=s_completion,
                             status=s_status, program=s_program)
