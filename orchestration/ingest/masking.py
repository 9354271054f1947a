"""How the loader shows a value it cannot keep in clear: in raw.quarantine, log lines and
Dagster metadata, and file names wherever they are written.

- a value of a PII column (SSN, name, birth date) is never shown, only its length;
- a value in a file about a person (one with PII columns: participants, training_records,
  wage_records) is shown by shape only: digits as 9, upper-case letters as X, other
  letters as x (`Jane Doe 1937-02-11` -> `Xxxx Xxx 9999-99-99`): the shape says what is
  wrong (a name where a code belongs) without saying whose;
- anywhere else, every SSN-shaped run (ssn.py) is replaced by `***-**-****`.

File names are partner-supplied free text (`training_records_fix_Jane_Doe_899-41-7741.csv`):
`file_label` keeps digits and a short list of words that delivery names are made of
(entity names, `q`, `amended`, `corrected`, ...) and shows every other word by shape, SSN
shapes masked. The label is what o4o stores and shows for the file everywhere.
"""

from __future__ import annotations

import re

from .ssn import SSN_SHAPE, SSN_SHAPE_SQL

MASKED_SSN = "***-**-****"

# Words a delivery's file name may show as they are (lower case; one-letter runs are
# always kept: `q1`, `2024b`). Anything else - a person's name, a city - is shown by shape.
FILE_NAME_WORDS = frozenset("""
    csv txt providers programs training records participants participation services wage wages supplemental labor market
    laus oews ui claims job center amended amendment corrected correction corrections correct fix fixed revised
    revision resent resend resubmission resubmitted replacement replaces update updated final draft copy part
    extra full partial delta incremental backfill new old late bad test latin utf export extract data file
    batch run week month year quarter annual monthly weekly quarterly of and to from
""".split())
_LETTERS = re.compile(r"[^\W\d_]+")


def mask_ssn_shapes(text: str) -> str:
    return SSN_SHAPE.sub(MASKED_SSN, text)


def mask_ssn_shapes_sql(expr: str) -> str:
    """SQL: `expr` with every SSN-shaped run masked. RE2 cannot look around, so the pattern
    takes a neighbouring non-digit along; a second pass catches SSNs whose neighbour the
    first pass took (two SSNs one character apart)."""
    once = f"regexp_replace({expr}, '{SSN_SHAPE_SQL}', '\\1{MASKED_SSN}\\2', 'g')"
    return f"regexp_replace({once}, '{SSN_SHAPE_SQL}', '\\1{MASKED_SSN}\\2', 'g')"


def shape(text: str) -> str:
    """`Jane Doe 899-41-7741` -> `Xxxx Xxx 999-99-9999`."""
    return "".join("9" if c.isdigit() else ("X" if c.isupper() else "x") if c.isalpha() else c for c in text)


def shape_sql(expr: str) -> str:
    upper = f"regexp_replace({expr}, '[\\p{{Lu}}\\p{{Lt}}]', 'X', 'g')"
    letters = f"regexp_replace({upper}, '[\\p{{Ll}}\\p{{Lm}}\\p{{Lo}}]', 'x', 'g')"
    return f"regexp_replace({letters}, '\\p{{Nd}}', '9', 'g')"


def file_label(name: str) -> str:
    """A landing file's name (or `feed/name`) as o4o stores and shows it: digits and delivery
    words kept, other words by shape, SSN shapes masked. Idempotent."""
    masked = mask_ssn_shapes(name)
    return _LETTERS.sub(lambda m: m.group() if len(m.group()) == 1 or m.group().lower() in FILE_NAME_WORDS
                        else shape(m.group()), masked)
