"""Reference data the generator draws from.

The code lists (counties/LWDAs, CIP, SOC, NAICS) are read from the dbt seeds under
``seeds/`` so the synthetic feeds only use codes the warehouse knows.  The economics
that have no place in a code list (labor force by county, typical wages by
occupation, which program trains for which occupation, which industries employ an
occupation) are built in here and checked against the seeds at load time.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

DEFAULT_SEEDS_DIR = Path(__file__).resolve().parents[2] / "seeds"

STATE_POSTAL = "OH"
STATE_FIPS = "39"

# Approximate civilian labor force (persons) by county, used to size LAUS, UI claims and
# where participants live.
COUNTY_LABOR_FORCE = {
    "39041": 118_000, "39045": 82_000, "39049": 705_000, "39089": 88_000,
    "39035": 610_000, "39085": 122_000, "39093": 152_000, "39103": 96_000,
    "39017": 198_000, "39025": 106_000, "39061": 420_000, "39165": 124_000,
    "39057": 84_000, "39095": 208_000, "39113": 258_000, "39173": 70_000,
    "39099": 108_000, "39151": 180_000, "39153": 282_000, "39155": 86_000,
}
# Percentage points added to the statewide unemployment rate in a county.
COUNTY_RATE_OFFSET = {
    "39041": -0.6, "39045": -0.4, "39049": -0.1, "39089": -0.3,
    "39035": 0.6, "39085": -0.2, "39093": 0.3, "39103": -0.5,
    "39017": -0.2, "39025": -0.3, "39061": 0.1, "39165": -0.5,
    "39057": -0.3, "39095": 0.7, "39113": 0.4, "39173": -0.4,
    "39099": 0.7, "39151": 0.3, "39153": 0.2, "39155": 0.8,
}

# SOC -> (state employment, median annual wage in 2019 dollars).
SOC_ECONOMICS = {
    "11-1011": (6_800, 221_000), "11-1021": (98_000, 98_500), "15-1212": (6_900, 99_000),
    "15-1232": (21_500, 50_500), "15-1244": (10_800, 83_000), "29-1141": (129_000, 72_500),
    "29-2042": (9_400, 36_500), "29-2052": (13_900, 33_000), "29-2061": (39_500, 47_500),
    "29-2072": (9_600, 43_000), "31-1122": (98_000, 24_800), "31-1131": (74_500, 29_300),
    "31-9091": (10_900, 38_700), "31-9092": (21_000, 33_900), "31-9097": (5_400, 35_000),
    "35-2014": (47_000, 27_000), "35-3023": (143_000, 21_300), "37-2011": (57_000, 28_800),
    "39-5012": (13_200, 27_200), "41-2011": (121_000, 22_300), "41-2031": (131_000, 25_600),
    "43-3031": (47_500, 40_000), "43-4051": (102_000, 35_200), "43-6013": (17_600, 35_000),
    "43-6014": (75_000, 36_500), "47-2111": (20_300, 58_500), "47-2152": (14_300, 58_000),
    "49-3023": (23_400, 41_500), "49-9021": (10_900, 50_300), "49-9041": (17_800, 53_000),
    "51-1011": (39_800, 61_000), "51-2092": (68_000, 35_000), "51-4041": (26_000, 44_000),
    "51-4121": (19_500, 42_000), "53-3032": (69_000, 48_000), "53-7062": (143_000, 32_000),
    "53-7065": (85_000, 29_000),
}

# Occupations people hold before training (job seekers' typical jobs), with weights.
ENTRY_OCCUPATIONS = {
    "41-2031": 10, "41-2011": 10, "35-3023": 10, "53-7062": 10, "53-7065": 8,
    "37-2011": 6, "31-1122": 7, "51-2092": 8, "43-4051": 8, "35-2014": 5,
    "31-1131": 4, "43-6014": 4, "53-3032": 2, "51-4121": 2, "51-1011": 1,
    "49-3023": 2, "43-3031": 2, "11-1021": 1,
}
# Dislocated workers more often come from production and office jobs.
DISLOCATED_OCCUPATIONS = {
    "51-2092": 12, "51-4041": 6, "51-4121": 6, "51-1011": 5, "53-7062": 8,
    "43-4051": 6, "43-6014": 6, "43-3031": 5, "53-3032": 5, "49-9041": 3,
    "41-2031": 5, "11-1021": 3, "15-1232": 2, "29-2061": 1,
}


@dataclass(frozen=True)
class ProgramType:
    short_name: str
    soc: str  # target occupation ("" when the program has none)
    tuition: float  # typical tuition in dollars
    hours: int  # typical length in clock hours
    popularity: float  # relative share of WIOA training
    credential: int  # usual PIRL 1800 credential code on completion


# CIP -> what the program is like.
PROGRAM_TYPES = {
    "51.3901": ProgramType("Practical Nursing", "29-2061", 13_500, 1_400, 9, 4),
    "51.3801": ProgramType("Associate Degree in Nursing", "29-1141", 17_000, 2_000, 3, 2),
    "51.3902": ProgramType("State Tested Nurse Aide", "31-1131", 850, 90, 7, 4),
    "51.0801": ProgramType("Medical Assistant", "31-9092", 6_200, 720, 7, 6),
    "51.0904": ProgramType("Emergency Medical Technician", "29-2042", 1_400, 180, 3, 4),
    "51.0805": ProgramType("Pharmacy Technician", "29-2052", 2_800, 400, 3, 6),
    "51.0710": ProgramType("Medical Office Specialist", "43-6013", 3_900, 500, 2, 5),
    "51.0713": ProgramType("Medical Coding and Billing", "29-2072", 4_800, 600, 3, 6),
    "51.1009": ProgramType("Phlebotomy Technician", "31-9097", 1_500, 160, 4, 6),
    "51.0601": ProgramType("Dental Assisting", "31-9091", 5_200, 600, 2, 5),
    "49.0205": ProgramType("Commercial Driver's License (CDL-A)", "53-3032", 5_000, 160, 12, 4),
    "48.0508": ProgramType("Welding", "51-4121", 7_200, 600, 6, 6),
    "48.0501": ProgramType("CNC Machining", "51-4041", 8_000, 800, 3, 6),
    "47.0201": ProgramType("HVAC Technician", "49-9021", 9_500, 900, 5, 6),
    "46.0302": ProgramType("Electrical Trades", "47-2111", 10_000, 1_000, 3, 5),
    "46.0503": ProgramType("Plumbing", "47-2152", 9_000, 900, 1, 5),
    "47.0604": ProgramType("Automotive Technology", "49-3023", 9_000, 1_000, 2, 6),
    "47.0303": ProgramType("Industrial Maintenance", "49-9041", 7_800, 800, 3, 5),
    "11.1006": ProgramType("IT Support Specialist", "15-1232", 4_000, 400, 6, 6),
    "11.0901": ProgramType("Network Administration", "15-1244", 8_500, 700, 2, 6),
    "11.1003": ProgramType("Cybersecurity", "15-1212", 11_000, 800, 2, 6),
    "52.0302": ProgramType("Bookkeeping and Accounting", "43-3031", 3_800, 450, 2, 5),
    "52.0401": ProgramType("Administrative Assistant", "43-6014", 3_300, 450, 2, 5),
    "52.0201": ProgramType("Business Management", "11-1021", 12_000, 900, 1, 2),
    "52.0411": ProgramType("Customer Service Representative", "43-4051", 1_200, 120, 2, 5),
    "12.0401": ProgramType("Cosmetology", "39-5012", 14_000, 1_500, 2, 4),
    "12.0500": ProgramType("Culinary Arts", "35-2014", 6_000, 600, 1, 5),
    "52.0205": ProgramType("Supervisory Leadership", "51-1011", 4_500, 400, 2, 5),
    "32.0101": ProgramType("Adult Basic Education", "", 400, 200, 1, 7),
    "53.0201": ProgramType("High School Equivalency (GED) Preparation", "", 300, 150, 2, 1),
}

# SOC -> industries (NAICS) that employ it, with weights.
OCCUPATION_INDUSTRIES = {
    "11-1011": {"5221": 1, "333": 1, "541512": 1},
    "11-1021": {"5221": 2, "541512": 2, "493110": 1, "445110": 1, "92": 1},
    "15-1212": {"541512": 3, "5221": 2, "518210": 2},
    "15-1232": {"541512": 3, "518210": 2, "611310": 1, "56132": 1},
    "15-1244": {"541512": 3, "518210": 2, "622110": 1},
    "29-1141": {"622110": 5, "623110": 2, "621111": 1, "621610": 1},
    "29-2042": {"622110": 2, "92": 3},
    "29-2052": {"456110": 4, "622110": 2},
    "29-2061": {"623110": 4, "622110": 2, "621610": 2, "621111": 1},
    "29-2072": {"622110": 3, "621111": 3, "56132": 1},
    "31-1122": {"621610": 5, "623110": 2},
    "31-1131": {"623110": 5, "622110": 2, "621610": 1},
    "31-9091": {"621210": 6},
    "31-9092": {"621111": 5, "622110": 2},
    "31-9097": {"622110": 3, "621111": 2},
    "35-2014": {"722511": 6, "611310": 1},
    "35-3023": {"722513": 6, "722511": 1},
    "37-2011": {"561720": 5, "611310": 1, "92": 1},
    "39-5012": {"812112": 6},
    "41-2011": {"445110": 4, "455110": 3, "456110": 2},
    "41-2031": {"455110": 4, "445110": 2, "456110": 1},
    "43-3031": {"541211": 4, "5221": 2, "56132": 1},
    "43-4051": {"561422": 4, "5221": 2, "56132": 2},
    "43-6013": {"621111": 4, "622110": 2},
    "43-6014": {"56132": 2, "541211": 1, "92": 2, "611310": 1},
    "47-2111": {"238210": 6, "236220": 1},
    "47-2152": {"238220": 6, "236220": 1},
    "49-3023": {"811111": 6},
    "49-9021": {"238220": 6},
    "49-9041": {"333": 3, "336390": 3, "332710": 1},
    "51-1011": {"336390": 3, "333": 2, "332710": 2, "493110": 2},
    "51-2092": {"336390": 4, "333": 2, "56132": 3},
    "51-4041": {"332710": 5, "333": 2},
    "51-4121": {"332710": 3, "333": 2, "336390": 2, "236220": 1},
    "53-3032": {"484121": 6, "492110": 2, "493110": 1},
    "53-7062": {"493110": 4, "492110": 2, "56132": 3},
    "53-7065": {"493110": 3, "445110": 2, "455110": 2},
}


@dataclass(frozen=True)
class Reference:
    """Code lists from the seeds plus the built-in economics, as numpy-friendly arrays."""

    counties: np.ndarray  # county_fips (str)
    county_lwda: np.ndarray  # lwda_code of each county (str)
    county_weight: np.ndarray  # labor-force share
    county_labor_force: np.ndarray
    county_rate_offset: np.ndarray
    lwdas: np.ndarray  # distinct lwda codes
    cip_codes: np.ndarray
    cip_titles: dict
    soc_codes: np.ndarray
    soc_titles: dict
    naics_codes: np.ndarray
    naics_titles: dict

    def soc_index(self, soc: str) -> int:
        return int(np.flatnonzero(self.soc_codes == soc)[0])

    @property
    def soc_annual_wage(self) -> np.ndarray:
        return np.array([SOC_ECONOMICS[s][1] for s in self.soc_codes], dtype=np.float64)

    @property
    def soc_employment(self) -> np.ndarray:
        return np.array([SOC_ECONOMICS[s][0] for s in self.soc_codes], dtype=np.float64)


def _read_csv(path: Path) -> list[dict]:
    with path.open(newline="", encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


def area_rows(seeds_dir: Path | None = None) -> list[dict]:
    """The area crosswalk seed: county_fips, county_name, lwda_code, lwda_name, state per county."""
    return _read_csv((Path(seeds_dir) if seeds_dir is not None else DEFAULT_SEEDS_DIR) / "area_crosswalk.csv")


def load(seeds_dir: Path | None = None) -> Reference:
    """Read the seed code lists and check the built-in economics only use their codes."""
    seeds_dir = Path(seeds_dir) if seeds_dir is not None else DEFAULT_SEEDS_DIR
    area = _read_csv(seeds_dir / "area_crosswalk.csv")
    cip = _read_csv(seeds_dir / "cip_codes.csv")
    soc = _read_csv(seeds_dir / "soc_codes.csv")
    naics = _read_csv(seeds_dir / "naics_codes.csv")

    counties = np.array([r["county_fips"] for r in area])
    county_lwda = np.array([r["lwda_code"] for r in area])
    missing = [c for c in counties if c not in COUNTY_LABOR_FORCE]
    if missing:
        raise ValueError(f"no built-in labor force for counties {missing}")
    lf = np.array([COUNTY_LABOR_FORCE[c] for c in counties], dtype=np.float64)

    ref = Reference(
        counties=counties,
        county_lwda=county_lwda,
        county_weight=lf / lf.sum(),
        county_labor_force=lf,
        county_rate_offset=np.array([COUNTY_RATE_OFFSET.get(c, 0.0) for c in counties]),
        lwdas=np.array(sorted(set(county_lwda.tolist()))),
        cip_codes=np.array([r["cip_code"] for r in cip]),
        cip_titles={r["cip_code"]: r["cip_title"] for r in cip},
        soc_codes=np.array([r["soc_code"] for r in soc]),
        soc_titles={r["soc_code"]: r["soc_title"] for r in soc},
        naics_codes=np.array([r["naics_code"] for r in naics]),
        naics_titles={r["naics_code"]: r["naics_title"] for r in naics},
    )
    _check(ref)
    return ref


def _check(ref: Reference) -> None:
    soc, cip, naics = set(ref.soc_codes), set(ref.cip_codes), set(ref.naics_codes)
    problems = []
    problems += [f"SOC {s} has no economics" for s in soc - set(SOC_ECONOMICS)]
    problems += [f"CIP {c} has no program type" for c in cip - set(PROGRAM_TYPES)]
    problems += [f"program type {c} not in cip_codes.csv" for c in set(PROGRAM_TYPES) - cip]
    for c, p in PROGRAM_TYPES.items():
        if p.soc and p.soc not in soc:
            problems.append(f"program type {c} targets SOC {p.soc} missing from soc_codes.csv")
    for table in (ENTRY_OCCUPATIONS, DISLOCATED_OCCUPATIONS, OCCUPATION_INDUSTRIES):
        problems += [f"SOC {s} missing from soc_codes.csv" for s in set(table) - soc]
    problems += [f"SOC {s} has no industries" for s in soc - set(OCCUPATION_INDUSTRIES)]
    for s, inds in OCCUPATION_INDUSTRIES.items():
        problems += [f"NAICS {n} (for {s}) missing from naics_codes.csv" for n in set(inds) - naics]
    if problems:
        raise ValueError("reference data inconsistent: " + "; ".join(sorted(problems)))
