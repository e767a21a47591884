"""Who may convert: editors of the dataset's organisation (or of the organisation itself)."""
from __future__ import annotations

from typing import Any

import ckan.authz as authz
import ckan.model as model
import ckan.plugins.toolkit as tk

__all__ = ["scdl_convert_suggest", "scdl_convert", "scdl_convert_recipe_show", "scdl_convert_recipe_save"]


def _package_id(data_dict: dict[str, Any]) -> str | None:
    if data_dict.get("package_id"):
        package = model.Package.get(data_dict["package_id"])
        return package.id if package else None
    resource = model.Resource.get(data_dict.get("resource_id") or "")
    return resource.package_id if resource else None


def can_convert(context: Any, data_dict: dict[str, Any]) -> dict[str, Any]:
    """Editors of the dataset named by ``package_id`` or ``resource_id``; else of ``organization_id``."""
    if data_dict.get("package_id") or data_dict.get("resource_id"):
        package_id = _package_id(data_dict)
        if package_id is None:
            return {"success": False, "msg": tk._("Dataset not found")}
        return authz.is_authorized("package_update", context, {"id": package_id})
    org_id = data_dict.get("organization_id") or data_dict.get("owner_org")
    user = context.get("user")
    if org_id and user and authz.has_user_permission_for_group_or_org(org_id, user, "create_dataset"):
        return {"success": True}
    return {"success": False, "msg": tk._("Only editors of the organisation may convert its files.")}


def scdl_convert_suggest(context: Any, data_dict: dict[str, Any]) -> dict[str, Any]:
    return can_convert(context, data_dict)


def scdl_convert(context: Any, data_dict: dict[str, Any]) -> dict[str, Any]:
    return can_convert(context, data_dict)


def scdl_convert_recipe_show(context: Any, data_dict: dict[str, Any]) -> dict[str, Any]:
    """Recipes tell how an organisation's internal files are laid out: its editors only."""
    return can_convert(context, data_dict)


def scdl_convert_recipe_save(context: Any, data_dict: dict[str, Any]) -> dict[str, Any]:
    return can_convert(context, data_dict)
