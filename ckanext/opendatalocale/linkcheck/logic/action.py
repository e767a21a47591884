"""API actions of the link checker."""
from __future__ import annotations

import datetime as dt

import ckan.plugins.toolkit as tk
from ckan import model

from ckanext.opendatalocale.territories import store as territories

from .. import jobs, store


def _territory(data_dict):
    territory = territories.get_territory(model.Session.connection(), str(data_dict.get("id") or ""))
    if territory is None:
        raise tk.ObjectNotFound(tk._("Territory not found"))
    return territory


def opendatalocale_links_check(context, data_dict):
    """Queue a check of every resource link of a territory's datasets.

    :param id: territory slug or id
    :param force: also check links a server asked to come back to later
    """
    tk.check_access("opendatalocale_links_check", context, data_dict)
    territory = _territory(data_dict)
    force = str(data_dict.get("force", "")).lower() in ("1", "true", "yes", "on")
    job = jobs.enqueue(territory, force)
    return {"queued": True, "job_id": job.id}


@tk.side_effect_free
def opendatalocale_link_status(context, data_dict):
    """The last check of a resource's link: status, last success, last error.

    :param id: resource id
    """
    tk.check_access("opendatalocale_link_status", context, data_dict)
    resource_id = str(data_dict.get("id") or "")
    row = store.load(model.Session.connection(), [resource_id]).get(resource_id)
    if row is None:
        raise tk.ObjectNotFound(tk._("This link has not been checked yet"))
    return {k: (v.isoformat(timespec="seconds") if isinstance(v, dt.datetime) else v)
            for k, v in row.items() if k not in ("etag", "last_modified")}


__all__ = ["opendatalocale_links_check", "opendatalocale_link_status"]
