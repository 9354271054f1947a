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
EXCLUDED_EXIT_REASONS = frozenset({"01", "02", "03", "04", "05", "06"})  # PIRL 923
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
              "credential_attainment_rate", "retention_same_employer")
GROUP_KEYS = ["exit_program_year", "funding_stream", "lwda_code"]
REPORT_COLUMNS = GROUP_KEYS + ["indicator", "numerator", "denominator", "value", "is_suppressed"]


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


def _read_file(path: Path, columns: list[str], numeric: dict[str, str] | None = None) -> pd.DataFrame:
    """The named columns of one file: text trimmed with empty fields as NA, the `numeric`
    ones parsed straight to their dtype (the parser trims them)."""
    numeric = numeric or {}
    header = _header(path)
    missing = [c for c in columns if c not in header]
    if missing:
        raise ValueError(f"{path}: missing column(s) {missing}")
    frame = pd.read_csv(path, engine="pyarrow", usecols=[header[c] for c in columns], keep_default_na=False,
                        dtype={header[c]: numeric.get(c, str) for c in columns})
    frame = frame.rename(columns={header[c]: c for c in columns})[columns]
    for c in columns:
        if c not in numeric:
            text = frame[c].str.strip()
            frame[c] = text.mask(text == "")
    return frame


def read_entity(landing_dir: Path, feed: str, entity: str, columns: list[str],
                key: list[str]) -> pd.DataFrame:
    """All files of an entity, later files (by name) replacing rows that share the key."""
    files = entity_files(landing_dir, feed, entity)
    if not files:
        return pd.DataFrame({c: pd.Series(dtype=str) for c in columns})
    frame = pd.concat([_read_file(p, columns) for p in files], ignore_index=True)
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

    def __init__(self, employer_quarters: pd.DataFrame, first_quarter: int | None, latest_quarter: int | None):
        self.employer_quarters = employer_quarters  # ssn, employer, quarter, cents
        self.first_quarter = first_quarter
        self.latest_quarter = latest_quarter
        packed = employer_quarters["ssn"].to_numpy() * self._QUARTER_SPAN + employer_quarters["quarter"].to_numpy()
        person_quarters = pd.Series(employer_quarters["cents"].to_numpy()).groupby(packed).sum()
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
    return WageFeed(wages, first, latest)


# --- exits ----------------------------------------------------------------------------

def read_exits(landing_dir: Path) -> pd.DataFrame:
    """One row per period of participation with an exit: who (SSN), when, where, why."""
    participation = read_entity(landing_dir, "job_center", "participation",
                                ["participation_id", "individual_id", "funding_stream", "lwda_code",
                                 "entry_date", "exit_date", "exit_reason"], ["participation_id"])
    exits = participation[participation["exit_date"].notna()].reset_index(drop=True)
    participants = read_entity(landing_dir, "job_center", "participants", ["individual_id", "ssn"],
                               ["individual_id"])
    exits = exits.merge(pd.DataFrame({"individual_id": participants["individual_id"],
                                      "ssn": normalized_ssn(participants["ssn"])}),
                        on="individual_id", how="left")
    exits["entry_date"] = _dates(exits["entry_date"])
    exits["exit_date"] = _dates(exits["exit_date"])
    exits["exit_quarter"] = quarter_index(exits["exit_date"])
    exits["exit_program_year"] = program_year(exits["exit_date"])
    exits["funding_stream"] = exits["funding_stream"].fillna(UNKNOWN)
    exits["lwda_code"] = exits["lwda_code"].fillna(UNKNOWN)
    return exits


def is_excluded_exit(exits: pd.DataFrame) -> pd.Series:
    """exit_reason 01-06 (institutionalized, health, deceased, reserves, foster care, ineligible)."""
    return exits["exit_reason"].isin(EXCLUDED_EXIT_REASONS).astype(bool)


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
    """Had a `training` service whose training_type is not ojt or customized (a training
    service without a training_type is still training)."""
    training = services[(services["service_type"] == TRAINING_SERVICE)
                        & ~services["training_type"].isin(NON_CREDENTIAL_TRAINING_TYPES)]
    return exits["participation_id"].isin(training["participation_id"]).astype(bool)


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
    """True when the participant holds a credential with one of `codes` dated between
    entry_date and exit_date + 365 days, both ends included."""
    rows = pd.DataFrame({"row": np.arange(len(exits)), "individual_id": exits["individual_id"].to_numpy(),
                         "entry_date": exits["entry_date"].to_numpy(),
                         "window_end": (exits["exit_date"] + pd.Timedelta(days=CREDENTIAL_WINDOW_DAYS)).to_numpy()})
    held = rows.merge(credentials[credentials["credential_type"].isin(codes)], on="individual_id")
    held = held[(held["credential_date"] >= held["entry_date"]) & (held["credential_date"] <= held["window_end"])]
    hit = np.zeros(len(exits), dtype=bool)
    hit[held["row"].to_numpy()] = True
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
                   & employed_in_year_after_exit(exits, wages)))
    known = cohort & is_quarter_known(exits["exit_quarter"] + 4, wages)
    return attained.astype("float64").where(known)


def exit_outcomes(landing_dir: Path) -> pd.DataFrame:
    """Non-excluded exits with one column per indicator outcome (NaN = not known / not in
    the indicator's cohort) and earnings_q2 in cents."""
    landing_dir = Path(landing_dir)
    exits = read_exits(landing_dir)
    exits = exits[~is_excluded_exit(exits)].reset_index(drop=True)
    wages = read_wage_feed(landing_dir, exits["ssn"])
    services = read_entity(landing_dir, "job_center", "services",
                           ["service_id", "participation_id", "service_type", "training_type"], ["service_id"])
    credentials = linked_training_records(landing_dir)
    cohort = in_credential_cohort(exits, services)
    return pd.DataFrame({
        "participation_id": exits["participation_id"],
        "exit_program_year": exits["exit_program_year"],
        "funding_stream": exits["funding_stream"],
        "lwda_code": exits["lwda_code"],
        "employment_rate_q2": employed_n_quarters_after_exit(exits, wages, 2),
        "employment_rate_q4": employed_n_quarters_after_exit(exits, wages, 4),
        "median_earnings_q2": earnings_n_quarters_after_exit(exits, wages, 2),
        "credential_attainment_rate": credential_attained(exits, cohort, credentials, wages),
        "retention_same_employer": retained_with_same_employer(exits, wages),
    })


# --- the report -----------------------------------------------------------------------

def rate_indicator(outcomes: pd.DataFrame, keys: list[str], indicator: str) -> pd.DataFrame:
    """numerator = exits with outcome 1, denominator = exits with a known outcome."""
    grouped = outcomes.groupby(keys, sort=False)[indicator]
    table = pd.DataFrame({"numerator": grouped.sum(), "denominator": grouped.count()}).reset_index()
    table["value"] = table["numerator"] / table["denominator"]
    return table


def median_wage_n_quarters_after_exit(outcomes: pd.DataFrame, keys: list[str], indicator: str) -> pd.DataFrame:
    """Median earnings (mean of the two middle values when even) over the exits employed
    in the quarter; no numerator."""
    grouped = outcomes.groupby(keys, sort=False)[indicator]
    table = pd.DataFrame({"denominator": grouped.count(), "value": grouped.median() / 100}).reset_index()
    table["numerator"] = np.nan
    return table


def suppress(table: pd.DataFrame) -> pd.DataFrame:
    """Small cells: a denominator below SUPPRESSION_THRESHOLD withholds numerator and value."""
    table["is_suppressed"] = table["denominator"] < SUPPRESSION_THRESHOLD
    table.loc[table["is_suppressed"], ["numerator", "value"]] = np.nan
    return table


def compute_wioa_performance(landing_dir) -> pd.DataFrame:
    """rpt_wioa_performance recomputed from the landing CSVs: one row per (exit_program_year,
    funding_stream, lwda_code, indicator) with the 'all' rollups, sorted by those keys."""
    return wioa_performance(exit_outcomes(Path(landing_dir)))


def wioa_performance(outcomes: pd.DataFrame) -> pd.DataFrame:
    """The report from exit_outcomes(): every indicator at every rollup level."""
    tables = []
    for all_streams in (False, True):
        for all_areas in (False, True):
            keys = ["exit_program_year"] + ([] if all_streams else ["funding_stream"]) \
                + ([] if all_areas else ["lwda_code"])
            for indicator in INDICATORS:
                compute = median_wage_n_quarters_after_exit if indicator == "median_earnings_q2" else rate_indicator
                table = compute(outcomes, keys, indicator)
                table = table[table["denominator"] > 0]  # nothing known: no row
                tables.append(table.assign(
                    funding_stream=ALL if all_streams else table.get("funding_stream"),
                    lwda_code=ALL if all_areas else table.get("lwda_code"), indicator=indicator))
    report = suppress(pd.concat(tables, ignore_index=True))
    report = report.astype({"exit_program_year": "int64", "funding_stream": str, "lwda_code": str,
                            "indicator": str, "numerator": "Int64", "denominator": "int64",
                            "value": "float64", "is_suppressed": bool})
    return report[REPORT_COLUMNS].sort_values(GROUP_KEYS + ["indicator"], ignore_index=True)


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
