"""What a member may see of each published table: the one definition of "own rows".

A table holds a row per person when it has a `participant_key` column (read from the mart's
dbt model YAML, the mart contract's owner). A member's own rows of such a table are:

  tables with `lwda_code` (fct_exit_outcomes)   rows whose local area the member owns
  other person tables (dim_participant,          rows about the member's people: those with an
  fct_quarterly_earnings)                        exit in one of its areas, or living in one

Providers own no person-level rows today (no person table carries a provider id); a provider
member receives the aggregate tables only (docs/coalition.md). The same predicates drive the
per-member DuckDB files (member_files.py) and PostgreSQL's row-level security (postgres_policies.py),
so both channels disclose the same rows.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from ..ingest.parse import sql_literal
from ..settings import PROJECT_DIR
from .agreement import Agreement, Member, load_agreement

MARTS_MODELS_DIR = PROJECT_DIR / "dbt_project" / "models" / "marts"
# Publish bookkeeping (publish.py): facts about the publish, no rows about people; every member gets them.
PUBLISH_TABLES = ("publish_metadata", "publish_feed_files", "publish_tables", "publish_checks", "publish_disclosures")
DISCLOSURES_TABLE = "publish_disclosures"
PERSON_KEY = "participant_key"
AREA_COLUMN = "lwda_code"


def mart_model_columns(models_dir: Path = MARTS_MODELS_DIR) -> dict[str, set[str]]:
    """{published table: its column names}, from the marts' dbt model YAML."""
    columns: dict[str, set[str]] = {}
    for yml in sorted(models_dir.rglob("*.yml")):
        for model in (yaml.safe_load(yml.read_text(encoding="utf-8")) or {}).get("models") or []:
            columns[model["name"]] = {c["name"] for c in model.get("columns") or []}
    return columns


def person_tables(columns: dict[str, set[str]]) -> set[str]:
    return {t for t, cols in columns.items() if PERSON_KEY in cols}


def load_coalition(path: Path) -> Agreement:
    """The agreement at `path`, validated against the mart's tables (AgreementError otherwise)."""
    columns = mart_model_columns()
    return load_agreement(path, set(columns), person_tables(columns))


def agreement_for(settings) -> Agreement | None:
    """The validated agreement of O4O_COALITION_FILE, or None without one (AgreementError when
    malformed, naming the file and the offending entry)."""
    return None if settings.coalition_file is None else load_coalition(settings.coalition_file)


def _quoted(values: tuple[str, ...]) -> str:
    return ", ".join(map(sql_literal, values)) or "NULL"


def member_participants_sql(member: Member, schema: str) -> str:
    """SELECT of the participant_keys that are the member's people (see the module docstring)."""
    areas = _quoted(member.lwda_codes)
    return (f"SELECT {PERSON_KEY} FROM {schema}.fct_exit_outcomes WHERE {AREA_COLUMN} IN ({areas}) "
            f"UNION SELECT p.{PERSON_KEY} FROM {schema}.dim_participant p JOIN {schema}.dim_area a "
            f"ON a.county_fips = p.county_fips WHERE a.{AREA_COLUMN} IN ({areas})")


def own_rows_predicate(table_columns: set[str], member: Member, participants_relation: str) -> str:
    """SQL condition on a person table's rows that selects the member's own rows.

    `participants_relation` is a relation with one column participant_key holding the member's people
    (a temporary table in DuckDB, a private lookup in PostgreSQL), so no policy reads its own table.
    """
    if AREA_COLUMN in table_columns:
        return f"{AREA_COLUMN} IN ({_quoted(member.lwda_codes)})"
    return f"{PERSON_KEY} IN (SELECT {PERSON_KEY} FROM {participants_relation})"
