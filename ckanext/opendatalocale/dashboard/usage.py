"""Indicator I13, usage: views and downloads per dataset over the last 12 months, from CKAN's
``tracking`` plugin (its ``tracking_summary`` table, filled by ``ckan tracking update``).
Without the plugin the indicator says so instead of showing zeros. No CKAN import."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from ckanext.opendatalocale.publications.facts import DatasetFacts

MONTHS = 12
MAX_DATASET_ROWS = 50

# Page views are tracked per dataset page; downloads per clicked resource URL: a link's own
# URL, or CKAN's download URL of an upload (which holds the resource id).
USAGE_SQL = """
SELECT ts.package_id, to_char(ts.tracking_date, 'YYYY-MM') AS month, 'views' AS kind, sum(ts.count) AS n
FROM tracking_summary ts
WHERE ts.tracking_type = 'page' AND ts.package_id = ANY(:ids) AND ts.tracking_date >= :since
GROUP BY 1, 2
UNION ALL
SELECT r.package_id, to_char(ts.tracking_date, 'YYYY-MM'), 'downloads', sum(ts.count)
FROM tracking_summary ts
JOIN resource r ON r.state = 'active' AND r.package_id = ANY(:ids) AND (
     r.id = substring(ts.url from '/resource/([0-9a-f-]{36})/download')
     OR (r.url = ts.url AND coalesce(r.url_type, '') <> 'upload'))
WHERE ts.tracking_type = 'resource' AND ts.tracking_date >= :since
GROUP BY 1, 2
"""


def months(now: dt.datetime) -> list[str]:
    """The 12 months ending with ``now``'s, oldest first, as YYYY-MM."""
    year, month = now.year, now.month
    result = []
    for _ in range(MONTHS):
        result.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return result[::-1]


def fetch_usage(conn: sa.engine.Connection, datasets: Iterable[DatasetFacts], enabled: bool,
                now: dt.datetime) -> dict[str, dict[str, list[int]]] | None:
    """``{package_id: {month: [views, downloads]}}`` over the last 12 months; None when
    tracking is off."""
    if not enabled:
        return None
    ids = sorted({d.id for d in datasets if not d.private})
    first = dt.date.fromisoformat(months(now)[0] + "-01")
    result: dict[str, dict[str, list[int]]] = {}
    for start in range(0, len(ids), 5000):
        for package_id, month, kind, count in conn.execute(
                sa.text(USAGE_SQL), {"ids": ids[start:start + 5000], "since": first}):
            cell = result.setdefault(package_id, {}).setdefault(month, [0, 0])
            cell[0 if kind == "views" else 1] += int(count or 0)
    return result


def usage(datasets: Sequence[DatasetFacts], facts: Mapping[str, Mapping[str, Sequence[int]]] | None,
          now: dt.datetime) -> dict[str, Any]:
    """I13 of a set of public datasets (each once): totals, the monthly series and the most
    used datasets."""
    if facts is None:
        return {"enabled": False}
    span = months(now)
    series = {month: [0, 0] for month in span}
    rows, seen = [], set()
    for dataset in datasets:
        if dataset.private or dataset.id in seen:
            continue
        seen.add(dataset.id)
        views = downloads = 0
        for month, (v, d) in (facts.get(dataset.id) or {}).items():
            if month in series:
                series[month][0] += v
                series[month][1] += d
                views += v
                downloads += d
        rows.append({"name": dataset.name, "title": dataset.title, "views": views, "downloads": downloads})
    rows.sort(key=lambda r: (-r["views"] - r["downloads"], r["name"]))
    return {"enabled": True, "views": sum(v for v, _ in series.values()),
            "downloads": sum(d for _, d in series.values()),
            "months": [[month, *series[month]] for month in span], "datasets": rows[:MAX_DATASET_ROWS]}
