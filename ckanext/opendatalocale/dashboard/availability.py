"""Indicator I9, resource availability: the share of a collectivité's public resource links
that answered at their last check, from the link checker's table (no CKAN import)."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from ckanext.opendatalocale.linkcheck import store as checks_store
from ckanext.opendatalocale.linkcheck.checker import is_checkable

from ckanext.opendatalocale.publications.facts import DatasetFacts, iso

from .indicators import ratio

# Broken links listed per collectivité in its snapshot (the count is always exact).
MAX_BROKEN_ROWS = 50


def fetch_checks(conn: sa.engine.Connection, datasets: Iterable[DatasetFacts]) -> dict[str, dict[str, Any]] | None:
    """``{resource_id: check row}`` for the datasets' links; None when the link checker's
    table does not exist (plugin not enabled)."""
    if not checks_store.table_exists(conn):
        return None
    ids = sorted({r.id for d in datasets for r in d.resources if is_checkable(r.url)})
    return checks_store.load(conn, ids)


def availability(datasets: Sequence[DatasetFacts], checks: Mapping[str, Mapping[str, Any]] | None) -> dict[str, Any]:
    """I9 over the public datasets' http(s) links, each resource once: ``num`` available of
    ``den`` checked, the broken ones with their last error, and the check dates."""
    if checks is None:
        return {"enabled": False}
    links: dict[str, tuple[DatasetFacts, Any]] = {}
    for dataset in datasets:
        if dataset.private:
            continue
        for resource in dataset.resources:
            if is_checkable(resource.url):
                links.setdefault(resource.id, (dataset, resource))
    checked, broken, dates = 0, [], []
    for resource_id, (dataset, resource) in sorted(links.items(), key=lambda item: (item[1][0].name, item[0])):
        row = checks.get(resource_id)
        if not row or row.get("ok") is None or row.get("url") != resource.url:
            continue  # never checked, or checked before the URL changed
        checked += 1
        dates.append(row["checked_at"])
        if not row["ok"]:
            broken.append({"resource_id": resource_id, "dataset": dataset.name, "title": dataset.title,
                           "url": resource.url, "status": row.get("status"), "code": row.get("code"),
                           "message": row.get("message"), "checked_at": iso(row["checked_at"]),
                           "last_success": iso(row.get("last_success")),
                           "failures": int(row.get("failures") or 0)})
    return {"enabled": True, **ratio(checked - len(broken), checked), "links": len(links),
            "unchecked": len(links) - checked, "broken": len(broken), "broken_links": broken[:MAX_BROKEN_ROWS],
            "oldest_check": iso(min(dates)) if dates else None, "last_check": iso(max(dates)) if dates else None}


def check_age_days(result: Mapping[str, Any], now: dt.datetime) -> int | None:
    """Days since the oldest of the checks behind the figure."""
    oldest = result.get("oldest_check")
    return (now - dt.datetime.fromisoformat(oldest)).days if oldest else None
