"""What a gate may show of a value: never an SSN, and for people's records only its shape.

Gate samples, failure text, Dagster metadata, the validation report and the `raw.quarantine`
rows the gates write all pass through here (feeds.md and mart.md, Privacy; issue 14).
"""

from __future__ import annotations

from ..ingest.masking import MASKED_SSN, mask_ssn_shapes, shape

SSN_MASK = MASKED_SSN  # one mask and one SSN shape for the loader and the gates (ingest/ssn.py)


def mask_ssn(value):
    """`value` with every SSN-shaped part replaced by ***-**-****; other values unchanged
    (a list is masked item by item)."""
    if isinstance(value, (list, tuple)):
        return [mask_ssn(v) for v in value]
    if value is None or isinstance(value, bool):
        return value
    text = str(value)
    masked = mask_ssn_shapes(text)
    return value if masked == text else masked


def mask_shape(value):
    """The shape of a value without the value: digits as 9, letters as x/X
    (`123-45-6789` -> `999-99-9999`, `Ann Lee` -> `Xxx Xxx`, 899417728 -> `999999999`)."""
    if isinstance(value, (list, tuple)):
        return [mask_shape(v) for v in value]
    if value is None or isinstance(value, bool):
        return value
    return shape(str(value))


def masker(by_shape: bool):
    """mask_shape for the records of people (and the PII scans), else mask_ssn."""
    return mask_shape if by_shape else mask_ssn
