"""The synthetic feed generator: layout, byte format, determinism, referential
integrity, every rule of the feed contract (feeds.md), and plausibility."""

from __future__ import annotations

import csv
import hashlib
import io
import os
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from orchestration.generate import generate
from orchestration.ingest.ssn import is_issuable_ssn

N = int(os.environ.get("O4O_GENERATE_TEST_N", "500"))  # raise to check the properties at scale
SEED = int(os.environ.get("O4O_GENERATE_TEST_SEED", "20240601"))
SEEDS_DIR = Path(__file__).resolve().parents[1] / "seeds"
AS_OF = pd.Timestamp("2025-06-30")

BARRIERS = ["homeless", "ex_offender", "english_language_learner", "basic_skills_deficient", "cultural_barriers",
            "single_parent", "displaced_homemaker", "long_term_unemployed", "foster_care_youth"]
GAINS = ["msg_date_efl", "msg_date_secondary_transcript", "msg_date_postsecondary_transcript",
         "msg_date_training_milestone", "msg_date_skills_progression"]
CONTRACT = {
    "providers/providers.csv": ["provider_id", "provider_name", "entity_type", "county_fips", "state"],
    "providers/programs.csv": ["program_id", "provider_id", "program_name", "cip_code", "soc_code",
                               "potential_outcome", "tuition_cost", "length_hours", "delivery_mode",
                               "etpl_status"],
    "providers/training_records.csv": ["record_id", "program_id", "ssn", "first_name", "last_name",
                                       "date_of_birth", "enrollment_date", "completion_date",
                                       "completion_status", "credential_type", "credential_date"],
    "job_center/participants.csv": ["individual_id", "ssn", "first_name", "last_name", "date_of_birth", "sex",
                                    "hispanic", "american_indian", "asian", "black", "pacific_islander",
                                    "white", "veteran", "disability", "highest_education",
                                    "employment_status_at_entry", "low_income", "county_fips",
                                    # issue 16's optional columns
                                    "school_status_at_entry", *BARRIERS],
    "job_center/participation.csv": ["participation_id", "individual_id", "funding_stream", "lwda_code",
                                     "entry_date", "exit_date", "exit_reason",
                                     "education_training_enrollment_date", *GAINS, "youth_placement_q2",
                                     "youth_placement_q4", "postsecondary_enrollment_date", "credential_type",
                                     "credential_date"],
    "job_center/services.csv": ["service_id", "participation_id", "service_date", "service_type",
                                "training_type", "program_id", "cost"],
    "labor_market/laus.csv": ["area_fips", "year", "month", "labor_force", "employed", "unemployed",
                              "unemployment_rate"],
    "labor_market/oews.csv": ["area_code", "soc_code", "year", "occupation_title", "employment",
                              "median_annual_wage"],
    "labor_market/ui_claims.csv": ["week_ending", "county_fips", "initial_claims", "continued_claims"],
    "labor_market/supplemental_wages.csv": ["ssn", "source", "employer_id", "year", "quarter", "wages"],
}
WAGE_COLUMNS = ["ssn", "employer_id", "naics_code", "year", "quarter", "wages"]
WAGE_QUARTERS = [(y, q) for y in range(2018, 2026) for q in range(1, 5) if (y, q) <= (2025, 2)]
WAGE_FILES = [f"labor_market/wage_records_{y}q{q}.csv" for y, q in WAGE_QUARTERS]

SSN_RE = r"^(\d{9}|\d{3}-\d{2}-\d{4})?$"
MONEY_RE = r"^\d{1,6}\.\d{2}$"
DATE_RE = r"^\d{4}-\d{2}-\d{2}$"


# ---------------------------------------------------------------- fixtures and helpers

@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    out = tmp_path_factory.mktemp("feeds")
    messages: list[str] = []
    summary = generate(out, N, SEED, messages.append)
    return out, summary, messages


@pytest.fixture(scope="module")
def feeds(generated):
    out = generated[0]

    def read(rel: str) -> pd.DataFrame:
        return pd.read_csv(out / rel, dtype=str, keep_default_na=False)

    tables = {Path(rel).stem: read(rel) for rel in CONTRACT}
    tables["wage_records"] = pd.concat([read(rel).assign(file=rel) for rel in WAGE_FILES], ignore_index=True)
    return tables


@pytest.fixture(scope="module")
def seeds():
    def read(name):
        return pd.read_csv(SEEDS_DIR / name, dtype=str, keep_default_na=False)
    return {name: read(f"{name}.csv") for name in ("area_crosswalk", "cip_codes", "soc_codes", "naics_codes")}


@pytest.fixture(scope="module")
def linked(feeds):
    """Participation periods with their participant and any completed training; wages by SSN."""
    pt, pa_ = feeds["participants"], feeds["participation"]
    periods = pa_.merge(pt, on="individual_id")
    periods["ssn9"] = periods.ssn.str.replace("-", "")
    for col in ("entry_date", "exit_date", "date_of_birth"):
        periods[col] = pd.to_datetime(periods[col].replace("", None))
    wages = feeds["wage_records"].assign(w=lambda d: d.wages.astype(float),
                                         qi=lambda d: d.year.astype(int) * 4 + d.quarter.astype(int) - 1)
    by_person_quarter = wages.groupby(["ssn", "qi"]).w.sum()
    return periods, wages, by_person_quarter


def ints(series: pd.Series) -> pd.Series:
    return series.astype(int)


def full(series: pd.Series, pattern: str) -> bool:
    return bool(series.str.fullmatch(pattern).all())


def qi(dates: pd.Series) -> pd.Series:
    return dates.dt.year * 4 + (dates.dt.month - 1) // 3


def age_at(dob: pd.Series, on: pd.Series) -> pd.Series:
    before = (on.dt.month < dob.dt.month) | ((on.dt.month == dob.dt.month) & (on.dt.day < dob.dt.day))
    return on.dt.year - dob.dt.year - before.astype(int)


def file_digests(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*.csv"))}


# ---------------------------------------------------------------- layout and bytes

def test_layout_and_summary(generated):
    out, summary, messages = generated
    files = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert files == set(CONTRACT) | set(WAGE_FILES)
    assert sorted(summary["files"]) == sorted(files)
    for entity, rows in summary["rows"].items():
        paths = WAGE_FILES if entity == "wage_records" else [f for f in CONTRACT if Path(f).stem == entity]
        assert rows == sum(len((out / p).read_bytes().splitlines()) - 1 for p in paths), entity
    assert summary["rows"]["participants"] == N
    assert any(m.startswith("labor_market/wage_records_2021q3.csv: ") for m in messages)


def test_bytes_are_exactly_as_the_contract_says(generated):
    out = generated[0]
    for rel in list(CONTRACT) + WAGE_FILES:
        raw = (out / rel).read_bytes()
        assert not raw.startswith(b"\xef\xbb\xbf"), rel
        assert b"\r" not in raw and raw.endswith(b"\n"), rel
        text = raw.decode("utf-8")
        rows = list(csv.reader(io.StringIO(text, newline="")))
        expected_header = WAGE_COLUMNS if rel in WAGE_FILES else CONTRACT[rel]
        assert rows[0] == expected_header, rel
        assert all(len(r) == len(expected_header) for r in rows), rel
        # quoting only where needed: re-writing with minimal quoting gives the same bytes
        again = io.StringIO()
        csv.writer(again, quoting=csv.QUOTE_MINIMAL, lineterminator="\n").writerows(rows)
        assert again.getvalue() == text, rel


def test_quoted_values_survive(feeds):
    # provider names like "..., LLC" and SOC titles with commas are quoted, not split
    assert feeds["oews"].occupation_title.str.contains(",").any()
    assert (feeds["oews"].area_code == "39").all()


# ---------------------------------------------------------------- determinism

def test_same_seed_same_bytes_other_seed_other_data(generated, tmp_path):
    out = generated[0]
    again = tmp_path / "again"
    generate(again, N, SEED)
    assert file_digests(again) == file_digests(out)
    other = tmp_path / "other"
    generate(other, N, SEED + 1)
    a, b = file_digests(out), file_digests(other)
    assert a.keys() == b.keys()
    for rel in ("job_center/participants.csv", "job_center/services.csv", "providers/training_records.csv",
                "labor_market/wage_records_2022q1.csv", "labor_market/laus.csv"):
        assert a[rel] != b[rel], rel


# ---------------------------------------------------------------- referential integrity

def test_foreign_keys_resolve(feeds, seeds):
    providers, programs = feeds["providers"], feeds["programs"]
    records, pt, pa_, sv = feeds["training_records"], feeds["participants"], feeds["participation"], feeds["services"]
    area = seeds["area_crosswalk"]
    assert programs.provider_id.isin(providers.provider_id).all()
    assert records.program_id.isin(programs.program_id).all()
    assert pa_.individual_id.isin(pt.individual_id).all()
    assert pt.individual_id.isin(pa_.individual_id).all()  # nobody without a period
    assert sv.participation_id.isin(pa_.participation_id).all()
    assert pa_.participation_id.isin(sv.participation_id).all()  # every period has services
    training = sv[sv.service_type == "training"]
    assert training.program_id.isin(programs.program_id).all()
    assert pa_.lwda_code.isin(area.lwda_code).all()
    assert pt.county_fips.isin(area.county_fips).all()
    assert providers.county_fips.isin(area.county_fips).all()
    assert feeds["laus"].area_fips.isin(area.county_fips).all()
    assert feeds["ui_claims"].county_fips.isin(area.county_fips).all()


def test_codes_come_from_the_seeds(feeds, seeds):
    programs = feeds["programs"]
    assert programs.cip_code.isin(seeds["cip_codes"].cip_code).all()
    soc = programs.soc_code[programs.soc_code != ""]
    assert soc.isin(seeds["soc_codes"].soc_code).all()
    assert feeds["wage_records"].naics_code.isin(seeds["naics_codes"].naics_code).all()
    assert set(feeds["oews"].soc_code) == set(seeds["soc_codes"].soc_code)


def test_seed_code_lists_are_well_formed(seeds):
    area = seeds["area_crosswalk"]
    assert list(area.columns) == ["county_fips", "county_name", "lwda_code", "lwda_name", "state"]
    assert full(area.county_fips, r"39\d{3}") and area.county_fips.is_unique
    assert 15 <= len(area) <= 25 and 4 <= area.lwda_code.nunique() <= 6
    assert (area.groupby("lwda_code").lwda_name.nunique() == 1).all()
    assert full(area.lwda_name, r"Area \d+ - .+") and (area.state == "OH").all()
    assert full(seeds["cip_codes"].cip_code, r"\d{2}\.\d{4}") and seeds["cip_codes"].cip_code.is_unique
    assert full(seeds["soc_codes"].soc_code, r"\d{2}-\d{4}") and seeds["soc_codes"].soc_code.is_unique
    assert full(seeds["naics_codes"].naics_code, r"\d{2,6}") and seeds["naics_codes"].naics_code.is_unique
    for name in ("cip_codes", "soc_codes", "naics_codes"):
        assert 20 <= len(seeds[name]) <= 40, name
        assert (seeds[name].iloc[:, 1].str.len() > 0).all(), name
    assert {"51.3901", "49.0205", "48.0508", "51.0801", "11.1006", "52.0302", "47.0201", "12.0401"} <= set(
        seeds["cip_codes"].cip_code)


# ---------------------------------------------------------------- contract rules, per entity

def test_providers_and_programs_rules(feeds):
    pv, pg = feeds["providers"], feeds["programs"]
    assert pv.provider_id.is_unique and (pv.provider_id != "").all() and (pv.provider_name != "").all()
    assert ints(pv.entity_type).between(1, 8).all()
    assert full(pv.county_fips, r"\d{5}") and full(pv.state, r"[A-Z]{2}")
    assert len(pv) >= 5
    assert pg.program_id.is_unique and (pg.program_name != "").all()
    assert full(pg.cip_code, r"\d{2}\.\d{4}")
    assert full(pg.soc_code, r"(\d{2}-\d{4})?")
    assert full(pg.potential_outcome, r"[0-9]")
    assert full(pg.tuition_cost, MONEY_RE)
    assert (ints(pg.length_hours) > 0).all()
    assert set(pg.delivery_mode) <= {"in_person", "online", "hybrid"}
    assert set(pg.etpl_status) <= {"approved", "pending", "removed"}
    assert 1.8 <= len(pg) / len(pv) <= 4.5  # ~3 programs per provider


def test_training_records_rules(feeds):
    tr = feeds["training_records"]
    assert tr.record_id.is_unique and (tr.record_id != "").all()
    assert full(tr.ssn, SSN_RE)
    assert (tr.first_name != "").all() and (tr.last_name != "").all()
    for col in ("date_of_birth", "enrollment_date"):
        assert full(tr[col], DATE_RE), col
    assert full(tr.completion_date, f"({DATE_RE[1:-1]})?")
    assert set(tr.completion_status) == {"completed", "withdrew", "enrolled"}
    enrolled = tr.completion_status == "enrolled"
    assert ((tr.completion_date == "") == enrolled).all()
    done = tr[~enrolled]
    assert (pd.to_datetime(done.completion_date) >= pd.to_datetime(done.enrollment_date)).all()
    assert (pd.to_datetime(done.completion_date) <= AS_OF).all()
    ctype = ints(tr.credential_type)
    assert ctype.between(0, 7).all()
    assert ((tr.credential_date != "") == (ctype > 0)).all()  # set iff a credential
    cred = tr[ctype > 0]
    assert (pd.to_datetime(cred.credential_date) >= pd.to_datetime(cred.completion_date)).all()
    assert (pd.to_datetime(cred.credential_date) <= AS_OF).all()


def test_participants_rules(feeds):
    pt = feeds["participants"]
    assert pt.individual_id.is_unique and full(pt.individual_id, r"P\d{7}")
    assert not pt.individual_id.str.fullmatch(r"\d{9}|\d{3}-\d{2}-\d{4}").any()
    assert full(pt.ssn, SSN_RE)
    digits = pt.ssn.str.replace("-", "")
    assert digits[digits != ""].is_unique
    assert all(is_issuable_ssn(d) for d in digits[digits != ""])  # SSA could issue each (ingest/ssn.py)
    assert (pt.first_name != "").all() and (pt.last_name != "").all()
    assert full(pt.date_of_birth, DATE_RE)
    assert set(pt.sex) <= {"1", "2", "9"}
    for col in ("hispanic", "american_indian", "asian", "black", "pacific_islander", "white", "veteran",
                "disability"):
        assert set(pt[col]) <= {"0", "1", "9"}, col
    assert ints(pt.highest_education).between(0, 7).all()
    assert set(pt.employment_status_at_entry) <= {"0", "1", "2", "3"}
    assert set(pt.low_income) <= {"0", "1"}
    assert full(pt.county_fips, r"\d{5}")


def test_participation_rules(feeds):
    pa_ = feeds["participation"]
    assert pa_.participation_id.is_unique and (pa_.participation_id != "").all()
    assert set(pa_.funding_stream) == {"adult", "dislocated_worker", "youth", "wagner_peyser"}
    assert full(pa_.entry_date, DATE_RE) and full(pa_.exit_date, f"({DATE_RE[1:-1]})?")
    entry = pd.to_datetime(pa_.entry_date)
    assert entry.between("2019-07-01", "2024-06-30").all()
    exited = pa_.exit_date != ""
    exit_ = pd.to_datetime(pa_.exit_date[exited])
    assert (exit_ >= entry[exited]).all() and (exit_ <= AS_OF).all()
    assert set(pa_.exit_reason[exited]) <= {"00", "01", "02", "03", "04", "05", "06"}
    assert (pa_.exit_reason[~exited] == "").all()
    # periods of one person do not overlap
    p = pa_.assign(entry=entry, exit=pd.to_datetime(pa_.exit_date.replace("", None)))
    p = p.sort_values(["individual_id", "entry"])
    nxt = p.groupby("individual_id").entry.shift(-1)
    has_next = nxt.notna()
    assert (p.exit[has_next] < nxt[has_next]).all()


def test_issue16_fields_follow_their_rules_at_plausible_rates(feeds):
    """The optional fields of issue 16 (feeds.md) obey their raw-gate rules, and the demo has
    enough of each for every indicator: skill gains for most trainees, Youth placements,
    case-record credentials, barriers, a few percent of exits with supplemental wages."""
    pt, pa_, sw = feeds["participants"], feeds["participation"], feeds["supplemental_wages"]
    assert set(pt.school_status_at_entry) <= {"", "1", "2", "3", "4", "5", "6"}
    for col in BARRIERS:
        assert set(pt[col]) <= {"0", "1", "9"}, col
        assert 0 < (pt[col] == "1").mean() < 0.25 or col == "foster_care_youth", col
    youth = pa_.funding_stream == "youth"
    for col in ("youth_placement_q2", "youth_placement_q4"):
        assert set(pa_[col]) <= {"", "0", "1", "2", "3"} and (pa_[col][~youth] == "").all(), col
        assert pa_[col][youth & (pa_.exit_date != "")].isin(["1", "2", "3"]).mean() > 0.15, col
    enrolled = pa_.education_training_enrollment_date != ""
    gained = (pa_[GAINS] != "").any(axis=1)
    assert not (gained & ~enrolled).any(), "a skill gain needs an enrolment [1811]"
    assert 0.5 < gained[enrolled].mean() < 0.9
    for col in ["education_training_enrollment_date", *GAINS]:
        dated = pa_[col] != ""
        assert (pa_[col][dated] >= pa_.entry_date[dated]).all(), col
    has_type = pa_.credential_type != ""
    assert set(pa_.credential_type[has_type]) <= {"1", "4", "5", "6"}
    assert ((pa_.credential_date != "") == has_type).all()
    assert set(sw.source) <= {"interstate", "federal", "military", "supplemental"}
    assert full(sw.ssn, r"\d{9}") and full(sw.wages, MONEY_RE)
    assert not sw.duplicated(["ssn", "source", "employer_id", "year", "quarter"]).any()
    assert 0.01 < sw.ssn.nunique() / (pa_.exit_date != "").sum() < 0.08


def test_services_rules(feeds):
    sv, pa_ = feeds["services"], feeds["participation"]
    assert sv.service_id.is_unique
    assert set(sv.service_type) == {"basic_career", "individualized_career", "training", "supportive", "follow_up"}
    training = sv.service_type == "training"
    assert set(sv.training_type[training]) <= {"occupational_skills", "ojt", "customized", "apprenticeship",
                                              "skill_upgrading", "other"}
    assert (sv.training_type[training] != "").all() and (sv.program_id[training] != "").all()
    assert (sv.training_type[~training] == "").all() and (sv.program_id[~training] == "").all()
    assert full(sv.cost, MONEY_RE)
    m = sv.merge(pa_, on="participation_id")
    date = pd.to_datetime(m.service_date)
    end = pd.to_datetime(m.exit_date.replace("", None)).fillna(AS_OF)
    assert (date >= pd.to_datetime(m.entry_date)).all() and (date <= end).all()
    per = sv.groupby("participation_id").size()
    assert per.between(1, 4).all()


def test_wage_records_rules(feeds):
    wr = feeds["wage_records"]
    assert full(wr.ssn, r"\d{9}")
    assert full(wr.employer_id, r"UI\d{7}")
    assert full(wr.naics_code, r"\d{2,6}")
    assert ints(wr.year).between(1990, 2100).all() and ints(wr.quarter).between(1, 4).all()
    assert full(wr.wages, MONEY_RE)
    assert wr.wages.astype(float).between(0, 999_999.99).all()
    assert not wr.duplicated(["ssn", "employer_id", "year", "quarter"]).any()
    # each file holds exactly its own quarter
    label = "labor_market/wage_records_" + wr.year + "q" + wr.quarter + ".csv"
    assert (label == wr.file).all()
    for rel in WAGE_FILES:
        assert (wr.file == rel).sum() > 0, rel
    # an employer always reports the same industry
    assert (wr.groupby("employer_id").naics_code.nunique() == 1).all()


def test_laus_rules(feeds, seeds):
    la = feeds["laus"]
    assert not la.duplicated(["area_fips", "year", "month"]).any()
    assert len(la) == len(seeds["area_crosswalk"]) * 90  # 2018-01 .. 2025-06
    assert ints(la.month).between(1, 12).all()
    lf, emp, unemp = ints(la.labor_force), ints(la.employed), ints(la.unemployed)
    assert (lf >= 0).all() and (emp >= 0).all() and (unemp >= 0).all()
    assert (emp + unemp == lf).all()
    assert full(la.unemployment_rate, r"\d{1,3}\.\d")
    expected = [str((Decimal(u) * 100 / Decimal(f)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))
                for u, f in zip(unemp, lf)]
    assert (la.unemployment_rate == pd.Series(expected, index=la.index)).all()
    assert (la.unemployment_rate == [f"{round(100 * u / f, 1):.1f}" for u, f in zip(unemp, lf)]).all()
    assert la.unemployment_rate.astype(float).between(0, 100).all()


def test_oews_rules(feeds, seeds):
    oe = feeds["oews"]
    assert not oe.duplicated(["area_code", "soc_code", "year"]).any()
    assert set(ints(oe.year)) == set(range(2019, 2025))
    assert len(oe) == 6 * len(seeds["soc_codes"])
    assert full(oe.soc_code, r"\d{2}-\d{4}") and full(oe.area_code, r"\d{2}")
    assert full(oe.employment, r"\d+|\*\*")
    assert full(oe.median_annual_wage, r"\d+\.\d{2}|\*|#")
    assert (oe.employment == "**").sum() >= 1
    assert (oe.median_annual_wage == "*").sum() >= 1
    assert (oe.median_annual_wage == "#").sum() == 1
    titles = oe.merge(seeds["soc_codes"], on="soc_code")
    assert (titles.occupation_title == titles.soc_title).all()


def test_ui_claims_rules(feeds, seeds):
    ui = feeds["ui_claims"]
    assert not ui.duplicated(["week_ending", "county_fips"]).any()
    week = pd.to_datetime(ui.week_ending)
    assert (week.dt.dayofweek == 5).all()  # Saturday
    assert week.min() == pd.Timestamp("2019-01-05") and week.max() == pd.Timestamp("2025-06-28")
    assert len(ui) == len(seeds["area_crosswalk"]) * week.nunique()
    assert (ints(ui.initial_claims) >= 0).all() and (ints(ui.continued_claims) >= 0).all()


# ---------------------------------------------------------------- plausibility

def test_people_are_plausible(feeds, linked):
    pt, pa_ = feeds["participants"], feeds["participation"]
    periods = linked[0]
    assert 1.1 <= len(pa_) / len(pt) <= 1.35
    assert 0.04 <= (pa_.exit_date == "").mean() <= 0.18
    exited = pa_[pa_.exit_date != ""]
    assert 0.005 <= (exited.exit_reason != "00").mean() <= 0.06
    shares = pa_.funding_stream.value_counts(normalize=True)
    assert shares.idxmax() == "wagner_peyser" and (shares > 0.05).all()
    age = age_at(periods.date_of_birth, periods.entry_date)
    assert age.between(14, 75).all()
    youth = periods.funding_stream == "youth"
    assert age[youth].between(14, 24).all()
    # mostly served in the LWDA of their home county
    area = pd.read_csv(SEEDS_DIR / "area_crosswalk.csv", dtype=str)[["county_fips", "lwda_code"]]
    home = periods.merge(area.rename(columns={"lwda_code": "home_lwda"}), on="county_fips")
    assert (home.lwda_code == home.home_lwda).mean() >= 0.85
    # SSNs: ~30% dashed, ~3% empty; some people not self-identified
    assert 0.2 <= pt.ssn.str.contains("-").mean() <= 0.4
    assert 0.005 <= (pt.ssn == "").mean() <= 0.07
    assert (pt.sex == "9").any() and (pt.white == "9").any()
    names = pd.concat([pt.first_name, pt.last_name])
    assert names.str.contains("'").any() and names.str.contains("-").any()
    assert names.map(lambda s: not s.isascii()).any()


def test_services_and_training_are_plausible(feeds):
    sv, pa_, tr = feeds["services"], feeds["participation"], feeds["training_records"]
    training = sv[sv.service_type == "training"]
    assert 0.25 <= training.participation_id.nunique() / len(pa_) <= 0.45
    assert training.participation_id.is_unique
    assert (training.training_type == "occupational_skills").mean() >= 0.5
    assert (training.training_type == "ojt").any()
    assert (sv.cost.astype(float) >= 0).all() and (sv.cost.astype(float) > 0).any()
    status = tr.completion_status.value_counts(normalize=True)
    assert 0.5 <= status["completed"] <= 0.8
    assert 0.1 <= status["withdrew"] <= 0.3
    assert 0.05 <= status["enrolled"] <= 0.25
    cred = tr[tr.credential_type != "0"]
    delay = (pd.to_datetime(cred.credential_date) - pd.to_datetime(cred.completion_date)).dt.days
    assert (delay <= 365).mean() >= 0.8 and (delay > 365).any()
    assert (tr.credential_type[tr.completion_status == "enrolled"] == "0").all()


def test_every_training_service_has_the_participants_training_record(feeds):
    pt, pa_, sv, tr = feeds["participants"], feeds["participation"], feeds["services"], feeds["training_records"]
    services = (sv[sv.service_type == "training"].merge(pa_, on="participation_id").merge(pt, on="individual_id"))
    services["ssn9"] = services.ssn.str.replace("-", "")
    records = tr.assign(ssn9=tr.ssn.str.replace("-", ""))
    assert 0.03 <= (records.ssn9 == "").mean() <= 0.15  # ~10% of the WIOA-funded records
    identity = ["first_name", "last_name", "date_of_birth"]
    on_record = ["program_id", "enrollment_date"]
    # linkage as the mart does it: by SSN when both carry one, else by name and birth date
    by_ssn = services[services.ssn9 != ""].merge(
        records[records.ssn9 != ""], left_on=["ssn9", "program_id", "service_date"], right_on=["ssn9"] + on_record)
    by_name = services.merge(records, left_on=identity + ["program_id", "service_date"],
                             right_on=identity + on_record)
    by_name = by_name[(by_name.ssn9_x == "") | (by_name.ssn9_y == "")]
    no_ssn = records[records.ssn9 == ""]
    # records without SSN link by identical name and birth date, which is unambiguous
    assert not pt.duplicated(identity, keep=False)[pt.set_index(identity).index.isin(
        no_ssn.set_index(identity).index)].any()
    matched = pd.concat([by_ssn.service_id, by_name.service_id])
    assert matched.is_unique
    assert set(matched) == set(services.service_id)
    # records carrying an SSN agree with the participant on name and birth date
    assert (by_ssn.first_name_x == by_ssn.first_name_y).all()
    assert (by_ssn.date_of_birth_x == by_ssn.date_of_birth_y).all()


def test_other_students_are_not_participants_but_have_wages(feeds):
    pt, tr, wr = feeds["participants"], feeds["training_records"], feeds["wage_records"]
    identity = ["first_name", "last_name", "date_of_birth"]
    participant_ssn = set(pt.ssn.str.replace("-", "")) - {""}
    ssn9 = tr.ssn.str.replace("-", "")
    known_identity = tr.set_index(identity).index.isin(pt.set_index(identity).index)
    outside = tr[(ssn9 != "") & ~ssn9.isin(participant_ssn) & ~known_identity]
    share_extra = len(outside) / (len(tr) - len(outside))
    assert 0.2 <= share_extra <= 0.4  # ~30% more students than WIOA-funded ones
    assert outside.ssn.str.replace("-", "").isin(set(wr.ssn)).mean() >= 0.7


def test_wages_are_plausible(feeds, linked):
    periods, wages, by_pq = linked
    pt, tr = feeds["participants"], feeds["training_records"]
    assert (wages.year + "q" + wages.quarter).max() == "2025q2"
    people = (set(pt.ssn.str.replace("-", "")) | set(tr.ssn.str.replace("-", ""))) - {""}
    with_wages = people & set(wages.ssn)
    assert 0.75 <= len(with_wages) / len(people) <= 0.95
    # most people with wages have them before entry and after exit
    done = periods[periods.exit_date.notna() & (periods.exit_date < "2024-10-01") & periods.ssn9.isin(with_wages)]
    first_q = wages.groupby("ssn").qi.min()
    last_q = wages.groupby("ssn").qi.max()
    before = first_q.reindex(done.ssn9).to_numpy() < qi(done.entry_date).to_numpy()
    after = last_q.reindex(done.ssn9).to_numpy() > qi(done.exit_date).to_numpy()
    assert (before & after).mean() >= 0.7
    # some people hold two jobs in some quarters, most never do
    jobs = wages.groupby(["ssn", "qi"]).size()
    two = jobs[jobs > 1].reset_index().ssn.nunique() / wages.ssn.nunique()
    assert 0.05 <= two <= 0.3
    zero = (wages.w == 0).mean()
    assert 0 < zero < 0.01
    assert (wages.w.max() <= 999_999.99) and (wages.w > 0).mean() > 0.99
    # wages depend on the job: trucking, IT, banking, construction pay more than restaurants and retail
    paid = wages[wages.w > 0]
    high = paid[paid.naics_code.isin(["484121", "541512", "518210", "5221", "236220"])].w.median()
    low = paid[paid.naics_code.isin(["722513", "722511", "445110", "455110", "456110"])].w.median()
    assert high > 1.4 * low


def test_training_pays_off(feeds, linked):
    periods, wages, by_pq = linked
    sv, tr = feeds["services"], feeds["training_records"]
    # each period's own training outcome: training service -> the participant's training record
    services = sv[sv.service_type == "training"][["participation_id", "program_id", "service_date"]]
    records = tr.assign(ssn9=tr.ssn.str.replace("-", ""))[["ssn9", "program_id", "enrollment_date",
                                                             "completion_status"]]
    p = periods.merge(services, on="participation_id", how="left").merge(
        records, left_on=["ssn9", "program_id", "service_date"], right_on=["ssn9", "program_id", "enrollment_date"],
        how="left")
    done = p[p.exit_date.notna() & (p.exit_date < "2024-10-01") & (p.ssn9 != "")]
    completed = done[done.completion_status == "completed"]
    untrained = done[done.program_id.isna()]
    assert len(completed) >= 40

    def earnings(rows, date_column, offset):
        keys = list(zip(rows.ssn9, qi(rows[date_column]) + offset))
        return by_pq.reindex(keys).fillna(0.0).to_numpy()

    pre = np.concatenate([earnings(completed, "entry_date", k) for k in (-3, -2)])
    post = np.concatenate([earnings(completed, "exit_date", k) for k in (2, 3)])
    assert (post > 0).mean() > (pre > 0).mean()  # employment rate rises after training (~+0.14 at scale)
    assert np.median(post[post > 0]) > 1.15 * np.median(pre[pre > 0])  # and so do earnings
    others = np.concatenate([earnings(untrained, "exit_date", k) for k in (2, 3)])
    assert (post > 0).mean() > (others > 0).mean()  # and beats no training (~+0.13 at scale)


def test_labor_market_is_plausible(feeds):
    la = feeds["laus"].assign(lf=lambda d: d.labor_force.astype(int), u=lambda d: d.unemployed.astype(int),
                              ym=lambda d: d.year.astype(int) * 100 + d.month.astype(int),
                              rate=lambda d: d.unemployment_rate.astype(float))
    state = la.groupby("ym")[["u", "lf"]].sum()
    state_rate = 100 * state.u / state.lf
    assert state_rate.loc[[202004, 202005, 202006]].between(12, 15).all()
    normal = la[(la.ym < 202003) | (la.ym > 202012)]
    assert normal.rate.between(3, 6).all()
    ui = feeds["ui_claims"].assign(ic=lambda d: d.initial_claims.astype(int),
                                   cc=lambda d: d.continued_claims.astype(int))
    weekly = ui.groupby("week_ending")[["ic", "cc"]].sum()
    surge = weekly.loc["2020-03-21":"2020-04-25"]
    assert 90_000 <= surge.ic.mean() <= 150_000
    calm = weekly.loc["2019-01-01":"2019-12-31"]
    assert 2_000 <= calm.ic.median() <= 4_500
    assert weekly.loc["2020-04-01":"2020-06-30"].cc.max() > 5 * calm.cc.median()
    assert weekly.loc["2023-01-01":"2023-12-31"].ic.median() < 5_000  # back to normal
    # counties' claims follow their size
    size = la[la.ym == 201901].set_index("area_fips").lf
    claims = ui.groupby("county_fips").ic.sum()
    assert np.corrcoef(size.reindex(claims.index), claims)[0, 1] > 0.9
