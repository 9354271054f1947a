"""Writes feed files exactly as the contract describes them.

UTF-8 without BOM, ``\\n`` line endings, a header row with the contract's column
names in the contract's order, ``"`` quoting only for values that need it, empty
fields for missing values.  Columns arrive as Arrow arrays already formatted (text,
integers or dates), so the bytes written depend only on the values.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from pathlib import Path
from typing import Callable

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

# Feed layout: entity -> folder under the output directory.
FEED_FOLDERS = {
    "providers": "providers",
    "programs": "providers",
    "training_records": "providers",
    "participants": "job_center",
    "participation": "job_center",
    "services": "job_center",
    "wage_records": "labor_market",
    "supplemental_wages": "labor_market",
    "laus": "labor_market",
    "oews": "labor_market",
    "ui_claims": "labor_market",
}

_NEEDS_QUOTES = r'[",\r\n]'


def _needs_quoting(table: pa.Table) -> bool:
    for column in table.columns:
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            if pc.any(pc.match_substring_regex(column, _NEEDS_QUOTES)).as_py():
                return True
    return False


def _write_with_csv_module(table: pa.Table, fh) -> None:
    """Fallback for tables holding commas or quotes: minimal quoting, same formatting."""
    text_columns = [pc.cast(c, pa.string()).to_pylist() for c in table.columns]
    writer = csv.writer(fh, quoting=csv.QUOTE_MINIMAL, lineterminator="\n")
    writer.writerows(zip(*[[("" if v is None else v) for v in col] for col in text_columns]))


class FeedWriter:
    """Writes entity files under ``out_dir`` and keeps the summary of what was written."""

    def __init__(self, out_dir: Path, progress: Callable[[str], None] | None = None):
        self.out_dir = Path(out_dir)
        self.progress = progress or (lambda message: None)
        self.rows: dict[str, int] = defaultdict(int)
        self.files: list[str] = []

    def write(self, entity: str, columns: dict[str, pa.Array], file_stem: str | None = None) -> Path:
        """Write one file of ``entity``; ``columns`` maps contract column name -> values."""
        folder = self.out_dir / FEED_FOLDERS[entity]
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{file_stem or entity}.csv"
        table = pa.table(columns)
        header = ",".join(table.column_names) + "\n"
        with open(path, "wb") as fh:
            fh.write(header.encode("utf-8"))
            if _needs_quoting(table):
                text = io.TextIOWrapper(fh, encoding="utf-8", newline="")
                _write_with_csv_module(table, text)
                text.flush()
                text.detach()
            else:
                pacsv.write_csv(
                    table,
                    fh,
                    pacsv.WriteOptions(include_header=False, quoting_style="none", batch_size=65_536),
                )
        self.rows[entity] += table.num_rows
        relative = path.relative_to(self.out_dir).as_posix()
        self.files.append(relative)
        self.progress(f"{relative}: {table.num_rows:,} rows")
        return path

    def summary(self) -> dict:
        return {"rows": dict(self.rows), "files": list(self.files)}
