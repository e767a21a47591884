"""Background job of the link checker (queued by ``opendatalocale_links_check``)."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
from ckan import model

from ckanext.opendatalocale.territories import store as territories

from . import run, settings


def check_territory(conn: Any, territory: dict[str, Any], force: bool = False) -> dict[str, int]:
    with settings.client(tk.config) as client:
        return run.check_resources(conn, client, run.territory_resources(conn, territory),
                                   workers=settings.workers(tk.config), force=force,
                                   commit=_commit)


def _commit() -> Any:
    model.Session.commit()
    return model.Session.connection()


def check_territory_job(territory_id: str, force: bool = False) -> dict[str, int] | None:
    conn = model.Session.connection()
    territory = territories.get_territory(conn, territory_id)
    if territory is None:
        return None
    return check_territory(conn, territory, force)


def enqueue(territory: dict[str, Any], force: bool = False) -> Any:
    return tk.enqueue_job(check_territory_job, [territory["id"]], {"force": force},
                          title=f"opendatalocale links check {territory['slug']}",
                          queue=settings.queue(tk.config))
