"""What other features may read of the conformity results, without knowing their tables.

Plain SQL over a connection (no CKAN import), for the dashboard's bulk reads.
"""
from __future__ import annotations

from typing import Sequence

import sqlalchemy as sa

RESULT_TABLE = "odl_conformity_result"

# The latest report of each resource; the cast to JSON happens after DISTINCT ON picked it.
ERROR_TYPES_SQL = f"""
SELECT latest.resource_id, doc -> 'counts' -> 'by_type' AS by_type, doc -> 'fatal' ->> 'type' AS fatal
FROM (SELECT DISTINCT ON (resource_id) resource_id, report FROM {RESULT_TABLE}
      WHERE resource_id = ANY(:ids) ORDER BY resource_id, created DESC) latest
CROSS JOIN LATERAL (SELECT CAST(latest.report AS json) AS doc) parsed
"""


def _count(value: object) -> int:
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return 0


def error_types(conn: sa.engine.Connection, ids: Sequence[str]) -> dict[str, dict[str, int]]:
    """``{resource_id: {error type: count}}`` of each resource's latest check (a failed check
    counts its fatal error type once); ``{}`` when the conformity tables do not exist."""
    if not ids or not conn.execute(sa.text(f"SELECT to_regclass('{RESULT_TABLE}') IS NOT NULL")).scalar():
        return {}
    result: dict[str, dict[str, int]] = {}
    for start in range(0, len(ids), 5000):
        for resource_id, by_type, fatal in conn.execute(sa.text(ERROR_TYPES_SQL),
                                                        {"ids": list(ids[start:start + 5000])}):
            counts = {str(k): _count(v) for k, v in (by_type or {}).items() if _count(v)}
            if fatal:
                counts[fatal] = counts.get(fatal, 0) + 1
            result[resource_id] = counts
    return result
