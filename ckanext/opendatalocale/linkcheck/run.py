"""One link-check run over a set of resources (no CKAN import: the CLI, the job and the
benchmark call it the same way)."""
from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

import sqlalchemy as sa

from ckanext.opendatalocale.http import HttpClient
from ckanext.opendatalocale.publications.reader import fetch_datasets

from . import store
from .checker import check_many

COMMIT_EVERY = 200


def territory_resources(conn: sa.engine.Connection, territory: dict[str, Any]) -> list[tuple[str, str, str]]:
    """``(resource_id, package_id, url)`` of every dataset linked to the territory's
    collectivités (the shared reader, so the link checker and the dashboard see the same resources)."""
    from ckanext.opendatalocale.territories import store as territories

    sirens = [record.siren for record in territories.territory_reference(conn, territory["rules"])]
    found: dict[str, tuple[str, str, str]] = {}
    for datasets in fetch_datasets(conn, sirens).values():
        for dataset in datasets:
            for resource in dataset.resources:
                found[resource.id] = (resource.id, dataset.id, resource.url)
    return sorted(found.values())


def check_resources(conn: sa.engine.Connection, client: HttpClient, resources: Iterable[tuple[str, str, str]],
                    *, workers: int = 8, force: bool = False, now: dt.datetime | None = None,
                    commit: Callable[[], sa.engine.Connection | None] = lambda: None) -> dict[str, int]:
    """Check the links among ``resources`` and store each outcome; returns counts by result
    (ok, not_modified, broken, deferred) and how many waited for a server's Retry-After.
    ``commit`` runs every few hundred outcomes and may return the connection to go on with
    (a session's connection does not survive its commit)."""
    now = now or dt.datetime.utcnow()
    targets, packages, waiting = store.targets(conn, resources, now, force)
    counts: Counter = Counter({"ok": 0, "not_modified": 0, "broken": 0, "deferred": 0})
    counts["waiting"] = waiting
    for done, outcome in enumerate(check_many(client, targets, workers), 1):
        store.record(conn, outcome, packages[outcome.resource_id])
        if outcome.deferred or outcome.code == "rate_limited":
            counts["deferred"] += 1
        elif outcome.ok:
            counts[outcome.code] += 1
        else:
            counts["broken"] += 1
        if done % COMMIT_EVERY == 0:
            conn = commit() or conn
    commit()
    counts["checked"] = len(targets)
    return dict(counts)
