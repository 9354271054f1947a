"""Are two published marts the same, and does the pandas peer agree with one?

Used by the benchmark (incremental refresh = full refresh; peer = mart) and by
tests/test_incremental.py. Both comparisons run in DuckDB or on the small report, so
they work at 1M participants.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

MARTS = "marts"
# Tables describing the publish itself, not the data: when it ran, which run, and when each
# feed file was *first* loaded (an incremental refresh keeps the older times). Compared
# without those columns.
RUN_COLUMNS = {"publish_metadata": None, "publish_feed_files": ["loaded_at"], "publish_checks": ["validation_seconds"]}

PEER_KEYS = ["exit_program_year", "funding_stream", "lwda_code", "indicator"]
RATE_TOLERANCE = 1e-12
MEDIAN_TOLERANCE = 0.005 + 1e-6  # dollars: the mart publishes medians rounded to cents (macro money),
# the peer its exact median, so they agree within half a cent (plus float noise)


def _tables(con, catalog: str) -> dict[str, list[str]]:
    rows = con.execute("""SELECT table_name, column_name FROM information_schema.columns
        WHERE table_catalog = ? AND table_schema = ? ORDER BY table_name, ordinal_position""",
                       [catalog, MARTS]).fetchall()
    tables: dict[str, list[str]] = {}
    for table, column in rows:
        tables.setdefault(table, []).append(column)
    return tables


def mart_differences(a: Path, b: Path) -> list[str]:
    """Every table of `marts` in `a` and `b` holds the same rows (as multisets, every column),
    except the run-specific columns in RUN_COLUMNS. [] when identical; else one line per problem."""
    problems = []
    with duckdb.connect() as con:
        con.execute(f"ATTACH '{a}' AS a (READ_ONLY)")
        con.execute(f"ATTACH '{b}' AS b (READ_ONLY)")
        ta, tb = _tables(con, "a"), _tables(con, "b")
        for name in sorted(set(ta) | set(tb)):
            if name not in ta or name not in tb:
                problems.append(f"{name}: only in {'a' if name in ta else 'b'}")
                continue
            if ta[name] != tb[name]:
                problems.append(f"{name}: columns differ: {ta[name]} vs {tb[name]}")
                continue
            skip = RUN_COLUMNS.get(name, [])
            if skip is None:
                continue
            cols = ", ".join(f'"{c}"' for c in ta[name] if c not in skip)
            for x, y in (("a", "b"), ("b", "a")):
                n = con.execute(f"SELECT count(*) FROM (SELECT {cols} FROM {x}.{MARTS}.{name} "
                                f"EXCEPT ALL SELECT {cols} FROM {y}.{MARTS}.{name})").fetchone()[0]
                if n:
                    problems.append(f"{name}: {n} row(s) in {x} not in {y}")
    return problems


def _numbers(values: pd.Series) -> np.ndarray:
    return pd.to_numeric(values.astype("Float64"), errors="raise").astype("float64").to_numpy()


def _same(a: pd.Series, b: pd.Series, tolerance) -> np.ndarray:
    x, y = _numbers(a), _numbers(b)
    with np.errstate(invalid="ignore"):
        return (np.isnan(x) & np.isnan(y)) | (np.abs(x - y) <= tolerance)


def peer_differences(mart_path: Path, peer: pd.DataFrame) -> list[str]:
    """rpt_wioa_performance of the published mart against the peer's table: the same keys;
    every cell the peer suppresses (primary suppression) suppressed in the mart too; a cell the
    mart shows has the peer's counts, its rate to 1e-12 and its median to half a cent (the
    mart rounds money to cents); a cell the mart suppresses (it may withhold more: complementary suppression)
    shows no numerator or value, and the peer's denominator unless withheld (median, retention)."""
    with duckdb.connect(str(mart_path), read_only=True) as con:
        mart = con.execute(f"SELECT * FROM {MARTS}.rpt_wioa_performance").df()
    peer = peer.astype({"exit_program_year": "int64", "funding_stream": str, "lwda_code": str, "indicator": str})
    mart = mart.astype({"exit_program_year": "int64", "funding_stream": str, "lwda_code": str, "indicator": str})
    merged = mart.merge(peer, on=PEER_KEYS, how="outer", suffixes=("_mart", "_peer"), indicator=True)
    problems = [f"{(merged['_merge'] == side).sum()} row(s) only in the {who}"
                for side, who in (("left_only", "mart"), ("right_only", "peer")) if (merged["_merge"] == side).any()]
    both = merged[merged["_merge"] == "both"].reset_index(drop=True)
    tolerance = np.where(both["indicator"] == "median_earnings_q2", MEDIAN_TOLERANCE, RATE_TOLERANCE)
    shown = ~both["is_suppressed_mart"].astype(bool).to_numpy()
    withheld = (both["indicator"].isin(["median_earnings_q2", "retention_same_employer"])
                & both["denominator_mart"].isna()).to_numpy()
    agree = np.where(
        shown,
        _same(both["numerator_mart"], both["numerator_peer"], 0)
        & _same(both["denominator_mart"], both["denominator_peer"], 0)
        & _same(both["value_mart"], both["value_peer"], tolerance)
        & ~both["is_suppressed_peer"].astype(bool).to_numpy(),
        both["numerator_mart"].isna().to_numpy() & both["value_mart"].isna().to_numpy()
        & (_same(both["denominator_mart"], both["denominator_peer"], 0) | withheld))
    if not agree.all():
        problems.append(f"{(~agree).sum()} row(s) differ, e.g.\n"
                        + both.loc[~agree].head(5).to_string(index=False))
    return problems
