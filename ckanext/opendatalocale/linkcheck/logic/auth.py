"""Auth functions of the link checker's actions."""
from __future__ import annotations

import ckan.plugins.toolkit as tk

from ckanext.opendatalocale.territories import access
from ckanext.opendatalocale.territories.access import N_

opendatalocale_links_check = access.admins_only(
    N_("Only administrators of the territory's organisations can check its links."))


@tk.auth_allow_anonymous_access
def opendatalocale_link_status(context, data_dict):
    # Whoever may see the resource may see whether its link works.
    try:
        tk.check_access("resource_show", dict(context), {"id": data_dict.get("id")})
    except (tk.NotAuthorized, tk.ObjectNotFound):
        return {"success": False, "msg": tk._("Not authorised to see this resource")}
    return {"success": True}


__all__ = ["opendatalocale_links_check", "opendatalocale_link_status"]
