"""A collectivité beside the others: the same population band publishing the same schema in
its département and in the whole portal (median, quartiles, rank), the other members of its
EPCI, and the most comparable collectivités. Pure Python on the figures of ``compute``."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .definitions import INDICATORS
from .stats import distribution, rank


def portal_index(all_figures: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, dict[str, Any]]]:
    """``{indicator: {siren: entry}}`` over every territory (a collectivité in two territories
    counts once): entry = headline, kind, band, département, name, population."""
    index: dict[str, dict[str, dict[str, Any]]] = {i.key: {} for i in INDICATORS}
    for figures in all_figures:
        collectivites = figures["collectivites"]
        for key, indicator in figures["indicators"].items():
            for siren, value in indicator["values"].items():
                if value.get("headline") is None or siren in index[key]:
                    continue
                record = collectivites[siren]
                index[key][siren] = {"value": value["headline"], "kind": record["kind"], "band": record["band"],
                                     "dep": record["dep"], "name": record["name"],
                                     "population": record["population"]}
    return index


def _group(entries: Mapping[str, Mapping[str, Any]], me: Mapping[str, Any], same_dep: bool) -> dict[str, Any]:
    return {s: e for s, e in entries.items()
            if e["kind"] == me["kind"] and e["band"] == me["band"] and (not same_dep or e["dep"] == me["dep"])}


def _summary(siren: str, group: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    values = [e["value"] for e in group.values()]
    out = distribution(values).as_dict()
    if siren in group:
        out["rank"] = rank(group[siren]["value"], values)
    return out


def compare(siren: str, key: str, figures: Mapping[str, Any], portal: Mapping[str, Mapping[str, Any]],
            comparables: int = 8) -> dict[str, Any]:
    """Comparison of ``siren`` on indicator ``key``; ``portal`` is :func:`portal_index`."""
    collectivites = figures["collectivites"]
    me = collectivites[siren]
    entries = portal.get(key, {})
    value = figures["indicators"][key]["values"].get(siren)
    result: dict[str, Any] = {"value": value["headline"] if value else None, "publishes": value is not None,
                              "band": me["band"], "dep": me["dep"]}
    dep_group = _group(entries, me, same_dep=True)
    portal_group = _group(entries, me, same_dep=False)
    result["departement"] = _summary(siren, dep_group)
    result["portal"] = _summary(siren, portal_group)
    # The other members of its EPCI, publishing or not (for a commune).
    epci = me.get("epci")
    members = sorted((s for s, r in collectivites.items() if r["kind"] == "commune" and epci and r["epci"] == epci),
                     key=lambda s: collectivites[s]["name"])
    indicator_values = figures["indicators"][key]["values"]
    result["epci"] = {"siren": epci, "name": collectivites.get(epci, {}).get("name") if epci else None,
                      "members": [{"siren": s, "name": collectivites[s]["name"],
                                   "population": collectivites[s]["population"],
                                   "value": (indicator_values.get(s) or {}).get("headline"),
                                   "publishes": s in indicator_values, "self": s == siren} for s in members]}
    epci_values = [m["value"] for m in result["epci"]["members"] if m["value"] is not None]
    result["epci"]["median"] = distribution(epci_values).median
    if result["value"] is not None and epci_values:
        result["epci"]["rank"] = rank(result["value"], epci_values)
    population = me["population"] or 0
    nearest = sorted((s for s in dep_group if s != siren),
                     key=lambda s: (abs((dep_group[s]["population"] or 0) - population), s))[:comparables]
    result["comparables"] = [{"siren": s, **dep_group[s]} for s in nearest]
    return result


def band_table(key: str, figures: Mapping[str, Any], kind: str = "commune") -> list[dict[str, Any]]:
    """Per population band of the territory: how many publish, and the distribution."""
    from ckanext.opendatalocale.territories.bands import BANDS

    collectivites = figures["collectivites"]
    values = figures["indicators"][key]["values"]
    rows = []
    for band in BANDS:
        members = [s for s, r in collectivites.items() if r["kind"] == kind and r["band"] == band.code]
        if not members:
            continue
        headlines = [values[s]["headline"] for s in members if s in values and values[s]["headline"] is not None]
        rows.append({"band": band.code, "collectivites": len(members),
                     "publishers": sum(1 for s in members if s in values), **distribution(headlines).as_dict()})
    return rows


def ranking(key: str, figures: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Publishing collectivités by headline, highest first, with their competition rank."""
    collectivites = figures["collectivites"]
    values = figures["indicators"][key]["values"]
    scored = [(v["headline"], s) for s, v in values.items() if v["headline"] is not None]
    headlines = [h for h, _ in scored]
    scored.sort(key=lambda item: (-item[0], collectivites[item[1]]["name"]))
    return [{"siren": s, "name": collectivites[s]["name"], "kind": collectivites[s]["kind"],
             "population": collectivites[s]["population"], "value": h, "rank": rank(h, headlines)}
            for h, s in scored]
