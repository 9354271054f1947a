"""Training providers and their programs (the state's ETPL)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from . import formatting as fmt
from .reference import PROGRAM_TYPES, STATE_POSTAL, Reference

HEALTH = ("51.3901", "51.3801", "51.3902", "51.0801", "51.0904", "51.0805", "51.0710", "51.0713", "51.1009", "51.0601")
TRADES = ("48.0508", "48.0501", "47.0201", "46.0302", "46.0503", "47.0604", "47.0303")
OFFICE_IT = ("11.1006", "11.0901", "11.1003", "52.0302", "52.0401", "52.0201", "52.0411", "52.0205")

# (name ending, ETA-9171 type of entity, programs it offers (None = any), share of providers)
PROVIDER_KINDS = (
    ("Community College", 1, None, 0.16),
    ("State University", 2, HEALTH + OFFICE_IT, 0.04),
    ("Career Center", 3, None, 0.16),
    ("Technical Institute", 4, TRADES + OFFICE_IT, 0.14),
    ("Truck Driving School, LLC", 5, ("49.0205",), 0.12),
    ("Health Careers Institute", 5, HEALTH, 0.14),
    ("Beauty Academy", 5, ("12.0401",), 0.05),
    ("Apprenticeship Training Center", 6, TRADES, 0.06),
    ("Adult Education Center", 7, ("53.0201", "32.0101", "52.0411", "51.3902"), 0.06),
    ("Learning Center, Inc.", 8, OFFICE_IT + ("12.0500",), 0.07),
)
PLACES = (
    "Buckeye", "Great Lakes", "Lake Erie", "Ohio Valley", "Heartland", "Maumee Valley",
    "Cuyahoga Valley", "Miami Valley", "Scioto", "Tri-County", "Western Reserve", "Northcoast",
    "Mid-Ohio", "Blackhand", "Cardinal", "Riverside", "Summit Ridge", "Appleseed",
)
CAMPUS = ("", " - North Campus", " - South Campus", " - East Campus", " - West Campus", " - Downtown")
HANDS_ON = ("49.0205", "48.0508", "48.0501", "47.0201", "46.0302", "46.0503", "47.0604",
            "47.0303", "12.0401", "12.0500", "51.3902", "51.1009", "51.0601", "51.0904")
NAME_SUFFIX = ("", " Certificate", " Program", " Training", " (Evening)", " - Accelerated")
DELIVERY_MODES = ("in_person", "hybrid", "online")
ETPL_STATUSES = ("approved", "pending", "removed")


@dataclass
class Programs:
    provider: np.ndarray  # index into providers
    cip: np.ndarray  # CIP code (str)
    soc: np.ndarray  # SOC index into Reference.soc_codes, -1 for none
    tuition_cents: np.ndarray
    hours: np.ndarray
    credential: np.ndarray  # usual PIRL 1800 credential code on completion
    status: np.ndarray  # index into ETPL_STATUSES
    weight: np.ndarray  # probability a training participant picks it

    @property
    def n(self) -> int:
        return self.cip.size


def generate(rng: np.random.Generator, n_providers: int, ref: Reference) -> tuple[dict, dict, Programs]:
    """Columns of providers.csv and programs.csv, and the program facts other steps need."""
    shares = np.array([k[3] for k in PROVIDER_KINDS])
    kind = rng.choice(len(PROVIDER_KINDS), size=n_providers, p=shares / shares.sum())
    kind[: len(PROVIDER_KINDS)] = np.arange(min(n_providers, len(PROVIDER_KINDS)))  # every kind appears
    county = rng.choice(ref.counties.size, size=n_providers, p=ref.county_weight)
    place = rng.integers(0, len(PLACES), size=n_providers)
    base = pd.Series(np.asarray(PLACES)[place]) + " " + pd.Series([PROVIDER_KINDS[k][0] for k in kind])
    nth = base.groupby(base).cumcount().to_numpy()
    campus = np.where(nth < len(CAMPUS), np.asarray(CAMPUS)[np.minimum(nth, len(CAMPUS) - 1)],
                      " - Site " + pd.Series(nth + 1).astype(str).to_numpy())
    provider_name = (base + pd.Series(campus)).to_numpy()
    entity_type = np.array([PROVIDER_KINDS[k][1] for k in kind])
    provider_ids = fmt.ids("TP", np.arange(1, n_providers + 1), 5)

    providers = {
        "provider_id": provider_ids,
        "provider_name": pa.array(provider_name, type=pa.string()),
        "entity_type": fmt.ints(entity_type),
        "county_fips": fmt.take(ref.counties, county),
        "state": pa.array(np.full(n_providers, STATE_POSTAL), type=pa.string()),
    }

    # Programs: ~3 per provider, from the CIPs its kind offers, popular ones more often.
    per_provider = np.clip(2 + rng.poisson(1.0, size=n_providers), 1, 6)
    narrow = np.isin(kind, [i for i, k in enumerate(PROVIDER_KINDS) if k[2] is not None and len(k[2]) <= 2])
    per_provider = np.where(narrow, np.minimum(per_provider, 3), per_provider)  # e.g. CDL day/evening/weekend
    prog_provider = np.repeat(np.arange(n_providers), per_provider)
    prog_kind = kind[prog_provider]
    n = prog_provider.size
    all_cips = np.array(list(PROGRAM_TYPES))
    popularity = np.array([PROGRAM_TYPES[c].popularity for c in all_cips], dtype=np.float64)
    cip = np.empty(n, dtype=all_cips.dtype)
    for k, (_, _, offered, _) in enumerate(PROVIDER_KINDS):
        rows = np.flatnonzero(prog_kind == k)
        allowed = np.isin(all_cips, offered) if offered is not None else np.ones(all_cips.size, bool)
        w = np.where(allowed, popularity, 0.0)
        cip[rows] = all_cips[rng.choice(all_cips.size, size=rows.size, p=w / w.sum())]

    ptype = [PROGRAM_TYPES[c] for c in cip]
    soc_of = {s: i for i, s in enumerate(ref.soc_codes)}
    soc = np.array([soc_of[p.soc] if p.soc else -1 for p in ptype])
    soc = np.where(rng.random(n) < 0.04, -1, soc)  # some providers report no target occupation
    tuition = np.array([p.tuition for p in ptype]) * rng.lognormal(0.0, 0.25, size=n)
    tuition_cents = np.rint(tuition / 5).astype(np.int64) * 500  # whole $5 amounts
    hours = np.maximum(1, np.rint(np.array([p.hours for p in ptype]) * rng.uniform(0.75, 1.3, size=n))).astype(np.int64)
    delivery = rng.choice(3, size=n, p=[0.62, 0.24, 0.14])
    delivery = np.where((delivery == 2) & np.isin(cip, HANDS_ON), 1, delivery)
    status = rng.choice(3, size=n, p=[0.86, 0.06, 0.08])
    potential = rng.choice(10, size=n, p=[0.01, 0.10, 0.05, 0.05, 0.34, 0.25, 0.10, 0.05, 0.03, 0.02])
    suffix = np.asarray(NAME_SUFFIX)[rng.choice(len(NAME_SUFFIX), size=n, p=[0.4, 0.2, 0.15, 0.1, 0.1, 0.05])]
    name = pd.Series([p.short_name for p in ptype]) + pd.Series(suffix)

    programs = {
        "program_id": fmt.ids("PRG", np.arange(1, n + 1), 6),
        "provider_id": provider_ids.take(pa.array(prog_provider)),
        "program_name": pa.array(name.to_numpy(), type=pa.string()),
        "cip_code": pa.array(cip, type=pa.string()),
        "soc_code": fmt.take(ref.soc_codes, np.maximum(soc, 0), missing=soc < 0),
        "potential_outcome": pa.array(potential.astype(str), type=pa.string()),
        "tuition_cost": fmt.money(tuition_cents),
        "length_hours": fmt.ints(hours),
        "delivery_mode": fmt.take(DELIVERY_MODES, delivery),
        "etpl_status": fmt.take(ETPL_STATUSES, status),
    }
    weight = np.array([p.popularity for p in ptype], dtype=np.float64) * np.array([1.0, 0.15, 0.3])[status]
    facts = Programs(
        provider=prog_provider, cip=cip, soc=soc, tuition_cents=tuition_cents, hours=hours,
        credential=np.array([p.credential for p in ptype]), status=status, weight=weight / weight.sum(),
    )
    return providers, programs, facts
