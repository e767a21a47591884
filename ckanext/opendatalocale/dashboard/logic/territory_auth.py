"""Auth functions of the territory actions: definitions and the reference are public; the
admins of a territory's organisations (and sysadmins) change it; its members read its audit."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
from ckan import authz, model

from ckanext.opendatalocale.territories import access
from ckanext.opendatalocale.territories import store

from .schema import _as_list


def _refuse(message: str) -> dict[str, Any]:
    return {"success": False, "msg": message}


def _administers_all(user: str, organizations: Any) -> bool:
    """The user is admin of every organisation named (names or ids)."""
    try:
        names = _as_list(organizations)
    except tk.Invalid:
        return False
    return all(authz.users_role_for_group_or_org(name, user) == "admin" for name in names)


def _linking_allowed(user: str, data_dict: dict[str, Any], already: list[str]) -> bool:
    # One may keep the organisations already linked, and add only those one administers.
    if "organizations" not in data_dict:
        return True
    added = []
    for name in _as_list(data_dict.get("organizations")):
        group = model.Group.get(name)
        if group is None or group.id not in already:
            added.append(name)
    return _administers_all(user, added)


def territory_create(context, data_dict) -> dict[str, Any]:
    user = context.get("user")
    if access.is_sysadmin(user):
        return {"success": True}
    if not user:
        return _refuse(tk._("Log in to create a territory."))
    if not _as_list(data_dict.get("organizations")) or not _linking_allowed(user, data_dict, []):
        return _refuse(tk._("Only administrators of an organisation can create a territory, and only "
                            "for the organisations they administer."))
    return {"success": True}


def _admin_of(context, data_dict) -> dict[str, Any] | None:
    """None when the user administers the territory, else the refusal."""
    territory = store.get_territory(model.Session.connection(), str(data_dict.get("id") or ""))
    if territory is None and access.is_sysadmin(context.get("user")):
        return None  # the action answers "not found"
    if territory is None or not access.is_admin(context.get("user"), territory):
        return _refuse(tk._("Only administrators of the territory's organisations can change it."))
    if not access.is_sysadmin(context.get("user")) and not _linking_allowed(
            context.get("user"), data_dict, territory.get("organization_ids") or []):
        return _refuse(tk._("You can only link organisations that you administer."))
    return None


def territory_update(context, data_dict) -> dict[str, Any]:
    return _admin_of(context, data_dict) or {"success": True}


def territory_delete(context, data_dict) -> dict[str, Any]:
    return _admin_of(context, data_dict) or {"success": True}


def territory_audit_list(context, data_dict) -> dict[str, Any]:
    user = context.get("user")
    territory = store.get_territory(model.Session.connection(), str(data_dict.get("id") or ""))
    if access.is_sysadmin(user) or (territory is not None and access.is_member(user, territory)):
        return {"success": True}
    return _refuse(tk._("Only members of the territory's organisations can see its history."))


@tk.auth_allow_anonymous_access
def territory_show(context, data_dict) -> dict[str, Any]:
    return {"success": True}


@tk.auth_allow_anonymous_access
def territory_list(context, data_dict) -> dict[str, Any]:
    return {"success": True}


@tk.auth_allow_anonymous_access
def territory_reference_search(context, data_dict) -> dict[str, Any]:
    return {"success": True}  # the national reference is public data


__all__ = ["territory_create", "territory_update", "territory_delete", "territory_audit_list",
           "territory_show", "territory_list", "territory_reference_search"]
