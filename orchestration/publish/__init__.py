"""What BI users get from each publish besides the DuckDB file: the HTML outcomes report and,
when O4O_PUBLISH_POSTGRES_URL is set, the same marts in PostgreSQL.

Both are made from the published (audited) file, after it was swapped in, so they can never
show anything the gates did not pass. In a refresh they are the assets `outcomes_report` and
`postgres_mart` (orchestration/assets/published_mart.py); `publish_bi_outputs` brings both in line
with the mart after `o4o rollback`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the modules load Altair and psycopg: import them only when a publish needs them
    from .postgres import PostgresPublishResult


class BiPublishError(RuntimeError):
    """The DuckDB mart was published, but a BI output (report or PostgreSQL) could not follow it."""


@dataclass
class BiOutputs:
    report: Path
    postgres: PostgresPublishResult | None


def publish_bi_outputs(publish_path: Path, postgres_url: str | None,
                       log: Callable[[str], None] = print, agreement=None) -> BiOutputs:
    """Write the report beside the mart and, if configured, load PostgreSQL; raise if either failed."""
    from .postgres import publish_to_postgres
    from .outcomes_report import report_path, write_report

    errors: list[str] = []
    report, postgres = report_path(publish_path), None
    try:
        write_report(publish_path, report)
        log(f"wrote the outcomes report to {report}")
    except Exception as exc:  # keep going: PostgreSQL should still follow the mart
        errors.append(f"outcomes report not written: {type(exc).__name__}: {exc}")
    if postgres_url:
        try:
            postgres = publish_to_postgres(publish_path, postgres_url, agreement=agreement)
            log(f"published {len(postgres.tables)} tables to PostgreSQL {postgres.target} (schema marts)")
        except Exception as exc:
            errors.append(str(exc))
    if errors:
        raise BiPublishError(f"the mart was published at {publish_path}, but: " + "; ".join(errors))
    return BiOutputs(report, postgres)
