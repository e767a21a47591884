"""National file, Morbihan extract, outlines and SVG projection."""
from __future__ import annotations

import re

import pytest

from ckanext.opendatalocale.territories import reference as ref
from ckanext.opendatalocale.territories.codes import is_valid_siren
from tests.helpers import fixture_path

EXTRACT = fixture_path("reference", "territories")


@pytest.fixture(scope="module")
def national():
    return ref.load_national()


@pytest.fixture(scope="module")
def morbihan():
    return ref.load_extract(EXTRACT, population_vintage=2023, epci_population_vintage=2022)


def test_national_counts_match_vintage(national):
    # COG 2026: 34 875 communes (COM communes without SIREN left out), 1 255 EPCI;
    # 95 collectivités départementales + 17 régionales (Mayotte counted once, as département).
    assert national.counts() == {"commune": 34875, "epci": 1255, "departement": 95, "region": 17}
    assert national.vintage["counts"] == national.counts()
    assert national.vintage["package_version"] == "6.0.0"
    assert national.vintage["cog"] == 2026
    assert national.vintage["population_communes"]["vintage"] == 2023


def test_national_departement_level_covers_all_101_departements(national):
    covered = {d for r in national if r.kind == "departement" or r.also_exercises == "departement"
               for d in r.departements()}
    assert len(covered) == 101
    regions = {r.insee for r in national.of_kind("region")} | {
        "06" for r in national if r.also_exercises == "region"}
    assert len(regions) == 18


def test_national_records_are_typed_and_valid(national):
    assert all(is_valid_siren(r.siren) for r in national)
    rennes = national.commune("35238")
    assert rennes.siren == "213502388" and rennes.epci_nature == "METRO"
    assert rennes.population_totale > rennes.population_municipale > 200_000
    assert rennes.population_vintage == 2023
    assert national.get(rennes.epci_siren).name == "Rennes Métropole"
    alsace = national.get("200094332")
    assert (alsace.kind, alsace.insee, alsace.covers_deps) == ("departement", "6AE", ("67", "68"))
    assert national.get("217500016").also_exercises == "departement"  # Ville de Paris
    assert national.commune("97611").population_vintage == 2017  # Mayotte census
    commune_ptot = sum(1 for r in national.of_kind("commune") if r.population_totale >= 3500)
    assert commune_ptot == national.vintage["communes_ptot_ge_3500"] == 3318


def test_national_agrees_with_morbihan_extract(national, morbihan):
    for commune in morbihan.of_kind("commune"):
        other = national.commune(commune.insee)
        assert (other.siren, other.name, other.population_totale, other.population_municipale,
                other.epci_siren) == (commune.siren, commune.name, commune.population_totale,
                                      commune.population_municipale, commune.epci_siren)
    for epci in morbihan.of_kind("epci"):
        assert national.get(epci.siren).population_totale == epci.population_totale


def test_filter_by_departement_gives_atd_territory(national):
    territory = national.filter(dep="56")
    assert territory.counts() == {"commune": 249, "epci": 15, "departement": 1, "region": 1}
    assert sum(1 for c in territory.of_kind("commune") if c.population_totale >= 3500) == 58
    only = national.filter(dep="56", include_upper=False)
    assert only.counts()["commune"] == 249 and len(only) == 249


def test_filter_by_epci_and_region(national):
    redon = national.filter(epci="243500741")
    assert {c.dep for c in redon.of_kind("commune")} == {"35", "44", "56"}
    assert len(redon.of_kind("departement")) == 3 and len(redon.of_kind("region")) == 2
    bretagne = national.filter(region="53", include_upper=False)
    assert {c.dep for c in bretagne} == {"22", "29", "35", "56"}
    both = national.filter(region="53", dep="56", include_upper=False)
    assert len(both) == 249


def test_morbihan_extract_loads(morbihan):
    assert morbihan.counts() == {"commune": 249, "epci": 15, "departement": 1, "region": 1}
    allaire = morbihan.commune("56001")
    assert (allaire.siren, allaire.population_totale, allaire.population_vintage) == ("215600016", 4040, 2023)
    redon = morbihan.get("243500741")
    assert redon.covers_deps == ("35", "44", "56") and redon.population_vintage == 2022
    assert morbihan.get("225600014").region == "53"
    assert len(morbihan.epci_members("200027027")) == 12
    assert len(morbihan.filter(epci="200027027")) == 12 + 1 + 1 + 1


def test_duplicate_siren_is_refused():
    one = ref.Collectivite(siren="225600014", kind="departement", name="Morbihan")
    with pytest.raises(ValueError):
        ref.Reference((one, one))


def test_outlines_and_svg_paths(national):
    outlines = ref.load_outlines(ref.MORBIHAN_OUTLINES)
    assert len(outlines) == 249
    assert set(outlines) == {c.insee for c in national.filter(dep="56").of_kind("commune")}
    paths = ref.geometry_to_svg_paths(outlines, 800, 600, padding=10)
    assert set(paths) == set(outlines)
    numbers = [float(n) for d in paths.values() for n in re.findall(r"-?\d+(?:\.\d+)?", d)]
    xs, ys = numbers[0::2], numbers[1::2]
    assert min(xs) >= 10 and max(xs) <= 790 and min(ys) >= 10 and max(ys) <= 590
    # Aspect kept: the drawing touches both vertical or both horizontal padding lines.
    assert (min(xs), max(xs)) == (10, 790) or (min(ys), max(ys)) == (10, 590)
    assert all(re.fullmatch(r"(M[\d. ]+(L[\d. ]+)+Z)+", d) for d in paths.values())


def test_svg_projection_orientation_and_features_input():
    square = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]}
    north = {"type": "Polygon", "coordinates": [[[0, 1], [1, 1], [1, 2], [0, 2], [0, 1]]]}
    features = [{"type": "Feature", "properties": {"code_insee": "A"}, "geometry": square},
                {"type": "Feature", "properties": {"code_insee": "B"}, "geometry": north},
                {"type": "Feature", "properties": {}, "geometry": square}]
    paths = ref.geometry_to_svg_paths(features, 100, 200)
    assert set(paths) == {"A", "B"}
    # North is up: the northern square fills the top half of the 100 × 200 box.
    assert paths["B"] == "M0 100L100 100L100 0L0 0L0 100Z"
    assert paths["A"] == "M0 200L100 200L100 100L0 100L0 200Z"
    assert ref.geometry_to_svg_paths({}, 10, 10) == {}
