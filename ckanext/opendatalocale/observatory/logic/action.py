"""API actions of the observatory: every figure the pages show, read from the cached figures
(computed from the consolidated sets, never from a download)."""
from __future__ import annotations

import re
from typing import Any

import ckan.plugins.toolkit as tk
from ckan import model

from ckanext.opendatalocale.observatory import compare, figures
from ckanext.opendatalocale.observatory.definitions import BY_KEY, INDICATORS
from ckanext.opendatalocale.territories import store as territories

SIREN = re.compile(r"^\d{9}$")
_CACHE: figures.FiguresCache | None = None


def cache() -> figures.FiguresCache:
    """One cache per process, backed by CKAN's Redis."""
    global _CACHE
    if _CACHE is None:
        from ckan.lib.redis import connect_to_redis

        _CACHE = figures.FiguresCache(connect_to_redis(), prefix=f"odl:observatory:{tk.config.get('ckan.site_id')}")
    return _CACHE


def _conn():
    return model.Session.connection()


def _territory(data_dict: dict[str, Any]) -> dict[str, Any]:
    slug = data_dict.get("id")
    if not slug or not isinstance(slug, str):
        raise tk.ValidationError({"id": [tk._("Missing value")]})
    territory = territories.get_territory(_conn(), slug)
    if territory is None:
        raise tk.ObjectNotFound(tk._("Territory not found"))
    return territory


def _indicator_key(data_dict: dict[str, Any]) -> str:
    key = data_dict.get("indicator")
    if key not in BY_KEY:
        raise tk.ValidationError({"indicator": [tk._("Unknown indicator: use one of {keys}").format(
            keys=", ".join(BY_KEY))]})
    return key


def _public(territory: dict[str, Any]) -> dict[str, Any]:
    return {"id": territory["id"], "slug": territory["slug"], "name": territory["name"],
            "description": territory["description"]}


def _indicator_summary(key: str, data: dict[str, Any], collectivites: dict[str, Any]) -> dict[str, Any]:
    return {"key": key, "schema": data["schema"], "publishers": data["publishers"], "period": data["period"],
            "collectivites": len(collectivites), "territory": data["territory"], "consolidation": data["summary"],
            "unattributed": data["unattributed"]}


@tk.side_effect_free
def observatory_territory_list(context, data_dict):
    """Every territory with, per indicator, how many collectivités publish."""
    tk.check_access("observatory_territory_list", context, data_dict)
    everything = figures.portal(_conn(), cache())
    out = []
    for territory in territories.list_territories(_conn()):
        data = everything["territories"][territory["slug"]]
        out.append({**_public(territory), "collectivites": len(data["collectivites"]),
                    "publishers": {k: v["publishers"] for k, v in data["indicators"].items()},
                    "computed": data["computed"]})
    return out


@tk.side_effect_free
def observatory_territory_show(context, data_dict):
    """A territory's indicators: totals, population-band distributions and rankings.

    :param id: territory slug or id
    """
    tk.check_access("observatory_territory_show", context, data_dict)
    territory = _territory(data_dict)
    data = figures.territory_figures(_conn(), territory, cache())
    # Band tables and rankings change only with the figures: kept beside them.
    shown = cache().get(f"show:{territory['slug']}", data["fingerprint"])
    if shown is None:
        shown = _territory_show(territory, data)
        cache().put(f"show:{territory['slug']}", data["fingerprint"], shown)
    return shown


def _territory_show(territory: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    indicators = []
    for indicator in INDICATORS:
        item = _indicator_summary(indicator.key, data["indicators"][indicator.key], data["collectivites"])
        if indicator.comparable:
            item["bands"] = compare.band_table(indicator.key, data)
            item["ranking"] = compare.ranking(indicator.key, data)
        indicators.append(item)
    counts: dict[str, int] = {}
    for record in data["collectivites"].values():
        counts[record["kind"]] = counts.get(record["kind"], 0) + 1
    publishing = {s for v in data["indicators"].values() for s in v["values"]}
    return {**_public(territory), "computed": data["computed"], "kinds": counts,
            "publishing": sorted(publishing, key=lambda s: data["collectivites"][s]["name"]),
            "names": {s: data["collectivites"][s]["name"] for s in publishing}, "indicators": indicators}


@tk.side_effect_free
def observatory_indicator_show(context, data_dict):
    """One indicator of a territory, per collectivité (the headline and every year).

    :param id: territory slug or id
    :param indicator: subventions, deliberations, equipements, irve, defibrillateurs, budget,
        menus or prenoms
    """
    tk.check_access("observatory_indicator_show", context, data_dict)
    territory = _territory(data_dict)
    key = _indicator_key(data_dict)
    data = figures.territory_figures(_conn(), territory, cache())
    indicator = data["indicators"][key]
    values = [{"siren": s, "name": data["collectivites"][s]["name"], "population": data["collectivites"][s]["population"],
               **{k: v for k, v in value.items() if k != "counts"}} for s, value in indicator["values"].items()]
    return {**_public(territory), **_indicator_summary(key, indicator, data["collectivites"]), "values": values}


@tk.side_effect_free
def observatory_collectivite_show(context, data_dict):
    """A collectivité's portrait: each indicator's value beside its population band (in its
    département and in the portal), its EPCI's other members and comparable collectivités.

    :param id: territory slug or id
    :param siren: the collectivité's SIREN (9 digits)
    """
    tk.check_access("observatory_collectivite_show", context, data_dict)
    territory = _territory(data_dict)
    siren = data_dict.get("siren")
    if not isinstance(siren, str) or not SIREN.match(siren):
        raise tk.ValidationError({"siren": [tk._("A SIREN is 9 digits")]})
    everything = figures.portal(_conn(), cache())
    data = everything["territories"].get(territory["slug"]) or figures.territory_figures(_conn(), territory, cache())
    if siren not in data["collectivites"]:
        raise tk.ObjectNotFound(tk._("This collectivité is not part of the territory"))
    indicators = []
    for indicator in INDICATORS:
        value = data["indicators"][indicator.key]["values"].get(siren)
        item = {"key": indicator.key, "schema": indicator.schema, "publishes": value is not None,
                "figures": {k: v for k, v in (value or {}).items() if k != "counts"} or None,
                "consolidation": data["indicators"][indicator.key]["summary"],
                "period": data["indicators"][indicator.key]["period"]}
        if indicator.comparable:
            item["comparison"] = compare.compare(siren, indicator.key, data, everything["index"],
                                                 tk.config.get("ckanext.opendatalocale.observatory.comparables"))
        indicators.append(item)
    return {"territory": _public(territory), "siren": siren, **data["collectivites"][siren],
            "computed": data["computed"], "indicators": indicators}


@tk.side_effect_free
def observatory_resource_charts(context, data_dict):
    """Ready-made charts of one resource, from the consolidated rows that came from it.

    :param id: resource id
    """
    tk.check_access("observatory_resource_charts", context, data_dict)
    resource_id = data_dict.get("id")
    if not resource_id or not isinstance(resource_id, str):
        raise tk.ValidationError({"id": [tk._("Missing value")]})
    # The resource must be visible to the caller (private ones raise NotAuthorized).
    tk.get_action("resource_show")(context, {"id": resource_id})
    everything = figures.portal(_conn(), cache())
    for data in everything["territories"].values():
        found = data["resources"].get(resource_id)
        if found:
            return {"id": resource_id, **found, "computed": data["computed"]}
    return {"id": resource_id, "schema": None, "rows": 0, "charts": [], "computed": None}


# Explicit, so the module's helper ``cache`` is not registered as an action.
__all__ = ["observatory_territory_list", "observatory_territory_show", "observatory_indicator_show",
           "observatory_collectivite_show", "observatory_resource_charts"]
