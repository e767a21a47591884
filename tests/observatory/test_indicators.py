"""Indicators, comparisons and charts on the constructed territory, with exact values."""
from __future__ import annotations

import pytest

from ckanext.opendatalocale.observatory import charts, compare, compute
from ckanext.opendatalocale.observatory.stats import distribution, quantile, rank

from . import territory as t


@pytest.fixture(scope="module")
def figures():
    return compute.territory_figures(t.REFERENCE, t.rows_by_schema(), hidden_datasets=frozenset({"ds-private"}))


@pytest.fixture(scope="module")
def portal(figures):
    other = compute.territory_figures(t.OTHER_REFERENCE, {"scdl/subventions": t.other_subventions_rows()})
    return compare.portal_index([figures, other])


def test_quartiles_median_and_rank_by_linear_interpolation():
    assert quantile([1, 2, 3, 5], 0.25) == 1.75
    assert quantile([5, 1, 3, 2], 0.5) == 2.5
    assert quantile([1, 2, 3, 5], 0.75) == 3.5
    assert quantile([7], 0.25) == 7 and quantile([], 0.5) is None
    assert rank(2, [1, 2, 3, 5]) == 3 and rank(3, [3, 3, 1]) == 1 and rank(1, [3, 3, 1]) == 3
    assert distribution([None, 4]).as_dict() == {"count": 1, "q1": 4, "median": 4, "q3": 4, "min": 4, "max": 4}


def test_subventions_per_inhabitant_beneficiaries_and_nature(figures):
    subventions = figures["indicators"]["subventions"]
    arzon = subventions["values"][t.ARZON]
    assert arzon["headline"] == 2.0 and arzon["year"] == "2024"
    assert arzon["series"] == {"2023": 1.0, "2024": 2.0}
    assert arzon["years"]["2024"] == {"amount": 10000, "grants": 2, "beneficiaries": 2, "per_inhabitant": 2.0,
                                      "nature": {"aide en nature": 4000, "aide en numéraire": 6000}}
    # The hidden (private) dataset's 99,999 € never count.
    assert subventions["values"][t.BADEN]["headline"] == 3.0
    assert {s: v["headline"] for s, v in subventions["values"].items()} == {
        t.ARZON: 2.0, t.BADEN: 3.0, t.CARNAC: 1.0, t.DAMGAN: 5.0, t.FOUESNANT: 2.0}
    assert t.NOYAL not in subventions["values"] and subventions["publishers"] == 5
    assert subventions["period"] == ["2023", "2024"]
    # Territory: 100,000 € over the 43,000 inhabitants of the publishers in 2024.
    assert subventions["territory"]["series"] == {"2023": 1.0, "2024": round(100000 / 43000, 4)}
    assert subventions["territory"]["breakdown"] == {"aide en numéraire": 96000, "aide en nature": 4000}


def test_other_indicators(figures):
    ind = figures["indicators"]
    arzon = ind["deliberations"]["values"][t.ARZON]
    assert (arzon["headline"], arzon["year"]) == (4, "2025")
    assert arzon["years"]["2025"] == {"count": 4, "linked": 3, "linked_share": 0.75,
                                      "matiere": {"1": 1, "5": 1, "7": 2}}
    assert ind["deliberations"]["territory"]["series"] == {"2024": 1, "2025": 6}
    assert ind["deliberations"]["territory"]["breakdown"] == {"7": 2, "2": 2, "1": 1, "5": 1}
    equip = ind["equipements"]["values"][t.ARZON]
    assert equip["headline"] == 0.8 and equip["themes"]["Equipement sportif et de loisirs"] == {"count": 3, "per_1000": 0.6}
    assert ind["equipements"]["territory"]["headline"] == round(5 * 1000 / 13000, 4)
    irve = ind["irve"]["values"][t.ARZON]
    assert (irve["count"], irve["stations"], irve["headline"]) == (4, 1, 8.0)
    assert ind["defibrillateurs"]["values"][t.BADEN]["headline"] == 5.0  # 2 working of 3, 4,000 inhabitants
    budget = ind["budget"]["values"][t.CARNAC]
    assert budget["years"]["2024"] == {"document": "compte administratif", "total": 3_000_000, "per_inhabitant": 375.0,
                                       "sections": {"fonctionnement": 2_000_000, "investissement": 1_000_000}}
    assert (budget["headline"], budget["year"]) == (400.0, "2025")
    menus = ind["menus"]["values"][t.DAMGAN]
    assert menus["headline"] == 50.0 and menus["signs"] == {"AB": 2, "Label Rouge": 1}
    assert ind["prenoms"]["values"][t.ARZON]["years"]["2024"] == [["Gabriel", 4], ["Louise", 3]]
    assert ind["prenoms"]["territory"]["years"]["2024"] == [["Louise", 5], ["Gabriel", 4], ["Léo", 1]]


def test_band_table_and_ranking(figures):
    band = {row["band"]: row for row in compare.band_table("subventions", figures)}
    assert band["3500-10000"] == {"band": "3500-10000", "collectivites": 5, "publishers": 4, "count": 4,
                                  "q1": 1.75, "median": 2.5, "q3": 3.5, "min": 1.0, "max": 5.0}
    assert band["20000-50000"]["median"] == 2.0
    ranked = compare.ranking("subventions", figures)
    assert [(r["name"], r["rank"]) for r in ranked] == [("Damgan", 1), ("Baden", 2), ("Arzon", 3),
                                                         ("Fouesnant", 3), ("Carnac", 5)]


def test_comparison_of_a_publishing_commune(figures, portal):
    result = compare.compare(t.ARZON, "subventions", figures, portal)
    assert result["value"] == 2.0 and result["band"] == "3500-10000"
    assert {k: result["departement"][k] for k in ("count", "q1", "median", "q3", "rank")} == {
        "count": 4, "q1": 1.75, "median": 2.5, "q3": 3.5, "rank": 3}
    # The portal adds Quimperlé (29, 4.0 €/inhabitant).
    assert {k: result["portal"][k] for k in ("count", "q1", "median", "q3", "rank")} == {
        "count": 5, "q1": 2.0, "median": 3.0, "q3": 4.0, "rank": 4}
    epci = result["epci"]
    assert [(m["name"], m["value"], m["publishes"]) for m in epci["members"]] == [
        ("Arzon", 2.0, True), ("Baden", 3.0, True), ("Carnac", 1.0, True), ("Noyal", None, False)]
    assert (epci["median"], epci["rank"], epci["name"]) == (2.0, 2, "Golfe Communauté")
    assert [c["name"] for c in result["comparables"]] == ["Baden", "Damgan", "Carnac"]


def test_comparison_of_a_commune_that_does_not_publish(figures, portal):
    result = compare.compare(t.NOYAL, "subventions", figures, portal)
    assert result["publishes"] is False and result["value"] is None
    assert result["departement"]["median"] == 2.5 and "rank" not in result["departement"]
    assert "rank" not in result["epci"]
    assert all(not compare.compare(t.NOYAL, key, figures, portal)["publishes"]
               for key in figures["indicators"])


def test_resource_charts_come_from_the_rows_of_each_resource(figures):
    resource = figures["resources"][f"res-{t.ARZON}"]
    assert resource["rows"] == 3 and resource["schema"] == "scdl/subventions"
    by_key = {c["key"]: c["items"] for c in resource["charts"]}
    assert by_key == {"beneficiaires": [["Club nautique", 11000], ["Comité des fêtes", 4000]],
                      "nature": [["aide en nature", 4000], ["aide en numéraire", 11000]]}
    assert "res-private" not in figures["resources"]
    months = {c["key"]: c["items"] for c in figures["resources"][f"rd-{t.ARZON}"]["charts"]}["mois"]
    assert months == [["2024-12", 1], ["2025-01", 2], ["2025-02", 1], ["2025-03", 1]]


def test_svg_charts_escape_labels_and_describe_their_values():
    svg = charts.bars([("<script>", 2.0), ("Baden", 3.0)], "Subventions & co", highlight="Baden",
                      reference=("médiane", 2.5))
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "Subventions &amp; co" in svg
    assert svg.count("<rect") == 3 and 'fill="#c2410c"' in svg and "stroke-dasharray" in svg
    assert "&lt;script&gt;: 2,0; Baden: 3,0" in svg
    trend = charts.columns([("2023", 1.0), ("2024", None)], "Trend")
    assert "2023: 1,0; 2024: —" in trend
    assert charts.format_number(12345.678, 2) == "12\u202f345,68"
    assert charts.format_number(12345.678, 2, "en") == "12,345.68"
