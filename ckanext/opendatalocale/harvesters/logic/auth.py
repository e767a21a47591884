"""Auth of the preview: sysadmins, and editors of at least one organisation."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk


def opendatalocale_harvest_preview(context: dict[str, Any], data_dict: dict[str, Any]) -> dict[str, Any]:
    user = context.get("auth_user_obj")
    if user is None or not getattr(user, "id", None):
        return {"success": False, "msg": tk._("You must be logged in to preview a harvest source")}
    organizations = tk.get_action("organization_list_for_user")(
        {"user": user.name, "ignore_auth": True}, {"id": user.id, "permission": "create_dataset"})
    if organizations:
        return {"success": True}
    return {"success": False, "msg": tk._("Only editors of an organisation can preview a harvest source")}
