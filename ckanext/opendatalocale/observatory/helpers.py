"""Template helpers of the observatory."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk

from . import pages


def odl_observatory_number(value: Any, decimals: int | None = 1) -> str:
    if decimals is None:
        return "" if value is None else str(value)
    return pages.number(value, decimals)


def odl_observatory_band(code: str | None) -> str:
    return pages.band_label(code)


def odl_observatory_territories() -> list[dict[str, Any]]:
    """Slug and name of every territory (the home page lists them; no figures computed)."""
    from ckan import model

    from ckanext.opendatalocale.territories import store

    return [{"slug": t["slug"], "name": t["name"]} for t in store.list_territories(model.Session.connection())]


def odl_observatory_has_endpoint(endpoint: str) -> bool:
    """Whether a page exists (the SCDL pages need the ``opendatalocale_scdl`` plugin)."""
    from flask import current_app

    return endpoint in current_app.view_functions
