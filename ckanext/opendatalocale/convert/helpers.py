"""Template helpers: where the forms offer the conversion."""
from __future__ import annotations

from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk

from .model import DATASET, ConvertRecipe

__all__ = ["odl_convert_offer"]


def odl_convert_offer(package_id_or_name: str) -> dict[str, Any] | None:
    """The wizard's URL for a dataset the user may convert files for, and whether it has a saved recipe."""
    package = model.Package.get(package_id_or_name or "")
    if package is None or not tk.current_user.is_authenticated:
        return None
    try:
        tk.check_access("scdl_convert", {"user": tk.current_user.name}, {"package_id": package.id})
    except tk.NotAuthorized:
        return None
    has_recipe = model.Session.query(ConvertRecipe).filter(
        ConvertRecipe.owner_type == DATASET, ConvertRecipe.owner_id == package.id).first() is not None
    return {"url": tk.url_for("opendatalocale_convert.start", id=package.name), "recipe": has_recipe}
