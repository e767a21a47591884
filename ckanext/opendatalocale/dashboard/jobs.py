"""Background job behind the "refresh now" button."""
from __future__ import annotations

import ckan.plugins.toolkit as tk
from ckan import model

from ckanext.opendatalocale.territories import store

from . import refresh
from .settings import indicator_settings, obligation_rules


def refresh_job(territory_id: str) -> None:
    conn = model.Session.connection()
    territory = store.get_territory(conn, territory_id)
    if territory is None:
        return
    refresh.refresh_territory(conn, territory, indicator_settings(tk.config), obligation_rules(tk.config))
    model.Session.commit()
