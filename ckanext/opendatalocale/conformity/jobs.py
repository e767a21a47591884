"""Background checks of resources: fetch, hash, validate, store, summarise.

Queueing: the plugin's dataset hooks call :func:`note_changes`, which compares
each resource's *trigger key* (URL, upload time, declared schema) with the one
stored when it was last queued. Only a changed key queues a check, and the job
is enqueued once the transaction commits (a worker never sees uncommitted
data). The summary the job writes back is stored straight on the resource row
(no ``package_update``): it does not change the trigger key, does not bump the
dataset's ``metadata_modified``, creates no activity, and cannot queue
another check; the dataset is then re-indexed explicitly.
"""
from __future__ import annotations

import datetime
import hashlib
import json
import logging
from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.opendatalocale.after_commit import AfterCommit

from . import settings
from .engine import ENGINE_VERSION, validate
from .model import ConformityResult, ConformityState
from .report import STATUS_VALID, Finding, Report
from .sources import SourceUnavailable, resource_chunks, spool
from .status import SUGGESTION_FIELD, SUMMARY_FIELDS

log = logging.getLogger(__name__)

HEADER_BYTES = 256 * 1024
SUGGESTIBLE_FORMATS = {"", "csv", "text/csv", "tsv", "txt"}

__all__ = [
    "check_resource",
    "enqueue",
    "note_changes",
    "trigger_key",
    "write_summary",
]


# --------------------------------------------------------------------------- queueing

def trigger_key(resource: model.Resource) -> str:
    """What, when it changes, calls for a new check of the resource."""
    extras = resource.extras or {}
    last_modified = resource.last_modified.isoformat() if resource.last_modified else ""
    parts = [
        resource.url or "",
        resource.url_type or "",
        last_modified if resource.url_type == "upload" else "",
        (extras.get("schema_name") or "").strip(),
        (extras.get("schema_version") or "").strip(),
    ]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def _worth_checking(resource: model.Resource) -> bool:
    extras = resource.extras or {}
    if (extras.get("schema_name") or "").strip():
        return True
    # No schema: only a CSV-looking file can get a "schéma détecté" suggestion.
    return settings.suggest() and bool(resource.url) and (resource.format or "").strip().lower() in SUGGESTIBLE_FORMATS


def note_changes(package_id: str) -> list[str]:
    """Record the resources of a dataset whose trigger key changed; return their ids.

    Called inside the transaction that saves the dataset: the state rows are
    committed with it, the jobs are enqueued after the commit.
    """
    package = model.Package.get(package_id)
    if package is None:
        return []
    changed = []
    for resource in package.resources:
        if resource.state != "active":
            continue
        key = trigger_key(resource)
        state = ConformityState.get(resource.id)
        if state is not None and state.trigger_key == key:
            _restore_summary(resource)
            continue
        if not _worth_checking(resource):
            continue
        state = ConformityState.get_or_create(resource.id, package.id)
        state.trigger_key = key
        state.queued = datetime.datetime.utcnow()
        if resource.url_type == "upload" and (resource.extras or {}).get("schema_name") and _strict(package):
            # Strict mode: a new file is not published before it is found conforming.
            if not package.private:
                package.private = True
                state.held = True
        changed.append(resource.id)
    _release_deleted(package)
    if changed:
        pending_checks.note(*changed)
    return changed


def _release_deleted(package: model.Package) -> None:
    """A file strict mode held back was deleted: it no longer keeps the dataset private."""
    active = {r.id for r in package.resources if r.state == "active"}
    held = (model.Session.query(ConformityState)
            .filter(ConformityState.package_id == package.id, ConformityState.held.is_(True)).all())
    released = [state for state in held if state.resource_id not in active]
    for state in released:
        state.held = False
    if released:
        _release(package)


def _restore_summary(resource: model.Resource) -> None:
    """A full dataset update that resent the resource without our fields: put them back."""
    extras = resource.extras or {}
    if extras.get("conformity_status") or not (extras.get("schema_name") or "").strip():
        return
    latest = ConformityResult.latest(resource.id)
    if latest is not None and latest.schema_name == extras.get("schema_name"):
        resource.extras = {**extras, **summary_of(latest)}


def _enqueue_all(resource_ids: list[str]) -> None:
    for resource_id in resource_ids:
        enqueue(resource_id)


# Redis down: the states are saved with the dataset; `conformity run` queues them again.
pending_checks = AfterCommit("odl_conformity_pending", _enqueue_all, "conformity checks")


def enqueue(resource_id: str, force: bool = False) -> Any:
    return tk.enqueue_job(
        check_resource,
        [resource_id],
        {"force": force},
        title=f"opendatalocale conformity {resource_id}",
        queue=settings.queue(),
        # The engine stops itself at max_seconds; leave it time to store that verdict.
        rq_kwargs={"timeout": int(settings.limits().max_seconds) + 300},
    )


# --------------------------------------------------------------------------- the job

def _resource_dict(resource_id: str) -> dict[str, Any] | None:
    try:
        return tk.get_action("resource_show")({"ignore_auth": True}, {"id": resource_id})
    except tk.ObjectNotFound:
        return None


def _failed_report(code: str, note: Any, name: str | None, version: str | None) -> Report:
    report = Report(schema_name=name, schema_version=version, engine_version=ENGINE_VERSION,
                    max_errors=settings.max_errors())
    report.fail(Finding("error", code, params={"note": note}))
    report.finish()
    return report


def check_resource(resource_id: str, force: bool = False) -> dict[str, Any] | None:
    """The background job: check one resource and store the outcome.

    Returns a small dict (status, error_count, skipped) for logs and tests.
    """
    resource = _resource_dict(resource_id)
    if resource is None or resource.get("state", "active") != "active":
        return None
    name = (resource.get("schema_name") or "").strip()
    if not name:
        if settings.suggest():
            suggest_schema(resource)
        return None
    from ckanext.opendatalocale.scdl.registry import UnknownSchema
    from ckanext.opendatalocale.scdl.utils import registry

    wanted_version = (resource.get("schema_version") or "").strip() or None
    try:
        entry = registry().get(name, wanted_version)
    except UnknownSchema as exc:
        report = _failed_report("unknown-schema", exc.message, name, wanted_version)
        return _store(resource, report, content_hash=None)

    limits = settings.limits()
    try:
        source, content_hash, _size = spool(resource_chunks(resource), limits.max_bytes)
    except SourceUnavailable as exc:
        return _store(resource, _failed_report(exc.code, exc.note, entry.name, entry.version), content_hash=None)

    with source:
        latest = ConformityResult.latest(resource_id)
        if (not force and latest is not None and latest.content_hash == content_hash
                and latest.schema_name == entry.name and latest.schema_version == entry.version
                and latest.engine_version == ENGINE_VERSION):
            # Same bytes, same schema, same engine: the verdict stands.
            latest.checked = datetime.datetime.utcnow()
            _apply_strict_mode(resource, latest.status)
            write_summary(resource_id, {**summary_of(latest), SUGGESTION_FIELD: None}, commit=False)
            model.Session.commit()
            reindex(resource["package_id"])
            return {"status": latest.status, "error_count": latest.error_count, "skipped": True}
        report = validate(source, entry.descriptor, schema_name=entry.name, schema_version=entry.version,
                          limits=limits, max_errors=settings.max_errors())
    return _store(resource, report, content_hash=content_hash)


def _store(resource: dict[str, Any], report: Report, content_hash: str | None) -> dict[str, Any]:
    data = report.to_dict()
    held = _apply_strict_mode(resource, report.status)
    if held:
        data["strict_held"] = True
    now = datetime.datetime.utcnow()
    result = ConformityResult(
        resource_id=resource["id"],
        package_id=resource["package_id"],
        schema_name=report.schema_name,
        schema_version=report.schema_version,
        status=report.status,
        error_count=report.error_count,
        report=json.dumps(data, ensure_ascii=False),
        content_hash=content_hash,
        engine_version=report.engine_version or ENGINE_VERSION,
        source_url=None if resource.get("url_type") == "upload" else resource.get("url"),
        duration=report.duration,
        created=now,
        checked=now,
    )
    model.Session.add(result)
    model.Session.flush()
    ConformityResult.prune(resource["id"], settings.keep_results())
    write_summary(resource["id"], {**summary_of(result), SUGGESTION_FIELD: None}, commit=False)
    model.Session.commit()
    reindex(resource["package_id"])
    log.info("Conformity of resource %s: %s (%s errors)", resource["id"], report.status, report.error_count)
    return {"status": report.status, "error_count": report.error_count, "skipped": False, "held": held}


def summary_of(result: ConformityResult) -> dict[str, Any]:
    return {
        "conformity_status": result.status,
        "conformity_error_count": int(result.error_count or 0),
        "conformity_validated_at": result.checked.replace(microsecond=0).isoformat(),
        "conformity_schema_version": result.schema_version or "",
        "conformity_engine_version": result.engine_version or ENGINE_VERSION,
        "conformity_row_count": _rows_checked(result),
    }


def _rows_checked(result: ConformityResult) -> int | None:
    """Data rows the check read (0: a header-only file), from its stored report."""
    try:
        return int(json.loads(result.report or "{}")["rows_checked"])
    except (ValueError, KeyError, TypeError):
        return None


def write_summary(resource_id: str, values: dict[str, Any], commit: bool = True) -> None:
    """Write fields on the resource row itself, never through ``package_update``.

    The dataset's ``metadata_modified`` and the resource's trigger key stay as
    they are, so no activity is recorded and no check is queued; the caller
    re-indexes the dataset (:func:`reindex`) after committing.
    """
    resource = model.Resource.get(resource_id)
    if resource is None:
        return
    extras = dict(resource.extras or {})
    if "conformity_status" in values:
        for key in SUMMARY_FIELDS:
            extras.pop(key, None)
    for key, value in values.items():
        if value is None:
            extras.pop(key, None)
        else:
            extras[key] = value
    resource.extras = extras
    if commit:
        model.Session.commit()


def reindex(package_id: str) -> None:
    """Refresh the dataset in the search index (CKAN 2.12 no longer does it on commit)."""
    from ckan.lib import search

    try:
        search.rebuild(package_id)
    except search.SearchError:
        log.exception("Could not re-index dataset %s after its conformity check", package_id)


def _strict(package: model.Package) -> bool:
    """Strict mode for this dataset (site-wide, or its organisation opted in)."""
    if not package.owner_org:
        # Without an organisation CKAN cannot make a dataset private.
        return False
    organization = model.Group.get(package.owner_org)
    extras = organization.extras if organization is not None else {}
    return settings.strict_for({"extras": [{"key": k, "value": v} for k, v in (extras or {}).items()]})


def _apply_strict_mode(resource: dict[str, Any], status: str) -> bool:
    """Keep the dataset private while an uploaded file does not conform; never delete anything.

    Returns True when the dataset is held private because of this file. A
    dataset the strict mode made private is published again once none of its
    files is held; one its editors made private stays private.
    """
    package = model.Package.get(resource["package_id"])
    state = ConformityState.get(resource["id"])
    if package is None or resource.get("url_type") != "upload" or not _strict(package):
        if state is not None and state.held:
            state.held = False
            _release(package)
        return False
    if status != STATUS_VALID:
        if not package.private:
            package.private = True
            state = state or ConformityState.get_or_create(resource["id"], package.id)
            state.held = True
        return True
    if state is not None and state.held:
        state.held = False
        _release(package)
    return False


def _release(package: model.Package | None) -> None:
    """Publish a dataset again when strict mode no longer holds any of its files."""
    if package is None:
        return
    model.Session.flush()
    still_held = (model.Session.query(ConformityState)
                  .filter(ConformityState.package_id == package.id, ConformityState.held.is_(True)).count())
    if not still_held:
        package.private = False


# --------------------------------------------------------------------------- suggestion

def suggest_schema(resource: dict[str, Any]) -> dict[str, Any] | None:
    """Read the header of a resource with no schema and store the SCDL schema it matches."""
    from ckanext.opendatalocale.scdl.detect import match_columns, sniff_csv_header
    from ckanext.opendatalocale.scdl.utils import registry

    try:
        head = b""
        for chunk in resource_chunks(resource):
            head += chunk
            if len(head) >= HEADER_BYTES:
                break
    except SourceUnavailable as exc:
        log.info("No schema suggestion for resource %s: %s", resource["id"], exc.code)
        return None
    columns = sniff_csv_header(head)
    matches = match_columns(columns, registry()) if columns else []
    best = matches[0] if matches else None
    state = ConformityState.get_or_create(resource["id"], resource["package_id"])
    if best is None or best.confidence < settings.suggest_min_confidence():
        state.suggested_schema_name = state.suggested_schema_version = None
        state.suggestion_confidence = None
        state.suggestion_evidence = None
        write_summary(resource["id"], {SUGGESTION_FIELD: None}, commit=False)
        model.Session.commit()
        reindex(resource["package_id"])
        return None
    total = len(best.matched_required) + len(best.missing_required)
    state.suggested_schema_name = best.name
    state.suggested_schema_version = best.version
    state.suggestion_confidence = best.confidence
    state.suggestion_evidence = json.dumps({
        "matched_required": len(best.matched_required),
        "required": total,
        "missing_required": list(best.missing_required),
    })
    write_summary(resource["id"], {SUGGESTION_FIELD: f"{best.name}@{best.version}"}, commit=False)
    model.Session.commit()
    reindex(resource["package_id"])
    return {"name": best.name, "version": best.version, "confidence": best.confidence}
