"""Figures of a territory from its consolidated rows and its reference (populations, EPCI,
départements): per collectivité and indicator a headline value, its years and details, and
the territory's totals. The result is plain JSON data, cached by the glue. Pure Python."""
from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ckanext.opendatalocale.territories.bands import population_band

from . import accumulate as acc
from .charts_data import ResourceCharts
from .definitions import BY_SCHEMA, INDICATORS

FORMAT = 1  # bump when the figures' layout changes: it is part of the cache key


def _ratio(numerator: float | None, denominator: float | None, scale: float = 1) -> float | None:
    if numerator is None or not denominator:
        return None
    return numerator * scale / denominator


def _latest(years: Iterable[str]) -> str | None:
    return max(years, default=None)


def _round(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


def _subventions(a: acc.Subventions, population: int | None) -> dict[str, Any]:
    years = {y: {"amount": round(a.amount[y], 2), "grants": a.count[y],
                 "beneficiaries": len(a.beneficiaries[y]),
                 "per_inhabitant": _round(_ratio(a.amount[y], population)),
                 "nature": {k: round(v, 2) for k, v in sorted(a.nature[y].items())}} for y in sorted(a.amount)}
    return {"years": years, "series": {y: v["per_inhabitant"] for y, v in years.items()}}


def _deliberations(a: acc.Deliberations, population: int | None) -> dict[str, Any]:
    years = {y: {"count": a.count[y], "linked": a.linked[y], "linked_share": _round(_ratio(a.linked[y], a.count[y])),
                 "matiere": dict(sorted(a.matiere[y].items()))} for y in sorted(a.count)}
    return {"years": years, "series": {y: v["count"] for y, v in years.items()},
            "months": dict(sorted(a.months.items()))}


def _equipements(a: acc.Equipements, population: int | None) -> dict[str, Any]:
    count = sum(a.themes.values())
    return {"count": count, "value": _round(_ratio(count, population, 1000)),
            "themes": {theme: {"count": n, "per_1000": _round(_ratio(n, population, 1000))}
                       for theme, n in sorted(a.themes.items())}}


def _irve(a: acc.Irve, population: int | None) -> dict[str, Any]:
    return {"count": len(a.points), "stations": len(a.stations),
            "value": _round(_ratio(len(a.points), population, 10000))}


def _defibrillateurs(a: acc.Defibrillateurs, population: int | None) -> dict[str, Any]:
    return {"count": a.active, "value": _round(_ratio(a.active, population, 10000)),
            "access": dict(sorted(a.access.items()))}


def _budget(a: acc.Budget, population: int | None) -> dict[str, Any]:
    years = {}
    for year in sorted(a.spending):
        chosen = a.year_total(year)
        if chosen is None:
            continue
        document, sections = chosen
        total = sum(sections.values())
        years[year] = {"document": document, "sections": {k: round(v, 2) for k, v in sorted(sections.items())},
                       "total": round(total, 2), "per_inhabitant": _round(_ratio(total, population))}
    return {"years": years, "series": {y: v["per_inhabitant"] for y, v in years.items()}}


def _menus(a: acc.Menus, population: int | None) -> dict[str, Any]:
    years = {y: {"dishes": a.dishes[y], "signed": a.signed[y],
                 "share": _round(_ratio(a.signed[y], a.dishes[y], 100))} for y in sorted(a.dishes)}
    return {"years": years, "series": {y: v["share"] for y, v in years.items()},
            "signs": dict(a.signs.most_common(10))}


def _prenoms(a: acc.Prenoms, population: int | None) -> dict[str, Any]:
    return {"years": {y: [[n, c] for n, c in a.births[y].most_common(10)] for y in sorted(a.births)},
            "series": {},
            "counts": {y: dict(a.births[y]) for y in a.births}}


FINISH: dict[str, Callable[[Any, int | None], dict[str, Any]]] = {
    "subventions": _subventions, "deliberations": _deliberations, "equipements": _equipements,
    "irve": _irve, "defibrillateurs": _defibrillateurs, "budget": _budget, "menus": _menus,
    "prenoms": _prenoms}


def collectivite_value(key: str, accumulator: acc.Accumulator, population: int | None) -> dict[str, Any]:
    """Figures of one collectivité for one indicator; ``headline`` is the number compared."""
    figures = FINISH[key](accumulator, population)
    indicator = next(i for i in INDICATORS if i.key == key)
    if indicator.yearly:
        year = _latest(y for y, v in figures["series"].items() if v is not None) if indicator.comparable else None
        figures["year"] = year or _latest(figures["years"])
        figures["headline"] = figures["series"].get(year) if year else None
    else:
        figures["headline"] = figures["value"]
    figures["rows"] = accumulator.rows
    figures["datasets"] = sorted(accumulator.datasets)
    return figures


def _record(record: Any) -> dict[str, Any]:
    population = record.population_totale if record.population_totale is not None else record.population_municipale
    band = population_band(population) if record.kind in ("commune", "epci") else None
    return {"name": record.name, "kind": record.kind, "insee": record.insee, "dep": record.dep,
            "population": population, "band": band.code if band else None, "epci": record.epci_siren}


def _sum(values: Iterable[float | None]) -> float:
    return sum(v for v in values if v is not None)


def territory_totals(key: str, values: Mapping[str, dict[str, Any]],
                     collectivites: Mapping[str, dict[str, Any]]) -> dict[str, Any]:
    """The territory's own figure: sums over the publishing collectivités (ratios are sums
    divided by the population of those that publish that year)."""
    def population(siren: str) -> int:
        return collectivites.get(siren, {}).get("population") or 0

    if key in ("equipements", "irve", "defibrillateurs"):
        scale = {"equipements": 1000, "irve": 10000, "defibrillateurs": 10000}[key]
        count = sum(v["count"] for v in values.values())
        people = sum(population(s) for s in values)
        totals: dict[str, Any] = {"count": count, "population": people,
                                  "headline": _round(_ratio(count, people, scale)), "series": {}}
        if key == "equipements":
            themes: Counter = Counter()
            for v in values.values():
                themes.update({t: d["count"] for t, d in v["themes"].items()})
            totals["breakdown"] = dict(themes.most_common())
        return totals
    series: dict[str, Any] = {}
    breakdown: Counter = Counter()
    years = sorted({y for v in values.values() for y in v["years"]})
    for year in years:
        holders = {s: v["years"][year] for s, v in values.items() if year in v["years"]}
        people = sum(population(s) for s in holders)
        if key == "subventions":
            series[year] = _round(_ratio(_sum(h["amount"] for h in holders.values()), people))
        elif key == "budget":
            series[year] = _round(_ratio(_sum(h["total"] for h in holders.values()), people))
        elif key == "deliberations":
            series[year] = sum(h["count"] for h in holders.values())
        elif key == "menus":
            series[year] = _round(_ratio(sum(h["signed"] for h in holders.values()),
                                         sum(h["dishes"] for h in holders.values()), 100))
    latest = _latest(years)
    if key == "subventions" and latest:
        for v in values.values():
            breakdown.update(v["years"].get(latest, {}).get("nature", {}))
    elif key == "deliberations" and latest:
        for v in values.values():
            breakdown.update(v["years"].get(latest, {}).get("matiere", {}))
    elif key == "prenoms":
        counts = {}
        for year in years:
            merged: Counter = Counter()
            for v in values.values():
                merged.update(v["counts"].get(year, {}))
            counts[year] = [[n, c] for n, c in merged.most_common(10)]
        return {"years": counts, "series": {}, "headline": None, "year": latest}
    return {"series": series, "year": latest, "headline": series.get(latest) if latest else None,
            "breakdown": {k: round(v, 2) for k, v in breakdown.most_common()}}


def territory_figures(reference: Iterable[Any], rows_by_schema: Mapping[str, Iterable[Mapping[str, Any]]],
                      summary: Iterable[Mapping[str, Any]] = (), hidden_datasets: frozenset[str] = frozenset(),
                      now: dt.datetime | None = None) -> dict[str, Any]:
    """Everything the pages show for one territory.

    ``reference``: the territory's collectivités (territories.reference records);
    ``rows_by_schema``: consolidated rows per schema name; ``summary``: the consolidation
    store's summary (sources, periods, last runs); ``hidden_datasets``: ids of datasets that
    must not count (private or deleted since the last consolidation)."""
    collectivites = {r.siren: _record(r) for r in reference}
    summaries = {s.get("schema_name"): dict(s) for s in summary if s.get("schema_name")}
    indicators: dict[str, Any] = {}
    charts = ResourceCharts()
    for indicator in INDICATORS:
        accumulators: dict[str, acc.Accumulator] = {}
        unattributed = 0
        for row in rows_by_schema.get(indicator.schema, ()):
            if str(row.get("_dataset_id") or "") in hidden_datasets:
                continue
            charts.add(indicator.schema, row)
            siren = str(row.get("_siren") or "")
            if siren not in collectivites:
                unattributed += 1
                continue
            if siren not in accumulators:
                accumulators[siren] = acc.ACCUMULATORS[indicator.key]()
            accumulators[siren].add(row)
        values = {siren: collectivite_value(indicator.key, a, collectivites[siren]["population"])
                  for siren, a in sorted(accumulators.items())}
        years = sorted({y for v in values.values() for y in v.get("years", {})})
        indicators[indicator.key] = {
            "schema": indicator.schema, "values": values, "publishers": len(values),
            "unattributed": unattributed, "period": [years[0], years[-1]] if years else None,
            "summary": _public_summary(summaries.get(indicator.schema)),
            "territory": territory_totals(indicator.key, values, collectivites),
        }
    return {"format": FORMAT, "computed": (now or dt.datetime.utcnow()).isoformat(timespec="seconds"),
            "collectivites": collectivites, "indicators": indicators, "resources": charts.result()}


SUMMARY_KEYS = ("schema_version", "rows", "rejects", "resources", "period_start", "period_end", "last_run",
                "dataset_name", "dataset_id")


def _public_summary(entry: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """What the pages say about the consolidated set: its size, period, last run and dataset."""
    if not entry:
        return None
    out = {k: (v.isoformat() if isinstance(v, (dt.date, dt.datetime)) else v)
           for k, v in entry.items() if k in SUMMARY_KEYS}
    out["collectivites"] = len(entry.get("collectivites") or ())
    return out
