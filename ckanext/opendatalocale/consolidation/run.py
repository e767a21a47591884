"""One consolidation run of a territory: list its public resources per schema, read again
only those whose content key changed, store their rows, elect the rows kept, publish.

The content key of a resource is its URL, upload time, size and declared version, plus the
schema's latest version and the engine version: any change reads the resource again; a
resource read again whose bytes hash as before is not parsed again."""
from __future__ import annotations

import datetime as dt
import hashlib
import logging
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

import sqlalchemy as sa

from ckanext.opendatalocale.conformity.engine import ENGINE_VERSION
from ckanext.opendatalocale.publications.reader import fetch_datasets
from ckanext.opendatalocale.scdl.registry import Registry, UnknownSchema
from ckanext.opendatalocale.territories import store as territories

from . import store
from .carry import Reject, SourceRows, carry_plan, read_source

log = logging.getLogger(__name__)

CONSOLIDATED_EXTRA = "odl_consolidation"

RESOURCES_SQL = """
SELECT r.id, r.package_id, coalesce(r.url, '') AS url, coalesce(r.url_type, '') AS url_type,
       r.last_modified, r.size, r.format
FROM resource r WHERE r.id = ANY(:ids)
"""


@dataclass
class SetOutcome:
    """What a run did to one set: for the CLI, the publication and the tests."""

    set: dict[str, Any]
    run_id: str
    read: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed_resources: set[str] = field(default_factory=set)
    gained: set = field(default_factory=set)  # rows that took the place of a duplicate that left
    full: bool = False

    @property
    def changed(self) -> bool:
        return bool(self.read or self.removed or self.gained or self.changed_resources)


def members(conn: sa.engine.Connection, territory: dict[str, Any], registry: Registry) -> dict[str, list[dict]]:
    """``{schema name: [member]}``: the public resources declaring a known schema, each with the
    collectivité it is attributed to (the publishing organisation's SIREN first)."""

    reference = territories.territory_reference(conn, territory["rules"])
    names = {r.siren: r.name for r in reference}
    chosen: dict[str, dict[str, Any]] = {}
    for siren, datasets in fetch_datasets(conn, list(names)).items():
        for dataset in datasets:
            if dataset.private or dataset.extras.get(CONSOLIDATED_EXTRA):
                continue  # private data never enters a public set; our own output neither
            for resource in dataset.resources:
                if not resource.schema_name:
                    continue
                try:
                    name = registry.get(resource.schema_name).name
                except UnknownSchema:
                    continue
                previous = chosen.get(resource.id)
                if previous is not None and (previous["own"] or not dataset.own):
                    continue
                chosen[resource.id] = {"resource_id": resource.id, "package_id": dataset.id, "schema": name,
                                       "version": resource.schema_version or None, "siren": siren,
                                       "collectivite": names.get(siren), "own": dataset.own}
    if chosen:
        details = {r["id"]: dict(r) for r in conn.execute(sa.text(RESOURCES_SQL), {"ids": list(chosen)}).mappings()}
        for resource_id, member in chosen.items():
            member["resource"] = details[resource_id]
    by_schema: dict[str, list[dict]] = {}
    for member in chosen.values():
        by_schema.setdefault(member["schema"], []).append(member)
    return by_schema


def content_key(member: dict[str, Any], latest: str) -> str:
    resource = member["resource"]
    modified = resource["last_modified"].isoformat() if resource["last_modified"] else ""
    parts = (resource["url"], resource["url_type"], modified, str(resource["size"] or ""),
             member["version"] or "", latest, ENGINE_VERSION)
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def _failure(note: Any, plan_notes: list | None = None) -> SourceRows:
    if isinstance(note, dict) and "fr" in note:
        reason = {"fr": note["fr"], "en": note.get("en", note["fr"])}
    else:
        reason = {"fr": f"Fichier illisible : {note}", "en": f"File cannot be read: {note}"}
    return SourceRows(rejects=[Reject(None, {}, reason)], failed=True, notes=plan_notes or [])


def read_member(member: dict[str, Any], registry: Registry, previous_hash: str | None,
                limits: Any) -> tuple[SourceRows | None, str | None]:
    """The rows of one resource (None: same bytes as before) and the hash of its bytes."""
    from ckanext.opendatalocale.conformity.sources import SourceUnavailable, resource_chunks, spool

    try:
        plan = carry_plan(registry, member["schema"], member["version"])
    except UnknownSchema as exc:
        return _failure(exc.message), None
    resource = dict(member["resource"])
    try:
        data, digest, size = spool(resource_chunks(resource), limits.max_bytes)
    except SourceUnavailable as exc:
        note = exc.note if isinstance(exc.note, dict) else {"fr": f"Téléchargement impossible : {exc.note or exc.code}",
                                                           "en": f"Download failed: {exc.note or exc.code}"}
        return _failure(note, plan.notes()), None
    with data:
        if previous_hash is not None and digest == previous_hash:
            return None, digest
        return read_source(data, plan, limits), digest


def consolidate_territory(connection: Callable[[], sa.engine.Connection], territory: dict[str, Any],
                          registry: Registry, *, schemas: Iterable[str] = (), full: bool = False,
                          limits: Any = None, commit: Callable[[], None] | None = None) -> list[SetOutcome]:
    """Bring every set of the territory up to date; ``commit`` is called after each set, and
    ``connection`` gives the connection to use (a commit may close the previous one)."""
    from ckanext.opendatalocale.conformity.readers import Limits

    limits = limits or Limits()
    conn = connection()
    by_schema = members(conn, territory, registry)
    wanted = {registry.get(s).name for s in schemas} if schemas else None
    existing = {s["schema_name"] for s in store.sets_of(conn, territory["id"])}
    names = sorted((set(by_schema) | existing) if wanted is None else wanted)
    run_id = str(uuid.uuid4())
    outcomes = []
    for name in names:
        outcomes.append(consolidate_set(connection(), territory, name, by_schema.get(name, []), registry,
                                        run_id=run_id, full=full, limits=limits))
        if commit is not None:
            commit()
    return outcomes


def consolidate_set(conn: sa.engine.Connection, territory: dict[str, Any], name: str, current: list[dict],
                    registry: Registry, *, run_id: str, full: bool, limits: Any) -> SetOutcome:
    latest = registry.get(name)
    the_set = store.ensure_set(conn, territory["id"], name, latest.version)
    set_id = the_set["id"]
    known = store.sources_of(conn, set_id)
    now = dt.datetime.utcnow()
    outcome = SetOutcome(set=the_set, run_id=run_id, full=full)
    touched: set[str] = set()
    if full:
        store.clear_rows(conn, set_id)
    # Filled from empty (first or full run): the kept rows are chosen here, in resource order.
    kept_keys: set[str] | None = set() if full or store.is_empty(conn, set_id) else None
    for member in sorted(current, key=lambda m: m["resource_id"]):
        key = content_key(member, latest.version)
        before = known.get(member["resource_id"])
        if before is not None and before["content_key"] == key and not full:
            if (before["siren"], before["package_id"]) != (member["siren"], member["package_id"]):
                store.update_member(conn, set_id, member)
                outcome.changed_resources.add(member["resource_id"])
            continue
        reason = "full" if full and before is not None else "changed" if before is not None else "new"
        previous_hash = before["content_hash"] if before is not None and not full else None
        result, digest = read_member(member, registry, previous_hash, limits)
        if result is None:  # same bytes: only the key moves on
            conn.execute(sa.text("UPDATE odl_consolidation_source SET content_key = :k "
                                 "WHERE set_id = :s AND resource_id = :r"),
                         {"k": key, "s": set_id, "r": member["resource_id"]})
            continue
        touched |= store.store_source(conn, set_id, member, key, digest, result, run_id, reason, now,
                                      kept_keys=kept_keys)
        outcome.read.append(member["resource_id"])
        outcome.changed_resources.add(member["resource_id"])
    gone = sorted(set(known) - {m["resource_id"] for m in current})
    touched |= store.drop_sources(conn, set_id, gone)
    outcome.removed = gone
    outcome.changed_resources |= set(gone)
    outcome.gained = store.promote(conn, set_id, touched)
    if outcome.changed or full or the_set["last_run"] is None:
        outcome.set = store.finish_set(conn, set_id, latest=latest.version, now=now, full=full,
                                       notes=_set_notes(conn, set_id))
    else:  # nothing moved: the counts stand
        store.set_publication(conn, set_id, last_run=now)
        outcome.set = {**the_set, "last_run": now}
    log.info("Consolidation %s %s: %d read, %d removed, %d rows", territory["slug"], name,
             len(outcome.read), len(gone), outcome.set["rows"])
    return outcome


def _set_notes(conn: sa.engine.Connection, set_id: str) -> list[dict[str, str]]:
    """The carrying notes of the set's sources, each once."""
    seen: dict[str, dict[str, str]] = {}
    for (notes,) in conn.execute(sa.text("SELECT notes FROM odl_consolidation_source WHERE set_id = :s"),
                                 {"s": set_id}):
        for note in notes or []:
            seen.setdefault(note["fr"], note)
    return list(seen.values())
