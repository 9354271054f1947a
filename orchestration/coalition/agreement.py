"""A coalition's data-sharing agreement, read from a versioned YAML file and validated on load.

The agreement (docs/coalition.md) names the parties (members), what each owns (local areas by
LWDA code, training providers by provider id) and, for each published table, the access level
every member gets:

  record     the table's rows about the member's own people only (person-level tables)
  aggregate  the whole table (tables with no row per person: reports, dimensions)
  none       not shared (the default for a table the agreement does not name)

Anything that could share more than the agreement says is refused before a run publishes: an
unknown key or table, an area owned by two members, a member that owns nothing, `aggregate` on a
table with a row per person. Errors name the file and the offending entry.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

ACCESS_LEVELS = ("record", "aggregate", "none")
AGREEMENT_VERSION = 1
# Member ids become PostgreSQL role names (o4o_member_<id>) and file names (mart.<id>.duckdb).
MEMBER_ID = re.compile(r"[a-z][a-z0-9_]{0,39}")
_TOP_KEYS = {"version", "agreement", "purpose", "retention", "members", "tables"}
_MEMBER_KEYS = {"id", "name", "lwda_codes", "provider_ids", "logins"}
_REQUIRED_TOP = ("version", "agreement", "members", "tables")


class AgreementError(ValueError):
    """The agreement file is malformed or would share more than it says; nothing was published."""


@dataclass(frozen=True)
class Member:
    id: str
    name: str
    lwda_codes: tuple[str, ...]
    provider_ids: tuple[str, ...]
    logins: tuple[str, ...]  # PostgreSQL login roles granted the member's role at every publish

    @property
    def role(self) -> str:
        """The member's PostgreSQL role (NOLOGIN; granted to the member's logins)."""
        return f"o4o_member_{self.id}"

    def file_name(self, publish_path: Path) -> Path:
        """The member's DuckDB file beside the published mart: mart.duckdb -> mart.<id>.duckdb."""
        return publish_path.with_name(f"{publish_path.stem}.{self.id}{publish_path.suffix}")


@dataclass(frozen=True)
class Agreement:
    path: Path
    name: str
    purpose: str
    retention: str
    members: tuple[Member, ...]
    tables: dict[str, str]  # table -> access level; tables not named are "none"
    sha256: str  # of the file's bytes, recorded with every publish

    def access(self, table: str) -> str:
        return self.tables.get(table, "none")

    def shared_tables(self, level: str) -> list[str]:
        return sorted(t for t, a in self.tables.items() if a == level)


def _fail(path: Path, where: str, problem: str) -> AgreementError:
    return AgreementError(f"{path}: {where}: {problem} (docs/coalition.md)")


def _codes(path: Path, where: str, value, *, allow_empty: bool = True) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, (str, int)) for v in value):
        raise _fail(path, where, f"expected a list of codes, got {value!r}")
    codes = tuple(str(v).strip() for v in value)
    if any(not c for c in codes):
        raise _fail(path, where, "holds a blank code")
    if len(set(codes)) != len(codes):
        raise _fail(path, where, "lists a code twice")
    return codes


def _member(path: Path, index: int, raw) -> Member:
    where = f"members[{index}]"
    if not isinstance(raw, dict):
        raise _fail(path, where, "each member is a mapping with id, name, lwda_codes, provider_ids")
    member_id = str(raw.get("id") or "").strip()
    if member_id:
        where = f"member {member_id!r}"
    unknown = sorted(set(raw) - _MEMBER_KEYS)
    if unknown:
        raise _fail(path, where, f"unknown key(s) {', '.join(unknown)}; a member has {', '.join(sorted(_MEMBER_KEYS))}")
    if not MEMBER_ID.fullmatch(member_id):
        raise _fail(path, where, f"id {member_id!r} must be lower-case letters, digits and _ (starting with a "
                                 "letter, at most 40): it names the member's PostgreSQL role and DuckDB file")
    member = Member(id=member_id, name=str(raw.get("name") or member_id),
                    lwda_codes=_codes(path, f"{where}.lwda_codes", raw.get("lwda_codes")),
                    provider_ids=_codes(path, f"{where}.provider_ids", raw.get("provider_ids")),
                    logins=_codes(path, f"{where}.logins", raw.get("logins")))
    if not member.lwda_codes and not member.provider_ids:
        raise _fail(path, where, "owns no local areas (lwda_codes) and no providers (provider_ids): a member "
                                 "must own something, or it would receive nothing but could be mistaken for "
                                 "a member that sees everything")
    return member


def _no_shared_ownership(path: Path, members: list[Member]) -> None:
    for attribute, label in (("lwda_codes", "local area"), ("provider_ids", "provider")):
        owner: dict[str, str] = {}
        for member in members:
            for code in getattr(member, attribute):
                if code in owner:
                    raise _fail(path, f"member {member.id!r}.{attribute}",
                                f"{label} {code!r} is already owned by member {owner[code]!r}: each {label} "
                                "belongs to one member")
                owner[code] = member.id


def _tables(path: Path, raw, known_tables: set[str], person_tables: set[str]) -> dict[str, str]:
    if not isinstance(raw, dict) or not raw:
        raise _fail(path, "tables", "expected a mapping of published table -> record | aggregate | none")
    tables = {}
    for table, level in raw.items():
        where = f"tables.{table}"
        level = str(level).strip().lower()
        if table not in known_tables:
            raise _fail(path, where, f"unknown table; the published mart has {', '.join(sorted(known_tables))}")
        if level not in ACCESS_LEVELS:
            raise _fail(path, where, f"access level {level!r}; use one of {', '.join(ACCESS_LEVELS)}")
        if level == "aggregate" and table in person_tables:
            raise _fail(path, where, "holds a row per person: `aggregate` would give every member everyone's "
                                     "records; use `record` (own rows only) or `none`")
        if level == "record" and table not in person_tables:
            raise _fail(path, where, "has no row per person, so there are no own rows to select; use "
                                     "`aggregate` or `none`")
        tables[table] = level
    return tables


def load_agreement(path: Path, known_tables: set[str], person_tables: set[str]) -> Agreement:
    """Read and validate an agreement file.

    `known_tables` are the published mart's tables, `person_tables` those with a row per person
    (orchestration/coalition/sharing.py says which). Raises AgreementError naming the file and
    the entry for anything malformed or over-sharing; OSError/YAML problems become AgreementError too.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise AgreementError(f"{path}: the data-sharing agreement cannot be read: {exc.strerror or exc}") from exc
    try:
        raw = yaml.safe_load(data)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "YAML"
        raise _fail(path, where, f"not valid YAML: {getattr(exc, 'problem', exc)}") from None
    if not isinstance(raw, dict):
        raise _fail(path, "top level", "expected a mapping with version, agreement, members, tables")
    unknown = sorted(set(raw) - _TOP_KEYS)
    if unknown:
        raise _fail(path, "top level", f"unknown key(s) {', '.join(unknown)}")
    missing = [k for k in _REQUIRED_TOP if k not in raw]
    if missing:
        raise _fail(path, "top level", f"missing {', '.join(missing)}")
    if raw["version"] != AGREEMENT_VERSION:
        raise _fail(path, "version", f"{raw['version']!r}: this o4o reads agreement version {AGREEMENT_VERSION}")
    if not isinstance(raw["members"], list) or not raw["members"]:
        raise _fail(path, "members", "expected a non-empty list of members")
    members = [_member(path, i, m) for i, m in enumerate(raw["members"])]
    seen: set[str] = set()
    for member in members:
        if member.id in seen:
            raise _fail(path, f"member {member.id!r}", "id used twice")
        seen.add(member.id)
    _no_shared_ownership(path, members)
    return Agreement(path=path, name=str(raw["agreement"]), purpose=str(raw.get("purpose") or ""),
                     retention=str(raw.get("retention") or ""), members=tuple(members),
                     tables=_tables(path, raw["tables"], known_tables, person_tables),
                     sha256=hashlib.sha256(data).hexdigest())
