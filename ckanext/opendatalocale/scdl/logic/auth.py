"""The schema registry is public documentation: anyone may read it."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk

__all__ = ["scdl_schema_list", "scdl_schema_show"]


@tk.auth_allow_anonymous_access
def scdl_schema_list(context: dict, data_dict: dict[str, Any] | None = None) -> dict[str, bool]:
    return {"success": True}


@tk.auth_allow_anonymous_access
def scdl_schema_show(context: dict, data_dict: dict[str, Any] | None = None) -> dict[str, bool]:
    return {"success": True}
