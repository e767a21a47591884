"""Auth functions of the dashboard actions (sysadmins pass every check in CKAN)."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
from ckan import model

from ckanext.opendatalocale.territories import access
from ckanext.opendatalocale.territories import store


def _territory(data_dict: dict[str, Any]) -> dict[str, Any] | None:
    return store.get_territory(model.Session.connection(), str(data_dict.get("id") or ""))


def _public(context, data_dict) -> dict[str, Any]:
    # Public figures only (private datasets never count); notes and overrides are stripped
    # for non-members by the actions themselves.
    return {"success": True}


dashboard_territory_list = tk.auth_allow_anonymous_access(_public)
dashboard_territory_show = tk.auth_allow_anonymous_access(_public)
dashboard_collectivite_list = tk.auth_allow_anonymous_access(_public)
dashboard_collectivite_show = tk.auth_allow_anonymous_access(_public)
dashboard_matrix = tk.auth_allow_anonymous_access(_public)


def _admins_only(context, data_dict, refused: str) -> dict[str, Any]:
    territory = _territory(data_dict)
    if territory and access.is_admin(context.get("user"), territory):
        return {"success": True}
    return {"success": False, "msg": refused}


def dashboard_refresh(context, data_dict) -> dict[str, Any]:
    return _admins_only(context, data_dict, tk._("Only administrators of the territory's organisations "
                                                 "can refresh its dashboard."))


def dashboard_override_create(context, data_dict) -> dict[str, Any]:
    # A decision changes the territory's published figures: its admins' call, not every member's.
    return _admins_only(context, data_dict, tk._("Only administrators of the territory's organisations "
                                                 "can record an obligation decision."))


def _members_only(context, data_dict) -> dict[str, Any]:
    territory = _territory(data_dict)
    if territory and access.is_member(context.get("user"), territory):
        return {"success": True}
    return {"success": False, "msg": tk._("Only members of the territory's organisations "
                                          "can see or write follow-up notes and decisions.")}


dashboard_note_create = _members_only
dashboard_note_list = _members_only

# Explicit: several names share one function object, which CKAN's blanket would skip.
__all__ = ["dashboard_territory_list", "dashboard_territory_show", "dashboard_collectivite_list",
           "dashboard_collectivite_show", "dashboard_matrix", "dashboard_refresh",
           "dashboard_override_create", "dashboard_note_create", "dashboard_note_list"]
