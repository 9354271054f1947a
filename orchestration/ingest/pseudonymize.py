"""Pseudonymization: identifiers become keyed hashes before anything is written.

participant_key = HMAC-SHA-256(O4O_PII_KEY, identity), where identity is
`ssn:<9 digits>` when the person has an SSN, else `name:<FIRST>|<LAST>|<YYYY-MM-DD>`
(names upper-cased, accents stripped, letters only). Both forms are kept as
`ssn_key` and `name_dob_key` so records can be linked the way mart.md says: by SSN
when both sides carry one, else by name and birth date.

Hashing runs in Python over the *distinct* identities only (about one per person),
then joins back in DuckDB, so 20M wage rows cost one hash per worker, not per row.
"""

from __future__ import annotations

import hashlib
import hmac

import duckdb
import pyarrow as pa


def normalized_name_sql(expr: str) -> str:
    return f"regexp_replace(upper(strip_accents({expr})), '[^A-Z]', '', 'g')"


def ssn_identity_sql(ssn_digits: str) -> str:
    return f"('ssn:' || {ssn_digits})"


def name_identity_sql(first: str, last: str, birth_date: str) -> str:
    return (f"('name:' || {normalized_name_sql(first)} || '|' || {normalized_name_sql(last)}"
            f" || '|' || strftime({birth_date}, '%Y-%m-%d'))")


def keyed_hash(key: bytes, identity: str) -> str:
    return hmac.new(key, identity.encode("utf-8"), hashlib.sha256).hexdigest()


def register_pseudonyms(con: duckdb.DuckDBPyConnection, identities_sql: str, key: bytes,
                        table: str = "_pseudonyms") -> int:
    """Create temp table `table(identity, pseudonym)` for the identities the query yields."""
    identities = con.execute(f"SELECT DISTINCT identity FROM ({identities_sql}) WHERE identity IS NOT NULL"
                             ).fetchnumpy()["identity"].tolist()
    base = hmac.new(key, digestmod=hashlib.sha256)

    def digest(identity: str) -> str:
        h = base.copy()
        h.update(identity.encode("utf-8"))
        return h.hexdigest()

    mapping = pa.table({"identity": pa.array(identities, pa.string()),
                        "pseudonym": pa.array([digest(i) for i in identities], pa.string())})
    con.register("_pseudonym_arrow", mapping)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT * FROM _pseudonym_arrow")
    con.unregister("_pseudonym_arrow")
    return len(identities)


# An individual_id that is an SSN (PIRL 100 forbids it) is replaced by this prefix and a
# keyed hash written in letters only, so the pseudonym itself can never look like an SSN.
# The loader reports each such row as an error; a raw suite can test the prefix too.
SSN_SHAPED_ID_PREFIX = "ssn-shaped-id:"
_HEX_AS_LETTERS = str.maketrans("0123456789abcdef", "abcdefghijklmnop")


def ssn_shaped_id(key: bytes, value: str) -> str:
    """The pseudonym of an SSN-shaped identifier: the same for `899-41-7730`, `899 41 7730`
    and `899417730`, so participants and participation still join."""
    normalized = value.replace("-", "").replace(" ", "")
    return SSN_SHAPED_ID_PREFIX + keyed_hash(key, "individual_id:" + normalized)[:16].translate(_HEX_AS_LETTERS)


def register_id_pseudonyms(con: duckdb.DuckDBPyConnection, values_sql: str, key: bytes, table: str) -> int:
    """Create temp table `table(_ssn_shaped_value, _ssn_shaped_pseudonym)` for the SSN-shaped
    identifiers the query (one column, `value`) yields; the names cannot clash with a feed's."""
    values = con.execute(f"SELECT DISTINCT value FROM ({values_sql}) WHERE value IS NOT NULL"
                         ).fetchnumpy()["value"].tolist()
    mapping = pa.table({"_ssn_shaped_value": pa.array(values, pa.string()),
                        "_ssn_shaped_pseudonym": pa.array([ssn_shaped_id(key, v) for v in values], pa.string())})
    con.register("_id_pseudonym_arrow", mapping)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT * FROM _id_pseudonym_arrow")
    con.unregister("_id_pseudonym_arrow")
    return len(values)
