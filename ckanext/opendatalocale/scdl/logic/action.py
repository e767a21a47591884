"""Public API of the schema registry: ``scdl_schema_list`` and ``scdl_schema_show``."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk

from ckanext.opendatalocale import web

from .. import explain, utils
from ..registry import UnknownSchema

__all__ = ["scdl_schema_list", "scdl_schema_show"]


@tk.side_effect_free
def scdl_schema_list(context: dict, data_dict: dict[str, Any]) -> list[dict[str, Any]]:
    """Every schema of the portal's registry with its versions.

    :param scdl_only: only the Socle Commun des Données Locales schemas (default false)
    :type scdl_only: bool
    :rtype: list of dicts (name, slug, title, label, description, latest, versions, url, is_scdl)
    """
    tk.check_access("scdl_schema_list", context, data_dict)
    scdl_only = tk.asbool(data_dict.get("scdl_only", False))
    registry = utils.registry()
    result = []
    for name in registry.names(scdl_only=scdl_only):
        entry = registry.get(name)
        result.append(
            {
                "name": entry.name,
                "slug": entry.slug,
                "title": entry.title,
                "label": dict(entry.label),
                "description": entry.description,
                "latest": entry.version,
                "versions": registry.versions(name),
                "url": entry.url,
                "is_scdl": entry.is_scdl,
                "homepage": entry.homepage,
            }
        )
    return result


@tk.side_effect_free
def scdl_schema_show(context: dict, data_dict: dict[str, Any]) -> dict[str, Any]:
    """One version of one schema: fields, required fields, custom checks, documentation, versions.

    :param name: catalogue name (``scdl/deliberations``), short slug, ``name@version`` or schema URL
    :type name: string
    :param version: the version (default: the latest, or the one ``name`` carries)
    :type version: string
    :param include_descriptor: also return the Table Schema itself (default false)
    :type include_descriptor: bool
    """
    tk.check_access("scdl_schema_show", context, data_dict)
    ref = data_dict.get("name") or data_dict.get("id")
    if not ref:
        raise tk.ValidationError({"name": [tk._("Missing value")]})
    registry = utils.registry()
    version = data_dict.get("version")
    try:
        entry = registry.get(ref, version) if (version or "@" not in ref and "://" not in ref) else None
    except UnknownSchema as exc:
        raise tk.ObjectNotFound(web.pick(exc.message))
    if entry is None:
        entry = registry.resolve(ref)
        if entry is None:
            raise tk.ObjectNotFound(tk._("Unknown data schema: {name}.").format(name=ref))
    versions = registry.versions(entry.name)
    data = entry.as_dict(with_descriptor=tk.asbool(data_dict.get("include_descriptor", False)))
    data.update(
        {
            "versions": versions,
            "latest": registry.latest(entry.name),
            "fields": entry.documentation(),
            "custom_checks_explained": [
                {"check": check, "explanation": explain.custom_check(check)} for check in entry.custom_checks
            ],
        }
    )
    position = versions.index(entry.version)
    if position > 0:
        data["changes"] = entry.changes_from(registry.get(entry.name, versions[position - 1])).as_dict()
    else:
        data["changes"] = None
    return data
