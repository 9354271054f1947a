"""Vectorized formatting of generated values into the text the feed contract expects.

Every function returns a ``pyarrow`` array, so the writer never formats row by row.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

NO_DATE = np.iinfo(np.int64).min  # sentinel for "no date" in day-number arrays


def padded(numbers: np.ndarray, width: int) -> pa.Array:
    """Non-negative integers as text, left-padded with zeros to ``width``."""
    text = pc.cast(pa.array(np.asarray(numbers, dtype=np.int64)), pa.string())
    return pc.utf8_lpad(text, width=width, padding="0")


def ids(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    """Identifiers like ``P0000001``; ``width`` grows if the numbers need more digits."""
    numbers = np.asarray(numbers, dtype=np.int64)
    if numbers.size:
        width = max(width, len(str(int(numbers.max()))))
    return pc.binary_join_element_wise(prefix, padded(numbers, width), "")


def money(cents: np.ndarray) -> pa.Array:
    """Whole cents as dollars with exactly two decimals (``1234.50``)."""
    cents = np.asarray(cents, dtype=np.int64)
    if (cents < 0).any():
        raise ValueError("money must be non-negative")
    dollars = pc.cast(pa.array(cents // 100), pa.string())
    return pc.binary_join_element_wise(dollars, padded(cents % 100, 2), ".")


def to_cents(dollars: np.ndarray) -> np.ndarray:
    """Round dollar amounts to whole cents."""
    return np.rint(np.asarray(dollars, dtype=np.float64) * 100).astype(np.int64)


def dates(days: np.ndarray) -> pa.Array:
    """Day numbers as Arrow dates (written ``YYYY-MM-DD``); ``NO_DATE`` becomes empty."""
    days = np.asarray(days, dtype=np.int64)
    missing = days == NO_DATE
    return pa.array(np.where(missing, 0, days).astype(np.int32), type=pa.date32(), mask=missing)


def ints(values: np.ndarray) -> pa.Array:
    return pa.array(np.asarray(values, dtype=np.int64))


def take(labels, index: np.ndarray, missing: np.ndarray | None = None) -> pa.Array:
    """``labels[index]`` as an Arrow string array; rows flagged ``missing`` are empty."""
    dictionary = labels if isinstance(labels, pa.Array) else pa.array(list(labels), type=pa.string())
    idx = pa.array(np.asarray(index, dtype=np.int64), mask=missing)
    return dictionary.take(idx)


def ssn_text(ssn: np.ndarray, dashed: np.ndarray | None = None, missing: np.ndarray | None = None) -> pa.Array:
    """9-digit SSNs as text, ``123-45-6789`` where ``dashed``, empty where ``missing``."""
    digits = padded(ssn, 9)
    if dashed is not None and dashed.any():
        with_dashes = pc.binary_join_element_wise(
            pc.utf8_slice_codeunits(digits, 0, 3),
            pc.utf8_slice_codeunits(digits, 3, 5),
            pc.utf8_slice_codeunits(digits, 5, 9),
            "-",
        )
        digits = pc.if_else(pa.array(dashed), with_dashes, digits)
    if missing is not None and missing.any():
        digits = pc.if_else(pa.array(missing), pa.scalar(None, pa.string()), digits)
    return digits
