"""Social Security numbers: which ones SSA can have issued, and what looks like one.

The one owner of both rules; the loader (parse.py, loader.py), the value masking
(masking.py) and the synthetic generator use them.

**Validity** (SSA POMS RM 10201.035 "Invalid Social Security Numbers",
https://secure.ssa.gov/apps10/poms.nsf/lnx/0110201035, and RM 01340.030 "impossible SSN",
https://secure.ssa.gov/apps10/poms.nsf/lnx/0101340030): a number was never assigned when
its former area number (first 3 digits) is 000, 666 or in the 900 series, its former
group number (digits 4-5) is 00, or its former serial number (last 4) is 0000. Some structurally valid numbers are known
placeholders or published examples and never identify a person either: 078-05-1120
(printed on the sample card sold in Woolworth wallets, 1938), 219-09-9999 (SSA's own
1940 pamphlet), 123-45-6789 (the textbook example; IRS rejects it), the other
ascending/descending runs, and nine equal digits ("declined to provide" in case
management systems: 111-11-1111, 888-88-8888, ...). Such a number is treated as
missing: it must never make two people one.

**Shape**: nine digits as 3-2-4, with dashes, spaces or nothing between the groups
(`899-41-7723`, `899 41 7723`, `899417723`). A code, number or identifier *is* an SSN
when its whole value has that shape (an id like `S000001234` is not: sequential ids
often have nine digits; where nine plain digits are legitimate - UI employer account
numbers - only the written form with separators counts); free text *holds* one when such a run sits anywhere in it, not
touching other digits (`Acme Training 899-41-7725`). Either way it is treated as an SSN,
valid or not: it is never stored or shown in clear.
"""

from __future__ import annotations

import re

# Nine digits written with dashes or without: what an SSN column accepts (feeds.md).
SSN_FORMAT = r"^[0-9]{3}-?[0-9]{2}-?[0-9]{4}$"

# Never issued: area 000, 666, 900-999; group 00; serial 0000 (POMS RM 10201.035).
NEVER_ISSUED_AREAS = ("000", "666")
NEVER_ISSUED_AREA_FIRST_DIGIT = "9"
# Well-known placeholders and published examples (see the module docstring).
PLACEHOLDER_SSNS: tuple[str, ...] = (
    "078051120", "219099999", "123456789", "012345678", "234567890", "876543210",
    *(str(d) * 9 for d in range(10)),
)

# SSN shape anywhere in a text (Python); the SQL form cannot look around, so it takes the
# neighbouring non-digit into groups 1 and 2 (see masking.py for how it is replaced).
SSN_SHAPE = re.compile(r"(?<![0-9])[0-9]{3}[- ]?[0-9]{2}[- ]?[0-9]{4}(?![0-9])")
SSN_SHAPE_SQL = r"(^|[^0-9])[0-9]{3}[- ]?[0-9]{2}[- ]?[0-9]{4}([^0-9]|$)"


def digits_of(value: str) -> str:
    return re.sub(r"[^0-9]", "", value)


def is_issuable_ssn(digits: str) -> bool:
    """True when the 9 digits can be an SSA-issued number (not never-issued, not a placeholder)."""
    return (len(digits) == 9 and digits.isdigit()
            and digits[:3] not in NEVER_ISSUED_AREAS and not digits.startswith(NEVER_ISSUED_AREA_FIRST_DIGIT)
            and digits[3:5] != "00" and digits[5:] != "0000" and digits not in PLACEHOLDER_SSNS)


def issuable_ssn_sql(digits: str) -> str:
    """SQL predicate on a 9-digit text expression: the same rule as `is_issuable_ssn`."""
    placeholders = ", ".join(f"'{p}'" for p in PLACEHOLDER_SSNS)
    areas = ", ".join(f"'{a}'" for a in NEVER_ISSUED_AREAS)
    return (f"(substr({digits}, 1, 3) NOT IN ({areas}) AND substr({digits}, 1, 1) <> '{NEVER_ISSUED_AREA_FIRST_DIGIT}'"
            f" AND substr({digits}, 4, 2) <> '00' AND substr({digits}, 6, 4) <> '0000'"
            f" AND {digits} NOT IN ({placeholders}))")


# The whole value is SSN-shaped (values arrive trimmed); the written form has both separators.
SSN_VALUE = re.compile(r"[0-9]{3}[- ]?[0-9]{2}[- ]?[0-9]{4}")
SSN_VALUE_SQL = r"^[0-9]{3}[- ]?[0-9]{2}[- ]?[0-9]{4}$"
SSN_WRITTEN_SQL = r"^[0-9]{3}[- ][0-9]{2}[- ][0-9]{4}$"


def has_ssn_shape(text: str) -> bool:
    """Free text: an SSN-shaped run anywhere in it."""
    return bool(SSN_SHAPE.search(text))


def has_ssn_shape_sql(expr: str) -> str:
    return f"regexp_matches({expr}, '{SSN_SHAPE_SQL}')"


def is_ssn_shaped(value: str) -> bool:
    """A code, number or identifier: the whole (trimmed) value is SSN-shaped."""
    return bool(SSN_VALUE.fullmatch(value.strip()))


def is_ssn_shaped_sql(expr: str, written_only: bool = False) -> str:
    """`written_only`: only the 3-2-4 form with separators (a column where nine plain digits are
    legitimate, such as a UI employer account number)."""
    return f"regexp_full_match({expr}, '{SSN_WRITTEN_SQL if written_only else SSN_VALUE_SQL}')"
