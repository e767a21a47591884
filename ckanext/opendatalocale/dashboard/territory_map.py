"""What the territory map draws (no CKAN import): a colour class per commune for the chosen
indicator, the legend with counts, commune and EPCI outlines in one projection, and, for the
communes without an outline, a tile-free grid grouped by EPCI.

Colours are a single-hue blue ramp for rates (readable by colour-blind readers, and at 700
communes), medal tints for levels; "obliged and not open" is hatched over any indicator."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ckanext.opendatalocale.territories.reference import geometry_to_svg_paths

INDICATORS = ("level", "open", "obligation", "scdl", "conformity", "freshness")
# Legend order per indicator: classes from the best to "nothing".
CLASSES = {
    "level": ("c-gold", "c-silver", "c-bronze", "c-none"),
    "open": ("c-good", "c-none"),
    "obligation": ("c-good", "c-bad", "c-neutral"),
    "scdl": ("c-best", "c-good", "c-mid", "c-bad", "c-none"),
    "conformity": ("c-best", "c-good", "c-mid", "c-bad", "c-none"),
    "freshness": ("c-best", "c-good", "c-mid", "c-bad", "c-none"),
}
WIDTH, HEIGHT = 900, 700


def colour_class(row: Mapping[str, Any], indicator: str) -> str:
    if indicator == "open":
        return "c-good" if row["open"] else "c-none"
    if indicator == "obligation":
        if not row["obliged"]:
            return "c-neutral"
        return "c-good" if row["open"] else "c-bad"
    if indicator == "level":
        return {"gold": "c-gold", "silver": "c-silver", "bronze": "c-bronze"}.get(row["level"], "c-none")
    ratio = {"scdl": row["scdl"]["coverage"], "conformity": row["conformity"],
             "freshness": row["freshness"]}[indicator]
    rate = ratio.get("rate")
    if rate is None:
        return "c-none"
    return "c-best" if rate >= 0.99 else "c-good" if rate >= 0.5 else "c-mid" if rate > 0 else "c-bad"


def hatched(row: Mapping[str, Any]) -> bool:
    """Obliged and not open: what the animateur looks for first."""
    return bool(row["obliged"]) and not row["open"]


def _bounds(geometries: Mapping[str, Mapping[str, Any]]) -> tuple[float, float, float, float] | None:
    xs, ys = [], []
    for geometry in geometries.values():
        polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
        for polygon in polygons:
            for x, y, *_ in polygon[0]:  # the outer ring bounds the polygon
                xs.append(x)
                ys.append(y)
    return (min(xs), min(ys), max(xs), max(ys)) if xs else None


def build(rows: Sequence[Mapping[str, Any]], commune_outlines: Mapping[str, Mapping[str, Any]],
          epci_outlines: Mapping[str, Mapping[str, Any]], indicator: str) -> dict[str, Any]:
    """Shapes (row, path, class, hatched), EPCI border paths, the rows without an outline and
    the legend ``[(class, count)]`` in the indicator's order (classes with no commune left out)."""
    drawn = {row["insee"]: commune_outlines[row["insee"]] for row in rows if row["insee"] in commune_outlines}
    frame = _bounds(drawn)
    paths = geometry_to_svg_paths(drawn, WIDTH, HEIGHT, padding=6, bounds=frame) if frame else {}
    epci_paths: dict[str, str] = {}
    if frame:
        # In the communes' frame: an EPCI reaching beyond the territory is cut at the edge.
        sirens = {row["epci_siren"] for row in rows if row.get("epci_siren")}
        epci_paths = geometry_to_svg_paths({s: epci_outlines[s] for s in sirens if s in epci_outlines},
                                           WIDTH, HEIGHT, padding=6, bounds=frame)
    shapes = [{"row": row, "d": paths[row["insee"]], "css": colour_class(row, indicator),
               "hatched": hatched(row)} for row in rows if row["insee"] in paths]
    missing = [row for row in rows if row["insee"] not in paths]
    counts: dict[str, int] = {}
    for row in rows:
        css = colour_class(row, indicator)
        counts[css] = counts.get(css, 0) + 1
    legend = [(css, counts[css]) for css in CLASSES[indicator] if counts.get(css)]
    return {"shapes": shapes, "epci_paths": epci_paths, "missing": missing, "legend": legend,
            "hatched": sum(1 for row in rows if hatched(row)), "width": WIDTH, "height": HEIGHT}


def grid(rows: Sequence[Mapping[str, Any]], epci_names: Mapping[str, str], indicator: str,
         other: str) -> list[dict[str, Any]]:
    """The communes grouped by EPCI (by name; ``other`` heads those in no EPCI of the
    territory), largest first within a group, each with its colour class."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(row.get("epci_siren") or "", []).append(
            {"row": row, "css": colour_class(row, indicator), "hatched": hatched(row)})
    result = []
    for siren, cells in groups.items():
        cells.sort(key=lambda cell: (-(cell["row"].get("population_totale") or 0), cell["row"]["name"]))
        result.append({"siren": siren, "name": epci_names.get(siren) or other, "cells": cells})
    return sorted(result, key=lambda group: (group["name"] == other, group["name"]))
