"""Indicators of dashboard.md §4.3 (I1–I8, I10–I12, I14) for the collectivités of a territory.

The facts come from ``publications.reader`` (what each collectivité publishes, read in SQL);
the scoring here is plain Python over them, testable without CKAN or a database.
"""
from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ckanext.opendatalocale.conformity import messages
from ckanext.opendatalocale.publications.facts import DatasetFacts, ResourceFacts, iso
from ckanext.opendatalocale.territories.bands import population_band
from ckanext.opendatalocale.territories.obligation import Obligation
from ckanext.opendatalocale.territories.reference import Collectivite

DEFAULT_EXPECTED = ("scdl/deliberations", "scdl/budget", "scdl/subventions", "scdl/equipements",
                    "scdl/catalogue")
# Days a dataset stays "à jour" after an update, per declared frequency (irregular and
# punctual data have no horizon).
FREQUENCY_DAYS = {"continuous": 1, "daily": 1, "weekly": 7, "monthly": 31, "quarterly": 92,
                  "semiannual": 183, "annual": 366}
DEFAULT_SCHEMA_HORIZONS = {"scdl/deliberations": 92, "scdl/budget": 366, "scdl/subventions": 366,
                           "scdl/equipements": 731, "scdl/catalogue": 366, "scdl/prenoms": 366,
                           "scdl/menus-collectifs": 31, "scdl/plats-menus-collectifs": 92}
OPEN_FORMATS = frozenset({"CSV", "JSON", "GEOJSON", "XML", "ODS", "RDF", "JSON-LD", "JSONLD", "TTL",
                          "PARQUET", "GPKG", "KML", "GML", "GTFS", "NETCDF", "TSV", "TXT"})
OPEN_LICENSES = frozenset({"lo-2.0", "lo-1.0", "etalab-2.0", "fr-lo", "odc-odbl", "odc-by",
                           "odc-pddl", "cc-by", "cc-by-4.0", "cc-by-sa", "cc-by-sa-4.0", "cc-zero",
                           "cc0-1.0"})
CHECKED = ("valid", "invalid", "error")

# MQA-lite criteria: (code, points, French and English fix hints). Points follow the EU MQA
# weights restricted to what CKAN holds (dashboard.md §4.3 I8); 260 points make 100.
CRITERIA: tuple[tuple[str, int, dict[str, str]], ...] = (
    ("access_url", 50, {"fr": "ressources sans adresse d'accès", "en": "resources without an access URL"}),
    ("open_format", 40, {"fr": "aucune ressource dans un format ouvert", "en": "no resource in an open format"}),
    ("keywords", 30, {"fr": "sans mot-clé", "en": "without keywords"}),
    ("themes", 30, {"fr": "sans thème", "en": "without a theme"}),
    ("licence", 30, {"fr": "sans licence ouverte", "en": "without an open licence"}),
    ("spatial", 20, {"fr": "sans couverture territoriale", "en": "without territorial coverage"}),
    ("temporal", 20, {"fr": "sans couverture temporelle", "en": "without temporal coverage"}),
    ("contact", 20, {"fr": "sans contact", "en": "without a contact"}),
    ("publisher", 10, {"fr": "sans organisation productrice", "en": "without a publishing organisation"}),
    ("description", 10, {"fr": "description de moins de 100 caractères", "en": "description under 100 characters"}),
)
TOTAL_POINTS = sum(points for _, points, _ in CRITERIA)
# MQA bands (351/221/121 of 405) as shares of the maximum.
METADATA_BANDS = ((87, "excellent"), (55, "good"), (30, "sufficient"), (0, "bad"))
LEVELS = ("none", "bronze", "silver", "gold")
# Datasets listed per collectivité in its snapshot (most recently updated first).
MAX_DATASET_ROWS = 200


@dataclass(frozen=True, slots=True)
class Settings:
    expected_schemas: Mapping[str, Sequence[str]] = field(default_factory=lambda: {
        "commune": DEFAULT_EXPECTED, "epci": DEFAULT_EXPECTED, "departement": DEFAULT_EXPECTED,
        "region": DEFAULT_EXPECTED})
    schema_horizons: Mapping[str, int] = field(default_factory=lambda: dict(DEFAULT_SCHEMA_HORIZONS))
    tolerance_days: int = 7
    quiet_after_days: int = 365
    latest_versions: Mapping[str, str] = field(default_factory=dict)
    open_formats: frozenset[str] = OPEN_FORMATS
    open_licenses: frozenset[str] = OPEN_LICENSES
    # CKAN's tracking plugin is enabled: usage (I13) is read, else reported as off.
    usage_tracking: bool = False


# -- per-dataset scores ------------------------------------------------------------------------

def metadata_checks(dataset: DatasetFacts, settings: Settings) -> dict[str, bool]:
    extras = dataset.extras
    return {
        "access_url": bool(dataset.resources) and all(r.url for r in dataset.resources),
        "open_format": any(r.format.upper() in settings.open_formats for r in dataset.resources),
        "keywords": dataset.tag_count > 0,
        "themes": _filled(extras.get("themes")),
        "licence": dataset.license_id in settings.open_licenses,
        "spatial": _filled(extras.get("territorial_coverage")),
        "temporal": _filled(extras.get("temporal_coverage_start")),
        "contact": dataset.has_contact,
        "publisher": dataset.has_org,
        "description": dataset.notes_length >= 100,
    }


def _filled(value: str | None) -> bool:
    return bool((value or "").strip(" []\"'"))


def metadata_score(checks: Mapping[str, bool]) -> int:
    points = sum(points for code, points, _ in CRITERIA if checks.get(code))
    return round(100 * points / TOTAL_POINTS)


def metadata_band(score: float | None) -> str | None:
    if score is None:
        return None
    return next(band for floor, band in METADATA_BANDS if score >= floor)


def horizon_days(dataset: DatasetFacts, settings: Settings, schema: str | None = None) -> int | None:
    """Declared frequency first; else the horizon of the dataset's (or given) schema."""
    if dataset.frequency in FREQUENCY_DAYS:
        return FREQUENCY_DAYS[dataset.frequency]
    schemas = [schema] if schema else [r.schema_name for r in dataset.resources if r.schema_name]
    horizons = [settings.schema_horizons[s] for s in schemas if s in settings.schema_horizons]
    return min(horizons) if horizons else None


def is_fresh(updated: dt.datetime, horizon: int | None, settings: Settings, now: dt.datetime) -> bool | None:
    if horizon is None:
        return None
    return (now - updated).days <= horizon + settings.tolerance_days


# -- per-collectivité ------------------------------------------------------------------------

def ratio(num: int, den: int) -> dict[str, Any]:
    return {"num": num, "den": den, "rate": round(num / den, 4) if den else None}


def schema_cell(dataset_resources: list[tuple[DatasetFacts, ResourceFacts]], schema: str,
                settings: Settings, now: dt.datetime) -> dict[str, Any]:
    """State of one expected schema for a collectivité: absent, unchecked, invalid, stale
    (valid but out of date or on an old version) or valid (valid, fresh, latest version).
    The best resource decides."""
    rank = {"absent": 0, "unchecked": 1, "invalid": 2, "stale": 3, "valid": 4}
    best: dict[str, Any] = {"schema": schema, "state": "absent", "resources": 0}
    count = 0
    for dataset, resource in dataset_resources:
        if resource.schema_name != schema:
            continue
        count += 1
        latest = settings.latest_versions.get(schema)
        up_to_date = latest is None or resource.schema_version == latest
        fresh = is_fresh(resource.updated or dataset.updated,
                         horizon_days(dataset, settings, schema), settings, now)
        if resource.conformity_status == "valid":
            state = "valid" if (fresh is not False and up_to_date) else "stale"
        elif resource.conformity_status in CHECKED:
            state = "invalid"
        else:
            state = "unchecked"
        if rank[state] > rank[best["state"]]:
            best = {"schema": schema, "state": state, "dataset": dataset.name,
                    "resource_id": resource.id, "version": resource.schema_version,
                    "latest_version": latest, "up_to_date": up_to_date, "fresh": fresh,
                    "validated_at": resource.conformity_validated_at,
                    "error_count": resource.conformity_error_count,
                    "row_count": resource.conformity_row_count,
                    "updated": iso(resource.updated or dataset.updated)}
    best["resources"] = count
    return best


def top_error_types(resources: Iterable[ResourceFacts], limit: int = 10) -> list[dict[str, Any]]:
    """Error types of the failing resources' latest reports, most frequent first, each with
    its error count and the number of resources it affects (each resource counted once)."""
    counts: Counter = Counter()
    affected: Counter = Counter()
    seen: set[str] = set()
    for resource in resources:
        if resource.id in seen or not resource.error_types:
            continue
        seen.add(resource.id)
        counts.update(resource.error_types)
        affected.update(resource.error_types.keys())
    ranked = sorted(counts, key=lambda t: (-counts[t], t))[:limit]
    return [{"type": t, "count": counts[t], "resources": affected[t]} for t in ranked]


def collectivite_indicators(record: Collectivite, obligation: Obligation,
                            datasets: Sequence[DatasetFacts], settings: Settings,
                            now: dt.datetime) -> dict[str, Any]:
    """Every indicator of one collectivité from its public datasets (private ones are only
    counted, under ``private_dataset_count``)."""
    public = [d for d in datasets if not d.private]
    resources = [(d, r) for d in public for r in d.resources]
    band = population_band(record.population_totale)

    # I1 open status and last publication.
    last = max((d.updated for d in public), default=None)
    first = min((d.created for d in public), default=None)

    # I4 SCDL coverage against the expected set; matrix cells.
    expected = list(settings.expected_schemas.get(record.kind, ()))
    cells = {schema: schema_cell(resources, schema, settings, now) for schema in expected}
    present = sum(1 for cell in cells.values() if cell["state"] != "absent")
    valid_cells = sum(1 for cell in cells.values() if cell["state"] == "valid")
    schemas_published = sorted({r.schema_name for _, r in resources if r.schema_name})

    # I5 conformity, I6 schema versions.
    with_schema = [(d, r) for d, r in resources if r.schema_name]
    checked = [r for _, r in with_schema if r.conformity_status in CHECKED]
    valid = [r for r in checked if r.conformity_status == "valid"]
    invalid = sorted((r for r in checked if r.conformity_status != "valid"),
                     key=lambda r: (-(r.conformity_error_count or 0), r.id))
    known = [r for _, r in with_schema if r.schema_name in settings.latest_versions]
    on_latest = [r for r in known if r.schema_version == settings.latest_versions[r.schema_name]]

    # I7 freshness.
    evaluated, fresh_count, oldest_expected = 0, 0, None
    for d in public:
        fresh = is_fresh(d.updated, horizon_days(d, settings), settings, now)
        if fresh is not None:
            evaluated += 1
            fresh_count += fresh
        if any(r.schema_name in expected for r in d.resources):
            age = (now - d.updated).days
            oldest_expected = age if oldest_expected is None else max(oldest_expected, age)

    # I8 metadata quality with ranked fixes.
    scores, missing, dataset_rows = [], Counter(), []
    for d in sorted(public, key=lambda d: (d.updated, d.name), reverse=True):
        checks = metadata_checks(d, settings)
        score = metadata_score(checks)
        scores.append(score)
        missing.update(code for code, ok in checks.items() if not ok)
        if len(dataset_rows) < MAX_DATASET_ROWS:
            dataset_rows.append({
                "name": d.name, "title": d.title, "updated": iso(d.updated), "score": score,
                "fresh": is_fresh(d.updated, horizon_days(d, settings), settings, now),
                "schemas": sorted({r.schema_name for r in d.resources if r.schema_name}),
                "channel": f"harvested:{d.harvest_source_type}" if d.harvest_source_type
                else ("own" if d.own else "on_behalf"),
                "missing": [code for code, _, _ in CRITERIA if not checks[code]]})
    mean_score = round(statistics.fmean(scores), 1) if scores else None
    fixes = [{"criterion": code, "datasets": missing[code], "points": points,
              "gain": round(100 * points * missing[code] / (TOTAL_POINTS * len(public)), 1),
              "label": label}
             for code, points, label in CRITERIA if missing[code]]
    fixes.sort(key=lambda fix: (-fix["gain"], fix["criterion"]))

    # I10 open formats.
    open_resources = sum(1 for _, r in resources if r.format.upper() in settings.open_formats)

    # I11 dynamics.
    def within(value: dt.datetime | None, days: int) -> bool:
        return value is not None and (now - value).days < days
    dynamics = {f"new_{days}": sum(1 for d in public if within(d.created, days)) for days in (30, 90, 365)}
    dynamics.update({f"updated_{days}": sum(1 for d in public if within(d.updated, days))
                     for days in (30, 90, 365)})
    dynamics.update({f"newly_open_{days}": within(first, days) for days in (30, 90, 365)})
    dynamics["gone_quiet"] = bool(public) and not within(last, settings.quiet_after_days)

    # I12 channels.
    harvested = Counter(d.harvest_source_type for d in public if d.harvest_source_type)
    own = sum(1 for d in public if d.own and not d.harvest_source_type)
    behalf = sum(1 for d in public if not d.own and not d.harvest_source_type)
    channel_counts = {"own": own, "on_behalf": behalf, **{f"harvested:{k}": v for k, v in harvested.items()}}
    main_channel = max(sorted(channel_counts), key=lambda k: channel_counts[k]) if public else None
    last_harvest = max((d.modified for d in public if d.harvest_source_type), default=None)
    sources = {d.harvest["source_id"]: d.harvest for d in public if d.harvest}

    # I14 level.
    is_open = bool(public)
    metadata_ok = mean_score is not None and mean_score >= METADATA_BANDS[1][0]
    if expected and is_open and valid_cells == len(expected) and metadata_ok:
        level = "gold"
    elif expected and is_open and valid_cells * 2 >= len(expected):
        level = "silver"
    elif is_open and present >= 1:
        level = "bronze"
    else:
        level = "none"

    return {
        "siren": record.siren, "name": record.name, "kind": record.kind, "insee": record.insee,
        "dep": record.dep, "region": record.region, "epci_siren": record.epci_siren,
        "observatoire_type": record.observatoire_type if record.kind != "epci" or record.epci_nature else "",
        "population_totale": record.population_totale,
        "population_vintage": record.population_vintage,
        "population_band": band.code if band else None,
        "obligation": {"status": obligation.status, "automatic_status": obligation.automatic_status,
                       "decided_by": obligation.decided_by, "reasoning": obligation.reasoning},
        "obliged": obligation.obliged,
        "open": is_open, "dataset_count": len(public), "resource_count": len(resources),
        "private_dataset_count": len(datasets) - len(public),
        "last_publication": iso(last), "first_publication": iso(first),
        "scdl": {"expected": expected, "present": present, "valid": valid_cells,
                 "coverage": ratio(present, len(expected)), "cells": cells,
                 "published": schemas_published},
        "conformity": {**ratio(len(valid), len(checked)), "schema_resources": len(with_schema),
                       "error_count": sum(r.conformity_error_count or 0 for r in invalid),
                       "worst": [{"resource_id": r.id, "schema": r.schema_name,
                                  "error_count": r.conformity_error_count} for r in invalid[:5]],
                       "top_errors": top_error_types(invalid, 5)},
        "schema_up_to_date": ratio(len(on_latest), len(known)),
        "freshness": {**ratio(fresh_count, evaluated), "oldest_expected_days": oldest_expected},
        "metadata": {"score": mean_score, "band": metadata_band(mean_score), "fixes": fixes},
        "datasets": dataset_rows,
        "open_formats": ratio(open_resources, len(resources)),
        "dynamics": dynamics,
        "channels": {"counts": channel_counts, "main": main_channel, "last_harvest": iso(last_harvest),
                     "sources": sorted(sources.values(), key=lambda h: (h["title"], h["source_id"]))},
        "level": level,
    }


# -- territory -------------------------------------------------------------------------------

def _sum_ratio(rows: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    rows = list(rows)
    return ratio(sum(r["num"] for r in rows), sum(r["den"] for r in rows))


def territory_kpis(rows: Sequence[Mapping[str, Any]], previous: Mapping[str, Mapping[str, Any]] | None = None,
                   top_errors: Sequence[Mapping[str, Any]] = ()) -> dict[str, Any]:
    """Territory-level figures from the collectivités' indicators. ``previous`` holds last
    month's indicators by SIREN, to spot collectivités that disappeared (open then, not now);
    ``top_errors`` the territory's most frequent error types (``top_error_types``)."""
    previous = previous or {}
    open_now = {r["siren"] for r in rows if r["open"]}
    obliged = [r for r in rows if r["obliged"]]
    by_kind = {}
    for kind in ("commune", "epci", "departement", "region"):
        of_kind = [r for r in obliged if r["kind"] == kind]
        by_kind[kind] = ratio(sum(r["open"] for r in of_kind), len(of_kind))
    communes = [r for r in rows if r["kind"] == "commune"]
    by_band: dict[str, Any] = {}
    for r in communes:
        if r["population_band"]:
            entry = by_band.setdefault(r["population_band"], {"collectivites": 0, "open": 0,
                                                               "obliged": 0, "obliged_open": 0})
            entry["collectivites"] += 1
            entry["open"] += r["open"]
            entry["obliged"] += r["obliged"]
            entry["obliged_open"] += r["obliged"] and r["open"]
    open_epci = {r["siren"] for r in rows if r["kind"] == "epci" and r["open"]}
    population = sum(r["population_totale"] or 0 for r in communes)
    covered = sum(r["population_totale"] or 0 for r in communes if r["open"])
    covered_epci = sum(r["population_totale"] or 0 for r in communes
                       if r["open"] or r["epci_siren"] in open_epci)
    per_schema: dict[str, Counter] = {}
    for r in rows:
        for schema, cell in r["scdl"]["cells"].items():
            per_schema.setdefault(schema, Counter())[cell["state"]] += 1
    schemas = {}
    for schema, states in sorted(per_schema.items()):
        publishing = sum(n for state, n in states.items() if state != "absent")
        schemas[schema] = {"states": dict(states), "publishing": publishing,
                           "valid": ratio(states.get("valid", 0) + states.get("stale", 0), publishing)}
    coverage = [r["scdl"]["coverage"]["rate"] for r in rows if r["scdl"]["coverage"]["den"]]
    scores = [r["metadata"]["score"] for r in rows if r["metadata"]["score"] is not None]
    fixes: dict[str, dict[str, Any]] = {}
    for r in rows:
        for fix in r["metadata"]["fixes"]:
            entry = fixes.setdefault(fix["criterion"], {"criterion": fix["criterion"], "datasets": 0,
                                                        "points": fix["points"], "label": fix["label"]})
            entry["datasets"] += fix["datasets"]
    worst = sorted(({"siren": r["siren"], **w} for r in rows for w in r["conformity"]["worst"]),
                   key=lambda w: (-(w["error_count"] or 0), w["resource_id"]))
    median_score = round(statistics.median(scores), 1) if scores else None
    return {
        "collectivites": len(rows),
        "by_kind": dict(Counter(r["kind"] for r in rows)),
        "open": sum(r["open"] for r in rows),
        "obliged": len(obliged),
        "obligation": {**ratio(sum(r["open"] for r in obliged), len(obliged)), "by_kind": by_kind,
                       "by_band": by_band},
        "population_coverage": {**ratio(covered, population),
                                "with_epci": ratio(covered_epci, population)},
        "scdl_coverage": {"mean": round(statistics.fmean(coverage), 4) if coverage else None,
                          "schemas": schemas},
        "conformity": {**_sum_ratio(r["conformity"] for r in rows),
                       "error_count": sum(r["conformity"]["error_count"] for r in rows),
                       "worst": worst[:10],
                       # Error types need the full reports; without them the worst
                       # resources (from the summaries) are what the overview lists.
                       "top_errors": [{**entry, "hint": messages.hint(entry["type"])} for entry in top_errors]},
        "schema_up_to_date": _sum_ratio(r["schema_up_to_date"] for r in rows),
        "freshness": _sum_ratio(r["freshness"] for r in rows),
        "metadata": {"median": median_score, "band": metadata_band(median_score),
                     "fixes": sorted(fixes.values(), key=lambda f: (-f["datasets"] * f["points"],
                                                                   f["criterion"]))},
        "open_formats": _sum_ratio(r["open_formats"] for r in rows),
        "dynamics": {
            **{f"new_{d}": sum(r["dynamics"][f"new_{d}"] for r in rows) for d in (30, 90, 365)},
            **{f"newly_open_{d}": sum(r["dynamics"][f"newly_open_{d}"] for r in rows) for d in (30, 90, 365)},
            "gone_quiet": sum(r["dynamics"]["gone_quiet"] for r in rows),
            "disappeared": sorted(s for s, old in previous.items() if old.get("open") and s not in open_now),
        },
        "channels": dict(Counter(r["channels"]["main"] for r in rows if r["channels"]["main"])),
        "levels": {level: sum(1 for r in rows if r["level"] == level) for level in LEVELS},
        "datasets": sum(r["dataset_count"] for r in rows),
        "private_datasets": sum(r["private_dataset_count"] for r in rows),
    }
