"""Commune and EPCI outlines: read them from GeoJSON or TopoJSON files (plain or gzipped).

The suite ships ``data/outlines.topojson.gz``: every commune (object ``communes``, property
``code_insee``) and every EPCI à fiscalité propre (object ``epci``, property ``siren``),
simplified for the web with their shared borders kept once (TopoJSON). Its provenance and
vintage are in ``data/OUTLINES.json``; ``scripts/build_outlines.py`` regenerates it.
No CKAN import: the CLI, the tests and the build script share this module.
"""
from __future__ import annotations

import gzip
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .reference import DATA_DIR, load_outlines

NATIONAL_OUTLINES = DATA_DIR / "outlines.topojson.gz"
OUTLINES_VINTAGE = DATA_DIR / "OUTLINES.json"


def read_json(path: Path | str) -> dict[str, Any]:
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        return json.load(handle)


def _decoded_arcs(topology: Mapping[str, Any]) -> list[list[list[float]]]:
    """Absolute coordinates of every arc (quantized arcs are delta-encoded)."""
    transform = topology.get("transform")
    arcs = []
    for arc in topology["arcs"]:
        if transform:
            (kx, ky), (dx, dy) = transform["scale"], transform["translate"]
            x = y = 0
            points = []
            for px, py, *_ in arc:
                x, y = x + px, y + py
                points.append([round(x * kx + dx, 6), round(y * ky + dy, 6)])
        else:
            points = [[px, py] for px, py, *_ in arc]
        arcs.append(points)
    return arcs


def _ring(indexes: list[int], arcs: list[list[list[float]]]) -> list[list[float]]:
    ring: list[list[float]] = []
    for index in indexes:
        points = arcs[index] if index >= 0 else arcs[~index][::-1]
        # Consecutive arcs share their junction point.
        ring.extend(points[1:] if ring else points)
    return ring


def topology_features(topology: Mapping[str, Any], name: str) -> list[dict[str, Any]]:
    """The GeoJSON features of one object of a TopoJSON topology."""
    arcs = _decoded_arcs(topology)
    features = []
    for geometry in topology["objects"][name].get("geometries", ()):
        kind = geometry.get("type")
        if kind == "Polygon":
            shape = {"type": "Polygon", "coordinates": [_ring(r, arcs) for r in geometry["arcs"]]}
        elif kind == "MultiPolygon":
            shape = {"type": "MultiPolygon",
                     "coordinates": [[_ring(r, arcs) for r in polygon] for polygon in geometry["arcs"]]}
        else:
            continue  # points, lines and null geometries are not outlines
        features.append({"type": "Feature", "properties": geometry.get("properties") or {},
                         "geometry": shape})
    return features


def read_outlines(path: Path | str, *, communes_property: str = "code_insee",
                  epci_property: str = "siren") -> tuple[dict[str, dict], dict[str, dict]]:
    """``({insee: geometry}, {epci_siren: geometry})`` from a TopoJSON file with objects
    ``communes`` and optionally ``epci``, or from a GeoJSON FeatureCollection of communes."""
    data = read_json(path)
    if data.get("type") == "Topology":
        objects = data.get("objects") or {}
        if "communes" not in objects:
            raise ValueError("TopoJSON without a 'communes' object")
        communes = load_outlines({"features": topology_features(data, "communes")}, communes_property)
        epci = (load_outlines({"features": topology_features(data, "epci")}, epci_property)
                if "epci" in objects else {})
        return communes, epci
    if data.get("type") == "FeatureCollection":
        return load_outlines(data, communes_property), {}
    raise ValueError("neither a GeoJSON FeatureCollection nor a TopoJSON topology")


def vintage() -> dict[str, Any]:
    return json.loads(OUTLINES_VINTAGE.read_text(encoding="utf-8"))
