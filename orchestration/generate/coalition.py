"""An example data-sharing agreement for generated feeds (`o4o generate --coalition N`).

The generated state's local areas are dealt out to N boards in turn (board_a, board_b, ...);
each board gets its own people's records and everyone's aggregates, as docs/coalition.md's
example agreement does. Written beside the feeds, never read by the loader.
"""

from __future__ import annotations

import string
from pathlib import Path

import yaml

from ..coalition.sharing import mart_model_columns, person_tables

AGREEMENT_FILE = "coalition.yml"


def example_agreement(lwdas: list[tuple[str, str]], members: int) -> dict:
    """The agreement as a mapping: `lwdas` is [(lwda_code, lwda_name)], dealt out to `members` boards."""
    if not 2 <= members <= min(len(lwdas), 26):
        raise ValueError(f"a coalition here has 2 to {min(len(lwdas), 26)} members (one local area each at least), "
                         f"not {members}")
    columns = mart_model_columns()
    person = person_tables(columns)
    boards = []
    for i in range(members):
        owned = lwdas[i::members]
        boards.append({"id": f"board_{string.ascii_lowercase[i]}",
                       "name": f"Workforce Board {string.ascii_uppercase[i]} ({'; '.join(n for _, n in owned)})",
                       "lwda_codes": [c for c, _ in owned]})
    return {
        "version": 1,
        "agreement": f"Example {members}-board data-sharing agreement (synthetic data)",
        "purpose": "Evaluate which training programs lead to work, for whom and at what cost (WIOA sec. 116).",
        "retention": "Record-level data kept while the agreement is in force; members delete their files within "
                     "30 days of leaving.",
        "members": boards,
        "tables": {t: ("record" if t in person else "aggregate") for t in sorted(columns)},
    }


def write_example_agreement(out_dir: Path, lwdas: list[tuple[str, str]], members: int) -> Path:
    path = Path(out_dir) / AGREEMENT_FILE
    path.write_text("# o4o data-sharing agreement (docs/coalition.md); use with O4O_COALITION_FILE\n"
                    + yaml.safe_dump(example_agreement(lwdas, members), sort_keys=False, allow_unicode=True),
                    encoding="utf-8")
    return path
