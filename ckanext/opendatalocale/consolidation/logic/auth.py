"""Auth functions of the consolidation actions (sysadmins pass every check in CKAN)."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
from ckan import model

from ckanext.opendatalocale.territories import access
from ckanext.opendatalocale.territories import store


@tk.auth_allow_anonymous_access
def consolidation_summary(context, data_dict) -> dict[str, Any]:
    # Figures of public resources only: private ones never enter a set.
    return {"success": True}


def consolidation_run(context, data_dict) -> dict[str, Any]:
    territory = store.get_territory(model.Session.connection(), str(data_dict.get("id") or ""))
    if territory and access.is_admin(context.get("user"), territory):
        return {"success": True}
    return {"success": False, "msg": tk._("Only administrators of the territory's organisations "
                                          "can start its consolidation.")}
