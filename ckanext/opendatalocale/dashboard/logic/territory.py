"""API actions that define territories: create, update, delete, show, list, their audit,
and the search of the national reference for the perimeter picker."""
from __future__ import annotations

import datetime as dt
from typing import Any

import ckan.plugins.toolkit as tk
from ckan import model

from ckanext.opendatalocale import guard
from ckanext.opendatalocale.dashboard import refresh
from ckanext.opendatalocale.territories import editing, store

from . import schema

LIST_FIELDS = ("departements", "epci", "sirens", "organizations")


def _conn():
    return model.Session.connection()


def _validate(data_dict: dict[str, Any], fields: dict[str, Any], context: dict[str, Any]) -> dict[str, Any]:
    # navl reads an empty list as "missing": lists of codes travel as space-separated text.
    data_dict = {key: " ".join(map(str, value)) if key in LIST_FIELDS and isinstance(value, (list, tuple)) else value
                 for key, value in data_dict.items()}
    return schema.validate(data_dict, fields, context)


def _current(data_dict: dict[str, Any]) -> dict[str, Any]:
    row = store.get_territory(_conn(), str(data_dict.get("id") or ""))
    if row is None:
        raise tk.ObjectNotFound(tk._("Territory not found"))
    return row


def _settings(data: dict[str, Any], current: dict[str, Any] | None = None) -> dict[str, Any]:
    settings = dict((current or {}).get("settings") or {})
    for key in ("expected_schemas", "schema_horizons"):
        if key in data:
            if data[key]:
                settings[key] = data[key]
            else:  # an empty object: back to the site's configuration
                settings.pop(key, None)
    return settings


def _audit_origin(context: dict[str, Any]) -> tuple[str, str]:
    return context.get("user") or "", context.get("odl_origin") or "api"


def _iso(value: Any) -> Any:
    return value.isoformat(timespec="seconds") if isinstance(value, dt.datetime) else value


def dictize(row: dict[str, Any], with_perimeter: bool = True) -> dict[str, Any]:
    result = {key: _iso(row.get(key)) for key in ("id", "slug", "name", "description", "rules",
                                                  "organization_ids", "settings", "created", "modified")}
    result["organizations"] = []
    for org_id in row.get("organization_ids") or ():
        group = model.Group.get(org_id)
        if group is not None:
            result["organizations"].append({"id": group.id, "name": group.name,
                                            "title": group.title or group.name})
    if with_perimeter:
        result["perimeter"] = editing.perimeter_items(_conn(), row.get("rules") or {})
    return result


@guard.structured("departements", "epci", "sirens", "organizations", "expected_schemas", "schema_horizons")
def territory_create(context, data_dict):
    """Create a territory; the caller must administer every organisation it links.

    :param name: the territory's name
    :param slug: its URL name (default: made from the name)
    :param description: optional text
    :param departements: département codes (list or space-separated)
    :param epci: SIRENs of EPCI à fiscalité propre
    :param sirens: SIRENs of single collectivités (communes...)
    :param organizations: names or ids of the organisations that run it
    :param expected_schemas: ``{kind: [schema, ...]}`` instead of the site's configuration
    :param schema_horizons: ``{schema: days}`` freshness horizons
    """
    tk.check_access("territory_create", context, data_dict)
    data = _validate(data_dict, schema.territory_create_schema(), context)
    slug = data.get("slug") or store.slugify(data["name"])
    if editing.slug_taken(_conn(), slug):
        raise tk.ValidationError({"slug": [tk._("This URL is already used by another territory")]})
    values = {"name": data["name"], "slug": slug, "description": data.get("description") or "",
              "rules": {key: data.get(key) or [] for key in editing.RULE_KEYS},
              "organization_ids": data.get("organizations") or [], "settings": _settings(data)}
    row = editing.create(_conn(), values, *_audit_origin(context))
    model.Session.commit()
    return dictize(row)


@guard.structured("departements", "epci", "sirens", "organizations", "expected_schemas", "schema_horizons")
def territory_update(context, data_dict):
    """Change a territory; fields not given are kept (``expected_schemas`` or
    ``schema_horizons`` given empty go back to the site's configuration).

    :param id: slug or id; the other parameters as for ``territory_create``
    """
    tk.check_access("territory_update", context, data_dict)
    current = _current(data_dict)
    data = _validate(data_dict, schema.territory_update_schema(), {**context, "territory_id": current["id"]})
    values: dict[str, Any] = {key: data[key] for key in ("name", "slug", "description") if key in data}
    if any(key in data for key in editing.RULE_KEYS):
        rules = {key: data.get(key, current["rules"].get(key) or []) for key in editing.RULE_KEYS}
        if not any(rules.values()):
            raise tk.ValidationError({"departements": [tk._("Choose at least one département, EPCI or commune")]})
        values["rules"] = rules
    if "organizations" in data:
        values["organization_ids"] = data["organizations"]
    values["settings"] = _settings(data, current)
    row, _changes = editing.update(_conn(), current, values, *_audit_origin(context))
    model.Session.commit()
    return dictize(row)


def territory_delete(context, data_dict):
    """Delete a territory and its computed figures (the audit keeps its definition).

    :param id: slug or id
    """
    tk.check_access("territory_delete", context, data_dict)
    current = _current(data_dict)
    # Its monthly figures go with it; follow-up notes stay (they concern collectivités).
    refresh.drop_figures(_conn(), current["id"])
    editing.delete(_conn(), current, *_audit_origin(context))
    model.Session.commit()


@tk.side_effect_free
def territory_show(context, data_dict):
    """A territory's definition: perimeter with names, organisations, settings.

    :param id: slug or id
    """
    tk.check_access("territory_show", context, data_dict)
    current = _current(data_dict)
    result = dictize(current)
    result["collectivite_count"] = len(store.territory_reference(_conn(), current["rules"]))
    return result


@tk.side_effect_free
def territory_list(context, data_dict):
    """Every territory's definition (without the named perimeter)."""
    tk.check_access("territory_list", context, data_dict)
    return [dictize(row, with_perimeter=False) for row in store.list_territories(_conn())]


@tk.side_effect_free
def territory_audit_list(context, data_dict):
    """Changes of a territory, newest first: who, when, from where (web, api, cli) and what.

    :param id: slug or id (a deleted territory: its id)
    :param offset, limit: paging (limit ≤ 500)
    """
    tk.check_access("territory_audit_list", context, data_dict)
    data = _validate(data_dict, schema.territory_audit_list_schema(), context)
    current = store.get_territory(_conn(), data["id"])
    territory_id = current["id"] if current else data["id"]
    rows = editing.audit_list(_conn(), territory_id, data["offset"], data["limit"])
    if current is None and not rows:
        raise tk.ObjectNotFound(tk._("Territory not found"))
    return [{key: _iso(value) for key, value in row.items()} for row in rows]


@tk.side_effect_free
def territory_reference_search(context, data_dict):
    """Départements, EPCI and communes of the national reference matching ``q`` (name,
    INSEE code or SIREN), for the perimeter picker.

    :param q: the text typed
    :param kinds: optional, among departement, epci, commune
    :param limit: at most 50 (default 20)
    """
    tk.check_access("territory_reference_search", context, data_dict)
    data = _validate(data_dict, schema.territory_reference_search_schema(), context)
    return editing.search_reference(_conn(), data["q"], data.get("kinds") or editing.SEARCH_KINDS,
                                    data["limit"])


__all__ = ["territory_create", "territory_update", "territory_delete", "territory_show", "territory_list",
           "territory_audit_list", "territory_reference_search"]
