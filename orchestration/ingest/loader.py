"""Load one entity's landing files into `raw.<entity>`: read, parse, pseudonymize, dedupe.

What the loader guarantees (feeds.md):
- every file is read as UTF-8 CSV with a header (BOM and CRLF tolerated, column names
  matched case-insensitively, columns without a name ignored); a file that is empty, not
  CSV (a workbook or archive), not UTF-8, has a row too long to be CSV, cannot be read,
  or lacks a contract column is refused and stops the entity (its raw table is left as
  it was), with a message that says which (sniff.py);
- a malformed row or an unparseable value goes to `raw.quarantine` with file, row,
  column, rule and value (masked: masking.py); the batch is then blocked by the raw check;
- identifiers are replaced by keyed hashes, birth dates by birth year and age; an SSN
  SSA never issues counts as missing (ssn.py); PII outside its columns never reaches raw
  (parse.py: SSN shapes in any column; unknown columns of files about people dropped);
- the same content delivered twice is loaded once; a later delivery replaces the rows of
  an earlier one in its replacement unit (feeds.py: the entity key, or for wage records
  the employer's quarter). "Later" is the refresh that first saw the file (raw.load_log),
  then the file name within one refresh;
- a delivery that would shrink raw.<entity> by more than the allowed share (the volume
  rule) leaves the table as it was and is reported as an error, unless accepted;
- an incremental refresh does the least work with the same result (raw.load_state
  records what each raw table was built from): an entity whose files are all unchanged
  is not read again, and new files that come after every loaded one are read alone and
  their rows appended (replacing earlier rows by key). Anything else - a file changed or
  removed, another key, another loader, a load with problems, birth dates needed across
  entities - rebuilds the table from all its files.

Row numbers count the header as row 1, as a spreadsheet shows them.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from ..settings import DEFAULT_MAX_SHRINK_SHARE
from .feeds import BIRTH_DATE, ENTITIES, NAME, SSN, TEXT, Column, Entity
from .masking import file_label, mask_ssn_shapes, mask_ssn_shapes_sql
from .parse import (SEVERITY_ERROR, SEVERITY_WARNING, SSN_IN_TEXT, breaks_a_rule_sql, quote_ident, row_checks,
                    shown_value, sql_literal, ssn_shaped_value_sql, stored_expr, typed_expr)
from .pseudonymize import name_identity_sql, register_id_pseudonyms, register_pseudonyms, ssn_identity_sql
from .sniff import long_row_refusal, not_csv_refusal
from .ssn import has_ssn_shape, has_ssn_shape_sql

RAW_SCHEMA = "raw"
# How load_entity built raw.<entity> this time (EntityLoad.mode).
FULL, APPEND, UNCHANGED = "full", "append", "unchanged"
# A change to any of these rebuilds every raw table on the next load.
_LOADER_SOURCES = ("loader.py", "parse.py", "pseudonymize.py", "feeds.py", "ssn.py", "masking.py", "sniff.py")
SHRINK_RULE = "volume:shrink"

Log = Callable[[str], None]


@dataclass
class Problem:
    source_file: str
    row_number: int | None
    column_name: str | None
    rule: str
    value: str | None = None
    severity: str = SEVERITY_ERROR
    # Row-level parse errors are written to raw.quarantine in bulk by SQL; the Problem
    # kept in memory is only a sample for the summary.
    in_quarantine: bool = False

    def __str__(self) -> str:
        where = self.source_file + (f", row {self.row_number}" if self.row_number else "")
        col = f", column {self.column_name}" if self.column_name else ""
        val = f" (value: {self.value})" if self.value is not None else ""
        return f"{where}{col}: {self.rule}{val}"


@dataclass
class EntityLoad:
    entity: str
    files: list[dict] = field(default_factory=list)
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    rows_replaced: int = 0
    # earlier rows a later delivery's replacement unit left out (a wage record moved to another
    # employer account, or removed by an amended report); included in rows_replaced
    rows_dropped_by_amendments: int = 0
    # the volume rule stopped this delivery: raw.<entity> was left as it was
    shrink_blocked: bool = False
    # False when participation's ages could not be computed (participants' birth dates not
    # loaded in this connection)
    has_birth_dates: bool = True
    # (rule, column) -> number of rows, for every row-level problem (samples are in `problems`)
    rule_counts: dict[tuple[str, str | None], int] = field(default_factory=dict)
    extra_columns: list[str] = field(default_factory=list)
    # unknown columns of a file about people, dropped before anything was written
    dropped_columns: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    stopped: bool = False
    mode: str = FULL  # FULL, APPEND (only new files read) or UNCHANGED (nothing read)

    @property
    def blocking_problems(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == SEVERITY_ERROR]


def ensure_raw_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {RAW_SCHEMA}")
    con.execute(f"""CREATE TABLE IF NOT EXISTS {RAW_SCHEMA}.quarantine (
        entity VARCHAR, source_file VARCHAR, row_number BIGINT, column_name VARCHAR,
        rule VARCHAR, value VARCHAR, severity VARCHAR)""")
    con.execute(f"""CREATE TABLE IF NOT EXISTS {RAW_SCHEMA}.load_log (
        entity VARCHAR, source_file VARCHAR, checksum VARCHAR, size_bytes BIGINT,
        rows_read BIGINT, rows_quarantined BIGINT, status VARCHAR, message VARCHAR,
        loaded_at TIMESTAMP, PRIMARY KEY (source_file, checksum))""")
    # What raw.<entity> was built from, present only after a load without any problem:
    # the files (in delivery order, with checksums) of the entity and of the entities it
    # shares birth dates with, a check value of the pseudonymization key, the loader's
    # version; and when it was last rebuilt from all its files (incremental dbt models
    # start again from scratch after that: dbt_project/macros/incremental.sql).
    con.execute(f"""CREATE TABLE IF NOT EXISTS {RAW_SCHEMA}.load_state (
        entity VARCHAR PRIMARY KEY, files VARCHAR, key_check VARCHAR, loader_version VARCHAR,
        rebuilt_at TIMESTAMP, updated_at TIMESTAMP)""")


def entity_files(landing_dir: Path, entity: Entity) -> list[Path]:
    folder = landing_dir / entity.feed
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir()
                  if p.is_file() and p.name.lower().startswith(entity.name) and p.suffix.lower() == ".csv"
                  and _entity_of(p.name, entity))


def outside_landing_refusal(path: Path, landing_dir: Path) -> tuple[str, list] | None:
    """A landing file that is a link to a file outside the landing directory is refused before it
    is parsed (a link to /etc/passwd or to another system's export is not a delivery; only its
    checksum was taken, for the load log). (refusal, no rejected rows) or None."""
    try:
        path.resolve().relative_to(landing_dir.resolve())
    except ValueError:
        return ("file:outside_landing (a link to a file outside the landing directory: not loaded; "
                "copy the delivery itself into the landing directory)"), []
    return None


def _entity_of(file_name: str, entity: Entity) -> bool:
    """`participants.csv` is not a file of `participation`, nor `programs_x` of `program`."""
    rest = file_name.lower()[len(entity.name):]
    return rest.startswith((".", "_", "-"))


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def source_label(entity: Entity, path: Path) -> str:
    """How o4o names a landing file in every table, log and report: `feed/name`, masked
    (masking.file_label: a file name can carry a person's name or SSN)."""
    return file_label(f"{entity.feed}/{path.name}")


def _first_loaded_at(con, source_file: str, checksum: str, now: dt.datetime) -> dt.datetime:
    row = con.execute(f"SELECT loaded_at FROM {RAW_SCHEMA}.load_log WHERE source_file = ? AND checksum = ?",
                      [source_file, checksum]).fetchone()
    return row[0] if row else now


def delivery_order(con, entity: Entity, landing_dir: Path, now: dt.datetime) -> tuple[list[Path], dict, dict]:
    """The entity's files in delivery order - first seen in an earlier refresh first, then by
    name - with their checksums and first-seen times. Later deliveries win."""
    files = entity_files(landing_dir, entity)
    checksums = {path: sha256_file(path) for path in files}
    first_seen = {path: _first_loaded_at(con, source_label(entity, path), checksums[path], now) for path in files}
    return sorted(files, key=lambda path: (first_seen[path], path.name)), checksums, first_seen


def key_check(pii_key: bytes) -> str:
    """Tells whether raw was pseudonymized with this key, without storing anything that reveals it."""
    return hmac.new(pii_key, b"o4o raw.load_state key check", hashlib.sha256).hexdigest()[:16]


def loader_version() -> str:
    digest = hashlib.sha256()
    for name in _LOADER_SOURCES:
        digest.update((Path(__file__).parent / name).read_bytes())
    return digest.hexdigest()[:16]


def birth_date_group(entity: Entity) -> list[Entity]:
    """The entity and those of its feed it shares birth dates with (participants give
    participation its age at entry): their raw tables are only ever built together from
    all their files, never appended to, and kept only when none of them changed."""
    def gives(giver: Entity, taker: Entity) -> bool:
        return giver.feed == taker.feed and bool(taker.age_via) and taker.age_via == giver.key[0] \
            and _col(giver, BIRTH_DATE) is not None
    return [e for e in ENTITIES if e.name == entity.name or gives(e, entity) or gives(entity, e)]


def _listing(entity: Entity, files: list[Path], checksums: dict) -> list[list[str]]:
    return [[source_label(entity, p), checksums[p]] for p in files]


def _plan(con, entity: Entity, own: list[list[str]], signature: dict, pii_key: bytes) -> tuple[str, int]:
    """(mode, number of files already in raw): UNCHANGED when raw was built, without problems,
    from exactly these files with this key and loader; APPEND when the files it was built from
    are the first ones of this delivery order; else FULL."""
    row = con.execute(f"SELECT files, key_check, loader_version FROM {RAW_SCHEMA}.load_state WHERE entity = ?",
                      [entity.name]).fetchone()
    exists = con.execute("SELECT count(*) FROM duckdb_tables() WHERE schema_name = ? AND table_name = ? "
                         "AND NOT temporary", [RAW_SCHEMA, entity.name]).fetchone()[0]
    if row is None or not exists or row[1] != key_check(pii_key) or row[2] != loader_version():
        return FULL, 0
    built = json.loads(row[0])
    if built == signature:
        return UNCHANGED, len(own)
    prior = built.get(entity.name, [])
    if len(signature) == 1 and set(built) == set(signature) and own[:len(prior)] == prior:
        return APPEND, len(prior)
    return FULL, 0


def _save_state(con, entity: Entity, signature: dict | None, pii_key: bytes, now: dt.datetime,
                rebuilt: bool) -> None:
    """Record what raw.<entity> now holds; None (a load with problems) forgets it."""
    before = con.execute(f"SELECT rebuilt_at FROM {RAW_SCHEMA}.load_state WHERE entity = ?", [entity.name]).fetchone()
    con.execute(f"DELETE FROM {RAW_SCHEMA}.load_state WHERE entity = ?", [entity.name])
    if signature is not None:
        con.execute(f"INSERT INTO {RAW_SCHEMA}.load_state VALUES (?, ?, ?, ?, ?, ?)",
                    [entity.name, json.dumps(signature), key_check(pii_key), loader_version(),
                     now if rebuilt or before is None else before[0], now])


def _written_header(path: Path) -> list[str] | None:
    """The header row as written (DuckDB renames a repeated name to `name_1`, and drops a
    header line that is not UTF-8), or None when that line is not UTF-8."""
    with path.open("rb") as f:
        first = f.readline()
    try:
        return next(csv.reader([first.decode("utf-8-sig")]), [])
    except UnicodeDecodeError:
        return None


def _encoding_refusal(line: int) -> str:
    return f"encoding:utf-8 (file is not UTF-8 encoded, first bad byte on line {line}; re-export as UTF-8)"


def _read_file(con, path: Path, idx: int) -> tuple[str | None, list[dict]]:
    """Read `path` into temp table `_f{idx}` (all text). Returns (refusal, rejected rows),
    one rejected row per bad line (DuckDB lists a row once per missing column)."""
    refusal = not_csv_refusal(path)
    if refusal:
        return refusal, []
    if _written_header(path) is None:
        return _encoding_refusal(1), []
    con.execute(f"DROP TABLE IF EXISTS _rj_{idx}; DROP TABLE IF EXISTS _rs_{idx}")
    try:
        con.execute(f"""CREATE OR REPLACE TEMP TABLE _f{idx} AS SELECT * FROM read_csv({sql_literal(str(path))},
            all_varchar = true, header = true, delim = ',', quote = '"', escape = '"',
            parallel = false, strict_mode = true, store_rejects = true,
            rejects_table = '_rj_{idx}', rejects_scan = '_rs_{idx}')""")
    except duckdb.Error as exc:
        if "maximum line size" in str(exc).lower():
            return long_row_refusal(path), []
        # only DuckDB's first line: the next ones echo the offending row ("Original Line: ...")
        return f"unreadable CSV: {mask_ssn_shapes(str(exc).splitlines()[0])}", []
    rejects = con.execute(f"""SELECT line, column_name, error_type FROM _rj_{idx} ORDER BY line, column_idx""").fetchall()
    con.execute(f"DROP TABLE IF EXISTS _rj_{idx}; DROP TABLE IF EXISTS _rs_{idx}")
    if any(r[2] == "INVALID ENCODING" for r in rejects):
        con.execute(f"DROP TABLE IF EXISTS _f{idx}")
        bad = next(r[0] for r in rejects if r[2] == "INVALID ENCODING")
        return _encoding_refusal(bad), []
    first_per_line: dict[int, dict] = {}
    for line, column, error in rejects:
        first_per_line.setdefault(line, {"line": line, "column": column, "error": error})
    return None, list(first_per_line.values())


def _file_columns(con, entity: Entity, path: Path, idx: int, source: str, info: dict, result: EntityLoad,
                  log: Log) -> list[tuple[str, str]] | None:
    """The columns of `_f{idx}` to load, as (DuckDB's name, contract name), or None when the
    header refuses the file (a contract column missing, a name twice).

    Columns without a name (Excel's trailing commas) are ignored however many there are. An
    unknown column of a file about people is dropped before anything is written (free text
    beside a person's record can hold anything); elsewhere it is kept, and checked as free
    text. A column whose name looks like an SSN is never kept."""
    header = [r[0] for r in con.execute(f"DESCRIBE _f{idx}").fetchall()]
    written = _written_header(path)
    named = [(h, w.strip()) for h, w in zip(header, written + [""] * (len(header) - len(written)))]
    unnamed = [h for h, w in named if not w]
    columns = [(h, w.lower()) for h, w in named if w]
    lowered = [lo for _, lo in columns]
    contract = set(entity.column_names)
    missing = sorted(set(entity.required_column_names) - set(lowered))
    dupes = sorted({mask_ssn_shapes(lo) for lo in lowered if lowered.count(lo) > 1})
    if missing or dupes:
        for col in missing:
            result.problems.append(Problem(source, 1, col, "missing_column (required by feeds.md)"))
        for col in dupes:
            result.problems.append(Problem(source, 1, col, "duplicate_column (same name twice in header)"))
        info.update(status="refused", message="missing columns: " + ", ".join(missing) if missing
                    else "duplicate columns: " + ", ".join(dupes))
        return None
    if unnamed:
        filled = _rows_with_values(con, idx, unnamed)
        note = (f"{len(unnamed)} column(s) without a name in the header ignored (trailing commas from Excel?)"
                + (f"; {filled:,} rows had values in them" if filled else ""))
        log(f"{source}: {note}")
        if filled:
            result.problems.append(Problem(source, 1, None, f"unnamed_column ({note})", severity=SEVERITY_WARNING))
    extras = [(h, lo) for h, lo in columns if lo not in contract]
    unsafe = [(h, lo) for h, lo in extras if entity.has_pii or has_ssn_shape(lo)]
    if unsafe:
        filled = _rows_with_values(con, idx, [h for h, _ in unsafe])
        names = ", ".join(mask_ssn_shapes(lo) for _, lo in unsafe)
        why = ("a file about people keeps only the columns of feeds.md" if entity.has_pii
               else "a column name shaped like an SSN")
        note = f"dropped before anything was written ({why}); {filled:,} rows had values in them"
        result.dropped_columns += [mask_ssn_shapes(lo) for _, lo in unsafe]
        result.problems.append(Problem(source, 1, names, f"extra_column_dropped ({note})", severity=SEVERITY_WARNING))
        log(f"{source}: unknown column(s) {names} {note}")
    for h, extra in extras:
        if (h, extra) not in unsafe and extra not in result.extra_columns:
            result.extra_columns.append(extra)
            result.problems.append(Problem(source, 1, extra, "extra_column (kept in raw, ignored downstream)",
                                           severity=SEVERITY_WARNING))
    return [(h, lo) for h, lo in columns if (h, lo) not in unsafe]


def _rows_with_values(con, idx: int, columns: list[str]) -> int:
    filled = " OR ".join(f"coalesce(trim({quote_ident(c)}), '') <> ''" for c in columns)
    return con.execute(f"SELECT count(*) FROM _f{idx} WHERE {filled}").fetchone()[0]


def _row_number_sql(rejected_lines: list[int]) -> str:
    """Line number of each accepted row: rowid + 2, shifted past the rejected lines before it."""
    if not rejected_lines:
        return "rowid + 2"
    # With rejected lines r_0 < r_1 < ..., accepted row k sits at (k + 2) + #{i : r_i - i <= k + 2}.
    adjusted = ", ".join(str(r - i) for i, r in enumerate(sorted(rejected_lines)))
    return f"rowid + 2 + list_count(list_filter([{adjusted}], lambda x: x <= rowid + 2))"


def load_entity(con: duckdb.DuckDBPyConnection, entity: Entity, landing_dir: Path, pii_key: bytes,
                log: Log = print, now: dt.datetime | None = None, incremental: bool = True,
                max_shrink_share: float = DEFAULT_MAX_SHRINK_SHARE, accept_shrink: bool = False) -> EntityLoad:
    """Load the entity's landing files into raw.<entity>; `incremental=False` always rebuilds
    it from every file (the result is the same, only slower). A delivery that would leave
    raw.<entity> with fewer than (1 - max_shrink_share) of its rows is blocked unless
    `accept_shrink` (settings: O4O_MAX_SHRINK_SHARE, O4O_ACCEPT_SHRINK)."""
    now = now or dt.datetime.now().replace(microsecond=0)
    result = EntityLoad(entity.name)
    files = entity_files(landing_dir, entity)
    ensure_raw_schema(con)
    con.execute(f"DELETE FROM {RAW_SCHEMA}.quarantine WHERE entity = ?", [entity.name])
    if not files and entity.optional:
        _empty_optional_entity(con, entity, pii_key, result, log)
        return result
    if not files:
        result.stopped = True
        result.problems.append(Problem(f"{entity.feed}/{entity.name}*.csv", None, None,
                                       "missing_file (no file for this entity in the landing directory)"))
        log(f"{entity.name}: no files in {landing_dir / entity.feed}")
        _record_quarantine(con, entity, result)
        return result

    started = time.perf_counter()
    rows_so_far = 0
    files, checksums, first_seen = delivery_order(con, entity, landing_dir, now)
    own = _listing(entity, files, checksums)
    signature = {e.name: own if e.name == entity.name else _listing(e, *delivery_order(con, e, landing_dir, now)[:2])
                 for e in birth_date_group(entity)}
    result.mode, prior = _plan(con, entity, own, signature, pii_key) if incremental else (FULL, 0)
    if result.mode == UNCHANGED:
        result.files = _logged_files(con, own)
        result.rows_loaded = con.execute(f"SELECT count(*) FROM {RAW_SCHEMA}.{entity.name}").fetchone()[0]
        log(f"{entity.name}: {len(files)} file(s) unchanged since raw.{entity.name} was built: not read again")
        return result
    log(f"{entity.name}: {len(files) - prior} file(s), "
        f"{sum(f.stat().st_size for f in files[prior:]) / 1e6:,.1f} MB to read"
        + (f" ({prior} loaded before: appending)" if result.mode == APPEND else ""))
    seen_checksums: dict[str, str] = {}
    accepted: list[tuple[int, str]] = []
    _drop_typed(con)
    result.files = _logged_files(con, own[:prior])
    for source, checksum in own[:prior]:
        seen_checksums.setdefault(checksum, source)
    for idx, path in enumerate(files):
        if idx < prior:
            continue
        source = source_label(entity, path)
        checksum = checksums[path]
        info = {"source_file": source, "checksum": checksum, "size_bytes": path.stat().st_size,
                "rows_read": 0, "rows_quarantined": 0, "status": "loaded", "message": None,
                "loaded_at": first_seen[path]}
        result.files.append(info)
        if checksum in seen_checksums:
            info.update(status="duplicate", message=f"identical to {seen_checksums[checksum]}: not loaded again")
            log(f"{source}: identical to {seen_checksums[checksum]}, skipped (duplicate delivery)")
            continue
        seen_checksums[checksum] = source
        refusal, rejects = outside_landing_refusal(path, landing_dir) or _read_file(con, path, idx)
        if refusal:
            info.update(status="refused", message=refusal)
            result.problems.append(Problem(source, None, None, refusal))
            result.stopped = True
            continue
        kept = _file_columns(con, entity, path, idx, source, info, result, log)
        contract = set(entity.column_names)
        if kept is None:
            result.stopped = True
            continue
        for r in rejects:
            rule = f"csv:malformed_row ({r['error'].lower()})"
            column = mask_ssn_shapes(r["column"]) if r["column"] else None
            result.problems.append(Problem(source, r["line"], column, rule))
            result.rule_counts[(rule, None)] = result.rule_counts.get((rule, None), 0) + 1
        select = ", ".join([f"nullif(trim({quote_ident(h)}), '') AS {quote_ident(lo)}" for h, lo in kept]
                           + _absent_optional_columns(entity, [lo for _, lo in kept]))
        # a view, not a copy: the file's rows are first copied when typed (_typed)
        con.execute(f"""CREATE OR REPLACE TEMP VIEW _g{idx} AS SELECT {idx} AS _file_idx,
            {sql_literal(source)} AS _source_file, {_row_number_sql([r['line'] for r in rejects])} AS _row_number,
            {select} FROM _f{idx}""")
        info["rows_read"] = con.execute(f"SELECT count(*) FROM _g{idx}").fetchone()[0] + len(rejects)
        info["rows_quarantined"] = len(rejects)
        accepted.append((idx, source))
        # typed now, so that only one file's text is held at a time (a state's wage history is
        # larger than DuckDB's memory limit twice over)
        _type_file(con, entity, idx, source, info["loaded_at"], [lo for _, lo in kept if lo not in contract])
        _drop_files(con, [(idx, source)])
        rows_so_far += info["rows_read"]
        log(f"{entity.name}: file {idx + 1}/{len(files)} {source}: {info['rows_read']:,} rows read "
            f"({rows_so_far:,} rows so far, {time.perf_counter() - started:.1f}s)")

    again = dict(log=log, now=now, incremental=False, max_shrink_share=max_shrink_share, accept_shrink=accept_shrink)
    if result.mode == APPEND and result.extra_columns and not result.stopped:
        _drop_typed(con)  # new columns: raw.<entity> changes shape, so rebuild it
        return load_entity(con, entity, landing_dir, pii_key, **again)
    if result.mode == APPEND and not result.stopped and not accepted:  # only re-sent copies arrived
        _finish(con, entity, result)
        _save_state(con, entity, signature if not result.problems else None, pii_key, now, rebuilt=False)
        result.rows_loaded = con.execute(f"SELECT count(*) FROM {RAW_SCHEMA}.{entity.name}").fetchone()[0]
        return result
    if result.stopped or not accepted:
        _drop_typed(con)
        log(f"{entity.name}: STOPPED, raw.{entity.name} left as it was")
        _finish(con, entity, result)
        return result

    result.rows_read = sum(f["rows_read"] for f in result.files[prior:])
    log(f"{entity.name}: checking values and pseudonymizing {result.rows_read:,} rows")
    _quarantine_rule_breakers(con, entity, result, log)
    written = _build_raw_table(con, entity, pii_key, result, append=result.mode == APPEND,
                               shrink=(max_shrink_share, accept_shrink), log=log)
    if written == REBUILD:
        log(f"{entity.name}: a later delivery amends rows loaded before: rebuilding raw.{entity.name} from every file")
        return load_entity(con, entity, landing_dir, pii_key, **again)
    _finish(con, entity, result)
    clean = not result.problems and result.rows_quarantined == 0 and result.has_birth_dates
    _save_state(con, entity, signature if clean else None, pii_key, now, rebuilt=result.mode == FULL)
    if written == SHRINK_BLOCKED:
        return result
    log(f"{entity.name}: done in {time.perf_counter() - started:.1f}s: "
        f"{result.rows_loaded:,} rows loaded, {result.rows_quarantined:,} quarantined, "
        f"{result.rows_replaced:,} replaced by later deliveries"
        + (f" ({result.rows_dropped_by_amendments:,} dropped by amended reports)"
           if result.rows_dropped_by_amendments else ""))
    return result


def _absent_optional_columns(entity: Entity, present: list[str]) -> list[str]:
    """An optional column (feeds.py, issue 16) the file does not have: NULL in every row."""
    return [f"CAST(NULL AS VARCHAR) AS {quote_ident(c.name)}" for c in entity.columns
            if c.optional and c.name not in present]


def _empty_optional_entity(con, entity: Entity, pii_key: bytes, result: EntityLoad, log: Log) -> None:
    """An optional entity (supplemental_wages) without files: raw.<entity> is an empty table of
    the contract's shape, built by the same typing code as a delivery (no rows, no problems).
    A table that already holds rows (an earlier delivery) is left as it is."""
    exists = con.execute("SELECT count(*) FROM duckdb_tables() WHERE schema_name = ? AND table_name = ?",
                         [RAW_SCHEMA, entity.name]).fetchone()[0]
    if exists:
        result.rows_loaded = con.execute(f"SELECT count(*) FROM {RAW_SCHEMA}.{entity.name}").fetchone()[0]
        log(f"{entity.name}: no files (an optional entity); raw.{entity.name} kept as it was")
        return
    columns = ", ".join(f"CAST(NULL AS VARCHAR) AS {quote_ident(c)}" for c in entity.column_names)
    _drop_typed(con)
    con.execute(f"""CREATE OR REPLACE TEMP VIEW _g0 AS SELECT 0 AS _file_idx, CAST(NULL AS VARCHAR) AS _source_file,
        CAST(0 AS BIGINT) AS _row_number, {columns} WHERE false""")
    _type_file(con, entity, 0, None, None, [])
    con.execute("DROP VIEW _g0")
    _quarantine_rule_breakers(con, entity, result, log)
    _build_raw_table(con, entity, pii_key, result, log=log)
    _finish(con, entity, result)
    log(f"{entity.name}: no files (an optional entity): raw.{entity.name} is empty")


def _drop_files(con, accepted: list[tuple[int, str]]) -> None:
    for i, _ in accepted:
        con.execute(f"DROP VIEW _g{i}")
        con.execute(f"DROP TABLE _f{i}")


_TYPED_TABLES = ("_typed", "_suspects", "_typed_files")


def _drop_typed(con) -> None:
    for table in _TYPED_TABLES:
        con.execute(f"DROP TABLE IF EXISTS {table}")


def _type_file(con, entity: Entity, idx: int, source: str | None, loaded_at: dt.datetime | None,
               extras: list[str]) -> None:
    """Append the rows of file view `_g{idx}` to `_typed`, typed, in one pass over its text: each
    value's pattern and cast run once, and the same pass flags (`_suspect`) exactly the rows that
    break a row-level rule of parse.py (parse.breaks_a_rule_sql). Rows break rules rarely: the
    text of the flagged ones is kept in `_suspects`, for _quarantine_rule_breakers to list each
    rule they break with the value masked. `_typed` holds no per-file constants (file name, first
    seen): `_typed_files` does, and the raw table gets them by `_file_idx` (_file_meta_sql).
    `extras`: the file's extra columns kept in raw (result.extra_columns; their SSN shapes are
    masked in _mask_extra_columns)."""
    inner, outer, suspect = [], [], []
    for i, c in enumerate(entity.columns):
        v = quote_ident(c.name)
        inner.append(v)
        if c.person_id or c.type in (TEXT, NAME):  # an SSN-shaped person_id is pseudonymized later
            typed, out = v, stored_expr(c) if c.type == TEXT and not c.person_id else v
        else:
            typed = quote_ident(f"_typed_{i}")
            inner.append(f"{typed_expr(c)} AS {typed}")
            out = typed
        outer.append(f"{out} AS {v}")
        if (breaks := breaks_a_rule_sql(c, typed)):
            suspect.append(f"({breaks})")
    outer += [f"CASE WHEN {quote_ident(c.name)} IN ({', '.join(map(sql_literal, c.na_codes))}) "
              f"THEN {quote_ident(c.name)} END AS {quote_ident(c.name + '_flag')}" for c in entity.columns if c.na_codes]
    extra = [quote_ident(x) for x in extras]
    meta = ["_file_idx", "_row_number"]
    select = (f"SELECT {', '.join(meta + outer + extra)}, coalesce({' OR '.join(suspect) or 'false'}, false) AS _suspect "
              f"FROM (SELECT {', '.join(meta + inner + extra)} FROM _g{idx})")
    if not _temp_table_exists(con, "_typed"):
        con.execute(f"CREATE TEMP TABLE _typed AS {select}")
        con.execute("CREATE TEMP TABLE _typed_files (_file_idx INTEGER, _source_file VARCHAR, _loaded_at TIMESTAMP)")
    else:
        have = {r[0] for r in con.execute("DESCRIBE _typed").fetchall()}
        for x in extras:  # a column this file is the first to bring: NULL for the files before
            if x not in have:
                con.execute(f"ALTER TABLE _typed ADD COLUMN {quote_ident(x)} VARCHAR")
        con.execute(f"INSERT INTO _typed BY NAME {select}")
    if source is not None:
        con.execute("INSERT INTO _typed_files VALUES (?, ?, ?::TIMESTAMP)", [idx, source, loaded_at.isoformat(sep=" ")])
    # _typed is appended file by file, so the zone maps of _file_idx skip the earlier files' rows
    flagged = f"SELECT _file_idx, _row_number FROM _typed WHERE _file_idx = {idx} AND _suspect"
    if con.execute(f"SELECT count(*) FROM ({flagged})").fetchone()[0]:
        text = ", ".join(["_file_idx", "_source_file", "_row_number"] + [quote_ident(c) for c in entity.column_names])
        rows = f"SELECT {text} FROM _g{idx} SEMI JOIN ({flagged}) t USING (_file_idx, _row_number)"
        con.execute(f"INSERT INTO _suspects {rows}" if _temp_table_exists(con, "_suspects")
                    else f"CREATE TEMP TABLE _suspects AS {rows}")


def _temp_table_exists(con, name: str) -> bool:
    return bool(con.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary AND table_name = ?",
                            [name]).fetchone()[0])


def _file_meta_sql(con) -> tuple[str, str]:
    """SQL of `_source_file` and `_loaded_at` of a `_typed` row (alias t), from `_typed_files`: a
    constant list indexed by `_file_idx`, cheaper than carrying them in every typed row."""
    files = dict((i, (s, at)) for i, s, at in con.execute("SELECT * FROM _typed_files").fetchall())
    if not files:
        return "CAST(NULL AS VARCHAR)", "CAST(NULL AS TIMESTAMP)"
    slots = [files.get(i) for i in range(max(files) + 1)]
    sources = ", ".join(sql_literal(f[0]) if f else "NULL" for f in slots)
    loaded = ", ".join(f"{sql_literal(f[1].isoformat(sep=' '))}::TIMESTAMP" if f else "NULL" for f in slots)
    return f"([{sources}]::VARCHAR[])[t._file_idx + 1]", f"([{loaded}]::TIMESTAMP[])[t._file_idx + 1]"


def _quarantine_rule_breakers(con, entity: Entity, result: EntityLoad, log: Log) -> None:
    """The rows of `_suspects` (landed text, _type_file) that break a row-level rule: listed in
    quarantine with the value masked; those the rule keeps out of raw are deleted from `_typed`,
    the others are fixed on the way into raw (a never-issued SSN of a person, an SSN inside free
    text, an SSN-shaped individual_id: _build_raw_table). One pass finds each rule a row breaks
    (`_bad`); the per-rule quarantine rows, counts and samples then come from that small table."""
    rejected = _quarantine_suspects(con, entity, result, log) if _temp_table_exists(con, "_suspects") else 0
    result.rows_quarantined = sum(f["rows_quarantined"] for f in result.files) + rejected


def _quarantine_suspects(con, entity: Entity, result: EntityLoad, log: Log) -> int:
    checks = row_checks(entity)
    bad = " OR ".join(f"({c.predicate})" for c in checks) or "false"
    excluded = " OR ".join(f"({c.predicate})" for c in checks if not c.keeps_row) or "false"
    flags = "".join(f", coalesce({c.predicate}, false) AS _breaks{i}, {shown_value(c.column, entity)} AS _shown{i}"
                    for i, c in enumerate(checks))
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _bad AS SELECT _file_idx, _source_file, _row_number,
        coalesce({excluded}, false) AS _excluded{flags} FROM _suspects WHERE coalesce({bad}, false)""")
    # one count per rule in one query: a file with thousands of extra columns has thousands of rules
    counts = con.execute("SELECT " + ", ".join(f"count(*) FILTER (WHERE _breaks{i})" for i in range(len(checks)))
                         + " FROM _bad").fetchone() if checks else ()
    for i, c in enumerate(checks):
        if not counts[i]:
            continue
        count = con.execute(f"""INSERT INTO {RAW_SCHEMA}.quarantine SELECT {sql_literal(entity.name)}, _source_file,
            _row_number, {sql_literal(c.column)}, {sql_literal(c.rule)}, _shown{i}, {sql_literal(c.severity)}
            FROM _bad WHERE _breaks{i}""").fetchone()[0]
        result.rule_counts[(c.rule, c.column)] = count
        log(f"{entity.name}: {count:,} rows, column {c.column}: {c.rule}"
            + (" - warning, not blocking" if c.severity == SEVERITY_WARNING else ""))
        for source, row_number, value in con.execute(f"""SELECT _source_file, _row_number, _shown{i}
                FROM _bad WHERE _breaks{i} ORDER BY _file_idx, _row_number LIMIT 5""").fetchall():
            result.problems.append(Problem(source, row_number, c.column, c.rule, value, severity=c.severity,
                                           in_quarantine=True))
    rejected = con.execute("""DELETE FROM _typed USING _bad WHERE _bad._excluded
        AND _typed._file_idx = _bad._file_idx AND _typed._row_number = _bad._row_number""").fetchone()[0]
    con.execute("DROP TABLE _bad")
    con.execute("DROP TABLE _suspects")
    return rejected


def _mask_extra_columns(con, entity: Entity, result: EntityLoad, log: Log) -> None:
    """Extra columns kept in raw are free text: an SSN shape in them is masked in place in
    `_typed`, with a warning per row and column (parse.SSN_IN_TEXT). They are scanned in one
    pass over their unpivoted values (a file can have thousands of them), and only a column
    that holds one is rewritten."""
    if not result.extra_columns:
        return
    names = ", ".join(quote_ident(x) for x in result.extra_columns)
    hits = con.execute(f"""INSERT INTO {RAW_SCHEMA}.quarantine
        SELECT {sql_literal(entity.name)}, _source_file, _row_number, column_name, {sql_literal(SSN_IN_TEXT)},
               left({mask_ssn_shapes_sql('value')}, 200), {sql_literal(SEVERITY_WARNING)}
        FROM (UNPIVOT (SELECT {_file_meta_sql(con)[0]} AS _source_file, _row_number, {names} FROM _typed t) ON {names}
              INTO NAME column_name VALUE value)
        WHERE length(value) >= 9 AND {has_ssn_shape_sql('value')}
        RETURNING column_name, source_file, row_number, value""").fetchall()
    for column in sorted({h[0] for h in hits}):
        found = sorted((h[1:] for h in hits if h[0] == column), key=lambda h: h[1])
        v = quote_ident(column)
        con.execute(f"UPDATE _typed SET {v} = {mask_ssn_shapes_sql(v)} WHERE length({v}) >= 9 AND {has_ssn_shape_sql(v)}")
        result.rule_counts[(SSN_IN_TEXT, column)] = len(found)
        log(f"{entity.name}: {len(found):,} rows, column {column}: {SSN_IN_TEXT} - warning, not blocking")
        result.problems += [Problem(source, row, column, SSN_IN_TEXT, value, severity=SEVERITY_WARNING,
                                    in_quarantine=True) for source, row, value in found[:5]]


def _col(entity: Entity, type_: str, nth: int = 0) -> Column | None:
    cols = [c for c in entity.columns if c.type == type_]
    return cols[nth] if len(cols) > nth else None


def _age_column(entity: Entity) -> str:
    """`entry_date` -> `age_at_entry`: age in whole years on that date."""
    return "age_at_" + entity.age_at.removesuffix("_date")


def _age_sql(birth: str, at: str) -> str:
    return (f"(year({at}) - year({birth}) - CASE WHEN month({at}) * 100 + day({at}) "
            f"< month({birth}) * 100 + day({birth}) THEN 1 ELSE 0 END)")


def _pseudonymize_person_ids(con, entity: Entity, pii_key: bytes) -> None:
    """An SSN-shaped person identifier in `_typed` is replaced by its pseudonym (parse.py)."""
    for i, c in enumerate(entity.columns):
        if not c.person_id:
            continue
        v, table = quote_ident(c.name), f"_ssn_shaped_ids{i}"
        if register_id_pseudonyms(con, f"SELECT {v} AS value FROM _typed WHERE {ssn_shaped_value_sql(v)}",
                                  pii_key, table):
            con.execute(f"UPDATE _typed SET {v} = p._ssn_shaped_pseudonym FROM {table} p "
                        f"WHERE p._ssn_shaped_value = _typed.{v}")


def _build_raw_table(con, entity: Entity, pii_key: bytes, result: EntityLoad, append: bool = False,
                     shrink: tuple[float, bool] = (DEFAULT_MAX_SHRINK_SHARE, False), log: Log = print) -> str:
    """Write raw.<entity> from _typed (_type_file). Returns what happened: WRITTEN, SHRINK_BLOCKED (the
    volume rule left raw as it was) or REBUILD (an append that would drop rows of an amended
    replacement unit: rebuild from every file instead). `result.has_birth_dates` is False when
    ages could not be computed (the birth dates of another entity were not loaded in this
    connection)."""
    _pseudonymize_person_ids(con, entity, pii_key)
    _mask_extra_columns(con, entity, result, log)

    drop: list[str] = ["_suspect"]
    derived: list[str] = []
    joins = ""
    result.has_birth_dates = True
    ssn, first, last, birth = _col(entity, SSN), _col(entity, NAME, 0), _col(entity, NAME, 1), _col(entity, BIRTH_DATE)
    if ssn or birth:
        parts = []
        if ssn:
            parts.append(f"SELECT {ssn_identity_sql(quote_ident(ssn.name))} AS identity FROM _typed")
        if first and last and birth:
            parts.append(f"SELECT {name_identity_sql(*(quote_ident(c.name) for c in (first, last, birth)))} "
                         "AS identity FROM _typed")
        register_pseudonyms(con, " UNION ALL ".join(parts), pii_key)
        if ssn:
            joins += (f" LEFT JOIN _pseudonyms ps ON ps.identity = {ssn_identity_sql('t.' + quote_ident(ssn.name))}")
            derived.append("ps.pseudonym AS ssn_key")
            drop.append(ssn.name)
        if first and last and birth:
            joins += (" LEFT JOIN _pseudonyms pn ON pn.identity = "
                      + name_identity_sql(*(f"t.{quote_ident(c.name)}" for c in (first, last, birth))))
            derived.append("pn.pseudonym AS name_dob_key")
            drop += [first.name, last.name]
        derived.insert(0, "coalesce(" + ", ".join(
            a for a, present in (("ps.pseudonym", ssn), ("pn.pseudonym", first and last and birth)) if present
        ) + ") AS participant_key")
    if birth:
        derived.append(f"year(t.{quote_ident(birth.name)})::INTEGER AS birth_year")
        drop.append(birth.name)
        if entity.age_at:
            derived.append(f"{_age_sql('t.' + quote_ident(birth.name), 't.' + quote_ident(entity.age_at))}::INTEGER "
                           f"AS {_age_column(entity)}")
        key = entity.key[0]
        con.execute(f"CREATE OR REPLACE TEMP TABLE _birth_dates__{key} AS "
                    f"SELECT DISTINCT {quote_ident(key)} AS key, {quote_ident(birth.name)} AS birth_date FROM _typed")
    elif entity.age_via:
        lookup = f"_birth_dates__{entity.age_via}"
        if _temp_table_exists(con, lookup):
            joins += f" LEFT JOIN (SELECT key, min(birth_date) AS birth_date FROM {lookup} GROUP BY key) bd " \
                     f"ON bd.key = t.{quote_ident(entity.age_via)}"
            derived.append(f"{_age_sql('bd.birth_date', 't.' + quote_ident(entity.age_at))}::INTEGER "
                           f"AS {_age_column(entity)}")
        else:
            derived.append(f"NULL::INTEGER AS {_age_column(entity)}")
            result.has_birth_dates = False

    source, loaded_at = _file_meta_sql(con)
    select = (f"t._file_idx, {source} AS _source_file, t._row_number, {loaded_at} AS _loaded_at, "
              f"t.* EXCLUDE (_file_idx, _row_number, {', '.join(quote_ident(c) for c in drop)})"
              + "".join(f", {d}" for d in derived))
    # a view, not a copy: its rows are computed once, as raw.<entity> is written
    con.execute(f"""CREATE OR REPLACE TEMP VIEW _final AS SELECT {select} FROM _typed t{joins}""")
    try:
        return _write_raw(con, entity, result, append, shrink, log)
    finally:
        con.execute("DROP VIEW IF EXISTS _final")
        _drop_typed(con)
        con.execute("DROP TABLE IF EXISTS _superseded")


WRITTEN, SHRINK_BLOCKED, REBUILD = "written", "shrink_blocked", "rebuild"


def _same(a: str, b: str, columns: tuple[str, ...]) -> str:
    return " AND ".join(f"{a}.{quote_ident(k)} IS NOT DISTINCT FROM {b}.{quote_ident(k)}" for k in columns)


def _write_raw(con, entity: Entity, result: EntityLoad, append: bool, shrink: tuple[float, bool], log: Log) -> str:
    """Replace raw.<entity> by `_final` (or append it), applying the replacement unit and the
    volume rule in one transaction: a blocked delivery leaves the table exactly as it was.
    `_final` is a view of `_typed` with one row per `_typed` row: what needs only `_typed`'s
    columns reads `_typed`, and `_final` is computed once, by the write.

    A later delivery replaces every earlier row of its replacement unit (feeds.py): rows with
    the same key are *replaced*, rows of the unit the later file no longer has are *dropped*
    (a worker moved to the right employer account). Duplicates *within* one file stay, so the
    raw suite's uniqueness rule reports them. Only units that more than one file delivered
    need a choice (usually none): a hash aggregate finds them, instead of a window and a sort
    over every row. Raw rows have no meaningful order (an appended quarter goes at the end;
    models never rely on it)."""
    unit, key = entity.replacement_unit, entity.raw_key
    unit_cols = ", ".join(quote_ident(k) for k in unit)
    typed_columns = {r[0] for r in con.execute("DESCRIBE _typed").fetchall()}
    units_from = "_typed" if set(unit) <= typed_columns else "_final"  # participant_key is only in _final
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _superseded AS
        WITH by_hash AS (SELECT hash({unit_cols}) AS h FROM {units_from} GROUP BY 1 HAVING min(_file_idx) < max(_file_idx))
        SELECT {unit_cols}, max(_file_idx) AS _latest FROM {units_from} WHERE hash({unit_cols}) IN (SELECT h FROM by_hash)
        GROUP BY ALL HAVING min(_file_idx) < max(_file_idx)""")
    superseded = con.execute("SELECT count(*) FROM _superseded").fetchone()[0]
    latest = f"""SELECT f.* EXCLUDE (_file_idx) FROM _final f
        LEFT JOIN _superseded s ON {_same('f', 's', unit)} WHERE s._latest IS NULL OR f._file_idx = s._latest"""
    if not superseded:  # no unit came in more than one file: every row is the latest
        latest = "SELECT * EXCLUDE (_file_idx) FROM _final"
    total = con.execute("SELECT count(*) FROM _typed").fetchone()[0]
    dropped = 0
    if unit != key and superseded:
        dropped = con.execute(f"""SELECT count(*) FROM _final f JOIN _superseded s ON {_same('f', 's', unit)}
            WHERE f._file_idx < s._latest AND NOT EXISTS (SELECT 1 FROM _final g
                WHERE g._file_idx = s._latest AND {_same('g', 'f', key)})""").fetchone()[0]
    table = f"{RAW_SCHEMA}.{entity.name}"
    exists = con.execute("SELECT count(*) FROM duckdb_tables() WHERE schema_name = ? AND table_name = ? "
                         "AND NOT temporary", [RAW_SCHEMA, entity.name]).fetchone()[0]
    before = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] if exists else None
    if append and unit != key and con.execute(f"""SELECT count(*) FROM {table} r
            WHERE EXISTS (SELECT 1 FROM _final n WHERE {_same('r', 'n', unit)})
              AND NOT EXISTS (SELECT 1 FROM _final n WHERE {_same('r', 'n', key)})""").fetchone()[0]:
        # An amendment that drops loaded rows: the incremental wage models only recompute the
        # keys new rows touch, so the table is rebuilt from every file (it equals the append).
        return REBUILD
    con.begin()
    try:
        if append:  # the new files come after every loaded one: their units replace loaded rows
            replaced = con.execute(f"""DELETE FROM {table} r
                USING (SELECT DISTINCT {unit_cols} FROM {units_from}) n WHERE {_same('r', 'n', unit)}""").fetchone()[0]
            inserted = con.execute(f"INSERT INTO {table} BY NAME {latest}").fetchone()[0]
            result.rows_replaced = replaced + total - inserted
        else:
            con.execute(f"CREATE OR REPLACE TABLE {table} AS {latest}")
        after = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        max_share, accepted = shrink
        if before and after < before * (1 - max_share):
            if not accepted:
                con.rollback()
                result.rows_loaded = before
                _block_shrink(entity, result, before, after, max_share, log)
                return SHRINK_BLOCKED
            log(f"{entity.name}: raw.{entity.name} shrinks from {before:,} to {after:,} rows "
                f"({(before - after) / before:.0%}): accepted for this run (O4O_ACCEPT_SHRINK / --accept-shrink)")
        con.commit()
    except BaseException:
        try:
            con.rollback()
        except duckdb.Error:  # no transaction left to roll back
            pass
        raise
    result.rows_loaded = after
    if not append:
        result.rows_replaced = total - after
    result.rows_dropped_by_amendments = dropped
    if result.rows_replaced:
        log(f"{entity.name}: {result.rows_replaced:,} rows of earlier deliveries replaced by later ones"
            + (f" ({dropped:,} of them absent from the later delivery of their "
               f"{', '.join(unit)}: dropped, not kept beside it)" if unit != key else ""))
    return WRITTEN


def _block_shrink(entity: Entity, result: EntityLoad, before: int, after: int, max_share: float, log: Log) -> None:
    """The volume rule's refusal: one error per file of this load, naming the counts."""
    read = [f for f in result.files if f["status"] == "loaded"]
    newest = max((f["loaded_at"] for f in read), default=None)
    files = [f["source_file"] for f in read if f["loaded_at"] == newest]  # the latest delivery
    rule = (f"{SHRINK_RULE} (this delivery would shrink raw.{entity.name} from {before:,} to {after:,} rows "
            f"(-{(before - after) / before:.0%}), more than the {max_share:.0%} a delivery may remove "
            f"(O4O_MAX_SHRINK_SHARE): raw.{entity.name} was left as it was. A header-only or partial export? "
            f"Deliver the full file; if the drop is right, run `o4o refresh --accept-shrink {entity.name}`)")
    for f in result.files:
        if f["status"] == "loaded":
            f.update(status="blocked", message=f"volume rule: {before:,} -> {after:,} rows")
    result.problems += [Problem(f, None, None, rule) for f in files] or [
        Problem(f"{entity.feed}/{entity.name}*.csv", None, None, rule)]
    result.shrink_blocked = True
    log(f"{entity.name}: STOPPED by the volume rule: files {', '.join(files)} would shrink raw.{entity.name} "
        f"from {before:,} to {after:,} rows, more than {max_share:.0%}; raw.{entity.name} left as it was "
        f"(accept with `o4o refresh --accept-shrink {entity.name}`)")


def _logged_files(con, listing: list[list[str]]) -> list[dict]:
    """raw.load_log's record of files loaded before, in `listing` order (for the run's metadata)."""
    rows = {}
    for source, checksum in listing:
        row = con.execute(f"""SELECT source_file, checksum, size_bytes, rows_read, rows_quarantined, status, message,
            loaded_at FROM {RAW_SCHEMA}.load_log WHERE source_file = ? AND checksum = ?""", [source, checksum]).fetchone()
        if row:
            rows[(source, checksum)] = dict(zip(("source_file", "checksum", "size_bytes", "rows_read",
                                                 "rows_quarantined", "status", "message", "loaded_at"), row))
    return [rows[(s, c)] for s, c in listing if (s, c) in rows]


def _record_quarantine(con, entity: Entity, result: EntityLoad) -> None:
    rows = [(entity.name, p.source_file, p.row_number, p.column_name, p.rule, p.value, p.severity)
            for p in result.problems if not p.in_quarantine]
    if rows:
        con.executemany(f"INSERT INTO {RAW_SCHEMA}.quarantine VALUES (?, ?, ?, ?, ?, ?, ?)", rows)


def _finish(con, entity: Entity, result: EntityLoad) -> None:
    _record_quarantine(con, entity, result)
    for f in result.files:
        con.execute(f"""INSERT INTO {RAW_SCHEMA}.load_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (source_file, checksum) DO UPDATE SET rows_read = excluded.rows_read,
            rows_quarantined = excluded.rows_quarantined, status = excluded.status, message = excluded.message""",
                    [entity.name, f["source_file"], f["checksum"], f["size_bytes"], f["rows_read"],
                     f["rows_quarantined"], f["status"], f["message"], f["loaded_at"]])
