"""A hand-made feed set for the federal reporting rules of o4o issue 15 (TEGL 10-16 Change 3,
20 CFR 677.150, the ETA-9169 template), each case in its own LWDA so its counts stand alone.
The wage feed runs 2021q1 .. 2025q2 (a non-participant's wages in every quarter bound it).

| LWDA | case | people |
|---|---|---|
| 02 | report-period cohorts (the issue's example) | 10 adults exit 2022-02-15, employed in Q2 and Q4 (2022q3, 2023q1) by one employer; 10 exit 2022-10-15 and 10 exit 2023-03-15, never employed |
| 03 | co-enrolment | C1 in adult and Wagner-Peyser, both 2022-01-10 .. 2022-06-30, employed in Q2 (2022q4); A1-A9 adults (A1-A5 employed), W1-W9 Wagner-Peyser (W1-W4 employed), same dates |
| 04 | exclusions by program | E06 adult coded 06, employed (Q2 and Q4); A05 adult coded 05, not employed; Y05 youth coded 05, employed; exits 2022-03-31 |
| 05 | credential cohort | T1 Wagner-Peyser with occupational-skills training and a credential; T2 adult, the same; exits 2022-03-31 |
| 01 | 90-day rule | R1 adult 2022-01-10 .. 2022-03-01, back 45 days later 2022-04-15 .. 2022-09-30; wages only in 2023q1 (Q2 of the real exit), none in 2022q3 (Q2 of the exit that never happened) |
| 01 | provisional cohort | N1 adult exits 2024-10-15, employed in Q2 (2025q2, the latest wage quarter) |

| 02 | measurable skill gains (issue 16) | L1 adult LPN student enters 2023-09-05 (enrolled in education or training [1811] that day), passes the first term 2023-12-15 [1807], still enrolled: PY2023 1/1 |
| 02 | Youth placement (issue 16) | Y1 youth exits 2023-06-15, no wages, in postsecondary education in Q2 after exit [1900 = 2] |
| 02 | supplemental wages (issue 16) | X1 dislocated worker (homeless [800]) exits 2023-01-20; $9,000 of interstate wages in Q2 (2023q3), no UI wages |
| 01 | case-record credential (issue 16) | D1 dislocated worker, occupational-skills training, the school reports no credential; the case record has a CDL [1800 = 4] dated 2023-04-28, two months after the exit of 2023-02-28 |
| 01 | Youth credential cohort, diploma rule (issue 16) | S1 in-school youth [1401 = 1], no training, diploma [1800 = 1] 2023-05-20, exits 2023-05-31, wages in 2023q3; G1 out-of-school youth [1401 = 4] in GED classes [1811 2022-10-01], GED 2023-03-15, exits 2023-03-31, no wages, enrols in college 2023-08-28 |

Every period has a basic career service on its entry date costing 100.00. The issue-16 columns
are optional: the rows of the other cases leave them empty.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

COUNTY = {"01": "39041", "02": "39035", "03": "39017", "04": "39057", "05": "39153"}  # area crosswalk
PROGRAM = "PRG1"
FILLER_SSN = "899001234"  # a worker who is no participant: wages in every quarter bound the feed
FEED_QUARTERS = [(y, q) for y in range(2021, 2026) for q in (1, 2, 3, 4) if (y, q) <= (2025, 2)]


# issue 16's optional columns (feeds.md), in the order written
PARTICIPANT_EXTRA = ["school_status_at_entry", "homeless", "ex_offender", "english_language_learner",
                     "basic_skills_deficient", "cultural_barriers", "single_parent", "displaced_homemaker",
                     "long_term_unemployed", "foster_care_youth"]
PARTICIPATION_EXTRA = ["education_training_enrollment_date", "msg_date_efl", "msg_date_secondary_transcript",
                       "msg_date_postsecondary_transcript", "msg_date_training_milestone",
                       "msg_date_skills_progression", "youth_placement_q2", "youth_placement_q4",
                       "postsecondary_enrollment_date", "credential_type", "credential_date"]


@dataclass
class Person:
    id: str
    ssn: str
    lwda: str
    periods: list = field(default_factory=list)  # (participation_id, stream, entry, exit, reason, {extra})
    extra: dict = field(default_factory=dict)  # PARTICIPANT_EXTRA values


def _write(path: Path, header: list[str], rows: list[list]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def write_federal_feeds(landing: Path) -> Path:
    people: list[Person] = []
    wages: dict[tuple[int, int], list[list]] = {}
    services: list[list] = []
    records: list[list] = []
    supplemental: list[list] = []

    def person(pid: str, lwda: str) -> Person:
        p = Person(pid, f"7{len(people) + 1:02d}{len(people) + 11:02d}{len(people) + 3001:04d}", lwda)
        people.append(p)
        return p

    def period(p: Person, participation_id: str, stream: str, entry: str, exit_: str, reason: str = "00",
               **extra) -> None:
        p.periods.append([participation_id, stream, entry, exit_, reason if exit_ else "", extra])
        services.append([participation_id, entry, "basic_career", "", "", "100.00"])

    def wage(p: Person, quarter: tuple[int, int], amount: str = "4000.00", employer: str = "UI0000001") -> None:
        wages.setdefault(quarter, []).append([p.ssn, employer, "331110", quarter[0], quarter[1], amount])

    # LWDA 02: the cohort example
    for i in range(1, 31):
        p = person(f"K{i:02d}", "02")
        exit_ = ["2022-02-15", "2022-10-15", "2023-03-15"][(i - 1) // 10]
        period(p, f"PK{i:02d}", "adult", "2021-11-01" if i <= 10 else "2022-05-02", exit_)
        if i <= 10:
            wage(p, (2022, 3))
            wage(p, (2023, 1))
    # LWDA 03: one common exit of two programs, among 9 + 9 others
    c1 = person("C1", "03")
    period(c1, "PC1A", "adult", "2022-01-10", "2022-06-30")
    period(c1, "PC1W", "wagner_peyser", "2022-01-10", "2022-06-30")
    wage(c1, (2022, 4))
    for i in range(1, 10):
        a = person(f"A{i}", "03")
        period(a, f"PA{i}", "adult", "2022-01-10", "2022-06-30")
        if i <= 5:
            wage(a, (2022, 4))
        w = person(f"W{i}", "03")
        period(w, f"PW{i}", "wagner_peyser", "2022-01-10", "2022-06-30")
        if i <= 4:
            wage(w, (2022, 4))
    # LWDA 04: exclusion codes by program
    for pid, stream, reason, employed in [("E06", "adult", "06", True), ("A05", "adult", "05", False),
                                          ("Y05", "youth", "05", True)]:
        p = person(pid, "04")
        period(p, f"P{pid}", stream, "2021-10-04", "2022-03-31", reason)
        if employed:  # in Q2 and Q4 (2022q3, 2023q1)
            wage(p, (2022, 3))
            wage(p, (2023, 1))
    # LWDA 05: the credential cohort has no Wagner-Peyser exit
    for pid, stream in [("T1", "wagner_peyser"), ("T2", "adult")]:
        p = person(pid, "05")
        period(p, f"P{pid}", stream, "2021-10-04", "2022-03-31")
        services.append([f"P{pid}", "2021-10-11", "training", "occupational_skills", PROGRAM, "2500.00"])
        records.append([f"TR{pid}", PROGRAM, p.ssn, "2021-10-11", "2022-03-01", "completed", 5, "2022-03-01"])
    # LWDA 01: a re-entry 45 days after an exit, and a recent exit
    r1 = person("R1", "01")
    period(r1, "PRA", "adult", "2022-01-10", "2022-03-01")
    period(r1, "PRB", "adult", "2022-04-15", "2022-09-30")
    wage(r1, (2023, 1))
    n1 = person("N1", "01")
    period(n1, "PN1", "adult", "2024-06-03", "2024-10-15")
    wage(n1, (2025, 2))

    # issue 16: the federal picture's examples
    l1 = person("L1", "02")
    period(l1, "PL1", "adult", "2023-09-05", "", education_training_enrollment_date="2023-09-05",
           msg_date_postsecondary_transcript="2023-12-15")
    y1 = person("Y1", "02")
    period(y1, "PY1", "youth", "2022-09-01", "2023-06-15", youth_placement_q2=2)
    x1 = person("X1", "02")
    x1.extra["homeless"] = 1
    period(x1, "PX1", "dislocated_worker", "2022-08-01", "2023-01-20")
    supplemental.append([x1.ssn, "interstate", "", 2023, 3, "9000.00"])
    d1 = person("D1", "01")
    period(d1, "PD1", "dislocated_worker", "2022-10-03", "2023-02-28", credential_type=4,
           credential_date="2023-04-28")
    services.append(["PD1", "2022-10-10", "training", "occupational_skills", PROGRAM, "2500.00"])
    records.append(["TRD1", PROGRAM, d1.ssn, "2022-10-10", "2023-02-01", "completed", 0, ""])
    s1 = person("S1", "01")
    s1.extra["school_status_at_entry"] = 1
    period(s1, "PS1", "youth", "2022-09-01", "2023-05-31", credential_type=1, credential_date="2023-05-20")
    wage(s1, (2023, 3), "3000.00")
    g1 = person("G1", "01")
    g1.extra["school_status_at_entry"] = 4
    period(g1, "PG1", "youth", "2022-09-15", "2023-03-31", education_training_enrollment_date="2022-10-01",
           credential_type=1, credential_date="2023-03-15", postsecondary_enrollment_date="2023-08-28")

    for quarter in FEED_QUARTERS:
        wages.setdefault(quarter, []).append([FILLER_SSN, "UI0000009", "331110", quarter[0], quarter[1], "1.00"])

    _write(landing / "providers/providers.csv", ["provider_id", "provider_name", "entity_type", "county_fips", "state"],
           [["TP1", "Federal Rules Institute", 3, COUNTY["05"], "OH"]])
    _write(landing / "providers/programs.csv",
           ["program_id", "provider_id", "program_name", "cip_code", "soc_code", "potential_outcome", "tuition_cost",
            "length_hours", "delivery_mode", "etpl_status"],
           [[PROGRAM, "TP1", "Welding I", "48.0508", "51-4121", "5", "2500.00", 320, "in_person", "approved"]])
    names = {p.id: (f"First{chr(65 + i % 26)}{chr(65 + i // 26)}", "Federal") for i, p in enumerate(people)}
    _write(landing / "providers/training_records.csv",
           ["record_id", "program_id", "ssn", "first_name", "last_name", "date_of_birth", "enrollment_date",
            "completion_date", "completion_status", "credential_type", "credential_date"],
           [[rid, prog, ssn, "Tee", "Record", "1985-05-05", enrolled, done, status, code, date]
            for rid, prog, ssn, enrolled, done, status, code, date in records])
    _write(landing / "job_center/participants.csv",
           ["individual_id", "ssn", "first_name", "last_name", "date_of_birth", "sex", "hispanic", "american_indian",
            "asian", "black", "pacific_islander", "white", "veteran", "disability", "highest_education",
            "employment_status_at_entry", "low_income", "county_fips", *PARTICIPANT_EXTRA],
           [[p.id, p.ssn, *names[p.id], f"19{70 + i % 25}-0{1 + i % 9}-1{i % 9}", 1 + i % 2, 0, 0, 0, i % 2, 0,
             1 - i % 2, 0, 0, 1, 0, i % 2, COUNTY[p.lwda], *[p.extra.get(c, "") for c in PARTICIPANT_EXTRA]]
            for i, p in enumerate(people)])
    _write(landing / "job_center/participation.csv",
           ["participation_id", "individual_id", "funding_stream", "lwda_code", "entry_date", "exit_date",
            "exit_reason", *PARTICIPATION_EXTRA],
           [[pid, p.id, stream, p.lwda, entry, exit_, reason, *[extra.get(c, "") for c in PARTICIPATION_EXTRA]]
            for p in people for pid, stream, entry, exit_, reason, extra in p.periods])
    _write(landing / "labor_market/supplemental_wages.csv",
           ["ssn", "source", "employer_id", "year", "quarter", "wages"], supplemental)
    _write(landing / "job_center/services.csv",
           ["service_id", "participation_id", "service_date", "service_type", "training_type", "program_id", "cost"],
           [[f"S{i:03d}", *row] for i, row in enumerate(services, 1)])
    for (year, quarter), rows in sorted(wages.items()):
        _write(landing / f"labor_market/wage_records_{year}q{quarter}.csv",
               ["ssn", "employer_id", "naics_code", "year", "quarter", "wages"], rows)
    _write(landing / "labor_market/laus.csv",
           ["area_fips", "year", "month", "labor_force", "employed", "unemployed", "unemployment_rate"],
           [[COUNTY["01"], 2022, 4, 1000, 900, 100, "10.0"]])
    _write(landing / "labor_market/oews.csv",
           ["area_code", "soc_code", "year", "occupation_title", "employment", "median_annual_wage"],
           [["39", "51-4121", 2022, "Welders, Cutters, Solderers, and Brazers", "**", "45000.00"]])
    _write(landing / "labor_market/ui_claims.csv", ["week_ending", "county_fips", "initial_claims", "continued_claims"],
           [["2022-04-02", COUNTY["01"], 300, 1200]])
    return landing
