"""Action ``opendatalocale_harvest_preview``: what a source would create."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk

from ckanext.opendatalocale.harvesters import common
from ckanext.opendatalocale.harvesters.registry import HARVESTERS, harvester_for
from ckanext.opendatalocale.web import pick


@tk.side_effect_free
def opendatalocale_harvest_preview(context: dict[str, Any], data_dict: dict[str, Any]) -> dict[str, Any]:
    """The first datasets a harvest source would create, with their detected schemas.

    :param source_type: ods, datagouv, ckan, dcat or file
    :param url: the source URL
    :param config: the source config (JSON string or object), optional
    :param limit: how many datasets (default 10, at most 50)

    Returns ``datasets``, ``error`` (the source failed: no datasets) and
    ``warning`` (the source was too slow: the preview stopped at
    ``ckanext.opendatalocale.harvest.preview_timeout`` and lists only the
    datasets read by then).
    """
    tk.check_access("opendatalocale_harvest_preview", context, data_dict)
    kind = data_dict.get("source_type") or ""
    url = data_dict.get("url") or ""
    errors: dict[str, list[str]] = {}
    if not url:
        errors["url"] = [tk._("Missing value")]
    elif not isinstance(url, str):
        errors["url"] = [tk._("Must be a string")]
    try:
        if not isinstance(kind, str):
            raise KeyError(kind)
        harvester = harvester_for(kind)
    except KeyError:
        errors["source_type"] = [tk._("Unknown source type, expected one of: {kinds}").format(
            kinds=", ".join(HARVESTERS))]
    if errors:
        raise tk.ValidationError(errors)
    try:
        limit = max(1, min(50, int(data_dict.get("limit") or 10)))
    except (TypeError, ValueError, OverflowError):
        raise tk.ValidationError({"limit": [tk._("Invalid integer")]})
    try:
        preview = harvester.preview(url, data_dict.get("config"), limit=limit)
    except common.ConfigError as exc:
        raise tk.ValidationError({"config": [pick(exc.message)]})
    except Exception as exc:  # noqa: BLE001 - the source's failure is the answer
        return {"datasets": [], "error": pick(common.error_message(exc)), "warning": None}
    return {"datasets": preview.datasets, "error": None,
            "warning": pick(preview.stopped) if preview.stopped else None}
