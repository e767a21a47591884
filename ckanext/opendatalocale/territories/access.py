"""Who may see what on a territory: members and admins of its organisations, and sysadmins
(glue: the auth functions of every feature that works on a territory use it)."""
from __future__ import annotations

from typing import Any, Mapping

from ckan import authz


def is_sysadmin(user: str | None) -> bool:
    return bool(user) and authz.is_sysadmin(user)


def is_member(user: str | None, territory: Mapping[str, Any]) -> bool:
    """Sysadmin, or member (any role) of one of the territory's organisations."""
    if not user:
        return False
    if is_sysadmin(user):
        return True
    return any(authz.users_role_for_group_or_org(org_id, user)
               for org_id in territory.get("organization_ids") or ())


def is_admin(user: str | None, territory: Mapping[str, Any]) -> bool:
    """Sysadmin, or admin of one of the territory's organisations."""
    if not user:
        return False
    if is_sysadmin(user):
        return True
    return any(authz.users_role_for_group_or_org(org_id, user) == "admin"
               for org_id in territory.get("organization_ids") or ())


def N_(message: str) -> str:
    """Marks a message for extraction; it is translated where it is shown."""
    return message


def admins_only(message: str):
    """An auth function: sysadmins and admins of the territory named by ``id`` (``message``,
    translated at call time, says who may)."""
    def check(context, data_dict) -> dict[str, Any]:
        import ckan.plugins.toolkit as tk
        from ckan import model

        from ckanext.opendatalocale.territories import store

        territory = store.get_territory(model.Session.connection(), str(data_dict.get("id") or ""))
        if territory and is_admin(context.get("user"), territory):
            return {"success": True}
        return {"success": False, "msg": tk._(message)}
    return check
