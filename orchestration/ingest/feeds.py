"""The feed contract (docs/contracts/feeds.md) as data: folders, entities, keys, column types, PII.

This module holds what the loader must know to *parse* a file: which columns must be
present, how each value is typed, and which columns are personal identifiers that are
pseudonymized before anything is written. The semantic rules (code lists, ranges,
uniqueness, foreign keys) live in the raw-layer Great Expectations suites under
`expectations/raw/`, one suite per entity.
"""

from __future__ import annotations

from dataclasses import dataclass

# Value types the loader can parse. Each maps to a validating regular expression
# and a DuckDB cast; see `orchestration.ingest.parse`.
TEXT, INT, MONEY, DECIMAL, DATE = "text", "int", "money", "decimal", "date"
# Personal identifiers: parsed, used to derive keys, never stored.
SSN, NAME, BIRTH_DATE = "ssn", "name", "birth_date"
PII_TYPES = {SSN, NAME, BIRTH_DATE}


@dataclass(frozen=True)
class Column:
    name: str
    type: str = TEXT
    # Literal codes that mean "not available" (OEWS `*`, `**`, `#`): parsed to NULL,
    # and recorded in `<name>_flag` so nothing is lost.
    na_codes: tuple[str, ...] = ()
    # Only for PII columns: raw-layer suites never see PII, so the loader checks
    # presence itself. Every other "required" rule lives in expectations/raw/.
    required: bool = False
    # Free text (names of providers, programs, occupations): an SSN-shaped run inside it is
    # masked in place, the row kept (with a warning). In any other non-PII column an
    # SSN-shaped value keeps the row out of raw (an error).
    free_text: bool = False
    # Nine plain digits are a legitimate value (UI employer account numbers often are): only
    # the written 3-2-4 form (`899-41-7734`, `899 41 7734`) counts as an SSN here.
    nine_digits_ok: bool = False
    # An identifier of a person that must never be an SSN (PIRL 100 individual_id): an
    # SSN-shaped value is replaced by a keyed pseudonym marked `ssn-shaped-id:` (so the
    # person's rows still join) and reported as an error.
    person_id: bool = False
    # Added to the contract after v1 (issue 16): a file without the column loads as before,
    # the column NULL in every row (feeds.md, "optional columns").
    optional: bool = False


@dataclass(frozen=True)
class Entity:
    name: str
    feed: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    # Date column that `age_at_<column>` is computed at, from the birth date, before
    # the birth date is dropped.
    age_at: str | None = None
    # When the birth date lives in another entity of the same feed (participation ->
    # participants), the column that joins to it.
    age_via: str | None = None
    # What a later delivery replaces (feeds.md): by default the rows with the same key; for
    # UI wage records every earlier row of the same employer and quarter (an amended report).
    replaces_by: tuple[str, ...] | None = None
    # An entity added after v1 (issue 16): a landing directory without its files is not an
    # error; raw.<entity> is then an empty table of the contract's shape.
    optional: bool = False

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required_column_names(self) -> list[str]:
        """The columns a file must have (every column but the optional ones)."""
        return [c.name for c in self.columns if not c.optional]

    @property
    def has_pii(self) -> bool:
        """A file about people (it carries SSNs, names or birth dates): its unknown columns
        are dropped and its values are shown by shape only (masking.py)."""
        return any(c.type in PII_TYPES for c in self.columns)

    @property
    def replacement_unit(self) -> tuple[str, ...]:
        """The raw columns whose values a later delivery replaces as a whole."""
        return self.replaces_by or self.raw_key

    @property
    def raw_key(self) -> tuple[str, ...]:
        """The entity key as stored in raw: an SSN in a key is replaced by its pseudonym."""
        return tuple("participant_key" if k == "ssn" else k for k in self.key)


def _cols(*specs) -> tuple[Column, ...]:
    return tuple(s if isinstance(s, Column) else Column(*s) if isinstance(s, tuple) else Column(s)
                 for s in specs)


def _optional(*specs) -> tuple[Column, ...]:
    """Columns added after v1 (issue 16): a file may leave them out."""
    return tuple(Column(c.name, c.type, optional=True) for c in _cols(*specs))


# PIRL barriers to employment (WIOA sec. 3(24)), 1 yes / 0 no / 9 not disclosed; low_income
# [802] is a v1 column. Element numbers: feeds.md.
BARRIERS = ("homeless", "ex_offender", "english_language_learner", "basic_skills_deficient",
            "cultural_barriers", "single_parent", "displaced_homemaker", "long_term_unemployed",
            "foster_care_youth")
# PIRL 1806-1810: the date of the most recent measurable skill gain of each type.
SKILL_GAIN_DATES = ("msg_date_efl", "msg_date_secondary_transcript", "msg_date_postsecondary_transcript",
                    "msg_date_training_milestone", "msg_date_skills_progression")

PERSON = (Column("ssn", SSN), Column("first_name", NAME, required=True),
          Column("last_name", NAME, required=True), Column("date_of_birth", BIRTH_DATE, required=True))

ENTITIES: tuple[Entity, ...] = (
    Entity("providers", "providers", ("provider_id",), _cols(
        "provider_id", Column("provider_name", free_text=True), ("entity_type", INT), "county_fips", "state")),
    Entity("programs", "providers", ("program_id",), _cols(
        "program_id", "provider_id", Column("program_name", free_text=True), "cip_code", "soc_code", "potential_outcome",
        ("tuition_cost", MONEY), ("length_hours", INT), "delivery_mode", "etpl_status")),
    Entity("training_records", "providers", ("record_id",), _cols(
        "record_id", "program_id", *PERSON, ("enrollment_date", DATE), ("completion_date", DATE),
        "completion_status", ("credential_type", INT), ("credential_date", DATE)),
        age_at="enrollment_date"),
    Entity("participants", "job_center", ("individual_id",), _cols(
        Column("individual_id", person_id=True), *PERSON, ("sex", INT),
        *[(c, INT) for c in ("hispanic", "american_indian", "asian", "black", "pacific_islander", "white")],
        ("veteran", INT), ("disability", INT), ("highest_education", INT),
        ("employment_status_at_entry", INT), ("low_income", INT), "county_fips",
        *_optional(("school_status_at_entry", INT), *[(b, INT) for b in BARRIERS]))),
    Entity("participation", "job_center", ("participation_id",), _cols(
        "participation_id", Column("individual_id", person_id=True), "funding_stream", "lwda_code",
        ("entry_date", DATE), ("exit_date", DATE), "exit_reason",
        *_optional(("education_training_enrollment_date", DATE), *[(d, DATE) for d in SKILL_GAIN_DATES],
                   ("youth_placement_q2", INT), ("youth_placement_q4", INT),
                   ("postsecondary_enrollment_date", DATE), ("credential_type", INT), ("credential_date", DATE))),
        age_at="entry_date", age_via="individual_id"),
    Entity("services", "job_center", ("service_id",), _cols(
        "service_id", "participation_id", ("service_date", DATE), "service_type", "training_type",
        "program_id", ("cost", MONEY))),
    Entity("wage_records", "labor_market", ("ssn", "employer_id", "year", "quarter"), _cols(
        Column("ssn", SSN, required=True), Column("employer_id", nine_digits_ok=True), "naics_code", ("year", INT), ("quarter", INT), ("wages", MONEY)),
        replaces_by=("employer_id", "year", "quarter")),
    # Wages outside the state's UI records (TEGL 10-16 Change 2, supplemental wage information):
    # the interstate exchange (SWIS), federal (FEDES) and military employment, and wages staff
    # documented. Added in issue 16, optional.
    Entity("supplemental_wages", "labor_market", ("ssn", "source", "employer_id", "year", "quarter"), _cols(
        Column("ssn", SSN, required=True), "source", Column("employer_id", nine_digits_ok=True), ("year", INT),
        ("quarter", INT), ("wages", MONEY)), optional=True),
    Entity("laus", "labor_market", ("area_fips", "year", "month"), _cols(
        "area_fips", ("year", INT), ("month", INT), ("labor_force", INT), ("employed", INT),
        ("unemployed", INT), ("unemployment_rate", DECIMAL))),
    Entity("oews", "labor_market", ("area_code", "soc_code", "year"), _cols(
        "area_code", "soc_code", ("year", INT), Column("occupation_title", free_text=True),
        Column("employment", INT, ("**",)), Column("median_annual_wage", MONEY, ("*", "#")))),
    Entity("ui_claims", "labor_market", ("week_ending", "county_fips"), _cols(
        ("week_ending", DATE), "county_fips", ("initial_claims", INT), ("continued_claims", INT))),
)

ENTITIES_BY_NAME = {e.name: e for e in ENTITIES}
FEEDS: dict[str, list[Entity]] = {}
for _e in ENTITIES:
    FEEDS.setdefault(_e.feed, []).append(_e)


def landing_problem(landing_dir) -> str | None:
    """What is missing from a landing directory before a run starts, in one line; None when the
    directory and each feed folder (FEEDS) exist and some feed file is there."""
    from pathlib import Path

    landing = Path(landing_dir)
    if not landing.is_dir():
        return (f"the landing directory {landing} does not exist"
                + (" (it is a file)" if landing.exists() else "")
                + ": set O4O_LANDING_DIR to the folder holding providers/, job_center/ and labor_market/")
    missing = [feed for feed in FEEDS if not (landing / feed).is_dir()]
    if missing:
        return (f"the landing directory {landing} has no feed folder {', '.join(f'{m}/' for m in missing)} "
                f"(feeds.md: it holds {', '.join(f'{f}/' for f in FEEDS)})")
    if not any(p.suffix.lower() == ".csv" for feed in FEEDS for p in (landing / feed).iterdir() if p.is_file()):
        return f"the landing directory {landing} holds no feed file (*.csv) in {', '.join(f'{f}/' for f in FEEDS)}"
    return None
