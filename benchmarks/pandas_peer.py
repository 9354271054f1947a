"""An independent recomputation of `marts.rpt_wioa_performance` in plain pandas.

Why it exists: the published WIOA indicators come out of dbt SQL; this module derives the
same numbers a second way, straight from the landing CSVs (feeds.md) and the definitions
in mart.md, sharing no code, macro or intermediate table with the pipeline. Agreement of
the two on every row is the evidence that the mart is exact (tests/test_indicators_independent.py);
the same code doubles as a speed baseline at scale (`python -m benchmarks.pandas_peer`).

Style follows the 2017 TPOT toolkit (workforce-data-initiative/tpot-abacus): one small,
named function per indicator rule, the thresholds and code lists as named constants.
Identity is the raw SSN, normalized to its digits (held as an int64): the peer never
writes anything, so it needs no pseudonyms; a participant without an SSN has no wages,
because wage records are keyed by SSN. Everything is vectorized (no per-row Python).

Readings of mart.md that the text leaves open (kept identical to the pipeline's, see
the report of o4o issue 4):
- a quarter's wages are known when the quarter lies inside the wage feed: not later
  than its latest quarter (mart.md) and not earlier than its first (never happens for
  an exit outcome in practice: exits follow the feed's start);
- the credential outcome is known once quarter exit + 4 is in the wage feed ("the year
  after exit has passed, judged by the latest wage quarter"): the same cohort timing as
  employment_rate_q4 (TEGL 10-16 Change 2), and the quarter the secondary-diploma rule
  needs wages for;
- a group with no known outcome for an indicator (denominator 0) has no row;
- a WIOA participant's credentials are those on the provider training records that link
  to them the way mart.md links records for the scorecard: by SSN when both sides carry
  one, else by normalized first name, last name and date of birth.

The federal rules of o4o issue 15, read from the guidance (TEGL 10-16 Change 3, 20 CFR
677.150, the ETA-9169 template), not from the pipeline:
- periods of participation by the 90-day rule: a person's re-entry into the same program at
  most 90 days after an exit merges into the earlier period (the exit is the last one);
- exit reasons exclude by program: 05 only Youth, 06 only Vocational Rehabilitation;
- Wagner-Peyser exits are never in the credential cohort;
- a common exit groups a person's periods in any program that overlap or lie at most 90 days
  apart: 'all' rows and the retention indicator count it once;
- rpt_eta9169_performance's cohorts: employment Q2 / median earnings exits July 1 Y-1 - June 30
  Y, the others calendar year Y-1;
- a group has a row for an indicator once any of its outcomes is known.
The rules of o4o issue 16 (TEGL 10-16 Change 2; PIRL 1401, 1800-1811, 1900-1901), from the
guidance:
- supplemental wages (interstate, federal, military, staff-documented) are employment and
  earnings beside UI wages; retention stays on UI employer accounts; the feed's bounds are UI's;
- a case record's own credential (1800, 1801) is the person's, like a provider record's;
- the Youth credential cohort adds in-school youth (1401 codes 1-3) and youth enrolled in
  education or training (1811); a secondary diploma also counts with an enrolment in
  postsecondary education or training within a year after exit (a dated enrolment, or a Youth
  placement 1-2);
- Youth education-or-employment in Q2 / Q4: employed or placed (1900 / 1901 codes 1-3), youth
  program exits only (no 'all' streams row); the placement is the exit record's (the period's
  last feed period);
- measurable skill gains per program year: periods in education or training during the year
  (1811 by its end, not exited before its start), less excluded exits, never Wagner-Peyser;
  a gain (1806-1810) dated in the year; 'all' streams count a person once per year. Program
  years: every one a date of the participation feed falls in.
The peer reports primary suppression only (a denominator below 10): the mart may withhold
more cells (complementary suppression), which tests/test_complementary_suppression.py checks.
"""

from __future__ import annotations

import argparse
import csv
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

# --- the rules as named constants (mart.md) -------------------------------------------
SUPPRESSION_THRESHOLD = 10  # a denominator below this withholds numerator and value
FUNDING_STREAMS = ("adult", "dislocated_worker", "youth", "wagner_peyser")
# PIRL 923 -> the programs whose exits it excludes (TEGL 10-16 Change 3, Attachment 2)
EXCLUSIONS_BY_PROGRAM = {"01": set(FUNDING_STREAMS), "02": set(FUNDING_STREAMS), "03": set(FUNDING_STREAMS),
                         "04": set(FUNDING_STREAMS), "05": {"youth"}, "06": {"vocational_rehabilitation"}}
EXCLUDED_EXIT_REASONS = frozenset(EXCLUSIONS_BY_PROGRAM)  # codes that exclude some program
OUTSIDE_CREDENTIAL_INDICATOR = frozenset({"wagner_peyser"})  # WIOA sec. 116(b)(2)(A)(iii)
EXIT_GAP_DAYS = 90  # 20 CFR 677.150(c): 90 days without a service make an exit
FOLLOW_UP_SERVICE = "follow_up"  # does not keep a period open
NEVER = pd.Timestamp("2262-04-11")  # the exit of a period still active
NON_CREDENTIAL_TRAINING_TYPES = frozenset({"ojt", "customized"})
TRAINING_SERVICE = "training"
SECONDARY_DIPLOMA = 1  # PIRL 1800 code 1: counts only with wages in the year after exit
POSTSECONDARY_CREDENTIALS = frozenset(range(2, 8))  # PIRL 1800 codes 2-7
CREDENTIAL_WINDOW_DAYS = 365  # credentials dated entry_date .. exit_date + 365 days
QUARTERS_AFTER_EXIT_FOR_CREDENTIAL_WAGES = (1, 2, 3, 4)
PROGRAM_YEAR_START_MONTH = 7  # July 1 Y - June 30 Y+1 is program year Y
ALL = "all"
UNKNOWN = "unknown"  # a missing funding stream or LWDA (the feed requires both)

INDICATORS = ("employment_rate_q2", "employment_rate_q4", "median_earnings_q2",
              "credential_attainment_rate", "retention_same_employer",
              "education_employment_rate_q2", "education_employment_rate_q4")
# issue 16: the Youth indicators (TEGL 10-16 Change 2; PIRL 1900, 1901) count youth program exits only
YOUTH_INDICATORS = frozenset({"education_employment_rate_q2", "education_employment_rate_q4"})
YOUTH = "youth"
IN_SCHOOL = frozenset({1, 2, 3})  # PIRL 1401 school status at entry: in school
PLACED = frozenset({1, 2, 3})  # PIRL 1900/1901: occupational skills training, postsecondary, secondary
PLACED_POSTSECONDARY = frozenset({1, 2})  # leading to a postsecondary credential (the diploma rule)
SKILL_GAINS = "measurable_skill_gains_rate"
GAIN_DATES = ("msg_date_efl", "msg_date_secondary_transcript", "msg_date_postsecondary_transcript",
              "msg_date_training_milestone", "msg_date_skills_progression")  # PIRL 1806-1810
CASE_FIELDS = ("education_training_enrollment_date", *GAIN_DATES, "youth_placement_q2", "youth_placement_q4",
               "postsecondary_enrollment_date", "credential_type", "credential_date")
# the wage quarter each indicator's outcome is known by, after the exit quarter
OUTCOME_QUARTER = {"employment_rate_q2": 2, "median_earnings_q2": 2, "employment_rate_q4": 4,
                   "credential_attainment_rate": 4, "retention_same_employer": 4,
                   "education_employment_rate_q2": 2, "education_employment_rate_q4": 4}
# ETA-9169 "Annual Periods of Reporting": the exits of report year Y, (years, month, day) from Y
ETA9169_COHORTS = {"employment_rate_q2": ((-1, 7, 1), (0, 6, 30)), "median_earnings_q2": ((-1, 7, 1), (0, 6, 30)),
                   "employment_rate_q4": ((-1, 1, 1), (-1, 12, 31)),
                   "credential_attainment_rate": ((-1, 1, 1), (-1, 12, 31)),
                   "retention_same_employer": ((-1, 1, 1), (-1, 12, 31)),
                   "education_employment_rate_q2": ((-1, 7, 1), (0, 6, 30)),
                   "education_employment_rate_q4": ((-1, 1, 1), (-1, 12, 31))}
SKILL_GAIN_YEAR = ((0, 7, 1), (1, 6, 30))  # participants during program year Y
RUNOUT_QUARTERS = 2  # a row is final once its last outcome quarter is this much older than the feed
GROUP_KEYS = ["exit_program_year", "funding_stream", "lwda_code"]
REPORT_COLUMNS = GROUP_KEYS + ["indicator", "numerator", "denominator", "value", "is_suppressed"]
ETA9169_KEYS = ["report_program_year", "funding_stream", "lwda_code"]
ETA9169_COLUMNS = ETA9169_KEYS + ["indicator", "cohort_exit_from", "cohort_exit_to", "numerator", "denominator",
                                  "value", "is_suppressed", "cohort_exits", "outcomes_known", "is_final"]


# --- reading the landing zone (feeds.md) ----------------------------------------------

def entity_files(landing_dir: Path, feed: str, entity: str) -> list[Path]:
    """`<feed>/<entity>*.csv`, in name order (a later file replaces rows with the same key).
    `participants.csv` is no file of `participation`: the entity name must be followed by
    `.`, `_` or `-`."""
    folder = Path(landing_dir) / feed
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir()
                  if p.is_file() and p.suffix.lower() == ".csv"
                  and p.name.lower().startswith(entity)
                  and p.name.lower()[len(entity):][:1] in (".", "_", "-"))


def _header(path: Path) -> dict[str, str]:
    """Lower-cased, trimmed column name -> the name as written (names are case-insensitive)."""
    with path.open(encoding="utf-8-sig", newline="") as f:
        written = next(csv.reader(f), [])
    return {name.strip().lower(): name for name in written}


def _read_file(path: Path, columns: list[str], numeric: dict[str, str] | None = None,
               optional: tuple[str, ...] = ()) -> pd.DataFrame:
    """The named columns of one file: text trimmed with empty fields as NA, the `numeric`
    ones parsed straight to their dtype (the parser trims them). An `optional` column the
    file does not have (issue 16's additions) is NA."""
    numeric = numeric or {}
    header = _header(path)
    missing = [c for c in columns if c not in header and c not in optional]
    if missing:
        raise ValueError(f"{path}: missing column(s) {missing}")
    present = [c for c in columns if c in header]
    frame = pd.read_csv(path, engine="pyarrow", usecols=[header[c] for c in present], keep_default_na=False,
                        dtype={header[c]: numeric.get(c, str) for c in present})
    frame = frame.rename(columns={header[c]: c for c in present})
    for c in columns:
        if c not in present:
            frame[c] = pd.Series("", index=frame.index, dtype=str)
    frame = frame[columns]
    for c in columns:
        if c not in numeric:
            text = frame[c].str.strip()
            frame[c] = text.mask(text == "")
    return frame


def read_entity(landing_dir: Path, feed: str, entity: str, columns: list[str],
                key: list[str], optional: tuple[str, ...] = ()) -> pd.DataFrame:
    """All files of an entity, later files (by name) replacing rows that share the key."""
    files = entity_files(landing_dir, feed, entity)
    if not files:
        return pd.DataFrame({c: pd.Series(dtype=str) for c in columns})
    frame = pd.concat([_read_file(p, columns, optional=optional) for p in files], ignore_index=True)
    return frame.drop_duplicates(subset=key, keep="last", ignore_index=True) if len(files) > 1 else frame


def normalized_ssn(text: pd.Series) -> pd.Series:
    """Digits only, as a nullable int64 (NA when there is no SSN)."""
    digits = text.str.replace(r"[^0-9]", "", regex=True)
    return digits.mask(digits == "").astype("Int64")


def normalized_name(text: pd.Series) -> pd.Series:
    """Upper case, accents stripped, letters only: `O'Brien` = `OBRIEN`, `Muñoz` = `MUNOZ`."""
    return (text.str.normalize("NFKD").str.upper().str.replace(r"[^A-Z]", "", regex=True))


def name_dob_identity(first: pd.Series, last: pd.Series, birth_date: pd.Series) -> pd.Series:
    return normalized_name(first) + "|" + normalized_name(last) + "|" + birth_date


def _dates(text: pd.Series) -> pd.Series:
    return pd.to_datetime(text, format="%Y-%m-%d")


# --- calendar -------------------------------------------------------------------------

def quarter_index(dates: pd.Series) -> pd.Series:
    """year * 4 + quarter - 1: consecutive quarters differ by 1 across year ends."""
    return (dates.dt.year * 4 + (dates.dt.month - 1) // 3).astype("int64")


def program_year(dates: pd.Series) -> pd.Series:
    return (dates.dt.year - (dates.dt.month < PROGRAM_YEAR_START_MONTH)).astype("int64")


# --- wages ----------------------------------------------------------------------------

class WageFeed:
    """The wage feed as the indicators need it: wages in cents per (ssn, employer, quarter),
    their sum over employers per (ssn, quarter), and the quarters the feed covers."""

    # (ssn, quarter) packed into one int64 for sorted lookups: ssn < 10**9, quarter < 10**5
    _QUARTER_SPAN = 100_000

    def __init__(self, employer_quarters: pd.DataFrame, first_quarter: int | None, latest_quarter: int | None,
                 supplemental: pd.DataFrame | None = None):
        self.employer_quarters = employer_quarters  # ssn, employer, quarter, cents (state UI: retention)
        self.first_quarter = first_quarter
        self.latest_quarter = latest_quarter
        # issue 16: supplemental wages (interstate, federal, military, staff-documented) are
        # evidence of employment and part of earnings beside UI wages; the bounds stay UI's
        both = pd.concat([employer_quarters[["ssn", "quarter", "cents"]]]
                         + ([supplemental[["ssn", "quarter", "cents"]]] if supplemental is not None else []),
                         ignore_index=True)
        packed = both["ssn"].to_numpy(dtype="int64") * self._QUARTER_SPAN + both["quarter"].to_numpy(dtype="int64")
        person_quarters = pd.Series(both["cents"].to_numpy(dtype="int64")).groupby(packed).sum()
        self._packed = person_quarters.index.to_numpy(dtype="int64")  # sorted by groupby
        self._cents = person_quarters.to_numpy(dtype="int64")

    def total_cents(self, ssn: pd.Series, quarter: pd.Series) -> np.ndarray:
        """Wages in cents summed over employers for each (ssn, quarter); 0 without records
        or without an SSN."""
        has_ssn = ssn.notna().to_numpy()
        packed = ssn.fillna(0).to_numpy(dtype="int64") * self._QUARTER_SPAN + quarter.to_numpy(dtype="int64")
        at = np.searchsorted(self._packed, packed).clip(max=max(len(self._packed) - 1, 0))
        found = has_ssn & (len(self._packed) > 0)
        if len(self._packed):
            found &= self._packed[at] == packed
        return np.where(found, self._cents[at] if len(self._cents) else 0, 0).astype("int64")


def read_wage_feed(landing_dir: Path, ssns: pd.Series) -> WageFeed:
    """Wage records of the given SSNs (the feed's bounds are taken over every record).
    Files are read one at a time and cut to those SSNs before they are kept."""
    columns = ["ssn", "employer_id", "year", "quarter", "wages"]
    wanted = pd.Index(ssns.dropna().unique())
    kept, first, latest = [], None, None
    for path in entity_files(landing_dir, "labor_market", "wage_records"):
        raw = _read_file(path, columns, {"year": "int64", "quarter": "int64", "wages": "float64"})
        quarter = raw["year"] * 4 + raw["quarter"] - 1
        if len(quarter):
            first = min(first, int(quarter.min())) if first is not None else int(quarter.min())
            latest = max(latest, int(quarter.max())) if latest is not None else int(quarter.max())
        ssn = normalized_ssn(raw["ssn"])
        keep = ssn.isin(wanted).to_numpy(dtype=bool, na_value=False)
        kept.append(pd.DataFrame({
            "ssn": ssn[keep].astype("int64").to_numpy(),
            "employer_id": raw["employer_id"][keep].to_numpy(),
            "quarter": quarter[keep].to_numpy(),
            "cents": np.rint(raw["wages"][keep].to_numpy() * 100).astype("int64"),
        }))
        del raw
    if kept:
        wages = pd.concat(kept, ignore_index=True)
    else:
        wages = pd.DataFrame({"ssn": pd.Series(dtype="int64"), "employer_id": pd.Series(dtype=str),
                              "quarter": pd.Series(dtype="int64"), "cents": pd.Series(dtype="int64")})
    wages["employer"] = pd.factorize(wages["employer_id"])[0]
    wages = wages.drop(columns="employer_id")
    # key (ssn, employer_id, year, quarter): a later delivery replaces an earlier one
    wages = wages.drop_duplicates(subset=["ssn", "employer", "quarter"], keep="last", ignore_index=True)
    return WageFeed(wages, first, latest, read_supplemental_wages(landing_dir, wanted))


def read_supplemental_wages(landing_dir: Path, wanted: pd.Index) -> pd.DataFrame:
    """labor_market/supplemental_wages (issue 16, optional) of the given SSNs: ssn, quarter,
    cents; key (ssn, source, employer_id, year, quarter), a later file replacing a row."""
    raw = read_entity(landing_dir, "labor_market", "supplemental_wages",
                      ["ssn", "source", "employer_id", "year", "quarter", "wages"],
                      ["ssn", "source", "employer_id", "year", "quarter"])
    ssn = normalized_ssn(raw["ssn"])
    keep = ssn.isin(wanted).to_numpy(dtype=bool, na_value=False)
    raw = raw[keep]
    return pd.DataFrame({"ssn": ssn[keep].astype("int64").to_numpy(),
                         "quarter": (raw["year"].astype("int64") * 4 + raw["quarter"].astype("int64") - 1).to_numpy(),
                         "cents": np.rint(raw["wages"].astype("float64").to_numpy() * 100).astype("int64")})


# --- periods of participation and exits -------------------------------------------------

def read_participation(landing_dir: Path) -> pd.DataFrame:
    """Every feed period of participation (active ones too) with who it belongs to: `person`
    (the SSN's digits, else normalized name + birth date, as participant_key) and `ssn`."""
    participation = read_entity(landing_dir, "job_center", "participation",
                                ["participation_id", "individual_id", "funding_stream", "lwda_code",
                                 "entry_date", "exit_date", "exit_reason"], ["participation_id"])
    participants = read_entity(landing_dir, "job_center", "participants",
                               ["individual_id", "ssn", "first_name", "last_name", "date_of_birth"], ["individual_id"])
    ssn = normalized_ssn(participants["ssn"])
    person = ("ssn:" + ssn.astype("string")).fillna(
        "name:" + name_dob_identity(participants["first_name"], participants["last_name"],
                                    participants["date_of_birth"]))
    frame = participation.merge(pd.DataFrame({"individual_id": participants["individual_id"], "ssn": ssn,
                                              "person": person}), on="individual_id", how="left")
    frame["person"] = frame["person"].fillna("individual:" + frame["individual_id"])
    frame["entry_date"] = _dates(frame["entry_date"])
    frame["exit_date"] = _dates(frame["exit_date"])
    return frame


def chained(frame: pd.DataFrame, by: list[str], order: list[str]) -> pd.Series:
    """Chain number of each row within `by`, in `order`: a row starts a new chain unless it
    starts at most EXIT_GAP_DAYS after the latest exit of the rows before it (an active row,
    exit NaT, never ends). The 90-day rule and the common exit policy alike."""
    frame = frame.sort_values(by + order)
    ends = frame["exit_date"].fillna(NEVER)
    latest_before = ends.groupby([frame[c] for c in by], sort=False, dropna=False).cummax()
    latest_before = latest_before.groupby([frame[c] for c in by], sort=False, dropna=False).shift(1)
    starts = latest_before.isna() | (frame["entry_date"] > latest_before + pd.Timedelta(days=EXIT_GAP_DAYS))
    return starts.astype("int64").groupby([frame[c] for c in by], sort=False, dropna=False).cumsum()



def lists_by_group(grouped, column: str) -> list[list]:
    """Each group's values of `column` as a list, in the groups' order (`grouped.first()`'s):
    `agg(list)` calls Python once per group; this sorts once and splits the array."""
    codes = grouped.ngroup().to_numpy()
    order = np.argsort(codes, kind="stable")
    values = grouped.obj[column].to_numpy()[order]
    bounds = np.flatnonzero(np.diff(codes[order])) + 1
    return [part.tolist() for part in np.split(values, bounds)]

def periods_of_participation(participation: pd.DataFrame, services: pd.DataFrame, trust_feed_exits=False
                             ) -> pd.DataFrame:
    """One row per period by the 90-day rule (`trust_feed_exits`: the feed's periods): the
    first feed period's id, individual, area and entry; the last exit (NaT while a member is
    active, later when a qualifying service of a member is) and its reason; the member ids."""
    frame = participation.copy()
    frame["stream_key"] = frame["funding_stream"].fillna("")
    if trust_feed_exits:
        frame["chain"] = np.arange(len(frame))
    else:
        frame["chain"] = chained(frame, ["person", "stream_key"], ["entry_date", "participation_id"])
    frame = frame.sort_values(["person", "stream_key", "chain", "entry_date", "participation_id"])
    keys = ["person", "stream_key", "chain"]
    grouped = frame.groupby(keys, sort=False)
    periods = grouped.first()[["participation_id", "individual_id", "funding_stream", "lwda_code", "entry_date",
                               "ssn"]].rename(columns={"participation_id": "period_id"})
    periods["member_ids"] = lists_by_group(grouped, "participation_id")
    by_period = [frame[k] for k in keys]
    periods["active"] = frame["exit_date"].isna().groupby(by_period, sort=False).any().reindex(periods.index)
    periods["exit_date"] = grouped["exit_date"].max()
    closing = frame.sort_values(["exit_date", "entry_date", "participation_id"]).groupby(keys, sort=False).last()
    periods["exit_reason"] = closing["exit_reason"]
    if not trust_feed_exits:  # a qualifying service after the recorded exit is the exit
        qualifying = services[services["service_type"] != FOLLOW_UP_SERVICE]
        last_service = frame["participation_id"].map(qualifying.groupby("participation_id")["service_date"].max())
        last_service = last_service.groupby([frame[c] for c in keys], sort=False).max().reindex(periods.index)
        periods["exit_date"] = pd.concat([periods["exit_date"], last_service], axis=1).max(axis=1)
    periods.loc[periods["active"], "exit_date"] = pd.NaT
    periods.loc[periods["active"], "exit_reason"] = None
    return periods.reset_index()[["person", "period_id", "individual_id", "ssn", "funding_stream", "lwda_code",
                                  "entry_date", "exit_date", "exit_reason", "member_ids"]]


def read_services(landing_dir: Path) -> pd.DataFrame:
    services = read_entity(landing_dir, "job_center", "services",
                           ["service_id", "participation_id", "service_date", "service_type", "training_type"],
                           ["service_id"])
    services["service_date"] = _dates(services["service_date"])
    return services


def read_exits(landing_dir: Path, periods: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per period of participation with an exit: who (SSN), when, where, why."""
    if periods is None:
        periods = periods_of_participation(read_participation(landing_dir), read_services(landing_dir))
    exits = periods[periods["exit_date"].notna()].rename(columns={"period_id": "participation_id"})
    exits = exits.reset_index(drop=True)
    exits["exit_quarter"] = quarter_index(exits["exit_date"])
    exits["exit_program_year"] = program_year(exits["exit_date"])
    exits["funding_stream"] = exits["funding_stream"].fillna(UNKNOWN)
    exits["lwda_code"] = exits["lwda_code"].fillna(UNKNOWN)
    return exits


def is_excluded_exit(exits: pd.DataFrame) -> pd.Series:
    """The exit reason excludes the exit for its program (01-04 every program, 05 Youth only,
    06 Vocational Rehabilitation only)."""
    pairs = zip(exits["exit_reason"], exits["funding_stream"])
    return pd.Series([stream in EXCLUSIONS_BY_PROGRAM.get(reason, ()) for reason, stream in pairs],
                     index=exits.index, dtype=bool)


def common_exits(periods: pd.DataFrame, exits: pd.DataFrame) -> pd.DataFrame:
    """The common exit policy: a person's periods in any program that overlap, or start at
    most 90 days after the latest exit before them, are one common exit dated at their latest
    exit (none while one is active). One row per member exit: participation_id, common_id."""
    frame = periods[["person", "period_id", "entry_date", "exit_date"]].copy()
    frame["cluster"] = chained(frame, ["person"], ["entry_date", "period_id"])
    frame = frame.sort_values(["person", "cluster", "entry_date", "period_id"])
    grouped = frame.groupby(["person", "cluster"], sort=False)
    frame["common_id"] = grouped["period_id"].transform("first")
    frame["has_active"] = frame["exit_date"].isna().groupby([frame["person"], frame["cluster"]], sort=False).transform("any")
    members = frame.loc[~frame["has_active"], ["period_id", "common_id"]]
    return members.rename(columns={"period_id": "participation_id"}).merge(
        exits[["participation_id"]], on="participation_id")


# --- the indicator rules, one function each -------------------------------------------

def is_quarter_known(quarters: pd.Series, wages: WageFeed) -> pd.Series:
    """A quarter's wages are known when the wage feed covers it (not yet delivered = unknown)."""
    if wages.latest_quarter is None:
        return pd.Series(False, index=quarters.index)
    return (quarters >= wages.first_quarter) & (quarters <= wages.latest_quarter)


def wages_n_quarters_after_exit(exits: pd.DataFrame, wages: WageFeed, n: int) -> pd.Series:
    """Wages in cents summed over employers in calendar quarter exit + n (0 when none)."""
    return pd.Series(wages.total_cents(exits["ssn"], exits["exit_quarter"] + n), index=exits.index)


def employed_n_quarters_after_exit(exits: pd.DataFrame, wages: WageFeed, n: int) -> pd.Series:
    """1.0 employed (summed wages > 0), 0.0 not, NaN while quarter exit + n is not in the feed."""
    employed = (wages_n_quarters_after_exit(exits, wages, n) > 0).astype("float64")
    return employed.where(is_quarter_known(exits["exit_quarter"] + n, wages))


def earnings_n_quarters_after_exit(exits: pd.DataFrame, wages: WageFeed, n: int) -> pd.Series:
    """Summed wages in cents in quarter exit + n for those employed then, else NaN."""
    cents = wages_n_quarters_after_exit(exits, wages, n).astype("float64")
    return cents.where(employed_n_quarters_after_exit(exits, wages, n) == 1.0)


def same_employer_in_quarters_after_exit(exits: pd.DataFrame, wages: WageFeed, n: int, m: int) -> pd.Series:
    """True when one employer paid wages > 0 in both quarter exit + n and exit + m."""
    paid = wages.employer_quarters.loc[wages.employer_quarters["cents"] > 0, ["ssn", "employer", "quarter"]]
    paid = paid.astype({"ssn": "Int64"})
    people = pd.DataFrame({"row": np.arange(len(exits)), "ssn": exits["ssn"].to_numpy()})
    at_n = people.assign(quarter=exits["exit_quarter"].to_numpy() + n).merge(paid, on=["ssn", "quarter"])
    at_m = people.assign(quarter=exits["exit_quarter"].to_numpy() + m).merge(paid, on=["ssn", "quarter"])
    both = at_n[["row", "employer"]].merge(at_m[["row", "employer"]], on=["row", "employer"])
    hit = np.zeros(len(exits), dtype=bool)
    hit[both["row"].to_numpy()] = True
    return pd.Series(hit, index=exits.index)


def retained_with_same_employer(exits: pd.DataFrame, wages: WageFeed) -> pd.Series:
    """For those employed in Q2 whose Q4 is known: 1.0 when one employer paid in both
    quarter exit + 2 and exit + 4, else 0.0; NaN outside that cohort."""
    retained = same_employer_in_quarters_after_exit(exits, wages, 2, 4).astype("float64")
    cohort = (employed_n_quarters_after_exit(exits, wages, 2) == 1.0) \
        & is_quarter_known(exits["exit_quarter"] + 4, wages)
    return retained.where(cohort)


def in_credential_cohort(exits: pd.DataFrame, services: pd.DataFrame) -> pd.Series:
    """Had a `training` service whose training_type is not ojt or customized, in any feed
    period of the period (a training service without a training_type is still training);
    never a Wagner-Peyser exit, which is outside the credential indicator."""
    training = services[(services["service_type"] == TRAINING_SERVICE)
                        & ~services["training_type"].isin(NON_CREDENTIAL_TRAINING_TYPES)]
    members = exits[["participation_id", "member_ids"]].explode("member_ids")
    trained = members.loc[members["member_ids"].isin(training["participation_id"]), "participation_id"]
    return (exits["participation_id"].isin(trained)
            & ~exits["funding_stream"].isin(OUTSIDE_CREDENTIAL_INDICATOR)).astype(bool)


# --- issue 16: the case record's fields (feeds.md, optional columns) ---------------------

def read_case_fields(landing_dir: Path) -> pd.DataFrame:
    """Issue 16's optional participation columns, typed, indexed by participation_id (NA
    where a file does not carry them)."""
    frame = read_entity(landing_dir, "job_center", "participation", ["participation_id", "individual_id",
                                                                     *CASE_FIELDS],
                        ["participation_id"], optional=CASE_FIELDS)
    for c in CASE_FIELDS:
        if "date" in c:
            frame[c] = _dates(frame[c])
        else:
            frame[c] = pd.to_numeric(frame[c]).astype("Int64")
    return frame.set_index("participation_id")


def read_school_status(landing_dir: Path) -> pd.Series:
    """PIRL 1401 school status at entry by individual_id (optional column)."""
    frame = read_entity(landing_dir, "job_center", "participants", ["individual_id", "school_status_at_entry"],
                        ["individual_id"], optional=("school_status_at_entry",))
    return pd.to_numeric(frame["school_status_at_entry"]).astype("Int64").set_axis(frame["individual_id"])


def period_case_fields(exits: pd.DataFrame, case: pd.DataFrame) -> pd.DataFrame:
    """Per period: the enrolment dates (earliest of its feed periods) and the Youth placements
    of its exit record (its last feed period)."""
    members = exits[["participation_id", "member_ids"]].explode("member_ids")
    fields = case.reindex(members["member_ids"].to_numpy())
    fields.index = members.index
    fields["participation_id"] = members["participation_id"].to_numpy()
    grouped = fields.groupby("participation_id", sort=False)
    is_last = members.groupby(level=0).cumcount(ascending=False) == 0
    last = fields[is_last.to_numpy()].set_index("participation_id")[["youth_placement_q2", "youth_placement_q4"]]
    out = pd.DataFrame({
        "education_training_enrollment_date": grouped["education_training_enrollment_date"].min(),
        "postsecondary_enrollment_date": grouped["postsecondary_enrollment_date"].min(),
    }).join(last)
    return out.reindex(exits["participation_id"]).set_axis(exits.index)


def case_record_credentials(landing_dir: Path) -> pd.DataFrame:
    """(individual_id, credential_type, credential_date) of the case records' own credentials
    (PIRL 1800, 1801): a person's, like a provider record's."""
    case = read_case_fields(landing_dir).reset_index()
    case = case[case["credential_type"].fillna(0) > 0]
    return pd.DataFrame({"individual_id": case["individual_id"].to_numpy(),
                         "credential_type": case["credential_type"].astype("int64").to_numpy(),
                         "credential_date": case["credential_date"].to_numpy()})


def enrolled_in_year_after_exit(exits: pd.DataFrame) -> pd.Series:
    """Enrolled in postsecondary education or training within a year after exit: an enrolment
    date in (exit, exit + 365 days], or a Youth placement 1-2 in Q2 or Q4 (the diploma rule)."""
    days = (exits["postsecondary_enrollment_date"] - exits["exit_date"]).dt.days
    dated = (days > 0) & (days <= CREDENTIAL_WINDOW_DAYS)
    placed = (exits["youth_placement_q2"].isin(PLACED_POSTSECONDARY)
              | exits["youth_placement_q4"].isin(PLACED_POSTSECONDARY))
    return (dated.fillna(False) | placed.fillna(False)).astype(bool)


def youth_in_credential_cohort(exits: pd.DataFrame, school_status: pd.Series) -> pd.Series:
    """Youth (TEGL 10-16 Change 2): every in-school youth at entry, and out-of-school youth in
    education or training (an enrolment, PIRL 1811)."""
    status = exits["individual_id"].map(school_status)
    return ((exits["funding_stream"] == YOUTH)
            & (status.isin(IN_SCHOOL).fillna(False) | exits["education_training_enrollment_date"].notna())
            ).astype(bool)


def education_employment(exits: pd.DataFrame, wages: "WageFeed", n: int) -> pd.Series:
    """Youth program exits: 1.0 employed or placed in education or training (1-3) in quarter
    exit + n, else 0.0; NaN while the quarter is unknown and for every other exit."""
    employed = employed_n_quarters_after_exit(exits, wages, n)
    placed = exits[f"youth_placement_q{n}"].isin(PLACED).fillna(False).astype(bool)
    value = ((employed == 1.0) | placed).astype("float64").where(employed.notna())
    youth = exits["funding_stream"] == YOUTH if "funding_stream" in exits else pd.Series(False, index=exits.index)
    return value.where(youth)


def linked_training_records(landing_dir: Path) -> pd.DataFrame:
    """(individual_id, credential_type, credential_date) of every provider training record
    that links to a job-center participant: by SSN when both carry one, else by
    normalized first name, last name and date of birth."""
    person = ["ssn", "first_name", "last_name", "date_of_birth"]
    participants = read_entity(landing_dir, "job_center", "participants", ["individual_id"] + person,
                               ["individual_id"])
    records = read_entity(landing_dir, "providers", "training_records",
                          ["record_id"] + person + ["credential_type", "credential_date"], ["record_id"])
    records = records[records["credential_type"].notna()]
    records = records[records["credential_type"].astype("int64") > 0]
    for frame in (participants, records):
        frame["ssn_n"] = normalized_ssn(frame["ssn"])
        frame["name_dob"] = name_dob_identity(frame["first_name"], frame["last_name"], frame["date_of_birth"])
    p = participants[["individual_id", "ssn_n", "name_dob"]]
    r = records[["record_id", "ssn_n", "name_dob", "credential_type", "credential_date"]]
    by_ssn = p.dropna(subset=["ssn_n"]).merge(r.dropna(subset=["ssn_n"]), on="ssn_n", suffixes=("_p", "_r"))
    by_name = p.merge(r, on="name_dob", suffixes=("_p", "_r"))
    by_name = by_name[by_name["ssn_n_p"].isna() | by_name["ssn_n_r"].isna()]
    linked = pd.concat([by_ssn, by_name], ignore_index=True)
    return pd.DataFrame({"individual_id": linked["individual_id"].to_numpy(),
                         "credential_type": linked["credential_type"].astype("int64").to_numpy(),
                         "credential_date": _dates(linked["credential_date"]).to_numpy()})


def credentials_in_window(exits: pd.DataFrame, credentials: pd.DataFrame, codes: frozenset[int]) -> pd.Series:
    """True when the exit's people hold a credential with one of `codes` dated between
    entry_date and exit_date + 365 days, both ends included. `exits.owners`: the
    individual_ids whose credentials count (several for a common exit)."""
    rows = pd.DataFrame({"row": np.arange(len(exits)), "individual_id": exits["owners"].to_numpy(),
                         "entry_date": exits["entry_date"].to_numpy(),
                         "window_end": (exits["exit_date"] + pd.Timedelta(days=CREDENTIAL_WINDOW_DAYS)).to_numpy()})
    rows = rows.explode("individual_id")
    held = rows.merge(credentials[credentials["credential_type"].isin(codes)], on="individual_id")
    held = held[(held["credential_date"] >= held["entry_date"]) & (held["credential_date"] <= held["window_end"])]
    hit = np.zeros(len(exits), dtype=bool)
    hit[held["row"].to_numpy(dtype="int64")] = True
    return pd.Series(hit, index=exits.index)


def employed_in_year_after_exit(exits: pd.DataFrame, wages: WageFeed) -> pd.Series:
    """Wages > 0 in any of quarters exit + 1 .. exit + 4."""
    employed = pd.Series(False, index=exits.index)
    for n in QUARTERS_AFTER_EXIT_FOR_CREDENTIAL_WAGES:
        employed |= wages_n_quarters_after_exit(exits, wages, n) > 0
    return employed


def credential_attained(exits: pd.DataFrame, cohort: pd.Series, credentials: pd.DataFrame,
                        wages: WageFeed) -> pd.Series:
    """For the credential cohort once the year after exit has passed (quarter exit + 4 in
    the wage feed): 1.0 with a postsecondary credential (codes 2-7) in the window, or a
    secondary diploma (code 1) in the window plus wages in the year after exit; else 0.0.
    NaN outside the cohort or while the outcome is not known yet."""
    attained = (credentials_in_window(exits, credentials, POSTSECONDARY_CREDENTIALS)
                | (credentials_in_window(exits, credentials, frozenset({SECONDARY_DIPLOMA}))
                   & (employed_in_year_after_exit(exits, wages) | enrolled_in_year_after_exit(exits))))
    known = cohort & is_quarter_known(exits["exit_quarter"] + 4, wages)
    return attained.astype("float64").where(known)


def outcomes(exits: pd.DataFrame, cohort: pd.Series, credentials: pd.DataFrame, wages: WageFeed) -> pd.DataFrame:
    """One column per indicator outcome (NaN = not known yet / not in the indicator's cohort,
    earnings in cents), with whether the Q2 and Q4 wage quarters are known."""
    return pd.DataFrame({
        "q2_known": is_quarter_known(exits["exit_quarter"] + 2, wages).to_numpy(),
        "q4_known": is_quarter_known(exits["exit_quarter"] + 4, wages).to_numpy(),
        "in_credential_cohort": cohort.to_numpy(),
        "employment_rate_q2": employed_n_quarters_after_exit(exits, wages, 2).to_numpy(),
        "employment_rate_q4": employed_n_quarters_after_exit(exits, wages, 4).to_numpy(),
        "median_earnings_q2": earnings_n_quarters_after_exit(exits, wages, 2).to_numpy(),
        "credential_attainment_rate": credential_attained(exits, cohort, credentials, wages).to_numpy(),
        "retention_same_employer": retained_with_same_employer(exits, wages).to_numpy(),
        "education_employment_rate_q2": education_employment(exits, wages, 2).to_numpy(),
        "education_employment_rate_q4": education_employment(exits, wages, 4).to_numpy(),
    }, index=exits.index)


def performance_units(landing_dir: Path, trust_feed_exits: bool = False) -> pd.DataFrame:
    """What the indicator reports count, with outcomes: scope 'program', each non-excluded
    exit in its stream and area; scope 'common', each common exit once per stream and area
    it has a non-excluded exit in, with the common exit's own outcomes (dated at its latest
    exit, entered at its first entry, credentials of all its people)."""
    landing_dir = Path(landing_dir)
    services = read_services(landing_dir)
    periods = periods_of_participation(read_participation(landing_dir), services, trust_feed_exits)
    exits = read_exits(landing_dir, periods)
    exits["is_excluded"] = is_excluded_exit(exits)
    exits["owners"] = exits["individual_id"].map(lambda i: [i])
    wages = read_wage_feed(landing_dir, exits["ssn"])
    credentials = pd.concat([linked_training_records(landing_dir), case_record_credentials(landing_dir)],
                            ignore_index=True)
    exits = exits.join(period_case_fields(exits, read_case_fields(landing_dir)))
    cohort = in_credential_cohort(exits, services) | youth_in_credential_cohort(exits, read_school_status(landing_dir))
    exits["in_credential_cohort"] = cohort

    members = common_exits(periods, exits).merge(exits, on="participation_id")
    grouped = members.groupby("common_id", sort=False)
    common = pd.DataFrame({
        "entry_date": grouped["entry_date"].min(), "exit_date": grouped["exit_date"].max(),
        "ssn": grouped["ssn"].max(), "owners": lists_by_group(grouped, "individual_id"),
        "in_credential_cohort": grouped["in_credential_cohort"].any(),
        "postsecondary_enrollment_date": grouped["postsecondary_enrollment_date"].min(),
        "youth_placement_q2": grouped["youth_placement_q2"].max(),
        "youth_placement_q4": grouped["youth_placement_q4"].max(),
    }).reset_index()
    common["exit_quarter"] = quarter_index(common["exit_date"])
    common["exit_program_year"] = program_year(common["exit_date"])

    program_units = pd.concat([exits[["participation_id", "exit_date", "exit_program_year", "funding_stream",
                                      "lwda_code"]].rename(columns={"participation_id": "unit_id"}),
                               outcomes(exits, cohort, credentials, wages)], axis=1)
    program_units = program_units[~exits["is_excluded"].to_numpy()].assign(scope="program")
    common_outcomes = pd.concat([common[["common_id", "exit_date", "exit_program_year"]],
                                 outcomes(common, common["in_credential_cohort"], credentials, wages)], axis=1)
    places = members.loc[~members["is_excluded"], ["common_id", "funding_stream", "lwda_code"]].drop_duplicates()
    common_units = places.merge(common_outcomes, on="common_id").rename(columns={"common_id": "unit_id"})
    units = pd.concat([program_units, common_units.assign(scope="common")], ignore_index=True)
    # measurable skill gains is not exit-based: its units ride along for the reports
    units.attrs["skill_gains"] = Attached(skill_gain_units(periods, read_case_fields(landing_dir)))
    return units


class Attached:
    """A frame carried in DataFrame.attrs (compared by identity, so pandas can propagate it)."""

    def __init__(self, frame: pd.DataFrame):
        self.frame = frame


def _skill_gains_of(units: pd.DataFrame) -> pd.DataFrame | None:
    attached = units.attrs.get("skill_gains")
    return attached.frame if attached is not None and len(attached.frame) else None


# --- issue 16: Measurable Skill Gains (TEGL 10-16 Change 2, Attachment 5; PIRL 1806-1811) ---

def skill_gain_units(periods: pd.DataFrame, case: pd.DataFrame) -> pd.DataFrame:
    """One row per (period of participation, program year Y) in which the period was in
    education or training (enrolment [1811] on or before Y's end, not exited before Y's
    start), less periods exited for an excluding reason by Y's end: person, period_id,
    funding_stream, lwda_code, program_year, year_from, year_to, achieved (a gain [1806-1810]
    dated within Y). Program years: every one a date of the participation feed falls in."""
    members = periods[["period_id", "member_ids"]].explode("member_ids")
    fields = case.reindex(members["member_ids"].to_numpy())
    fields.index = members.index
    fields["period_id"] = members["period_id"].to_numpy()
    enrollment = fields.groupby("period_id")["education_training_enrollment_date"].min()
    gains = fields.melt(id_vars="period_id", value_vars=list(GAIN_DATES), value_name="gain_date").dropna(
        subset=["gain_date"])[["period_id", "gain_date"]]
    dates = pd.concat([periods["entry_date"], periods["exit_date"], fields["education_training_enrollment_date"],
                       gains["gain_date"], case["education_training_enrollment_date"]]).dropna()
    years = sorted(program_year(dates).unique()) if len(dates) else []
    frame = periods.assign(enrollment=periods["period_id"].map(enrollment)).dropna(subset=["enrollment"])
    frame = frame[~frame["funding_stream"].isin(OUTSIDE_CREDENTIAL_INDICATOR)]  # Wagner-Peyser: no MSG either
    frame = frame.assign(funding_stream=frame["funding_stream"].fillna(UNKNOWN),
                         lwda_code=frame["lwda_code"].fillna(UNKNOWN))
    windows = pd.DataFrame({"program_year": years})
    windows["year_from"] = _window_date(windows["program_year"], SKILL_GAIN_YEAR[0])
    windows["year_to"] = _window_date(windows["program_year"], SKILL_GAIN_YEAR[1])
    rows = frame.merge(windows, how="cross")
    rows = rows[(rows["enrollment"] <= rows["year_to"])
                & (rows["exit_date"].isna() | (rows["exit_date"] >= rows["year_from"]))]
    excluded = is_excluded_exit(rows.assign(exit_reason=rows["exit_reason"].where(rows["exit_date"].notna()))) \
        & (rows["exit_date"] <= rows["year_to"])
    rows = rows[~excluded.to_numpy()]
    hits = rows[["period_id", "program_year", "year_from", "year_to"]].merge(gains, on="period_id")
    hits = hits[(hits["gain_date"] >= hits["year_from"]) & (hits["gain_date"] <= hits["year_to"])]
    achieved = set(zip(hits["period_id"], hits["program_year"]))
    rows = rows.assign(achieved=[(p, y) in achieved for p, y in zip(rows["period_id"], rows["program_year"])])
    return rows[["person", "period_id", "funding_stream", "lwda_code", "program_year", "year_from", "year_to",
                 "achieved"]].reset_index(drop=True)


def skill_gain_table(gains: pd.DataFrame, year_key: str) -> pd.DataFrame:
    """measurable_skill_gains_rate per (program year, stream, area) with the 'all' rollups:
    periods per program, a person once per year in 'all' streams (a gain in any period of
    theirs that year). cohort_exits = outcomes_known = the denominator."""
    person_achieved = gains.groupby(["person", "program_year"])["achieved"].transform("any")
    parts = []
    for all_areas in (False, True):
        area = ALL if all_areas else gains["lwda_code"]
        parts.append(gains.assign(lwda_code=area, unit=gains["period_id"]))
        parts.append(gains.assign(lwda_code=area, funding_stream=ALL, unit=gains["person"],
                                  achieved=person_achieved))
    rows = pd.concat(parts, ignore_index=True).drop_duplicates(
        subset=["program_year", "funding_stream", "lwda_code", "unit"])
    keys = ["program_year", "funding_stream", "lwda_code", "year_from", "year_to"]
    table = rows.groupby(keys, sort=False)["achieved"].agg(["sum", "count"]).reset_index()
    table = table.rename(columns={"program_year": year_key, "sum": "numerator", "count": "denominator",
                                  "year_from": "cohort_exit_from", "year_to": "cohort_exit_to"})
    table["value"] = table["numerator"] / table["denominator"]
    table["cohort_exits"] = table["denominator"]
    table["outcomes_known"] = table["denominator"]
    return table.assign(indicator=SKILL_GAINS)


def exit_outcomes(landing_dir: Path) -> pd.DataFrame:
    """Non-excluded exits (periods by the 90-day rule) with one column per indicator outcome
    (NaN = not known / not in the indicator's cohort) and earnings_q2 in cents."""
    units = performance_units(landing_dir)
    return program_outcomes(units)


def program_outcomes(units: pd.DataFrame) -> pd.DataFrame:
    """The program-scope rows of performance_units(), keyed by participation_id."""
    program = units[units["scope"] == "program"].rename(columns={"unit_id": "participation_id"})
    return program.reset_index(drop=True)


# --- the report -----------------------------------------------------------------------

def rollup_rows(units: pd.DataFrame, indicator: str) -> pd.DataFrame:
    """The rows each unit counts in for an indicator, one per (unit, funding_stream,
    lwda_code) with the 'all' rollups: per-program rows count program exits (retention:
    common exits), 'all' streams count common exits; a unit once per row."""
    stream_scope = "common" if indicator == "retention_same_employer" else "program"
    parts = []
    levels = ((stream_scope, False),) if indicator in YOUTH_INDICATORS else ((stream_scope, False), ("common", True))
    for scope, all_streams in levels:
        part = units[units["scope"] == scope]
        for all_areas in (False, True):
            rows = part.assign(funding_stream=ALL if all_streams else part["funding_stream"],
                               lwda_code=ALL if all_areas else part["lwda_code"])
            parts.append(rows)
    rows = pd.concat(parts, ignore_index=True)
    return rows.drop_duplicates(subset=["scope", "unit_id", "funding_stream", "lwda_code", "exit_date"])


def known_outcome(rows: pd.DataFrame, indicator: str) -> pd.Series:
    """The indicator's outcome is known for the row: its wage quarter is in the feed (and, for
    the credential rate, the exit is in the credential cohort)."""
    known = rows["q2_known" if OUTCOME_QUARTER[indicator] == 2 else "q4_known"].astype(bool)
    if indicator == "credential_attainment_rate":
        known &= rows["in_credential_cohort"].astype(bool)
    if indicator in YOUTH_INDICATORS:
        known &= rows["funding_stream"] == YOUTH
    return known


def indicator_table(rows: pd.DataFrame, keys: list[str], indicator: str) -> pd.DataFrame:
    """numerator, denominator and value (rate, or the median in dollars) per key, with the
    exits known for it and in its cohort; a group with no known outcome has no row."""
    rows = rows.assign(_known=known_outcome(rows, indicator).to_numpy(),
                       _cohort=(rows["in_credential_cohort"].astype(bool)
                                if indicator == "credential_attainment_rate"
                                else (rows["funding_stream"] == YOUTH) if indicator in YOUTH_INDICATORS
                                else True))
    grouped = rows.groupby(keys, sort=False)
    outcome = grouped[indicator]
    table = pd.DataFrame({"denominator": outcome.count(), "outcomes_known": grouped["_known"].sum(),
                          "cohort_exits": grouped["_cohort"].sum()})
    if indicator == "median_earnings_q2":
        table["numerator"] = np.nan
        table["value"] = outcome.median() / 100
    else:
        table["numerator"] = outcome.sum()
        table["value"] = table["numerator"] / table["denominator"]
    return table.reset_index().assign(indicator=indicator)


def suppress(table: pd.DataFrame) -> pd.DataFrame:
    """Primary suppression: a denominator below SUPPRESSION_THRESHOLD withholds numerator and
    value. (The mart also withholds the cells that would give these back.)"""
    table["is_suppressed"] = table["denominator"] < SUPPRESSION_THRESHOLD
    table.loc[table["is_suppressed"], ["numerator", "value"]] = np.nan
    return table


def compute_wioa_performance(landing_dir) -> pd.DataFrame:
    """rpt_wioa_performance recomputed from the landing CSVs: one row per (exit_program_year,
    funding_stream, lwda_code, indicator) with the 'all' rollups, sorted by those keys."""
    return wioa_performance(performance_units(Path(landing_dir)))


def wioa_performance(units: pd.DataFrame) -> pd.DataFrame:
    """The report from performance_units(): every indicator at every rollup level, over
    exits grouped by program year of exit."""
    tables = []
    for indicator in INDICATORS:
        table = indicator_table(rollup_rows(units, indicator), GROUP_KEYS, indicator)
        tables.append(table[table["outcomes_known"] > 0])  # nothing known yet: no row
    if _skill_gains_of(units) is not None:
        tables.append(skill_gain_table(_skill_gains_of(units), "exit_program_year"))
    report = suppress(pd.concat(tables, ignore_index=True))
    report = report.astype({"exit_program_year": "int64", "funding_stream": str, "lwda_code": str,
                            "indicator": str, "numerator": "Int64", "denominator": "int64",
                            "value": "float64", "is_suppressed": bool})
    return report[REPORT_COLUMNS].sort_values(GROUP_KEYS + ["indicator"], ignore_index=True)


def _window_date(year: pd.Series, offset: tuple[int, int, int]) -> pd.Series:
    years, month, day = offset
    return pd.to_datetime(pd.DataFrame({"year": year + years, "month": month, "day": day}))


def eta9169_performance(units: pd.DataFrame, latest_wage_quarter: int | None) -> pd.DataFrame:
    """rpt_eta9169_performance: each indicator over its ETA-9169 cohort of report year Y
    (ETA9169_COHORTS), with cohort_exits, outcomes_known and is_final; a row wherever the
    cohort has an exit. Primary suppression only, as wioa_performance."""
    tables = []
    years = pd.Series(sorted({y + k for y in units["exit_program_year"].unique() for k in (-1, 0, 1, 2)}))
    for indicator in INDICATORS:
        first, last = ETA9169_COHORTS[indicator]
        windows = pd.DataFrame({"report_program_year": years, "cohort_exit_from": _window_date(years, first),
                                "cohort_exit_to": _window_date(years, last)})
        rows = rollup_rows(units, indicator).merge(windows, how="cross")
        rows = rows[(rows["exit_date"] >= rows["cohort_exit_from"]) & (rows["exit_date"] <= rows["cohort_exit_to"])]
        table = indicator_table(rows, ETA9169_KEYS + ["cohort_exit_from", "cohort_exit_to"], indicator)
        last_outcome = quarter_index(table["cohort_exit_to"]) + OUTCOME_QUARTER[indicator]
        table["is_final"] = (latest_wage_quarter is not None) & (latest_wage_quarter - last_outcome >= RUNOUT_QUARTERS)
        tables.append(table[table["cohort_exits"] > 0])
    if _skill_gains_of(units) is not None:
        table = skill_gain_table(_skill_gains_of(units), "report_program_year")
        table["is_final"] = (latest_wage_quarter is not None) & (
            latest_wage_quarter - quarter_index(table["cohort_exit_to"]) >= RUNOUT_QUARTERS)
        tables.append(table)
    report = suppress(pd.concat(tables, ignore_index=True))
    report = report.astype({"report_program_year": "int64", "funding_stream": str, "lwda_code": str,
                            "indicator": str, "numerator": "Int64", "denominator": "int64", "value": "float64",
                            "is_suppressed": bool, "cohort_exits": "int64", "outcomes_known": "int64",
                            "is_final": bool})
    return report[ETA9169_COLUMNS].sort_values(ETA9169_KEYS + ["indicator"], ignore_index=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.pandas_peer",
                                     description="Recompute rpt_wioa_performance from a landing directory.")
    parser.add_argument("landing_dir", type=Path)
    parser.add_argument("--time", action="store_true", help="print wall time and peak memory, not the table")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    report = compute_wioa_performance(args.landing_dir)
    seconds = time.perf_counter() - started
    if args.time:
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"{len(report):,} rows in {seconds:.1f} s, peak RSS {peak_mb:,.0f} MB")
    else:
        with pd.option_context("display.max_rows", None, "display.width", 200):
            print(report.to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
