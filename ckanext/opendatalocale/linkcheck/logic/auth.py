"""Auth functions of the link checker's actions."""
from __future__ import annotations

import ckan.plugins.toolkit as tk
from ckan import model

from ckanext.opendatalocale.dashboard import access
from ckanext.opendatalocale.territories import store as territories


def opendatalocale_links_check(context, data_dict):
    territory = territories.get_territory(model.Session.connection(), str(data_dict.get("id") or ""))
    if territory and access.is_admin(context.get("user"), territory):
        return {"success": True}
    return {"success": False, "msg": tk._("Only administrators of the territory's organisations "
                                          "can check its links.")}


@tk.auth_allow_anonymous_access
def opendatalocale_link_status(context, data_dict):
    # Whoever may see the resource may see whether its link works.
    try:
        tk.check_access("resource_show", dict(context), {"id": data_dict.get("id")})
    except (tk.NotAuthorized, tk.ObjectNotFound):
        return {"success": False, "msg": tk._("Not authorised to see this resource")}
    return {"success": True}


__all__ = ["opendatalocale_links_check", "opendatalocale_link_status"]
