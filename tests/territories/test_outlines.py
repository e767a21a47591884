"""The national outlines shipped with the suite, the TopoJSON reader, the map's drawing core
and ``ckan opendatalocale territories import-outlines``."""
from __future__ import annotations

import gzip
import json

import pytest
from ckan import model
from click.testing import CliRunner

from ckanext.opendatalocale.cli import suite_group
from ckanext.opendatalocale.dashboard import territory_map
from ckanext.opendatalocale.dashboard import cli as feature_cli
from ckanext.opendatalocale.territories.model import collectivite
from ckanext.opendatalocale.territories import outlines, reference, store
from tests.helpers import fixture_path

opendatalocale = suite_group(*feature_cli.COMMANDS)


def test_the_shipped_outlines_cover_the_national_reference():
    vintage = outlines.vintage()
    assert outlines.NATIONAL_OUTLINES.stat().st_size < 3_000_000  # a few MB for the whole country
    communes, epci = outlines.read_outlines(outlines.NATIONAL_OUTLINES)
    national = reference.load_national()
    codes = {r.insee for r in national.of_kind("commune")}
    assert len(communes) == vintage["counts"]["communes"] == len(codes) - len(vintage["communes_without_outline"])
    assert set(communes) <= codes and not set(vintage["communes_without_outline"]) & set(communes)
    assert set(epci) == {r.siren for r in national.of_kind("epci")}
    # Rennes lies inside its outline's box (lon, lat).
    lons = [x for x, _ in communes["35238"]["coordinates"][0]]
    lats = [y for _, y in communes["35238"]["coordinates"][0]]
    assert min(lons) < -1.68 < max(lons) and min(lats) < 48.11 < max(lats)


def test_topojson_arcs_are_decoded_and_shared():
    # Two squares sharing the arc x=1, quantized with a scale of 0.5.
    topology = {"type": "Topology", "transform": {"scale": [0.5, 0.5], "translate": [10, 40]},
                "arcs": [[[2, 0], [0, 2]], [[2, 2], [-2, 0], [0, -2], [2, 0]], [[2, 0], [2, 0], [0, 2], [-2, 0]]],
                "objects": {"communes": {"type": "GeometryCollection", "geometries": [
                    {"type": "Polygon", "arcs": [[0, 1]], "properties": {"code_insee": "A"}},
                    {"type": "Polygon", "arcs": [[2, -1]], "properties": {"code_insee": "B"}},
                    {"type": None, "properties": {"code_insee": "C"}}]}}}
    features = {f["properties"]["code_insee"]: f["geometry"] for f in outlines.topology_features(topology, "communes")}
    assert features["A"]["coordinates"] == [[[11, 40], [11, 41], [10, 41], [10, 40], [11, 40]]]
    assert features["B"]["coordinates"] == [[[11, 40], [12, 40], [12, 41], [11, 41], [11, 40]]]
    assert "C" not in features


def _row(insee, epci, obliged=False, is_open=False, level="none"):
    return {"insee": insee, "siren": f"2{insee}000", "name": insee, "epci_siren": epci, "obliged": obliged,
            "open": is_open, "level": level, "population_totale": 100, "scdl": {"coverage": {"rate": None}},
            "conformity": {"rate": None}, "freshness": {"rate": None}}


def test_the_map_core_draws_what_has_an_outline_and_grids_the_rest():
    square = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]}
    wide = {"type": "Polygon", "coordinates": [[[-5, -5], [6, -5], [6, 6], [-5, 6], [-5, -5]]]}
    rows = [_row("00001", "E1", obliged=True), _row("00002", "E1", level="bronze", is_open=True), _row("00003", None)]
    drawing = territory_map.build(rows, {"00001": square, "00002": square}, {"E1": wide}, "level")
    assert [s["css"] for s in drawing["shapes"]] == ["c-none", "c-bronze"]
    assert [s["hatched"] for s in drawing["shapes"]] == [True, False]
    assert drawing["legend"] == [("c-bronze", 1), ("c-none", 2)] and drawing["hatched"] == 1
    # The EPCI is drawn in the communes' frame: it reaches past the drawing's edges.
    assert drawing["epci_paths"]["E1"].startswith("M-")
    groups = territory_map.grid(drawing["missing"], {"E1": "CC Un"}, "level", "Sans EPCI")
    assert [(g["name"], [c["row"]["insee"] for c in g["cells"]]) for g in groups] == [("Sans EPCI", ["00003"])]


@pytest.mark.ckan_config("ckan.plugins", "opendatalocale_search opendatalocale_dashboard")
@pytest.mark.usefixtures("with_plugins", "odl_db")
def test_import_outlines_from_the_shipped_file_or_a_geojson(tmp_path):
    conn = model.Session.connection()
    conn.execute(collectivite.delete())  # CKAN's clean_db leaves the suite's tables as they were
    store.import_reference(conn, reference.load_national().filter(dep={"29"}), "national")
    model.Session.commit()

    def run(*args):
        return CliRunner().invoke(opendatalocale, ["territories", "import-outlines", *args])

    result = run()
    assert result.exit_code == 0, result.output
    count = len(reference.load_national().filter(dep={"29"}).of_kind("commune"))
    assert f"{count} commune outlines loaded" in result.output
    assert len(store.geometries(model.Session.connection(), [r.siren for r in reference.load_national().filter(
        dep={"29"}).of_kind("epci")], kind="epci")) >= 20
    # A GeoJSON of communes whose code sits in another property, gzipped.
    brest = {"type": "Feature", "properties": {"code": "29019"},
             "geometry": {"type": "Polygon", "coordinates": [[[-4.5, 48.4], [-4.4, 48.4], [-4.4, 48.45], [-4.5, 48.4]]]}}
    path = tmp_path / "communes.geojson.gz"
    path.write_bytes(gzip.compress(json.dumps({"type": "FeatureCollection", "features": [brest]}).encode()))
    result = run("--from", str(path), "--code-property", "code")
    assert result.exit_code == 0 and "1 commune outlines loaded" in result.output
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    result = run("--from", str(broken))
    assert result.exit_code != 0 and "broken.json" in result.output
    result = run("--from", str(fixture_path("reference", "territories", "communes_56.geojson")))
    assert result.exit_code == 0 and "0 commune outlines loaded" in result.output  # none of 56 imported
