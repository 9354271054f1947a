"""A tiny hand-made feed set whose employment_rate_q2 is known by hand.

Program year 2020 (exits 2020-07-01 .. 2021-06-30), funding stream `adult`, LWDA `01`.
The wage feed runs 2019q1 .. 2021q3, so 2021q3 bounds which outcomes are known.

| person | exit | Q2 quarter | wages in Q2 | counts as |
|---|---|---|---|---|
| P01 | 2020-08-15 | 2021q1 | 5000 at one employer | employed |
| P02 | 2020-08-15 | 2021q1 | 2000 + 3000 at two employers | employed (one person, summed) |
| P03 | 2020-08-15 | 2021q1 | 0.00 | not employed |
| P04 | 2020-08-15 | 2021q1 | no wage record | not employed |
| P05-P09 | 2020-08-15 | 2021q1 | 4000 | employed (5) |
| P10 | 2020-08-15 | 2021q1 | none (only in 2021q2) | not employed |
| P11 | 2020-09-30 (last day of Q3) | 2021q1 | 6000 | employed |
| P12 | 2021-06-30 | 2021q4 > latest 2021q3 | - | outcome unknown: not in denominator |
| P13 | 2020-08-15, exit_reason 03 | 2021q1 | 9000 | excluded exit |

employment_rate_q2 = 8 / 11.
"""

from __future__ import annotations

import csv
from pathlib import Path

EXPECTED_NUMERATOR = 8
EXPECTED_DENOMINATOR = 11
COUNTY, LWDA = "39041", "01"

PEOPLE = [f"P{i:02d}" for i in range(1, 14)]
FIRST = ["Ana", "Ben", "Cara", "Dev", "Eli", "Fay", "Gus", "Hana", "Ivo", "Jo", "Kai", "Lea", "Max"]
LAST = ["Ortiz", "O'Neil", "Smith-Jones", "Nguyen", "Brown", "Diaz", "Lee", "Kim", "Novak", "Reyes", "Park",
        "Young", "Zhou"]


def ssn(i: int) -> str:
    return f"{500 + i:03d}{10 + i:02d}{1000 + i:04d}"


def birth_date(i: int) -> str:
    return f"19{70 + i}-0{1 + i % 9}-1{i % 9}"


def _write(path: Path, header: list[str], rows: list[list]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def write_handmade_feeds(landing: Path) -> Path:
    exits = {p: "2020-08-15" for p in PEOPLE}
    exits.update(P11="2020-09-30", P12="2021-06-30")
    _write(landing / "providers/providers.csv", ["provider_id", "provider_name", "entity_type", "county_fips", "state"],
           [["TP1", "Columbus Welding Institute, LLC", 3, COUNTY, "OH"]])
    _write(landing / "providers/programs.csv",
           ["program_id", "provider_id", "program_name", "cip_code", "soc_code", "potential_outcome", "tuition_cost",
            "length_hours", "delivery_mode", "etpl_status"],
           [["PRG1", "TP1", "Welding I", "48.0508", "51-4121", "5", "3500.00", 320, "in_person", "approved"]])
    _write(landing / "providers/training_records.csv",
           ["record_id", "program_id", "ssn", "first_name", "last_name", "date_of_birth", "enrollment_date",
            "completion_date", "completion_status", "credential_type", "credential_date"],
           [["TR1", "PRG1", f"{ssn(1)[:3]}-{ssn(1)[3:5]}-{ssn(1)[5:]}", FIRST[0], LAST[0], birth_date(1),
             "2020-03-01", "2020-08-01", "completed", 5, "2020-08-10"]])
    _write(landing / "job_center/participants.csv",
           ["individual_id", "ssn", "first_name", "last_name", "date_of_birth", "sex", "hispanic", "american_indian",
            "asian", "black", "pacific_islander", "white", "veteran", "disability", "highest_education",
            "employment_status_at_entry", "low_income", "county_fips"],
           [[p, ssn(i), FIRST[i - 1], LAST[i - 1], birth_date(i), 1 + i % 2, 0, 0, 0, i % 2, 0, 1 - i % 2, 0, 0, 1, 0, 1,
             COUNTY] for i, p in enumerate(PEOPLE, 1)])
    _write(landing / "job_center/participation.csv",
           ["participation_id", "individual_id", "funding_stream", "lwda_code", "entry_date", "exit_date",
            "exit_reason"],
           [[f"A{p}", p, "adult", LWDA, "2020-02-03", exits[p], "03" if p == "P13" else "00"] for p in PEOPLE])
    _write(landing / "job_center/services.csv",
           ["service_id", "participation_id", "service_date", "service_type", "training_type", "program_id", "cost"],
           [[f"S{p}", f"A{p}", "2020-02-03", "basic_career", "", "", "0.00"] for p in PEOPLE])
    wages: dict[str, list[list]] = {}

    def wage(person: int, employer: str, year: int, quarter: int, amount: str) -> None:
        wages.setdefault(f"{year}q{quarter}", []).append([ssn(person), employer, "331110", year, quarter, amount])

    for year, quarter in [(2019, 1), (2019, 2), (2019, 3), (2019, 4), (2020, 1), (2020, 2), (2020, 3), (2020, 4),
                          (2021, 2), (2021, 3)]:
        wage(1, "UI0000001", year, quarter, "4500.00")  # every quarter file exists, the feed spans 2019q1..2021q3
    wage(1, "UI0000001", 2021, 1, "5000.00")
    wage(2, "UI0000001", 2021, 1, "2000.00")
    wage(2, "UI0000002", 2021, 1, "3000.00")
    wage(3, "UI0000002", 2021, 1, "0.00")
    for i in range(5, 10):
        wage(i, "UI0000003", 2021, 1, "4000.00")
    wage(10, "UI0000003", 2021, 2, "4100.00")
    wage(11, "UI0000004", 2021, 1, "6000.00")
    wage(12, "UI0000004", 2021, 3, "6000.00")
    wage(13, "UI0000004", 2021, 1, "9000.00")
    for label, rows in wages.items():
        _write(landing / f"labor_market/wage_records_{label}.csv",
               ["ssn", "employer_id", "naics_code", "year", "quarter", "wages"], rows)
    _write(landing / "labor_market/laus.csv",
           ["area_fips", "year", "month", "labor_force", "employed", "unemployed", "unemployment_rate"],
           [[COUNTY, 2020, 4, 1000, 900, 100, "10.0"], [COUNTY, 2020, 5, 1000, 920, 80, "8.0"]])
    _write(landing / "labor_market/oews.csv",
           ["area_code", "soc_code", "year", "occupation_title", "employment", "median_annual_wage"],
           [["39", "51-4121", 2020, "Welders, Cutters, Solderers, and Brazers", "**", "45000.00"]])
    _write(landing / "labor_market/ui_claims.csv",
           ["week_ending", "county_fips", "initial_claims", "continued_claims"],
           [["2020-04-04", COUNTY, 3000, 12000], ["2020-04-11", COUNTY, 120000, 150000]])
    return landing
