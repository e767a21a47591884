"""The observatory as a citizen reaches it: CKAN's test app, anonymous, on the constructed
territory consolidated for real (uploads read by the consolidation job)."""
from __future__ import annotations

import csv
import io
import json

import pytest
from bs4 import BeautifulSoup

from . import territory as t
from .conftest import PLUGINS

pytestmark = [pytest.mark.ckan_config("ckan.plugins", PLUGINS), pytest.mark.usefixtures("with_plugins")]


def _soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def test_consolidation_feeds_the_observatory(app, portal):
    lines = "\n".join(portal["results"])
    assert "golfe scdl/subventions: 5 read, 0 removed, 7 rows, 0 rejected" in lines  # the private file is not read
    assert "golfe scdl/deliberations: 1 read, 0 removed, 8 rows, 0 rejected" in lines


def test_territory_index_and_page_anonymous(app, portal):
    index = _soup(app.get("/fr/observatoire/"))
    links = {a.text: a["href"] for a in index.select("table a")}
    assert links["Golfe"] == "/fr/observatoire/golfe"
    page = _soup(app.get("/fr/observatoire/golfe"))
    assert page.h1.text == "Golfe"
    section = page.select_one("section#subventions")
    # 100,000 € of 2024 over the 43,000 inhabitants of the five publishers; Baden's secret is absent.
    assert section.select_one(".odl-obs-value").text.split()[0] == "2,33"
    assert "Repose sur 5 des 8 collectivités" in section.text.replace("\xa0", " ")
    bands = section.select_one("#table-subventions-strates")
    row = [td.text for td in bands.select("tbody tr")[0].select("td")]
    assert row == ["3 500 à 10 000 hab.", "5", "4", "1,75", "2,50", "3,50"]
    ranking = [[td.text for td in tr.select("td")] for tr in section.select("#table-subventions-classement tbody tr")]
    assert [r[:2] for r in ranking] == [["1", "Damgan"], ["2", "Baden"], ["3", "Arzon"], ["3", "Fouesnant"],
                                        ["5", "Carnac"]]
    assert section.select_one("figure svg[role=img] title").text
    # Every schema without publisher says so and shows the way to publish.
    # Each figure links to the consolidated dataset it comes from.
    assert section.select_one(".odl-obs-meta a[href^='/fr/dataset/']")
    missing = page.select_one("section#budget .odl-obs-missing")
    assert {a["href"] for a in missing.select("a")} == {"/fr/scdl/budget", "/fr/scdl/budget/publier"}


def test_portrait_compares_and_says_what_is_missing(app, portal):
    page = _soup(app.get(f"/fr/observatoire/golfe/{t.ARZON}"))
    assert page.h1.text == "Arzon"
    section = page.select_one("section#subventions")
    assert section.select_one(".odl-obs-value").text.split()[0] == "2,00"
    comparison = [[td.text for td in tr.select("td")] for tr in section.select("#table-subventions-comparaison tbody tr")]
    assert comparison[0][1:] == ["4", "1,75", "2,50", "3,50", "3"]
    assert comparison[1][1:] == ["4", "1,75", "2,50", "3,50", "3"]  # no other territory publishes
    epci = [[td.text for td in tr.select("td")] for tr in section.select("#table-subventions-epci tbody tr")]
    assert [(r[0], r[2], r[3]) for r in epci] == [("Arzon", "2,00", "oui"), ("Baden", "3,00", "oui"),
                                                 ("Carnac", "1,00", "oui"), ("Noyal", "—", "non")]
    noyal = _soup(app.get(f"/fr/observatoire/golfe/{t.NOYAL}"))
    missing = noyal.select_one("section#subventions .odl-obs-missing")
    assert "Noyal ne publie pas" in missing.text
    assert {a["href"] for a in missing.select("a")} == {"/fr/scdl/subventions", "/fr/scdl/subventions/publier"}


def test_csv_exports_of_the_tables(app, portal):
    response = app.get("/observatoire/golfe/tableau/subventions-classement.csv")
    assert response.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert [(r["name"], r["value"], r["rank"]) for r in rows][:2] == [("Damgan", "5.0", "1"), ("Baden", "3.0", "2")]
    page = _soup(app.get(f"/fr/observatoire/golfe/{t.ARZON}"))
    for link in page.select(".odl-obs-csv a"):
        exported = app.get(link["href"])
        assert exported.status_code == 200 and exported.get_data(as_text=True).startswith("\ufeff")
    assert app.get("/observatoire/golfe/tableau/nope-nope.csv", status=404)


def test_embeddable_card_html_and_svg(app, portal):
    svg = app.get(f"/fr/observatoire/golfe/{t.ARZON}/vignette/subventions.svg")
    assert svg.headers["Content-Type"].startswith("image/svg+xml")
    text = svg.get_data(as_text=True)
    assert "Arzon" in text and "2,00" in text and 'role="img"' in text
    html = app.get(f"/fr/observatoire/golfe/{t.ARZON}/vignette/subventions")
    assert "frame-ancestors *" in html.headers["Content-Security-Policy"]
    assert _soup(html).select_one("a svg title").text.startswith("Subventions")


def test_api_actions_answer_anonymous_callers(app, portal):
    show = app.get("/api/3/action/observatory_collectivite_show", query_string={"id": "golfe", "siren": t.ARZON}).json
    subventions = next(i for i in show["result"]["indicators"] if i["key"] == "subventions")
    assert subventions["comparison"]["departement"]["median"] == 2.5
    indicator = app.get("/api/3/action/observatory_indicator_show",
                        query_string={"id": "golfe", "indicator": "subventions"}).json["result"]
    assert {v["siren"]: v["headline"] for v in indicator["values"]}[t.BADEN] == 3.0
    listing = app.get("/api/3/action/observatory_territory_list").json["result"]
    assert {t_["slug"]: t_["publishers"]["subventions"] for t_ in listing} == {"golfe": 5, "finistere-sud": 0}
    bad = app.get("/api/3/action/observatory_indicator_show", query_string={"id": "golfe", "indicator": "x"},
                  status=409)
    assert "indicator" in json.loads(bad.get_data(as_text=True))["error"]


@pytest.mark.parametrize("url", [
    "/observatoire/inconnu", f"/observatoire/inconnu/{t.ARZON}", "/observatoire/golfe/999999999",
    "/observatoire/golfe/12345", "/observatoire/golfe/%3Cscript%3E", f"/observatoire/golfe/{t.ARZON}/vignette/x",
    f"/observatoire/golfe/{t.ARZON}/tableau/..%2F..%2Fetc.csv",
])
def test_unknown_or_hostile_addresses_are_404(app, portal, url):
    app.get(url, status=404)


def test_hostile_query_values_are_harmless(app, portal):
    page = app.get("/observatoire/golfe/collectivites", query_string={"q": "<script>alert(1)</script>" * 20})
    assert page.status_code == 200 and "<script>alert" not in page.get_data(as_text=True)
    found = _soup(app.get("/observatoire/golfe/collectivites", query_string={"q": "arz"}))
    assert [a.text for a in found.select(".odl-obs ul a")] == ["Arzon"]
    app.get("/api/3/action/observatory_collectivite_show", query_string={"id": "golfe", "siren": "1 OR 1=1"},
            status=409)


def test_resource_view_and_links_from_header_and_home(app, portal):
    resource_id = portal["resources"][t.ARZON]["id"]
    charts = app.get("/api/3/action/observatory_resource_charts", query_string={"id": resource_id}).json["result"]
    assert charts["rows"] == 3 and {c["key"] for c in charts["charts"]} == {"beneficiaires", "nature"}
    # The private resource is neither charted nor shown.
    app.get("/api/3/action/observatory_resource_charts", query_string={"id": portal["resources"]["private"]["id"]},
            status=403)
    home = _soup(app.get("/fr/"))
    hrefs = {a["href"] for a in home.select("a")}
    assert {"/fr/observatoire/", "/fr/scdl/", "/fr/observatoire/golfe"} <= hrefs
    nav = {a["href"] for a in home.select(".navbar-nav a")}
    assert {"/fr/observatoire/", "/fr/scdl/"} <= nav

