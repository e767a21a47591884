"""Who may check, read and list conformity results."""
from __future__ import annotations

from typing import Any

import ckan.authz as authz
import ckan.model as model
import ckan.plugins.toolkit as tk

__all__ = ['conformity_resource_validate', 'conformity_report_show', 'conformity_status_list', 'conformity_suggestion_accept']


def _package_id_of_resource(data_dict: dict[str, Any]) -> str | None:
    resource = model.Resource.get(data_dict.get("id") or data_dict.get("resource_id") or "")
    return resource.package_id if resource else None


def _is_authorized(action: str, context: Any, data_dict: dict[str, Any]) -> dict[str, Any]:
    return authz.is_authorized(action, context, data_dict)


def conformity_resource_validate(context: Any, data_dict: dict[str, Any]) -> dict[str, Any]:
    """Editors of the dataset (those who may update it)."""
    package_id = _package_id_of_resource(data_dict)
    if package_id is None:
        return {"success": False, "msg": tk._("Resource not found")}
    return _is_authorized("package_update", context, {"id": package_id})


def conformity_suggestion_accept(context: Any, data_dict: dict[str, Any]) -> dict[str, Any]:
    """Accepting a detected schema edits the resource: editors only."""
    return conformity_resource_validate(context, data_dict)


@tk.auth_allow_anonymous_access
def conformity_report_show(context: Any, data_dict: dict[str, Any]) -> dict[str, Any]:
    """Whoever may see the resource: everyone for a public dataset."""
    return _is_authorized("resource_show", context, {"id": data_dict.get("id") or data_dict.get("resource_id")})


@tk.auth_allow_anonymous_access
def conformity_status_list(context: Any, data_dict: dict[str, Any]) -> dict[str, Any]:
    """Public; a dataset must be visible, an organisation's private datasets are filtered by the action."""
    if data_dict.get("package_id"):
        return _is_authorized("package_show", context, {"id": data_dict["package_id"]})
    return {"success": True}
