"""Actions of the consolidation: the stored figures of a territory, and queueing a run."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
from ckan import model

from ckanext.opendatalocale.territories import store as territories

from .. import store


def _territory(data_dict: dict[str, Any]) -> dict[str, Any]:
    found = territories.get_territory(model.Session.connection(), str(data_dict.get("id") or ""))
    if found is None:
        raise tk.ObjectNotFound(tk._("Territory not found"))
    return found


def _iso(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


@tk.side_effect_free
def consolidation_summary(context, data_dict):
    """Per consolidated schema of a territory: rows, rejects, resources, collectivités, period,
    last run and published dataset (what the last run stored; nothing is read here).

    :param id: territory slug or id
    """
    tk.check_access("consolidation_summary", context, data_dict)
    territory = _territory(data_dict)
    return [{k: _iso(v) for k, v in item.items()}
            for item in store.summary(model.Session.connection(), territory["slug"])]


def consolidation_run(context, data_dict):
    """Queue a consolidation run of a territory.

    :param id: territory slug or id
    :param schema: only this schema (optional)
    :param full: read every resource again (optional, default false)
    """
    tk.check_access("consolidation_run", context, data_dict)
    territory = _territory(data_dict)
    from ..jobs import enqueue

    schema = data_dict.get("schema")
    job = enqueue(territory["slug"], [schema] if schema else [], tk.asbool(data_dict.get("full")))
    return {"queued": True, "job_id": job.id}
