"""Figures of a territory, read from the consolidation store and cached. Works on any
SQLAlchemy connection (no CKAN import): the pages, the actions, the CLI and the bench share it.

Pages never compute on the rows when a cache is warm: the key is the store summary's last
runs, the territory's rules and the set of hidden (private or deleted) datasets, so a new
consolidation run, a changed territory or a dataset going private gives new figures."""
from __future__ import annotations

import gzip
import hashlib
import json
import threading
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from ckanext.opendatalocale.territories import store as territories

from . import compare, compute
from .definitions import INDICATORS


def _consolidation():
    from ckanext.opendatalocale.consolidation import store

    return store


def hidden_datasets(conn: sa.engine.Connection) -> frozenset[str]:
    """Datasets that must not count: private, deleted or draft."""
    rows = conn.execute(sa.text("SELECT id FROM package WHERE private OR state <> 'active'"))
    return frozenset(row[0] for row in rows)


def _jsonable(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_jsonable(v) for v in value]
    return value


def fingerprint(territory: Mapping[str, Any], summary: list[dict[str, Any]], hidden: frozenset[str]) -> str:
    basis = {"format": compute.FORMAT, "rules": territory.get("rules"),
             "modified": territory.get("modified"),
             "runs": sorted((str(s.get("schema_name")), s.get("last_run")) for s in summary),
             "hidden": sorted(hidden)}
    return hashlib.sha1(json.dumps(_jsonable(basis), sort_keys=True).encode()).hexdigest()[:16]


class FiguresCache:
    """Computed figures in process memory, backed by Redis when one is given (shared by the
    web workers and filled by the CLI after a consolidation run)."""

    def __init__(self, redis: Any = None, prefix: str = "odl:observatory", ttl: int = 30 * 86400):
        self.redis, self.prefix, self.ttl = redis, prefix, ttl
        self._memory: dict[str, tuple[str, Any]] = {}
        self._lock = threading.Lock()

    def get(self, name: str, key: str) -> Any:
        held = self._memory.get(name)
        if held and held[0] == key:
            return held[1]
        if self.redis is not None:
            raw = self.redis.get(f"{self.prefix}:{name}:{key}")
            if raw:
                value = json.loads(gzip.decompress(raw))
                with self._lock:
                    self._memory[name] = (key, value)
                return value
        return None

    def put(self, name: str, key: str, value: Any) -> None:
        with self._lock:
            self._memory[name] = (key, value)
        if self.redis is not None:
            self.redis.set(f"{self.prefix}:{name}:{key}", gzip.compress(json.dumps(value).encode(), 5), ex=self.ttl)

    def clear(self) -> None:
        with self._lock:
            self._memory.clear()


def compute_territory(conn: sa.engine.Connection, territory: Mapping[str, Any], summary: list[dict[str, Any]],
                      hidden: frozenset[str]) -> dict[str, Any]:
    store = _consolidation()
    reference = territories.territory_reference(conn, territory["rules"])
    present = {s.get("schema_name") for s in summary}
    rows = {i.schema: store.rows(conn, territory["slug"], i.schema) for i in INDICATORS if i.schema in present}
    figures = compute.territory_figures(reference, rows, summary, hidden)
    return _jsonable(figures)


def _summary(conn: sa.engine.Connection, slug: str) -> list[dict[str, Any]]:
    return [dict(entry) for entry in _consolidation().summary(conn, slug)]


def territory_figures(conn: sa.engine.Connection, territory: Mapping[str, Any], cache: FiguresCache,
                      hidden: frozenset[str] | None = None) -> dict[str, Any]:
    """The territory's figures, from the cache when the consolidation has not run since."""
    hidden = hidden_datasets(conn) if hidden is None else hidden
    summary = _summary(conn, territory["slug"])
    key = fingerprint(territory, summary, hidden)
    figures = cache.get(f"territory:{territory['slug']}", key)
    if figures is None:
        figures = compute_territory(conn, territory, summary, hidden)
        figures["fingerprint"] = key
        cache.put(f"territory:{territory['slug']}", key, figures)
    return figures


def portal(conn: sa.engine.Connection, cache: FiguresCache,
           hidden: frozenset[str] | None = None) -> dict[str, Any]:
    """Every territory's figures and the portal-wide index of headline values."""
    hidden = hidden_datasets(conn) if hidden is None else hidden
    every = {t["slug"]: territory_figures(conn, t, cache, hidden) for t in territories.list_territories(conn)}
    key = hashlib.sha1(",".join(f"{s}={f['fingerprint']}" for s, f in sorted(every.items())).encode()).hexdigest()
    index = cache.get("portal", key)
    if index is None:
        index = compare.portal_index(every.values())
        cache.put("portal", key, index)
    return {"territories": every, "index": index}
