"""Background runs of the consolidation.

A dataset with an SCDL resource that is saved, made private or deleted asks for a run; the
run is enqueued once the transaction commits (a worker never sees uncommitted data) and only
if none is already waiting (a Redis flag the run clears when it starts), so a harvest of a
thousand datasets queues one incremental run, not a thousand."""
from __future__ import annotations

import logging
from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.opendatalocale.after_commit import AfterCommit

from . import settings

log = logging.getLogger(__name__)

CONTEXT_FLAG = "odl_consolidation"  # set on the job's own CKAN calls: they ask for no run
JOB_TIMEOUT = 6 * 3600


def _flag_name() -> str:
    return f"{tk.config.get('ckan.site_id') or 'ckan'}:{settings.queue()}:odl-consolidation-waiting"


def note_change(pkg_dict: dict[str, Any], deleted: bool = False) -> None:
    """Called inside the transaction that saves a dataset."""
    if not settings.on_change():
        return
    resources = pkg_dict.get("resources") or []
    if not deleted and not any((r.get("schema_name") or "").strip() for r in resources):
        return
    pending_run.note(True)


# Redis down: the cron run catches up.
pending_run = AfterCommit("odl_consolidation_pending", lambda _: enqueue(debounce=True), "a consolidation run")


def enqueue(territory: str | None = None, schemas: list[str] | None = None, full: bool = False,
            debounce: bool = False) -> Any:
    """Queue a run (of every territory unless ``territory``); with ``debounce``, not when one
    is already waiting. Returns the job, or None."""
    if debounce:
        from ckan.lib.redis import connect_to_redis

        if not connect_to_redis().set(_flag_name(), "1", nx=True, ex=JOB_TIMEOUT):
            return None
    return tk.enqueue_job(consolidate_job, [territory, schemas or [], full, debounce],
                          title=f"opendatalocale consolidation {territory or 'all'}",
                          queue=settings.queue(), rq_kwargs={"timeout": JOB_TIMEOUT})


def consolidate_job(territory: str | None = None, schemas: list[str] | None = None, full: bool = False,
                    debounced: bool = False) -> list[dict[str, Any]]:
    """The background job; returns one small dict per set for logs and tests."""
    if debounced:
        from ckan.lib.redis import connect_to_redis

        connect_to_redis().delete(_flag_name())  # changes from now on ask for another run
    return run_territories(territory, schemas or [], full)


def run_territories(territory: str | None, schemas: list[str], full: bool) -> list[dict[str, Any]]:
    """Consolidate and publish (the job and the CLI)."""
    from ckanext.opendatalocale.conformity.settings import limits
    from ckanext.opendatalocale.scdl.utils import registry
    from ckanext.opendatalocale.territories import store as territories

    from . import publish, store
    from .run import consolidate_territory

    conn = model.Session.connection()
    if territory:
        found = territories.get_territory(conn, territory)
        if found is None:
            raise tk.ObjectNotFound(tk._("Territory not found: {slug}").format(slug=territory))
        targets = [found]
    else:
        targets = territories.list_territories(conn)
    results = []
    for target in targets:
        outcomes = consolidate_territory(model.Session.connection, target, registry(), schemas=schemas,
                                         full=full, limits=limits(), commit=model.Session.commit)
        for outcome in outcomes:
            publish.publish(target, outcome)
            model.Session.commit()
            published = store.get_set(model.Session.connection(), target["id"], outcome.set["schema_name"])
            results.append({"territory": target["slug"], "schema": published["schema_name"],
                            "read": outcome.read, "removed": outcome.removed, "rows": published["rows"],
                            "rejects": published["rejects"], "dataset": published["dataset_name"]})
    return results
