"""Read collectivités (communes, EPCI, départements, régions) and commune outlines.

Two sources give the same typed records:
- the national file shipped in ``data/collectivites.csv.gz`` (see ``data/VINTAGE.json`` and
  ``scripts/build_territories.py``), via :func:`load_national`;
- a folder in the format of the project's territory extracts (``communes_XX.csv``,
  ``epci_XX.csv``, ``epci_membres_XX.csv``, ``collectivites_XX.csv``), via :func:`load_extract`.

SIREN is the key: INSEE codes change with commune mergers, SIRENs do not.
"""
from __future__ import annotations

import csv
import gzip
import json
import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent / "data"
NATIONAL_FILE = DATA_DIR / "collectivites.csv.gz"
VINTAGE_FILE = DATA_DIR / "VINTAGE.json"
MORBIHAN_OUTLINES = DATA_DIR / "communes_56.geojson"

KINDS = ("commune", "epci", "departement", "region")
# Type codes used by the Observatoire and the extracts, mapped to our kinds.
TYPE_CODES = {"COM": "commune", "DEP": "departement", "REG": "region", "CTU": "region",
              "CC": "epci", "CA": "epci", "CU": "epci", "METRO": "epci", "MET": "epci",
              "MET69": "epci"}
# Observatoire type of each kind (EPCI use their nature instead).
OBSERVATOIRE_TYPES = {"commune": "COM", "departement": "DEP", "region": "REG"}


@dataclass(frozen=True, slots=True)
class Collectivite:
    siren: str
    kind: str
    name: str
    insee: str | None = None
    dep: str | None = None
    region: str | None = None
    population_totale: int | None = None
    population_municipale: int | None = None
    population_vintage: int | None = None
    epci_siren: str | None = None
    # For an EPCI its own nature (CC, CA, CU, METRO, MET69); for a commune its EPCI's.
    epci_nature: str | None = None
    epci_financing: str | None = None
    arrondissement: str | None = None
    zone: str | None = None
    covers_deps: tuple[str, ...] = ()
    # "departement" or "region" when the collectivité also holds that level's competences.
    also_exercises: str | None = None

    @property
    def code(self) -> str:
        """INSEE code, or the SIREN for EPCI (which have no INSEE code)."""
        return self.insee or self.siren

    @property
    def observatoire_type(self) -> str:
        """Type code in the Observatoire's layout (COM, DEP, REG, CC, CA, CU, MET)."""
        if self.kind == "epci":
            return "MET" if (self.epci_nature or "").startswith("MET") else (self.epci_nature or "")
        return OBSERVATOIRE_TYPES[self.kind]

    def departements(self) -> tuple[str, ...]:
        """Départements this collectivité lies in or covers."""
        if self.covers_deps:
            return self.covers_deps
        return (self.dep,) if self.dep else ()


@dataclass(slots=True)
class Reference:
    """An in-memory set of collectivités with lookups and territorial filtering."""

    records: tuple[Collectivite, ...]
    vintage: dict[str, Any] = field(default_factory=dict)
    _by_siren: dict[str, Collectivite] = field(init=False, repr=False)
    _communes: dict[str, Collectivite] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.records = tuple(self.records)
        self._by_siren = {}
        for record in self.records:
            if record.siren in self._by_siren:
                raise ValueError(f"SIREN {record.siren} appears twice")
            self._by_siren[record.siren] = record
        self._communes = {r.insee: r for r in self.records if r.kind == "commune" and r.insee}

    def __len__(self) -> int:
        return len(self.records)

    def __iter__(self) -> Iterator[Collectivite]:
        return iter(self.records)

    def get(self, siren: str) -> Collectivite | None:
        return self._by_siren.get(siren)

    def commune(self, insee: str) -> Collectivite | None:
        return self._communes.get(insee)

    def commune_codes(self) -> frozenset[str]:
        return frozenset(self._communes)

    def of_kind(self, kind: str) -> list[Collectivite]:
        return [r for r in self.records if r.kind == kind]

    def counts(self) -> dict[str, int]:
        return {kind: sum(1 for r in self.records if r.kind == kind) for kind in KINDS}

    def epci_members(self, epci_siren: str) -> list[Collectivite]:
        return [r for r in self._communes.values() if r.epci_siren == epci_siren]

    def filter(self, *, dep: str | Iterable[str] | None = None,
               region: str | Iterable[str] | None = None,
               epci: str | Iterable[str] | None = None,
               communes: Iterable[str] | None = None,
               include_upper: bool = True) -> Reference:
        """The communes matching every given criterion (département codes, région codes, EPCI
        SIRENs, INSEE codes), plus, with ``include_upper``, the collectivités above them: their
        EPCI and the départements and régions covering them (an ATD territory)."""
        deps, regions, epcis = _as_set(dep), _as_set(region), _as_set(epci)
        codes = _as_set(communes)
        selected = [c for c in self._communes.values()
                    if (deps is None or c.dep in deps) and (regions is None or c.region in regions)
                    and (epcis is None or c.epci_siren in epcis) and (codes is None or c.insee in codes)]
        keep = {c.siren for c in selected}
        if include_upper:
            keep |= {c.epci_siren for c in selected if c.epci_siren}
            sel_deps = {c.dep for c in selected}
            sel_regions = {c.region for c in selected}
            for record in self.records:
                if record.kind == "departement" and sel_deps & set(record.departements()):
                    keep.add(record.siren)
                elif record.kind == "region" and record.insee in sel_regions:
                    keep.add(record.siren)
        return Reference(tuple(r for r in self.records if r.siren in keep), dict(self.vintage))


def _as_set(value: str | Iterable[str] | None) -> set[str] | None:
    if value is None:
        return None
    return {value} if isinstance(value, str) else set(value)


def _int(value: str | None) -> int | None:
    return int(value) if value not in (None, "") else None


def _text(value: str | None) -> str | None:
    return value or None


# -- national file -------------------------------------------------------------------------

def read_national(path: Path | str = NATIONAL_FILE, vintage_path: Path | str | None = None) -> Reference:
    """Read a national file written by scripts/build_territories.py."""
    path = Path(path)
    vintage_path = Path(vintage_path) if vintage_path else path.with_name("VINTAGE.json")
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8", newline="") as handle:
        records = [Collectivite(
            siren=row["siren"], kind=row["kind"], name=row["name"], insee=_text(row["insee"]),
            dep=_text(row["dep"]), region=_text(row["region"]),
            population_totale=_int(row["population_totale"]),
            population_municipale=_int(row["population_municipale"]),
            population_vintage=_int(row["population_vintage"]), epci_siren=_text(row["epci_siren"]),
            epci_nature=_text(row["epci_nature"]), epci_financing=_text(row["epci_financing"]),
            arrondissement=_text(row["arrondissement"]), zone=_text(row["zone"]),
            covers_deps=tuple(row["covers_deps"].split()), also_exercises=_text(row["also_exercises"]),
        ) for row in csv.DictReader(handle)]
    vintage = json.loads(vintage_path.read_text(encoding="utf-8")) if vintage_path.exists() else {}
    return Reference(tuple(records), vintage)


@lru_cache(maxsize=1)
def load_national() -> Reference:
    """The national reference shipped with the extension (cached; records are immutable)."""
    return read_national()


def national_vintage() -> dict[str, Any]:
    return json.loads(VINTAGE_FILE.read_text(encoding="utf-8"))


# -- extracts in the format of reference/territories/ ---------------------------------------

def load_extract(directory: Path | str, *, population_vintage: int | None = None,
                 epci_population_vintage: int | None = None) -> Reference:
    """Read every ``communes_*.csv``, ``epci_*.csv``, ``epci_membres_*.csv`` and
    ``collectivites_*.csv`` of a folder. The files do not carry their vintages, so pass them."""
    directory = Path(directory)
    member_deps: dict[str, set[str]] = {}
    for row in _rows(directory, "epci_membres_*.csv"):
        member_deps.setdefault(row["epci_siren"], set()).add(row["commune_departement"])

    records: dict[str, Collectivite] = {}
    commune_regions: dict[str, str] = {}
    for row in _rows(directory, "communes_*.csv"):
        records[row["siren"]] = Collectivite(
            siren=row["siren"], kind="commune", name=row["nom"], insee=row["code_insee"],
            dep=row["departement"], region=row["region"],
            population_totale=_int(row["population_totale"]),
            population_municipale=_int(row["population_municipale"]),
            population_vintage=population_vintage, epci_siren=_text(row["epci_siren"]),
            epci_nature=_text(row["epci_nature"]), arrondissement=_text(row.get("arrondissement")))
        commune_regions[row["departement"]] = row["region"]
    for row in _rows(directory, "epci_*.csv", exclude="epci_membres_"):
        deps = tuple(sorted(member_deps.get(row["siren"], ())))
        records[row["siren"]] = Collectivite(
            siren=row["siren"], kind="epci", name=row["nom"], dep=_text(row["departement_siege"]),
            region=commune_regions.get(row["departement_siege"]),
            population_totale=_int(row["population_totale"]),
            population_municipale=_int(row["population_municipale"]),
            population_vintage=epci_population_vintage, epci_nature=_text(row["nature_juridique"]),
            epci_financing=_text(row.get("mode_financement")), covers_deps=deps)
    for row in _rows(directory, "collectivites_*.csv"):
        kind = TYPE_CODES[row["type"]]
        code = row["code_insee"]
        if kind == "departement":
            dep, region, deps = code, commune_regions.get(code), (code,)
        else:
            dep, region = None, code
            deps = tuple(sorted(d for d, r in commune_regions.items() if r == code))
        records[row["siren"]] = Collectivite(siren=row["siren"], kind=kind, name=row["nom"],
                                             insee=code, dep=dep, region=region, covers_deps=deps)
    vintage = {"population_communes": {"vintage": population_vintage},
               "population_epci": {"vintage": epci_population_vintage}, "source": str(directory)}
    return Reference(tuple(records.values()), vintage)


def _rows(directory: Path, pattern: str, exclude: str | None = None) -> Iterator[dict[str, str]]:
    for path in sorted(directory.glob(pattern)):
        if exclude and path.name.startswith(exclude):
            continue
        with path.open(encoding="utf-8-sig", newline="") as handle:
            yield from csv.DictReader(handle)


# -- outlines and SVG ------------------------------------------------------------------------

def load_outlines(source: Path | str | Mapping[str, Any],
                  code_property: str = "code_insee") -> dict[str, dict[str, Any]]:
    """``{insee: geometry}`` from a GeoJSON FeatureCollection (a path or the parsed object).
    Features without the code property or without a (Multi)Polygon geometry are skipped."""
    if isinstance(source, Mapping):
        collection = source
    else:
        collection = json.loads(Path(source).read_text(encoding="utf-8"))
    outlines = {}
    for feature in collection.get("features", ()):
        code = (feature.get("properties") or {}).get(code_property)
        geometry = feature.get("geometry") or {}
        if code and geometry.get("type") in ("Polygon", "MultiPolygon"):
            outlines[str(code)] = geometry
    return outlines


def _polygons(geometry: Mapping[str, Any]) -> list[list[list[list[float]]]]:
    if geometry["type"] == "Polygon":
        return [geometry["coordinates"]]
    return list(geometry["coordinates"])


def geometry_to_svg_paths(features: Mapping[str, Mapping[str, Any]] | Iterable[Mapping[str, Any]],
                          width: float, height: float, *, padding: float = 0.0,
                          precision: int = 1, code_property: str = "code_insee",
                          bounds: tuple[float, float, float, float] | None = None) -> dict[str, str]:
    """SVG path data (``d`` attributes) for each outline, fitted into width × height.

    ``features`` is ``{code: geometry}`` (as from :func:`load_outlines`) or GeoJSON features.
    The projection is equirectangular with longitudes scaled by the cosine of the mean
    latitude, which keeps shapes right at the scale of a département; north is up and the
    aspect ratio is kept (the drawing is centred in the box). ``bounds`` (min lon, min lat,
    max lon, max lat) frames the drawing instead of the outlines' own extent, so that two
    calls (communes, then EPCI reaching beyond them) share one projection.
    """
    if isinstance(features, Mapping):
        geometries = dict(features)
    else:
        geometries = load_outlines({"features": list(features)}, code_property)
    rings = [(code, polygon) for code, geometry in geometries.items() for polygon in _polygons(geometry)]
    points = [pt for _, polygon in rings for ring in polygon for pt in ring]
    if not points:
        return {}
    if bounds is None:
        lons, lats = [p[0] for p in points], [p[1] for p in points]
        bounds = (min(lons), min(lats), max(lons), max(lats))
    kx = math.cos(math.radians((bounds[1] + bounds[3]) / 2))
    x0, x1 = bounds[0] * kx, bounds[2] * kx
    y0, y1 = bounds[1], bounds[3]
    inner_w, inner_h = width - 2 * padding, height - 2 * padding
    scale = min(inner_w / ((x1 - x0) or 1), inner_h / ((y1 - y0) or 1))
    offset_x = padding + (inner_w - (x1 - x0) * scale) / 2
    offset_y = padding + (inner_h - (y1 - y0) * scale) / 2

    def fmt(value: float) -> str:
        text = f"{value:.{precision}f}".rstrip("0").rstrip(".")
        return "0" if text in ("-0", "") else text

    paths: dict[str, list[str]] = {}
    for code, polygon in rings:
        parts = paths.setdefault(code, [])
        for ring in polygon:
            coords = [(offset_x + (lon * kx - x0) * scale, offset_y + (y1 - lat) * scale)
                      for lon, lat, *_ in ring]
            if len(coords) < 3:
                continue
            head, *tail = coords
            parts.append("M" + fmt(head[0]) + " " + fmt(head[1])
                         + "".join("L" + fmt(x) + " " + fmt(y) for x, y in tail) + "Z")
    return {code: "".join(parts) for code, parts in paths.items() if parts}
