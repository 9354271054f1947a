"""File-level refusals that say what is really wrong with a landing file, in the words of
the person who exported it: an Excel workbook or zip saved under a `.csv` name, an empty
file, a line too long to be a CSV row. No message ever echoes the file's content.

Lines are numbered as o4o numbers rows: the header is line 1.
"""

from __future__ import annotations

from pathlib import Path

# DuckDB's read_csv refuses a row longer than this (its `max_line_size` default).
MAX_LINE_BYTES = 2_000_000
_SNIFF_BYTES = 64 * 1024
SAVE_AS_CSV = "open it in Excel (or the tool that made it) and save it as \"CSV UTF-8 (Comma delimited)\""

# Leading bytes of formats that are not text, and what to call them.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an Excel 97-2003 workbook (.xls) or another old Office file"),
    (b"\x1f\x8b", "a gzip-compressed file"),
    (b"%PDF", "a PDF document"),
    (b"\xff\xfe", "UTF-16 text (Excel's \"Unicode Text\")"),
    (b"\xfe\xff", "UTF-16 text (big-endian)"),
)


def _zip_kind(head: bytes) -> str:
    if b"xl/" in head or b"xl\\" in head:
        return "an Excel workbook (.xlsx)"
    if b"word/" in head:
        return "a Word document (.docx)"
    if b"content.xml" in head and b"opendocument" in head:
        return "an OpenDocument file (.ods)"
    return "a zip archive"


def not_csv_refusal(path: Path) -> str | None:
    """The rule a file breaks before it is even read as CSV, or None."""
    size = path.stat().st_size
    if size == 0:
        return "file:empty (the file is 0 bytes: no header, no rows; was the export interrupted? deliver it again)"
    with path.open("rb") as f:
        head = f.read(_SNIFF_BYTES)
    kind = None
    if head.startswith(b"PK\x03\x04"):
        kind = _zip_kind(head)
    else:
        kind = next((name for magic, name in _MAGIC if head.startswith(magic)), None)
    if kind is None and b"\x00" in head:
        kind = "a binary file"
    if kind:
        return f"file:not_csv (this is {kind}, not CSV: {SAVE_AS_CSV}, then deliver the .csv)"
    return None


def long_row_refusal(path: Path, limit: int = MAX_LINE_BYTES) -> str:
    """Where the first row longer than `limit` bytes starts (a quoted field may span lines, so
    rows are followed by their quotes), and why that is refused."""
    line = start = row_bytes = 0
    in_quotes = False
    with path.open("rb") as f:
        for raw in f:
            line += 1
            if not in_quotes:
                start, row_bytes = line, 0
            row_bytes += len(raw)
            in_quotes ^= raw.count(b'"') % 2 == 1
            if row_bytes > limit:
                spans = "" if start == line and not in_quotes else " (a quoted field that never closes runs on from there)"
                return (f"csv:row_too_long (the row starting on line {start} is more than {limit / 1e6:g} MB long"
                        f"{spans}: no CSV row of this feed is that long - check for a missing closing quote or "
                        f"a file that is not this feed's CSV; {SAVE_AS_CSV})")
    return (f"csv:row_too_long (a row is more than {limit / 1e6:g} MB long: check for a missing closing quote; "
            f"{SAVE_AS_CSV})")
