"""Services received during each period of participation."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from . import formatting as fmt
from .formatting import NO_DATE
from .participation import TRAINING_TYPES, Periods, participation_ids
from .providers import Programs
from .timeframe import AS_OF

SERVICE_TYPES = ("basic_career", "individualized_career", "training", "supportive", "follow_up")
BASIC, INDIVIDUALIZED, TRAINING, SUPPORTIVE, FOLLOW_UP = range(5)
ITA_CAP_CENTS = 10_000_00  # individual training accounts pay tuition up to this


def generate(rng: np.random.Generator, periods: Periods, programs: Programs, program_ids: pa.Array) -> dict:
    """Columns of services.csv: 1-4 services per period, one of them training when trained."""
    n = periods.n
    trained = periods.trained
    count = np.where(trained, 2 + rng.choice(3, size=n, p=[0.45, 0.35, 0.20]),
                     1 + rng.choice(4, size=n, p=[0.40, 0.30, 0.18, 0.12]))
    row_period = np.repeat(np.arange(n), count)
    starts = np.cumsum(count) - count
    slot = np.arange(row_period.size) - np.repeat(starts, count)
    m = row_period.size

    entry = periods.entry[row_period]
    end = np.where(periods.active[row_period], AS_OF, periods.exit[row_period])
    date = entry + np.floor(rng.random(m) * (end - entry + 1)).astype(np.int64)
    kind = rng.choice([BASIC, INDIVIDUALIZED, SUPPORTIVE, FOLLOW_UP], size=m, p=[0.25, 0.35, 0.25, 0.15])
    first = slot == 0  # the service that opened the period
    date = np.where(first, entry, date)
    kind = np.where(first, np.where(rng.random(m) < 0.7, BASIC, INDIVIDUALIZED), kind)
    is_training = trained[row_period] & (slot == 1)
    date = np.where(is_training, periods.enroll[row_period], date)
    kind = np.where(is_training, TRAINING, kind)

    program = np.where(is_training, periods.program[row_period], -1)
    ttype = np.where(is_training, periods.training_type[row_period], -1)
    tuition = programs.tuition_cents[np.maximum(program, 0)]
    ttype_name = np.asarray(TRAINING_TYPES)[np.maximum(ttype, 0)]
    cost = np.select(
        [kind == BASIC, kind == FOLLOW_UP, kind == INDIVIDUALIZED, kind == SUPPORTIVE,
         is_training & (ttype_name == "ojt"), is_training & (ttype_name == "customized")],
        [0, 0,
         np.where(rng.random(m) < 0.5, 0, fmt.to_cents(rng.uniform(25, 600, size=m))),
         fmt.to_cents(rng.uniform(20, 1500, size=m)),
         fmt.to_cents(rng.uniform(1500, 9000, size=m)),
         fmt.to_cents(rng.uniform(500, 5000, size=m))],
        np.minimum(tuition, ITA_CAP_CENTS),
    )

    order = np.lexsort((slot, date, row_period))
    row_period, date, kind, ttype, program, cost = (
        a[order] for a in (row_period, date, kind, ttype, program, cost))
    assert not (date == NO_DATE).any()
    none = program < 0
    return {
        "service_id": fmt.ids("S", np.arange(1, m + 1), 9),
        "participation_id": participation_ids(n).take(pa.array(row_period)),
        "service_date": fmt.dates(date),
        "service_type": fmt.take(SERVICE_TYPES, kind),
        "training_type": fmt.take(TRAINING_TYPES, np.maximum(ttype, 0), missing=none),
        "program_id": program_ids.take(pa.array(np.maximum(program, 0), mask=none)),
        "cost": fmt.money(cost),
    }
