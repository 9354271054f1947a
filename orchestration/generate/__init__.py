"""Synthetic feeds for o4o: a complete, internally consistent landing zone (feeds.md).

``generate(out_dir, participants, seed)`` writes every entity of the feed contract under
``out_dir`` (``providers/``, ``job_center/``, ``labor_market/``) and returns a summary.
The same seed always produces byte-identical files; the calendar is fixed (entries
2019-07-01..2024-06-30, wage quarters 2018q1..2025q2), independent of today's date.

Modules, one job each:
  timeframe     the fixed calendar and vectorized date helpers
  reference     code lists from the dbt seeds + built-in economics (wages, industries)
  names         built-in first/last name lists
  formatting    values -> contract text (ids, SSNs, money, dates)
  writer        CSV files exactly as the contract describes them
  providers     ETPL providers and programs
  people        participants (identity, demographics, SSNs)
  participation periods of participation with their training plans
  services      services per period
  training      provider training records (WIOA and other students)
  employers     employer pool (UI accounts, NAICS) and hiring draws
  wages         quarterly wage records, simulated and written quarter by quarter
  labor_market  LAUS, OEWS and UI claims
  federal       issue 16's optional fields (skill gains, Youth placements, case-record
                credentials, barriers, school status) and supplemental wages
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Callable

import numpy as np

from . import federal, labor_market, participation, people, providers, reference, services, training, wages
from .employers import Employers
from .writer import FeedWriter

__all__ = ["generate"]

# Independent random streams, one per step, so changing one step never shifts another.
_STREAMS = ("providers", "people", "participation", "services", "training", "workers", "employers",
            "wages", "laus", "oews", "ui_claims", "federal")


def generate(out_dir: Path, participants: int, seed: int,
             progress: Callable[[str], None] | None = None, *, seeds_dir: Path | None = None,
             coalition: int = 0) -> dict:
    """Write a full set of synthetic feed files for ``participants`` people under ``out_dir``.

    ``coalition`` > 1 also writes an example data-sharing agreement among that many boards,
    ``out_dir/coalition.yml`` (coalition.py; docs/coalition.md).

    Returns ``{"rows": {entity: rows}, "files": [relative paths], ...}``.
    """
    if participants < 1:
        raise ValueError("participants must be at least 1")
    if seed < 0:  # numpy's own message ("expected non-negative integer") names no argument
        raise ValueError(f"seed must be a whole number >= 0, not {seed}")
    if coalition and not 2 <= coalition <= 5:
        raise ValueError(f"--coalition takes 2 to 5 members (the generated state has 5 local areas), not {coalition}")
    started = time.perf_counter()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    say = progress or (lambda message: None)
    rngs = dict(zip(_STREAMS, (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(len(_STREAMS)))))
    ref = reference.load(seeds_dir)
    out = FeedWriter(out_dir, say)

    n_providers = max(5, round(participants / 200))
    provider_cols, program_cols, programs = providers.generate(rngs["providers"], n_providers, ref)
    out.write("providers", provider_cols)
    out.write("programs", program_cols)
    program_ids = program_cols["program_id"]

    who = people.generate(rngs["people"], participants, ref)
    part = participation.generate(rngs["participation"], who, ref, programs)
    extra = federal.generate(rngs["federal"], who, part)  # issue 16's optional fields
    out.write("participants", {**people.table(who, ref, part.employment_status, part.low_income),
                               **extra.participants})
    out.write("participation", {**participation.table(part.all, ref, who.n), **extra.participation})
    out.write("services", services.generate(rngs["services"], part.all, programs, program_ids))
    record_cols, students = training.generate(rngs["training"], who, part.all, programs, program_ids)
    out.write("training_records", record_cols)

    workers = wages.build_workers(rngs["workers"], who, part, students, programs, ref)
    employers = Employers(rngs["employers"], max(50, workers.n // 25), ref)
    say(f"wage records: {workers.n:,} workers, {employers.n:,} employers")
    wages.write_quarters(rngs["wages"], workers, employers, ref,
                         lambda columns, stem: out.write("wage_records", columns, stem))

    out.write("supplemental_wages", extra.supplemental_wages)
    out.write("laus", labor_market.laus(rngs["laus"], ref))
    out.write("oews", labor_market.oews(rngs["oews"], ref))
    out.write("ui_claims", labor_market.ui_claims(rngs["ui_claims"], ref))

    summary = out.summary()
    if coalition:
        from .coalition import write_example_agreement

        areas = sorted({(r["lwda_code"], r["lwda_name"]) for r in reference.area_rows(seeds_dir)})
        summary["coalition_file"] = str(write_example_agreement(out_dir, areas, coalition))
        say(f"coalition agreement: {summary['coalition_file']} ({coalition} boards)")
    summary.update(out_dir=str(out_dir), participants=participants, seed=seed,
                   seconds=round(time.perf_counter() - started, 1))
    say(f"done: {sum(summary['rows'].values()):,} rows in {len(summary['files'])} files "
        f"({summary['seconds']} s)")
    return summary
