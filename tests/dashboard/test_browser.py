"""The Morbihan territory through a real browser: headless Chromium loads the overview, the
map and the matrix from CKAN served on 127.0.0.1, the test checks what they show and saves
screenshots in test-output/screenshots/."""
from __future__ import annotations

import datetime as dt

import pytest
from bs4 import BeautifulSoup
from ckan import model
from ckan.tests import factories

from ckanext.opendatalocale.dashboard import refresh
from ckanext.opendatalocale.dashboard.indicators import Settings
from tests.browser import (CHROMIUM, SCREENSHOTS, SKIP_REASON, dump_dom, png_size,
                                                  screenshot, serve)
from ckanext.opendatalocale.territories import reference, store

from .conftest import PLUGINS

pytestmark = [pytest.mark.ckan_config("ckan.plugins", PLUGINS),
              pytest.mark.usefixtures("with_plugins"),
              pytest.mark.skipif(CHROMIUM is None, reason=SKIP_REASON)]

VANNES, LORIENT, ALLAIRE, GMVA = "215602608", "215601212", "215600016", "200067932"


def _resource(schema: str, status: str, errors: int | None = None, version: str = "2.1.5") -> dict:
    recent = (dt.datetime.utcnow() - dt.timedelta(days=5)).isoformat(timespec="seconds")
    resource = {"url": f"http://example.org/{schema.rsplit('/', 1)[-1]}.csv", "format": "CSV",
                "schema_name": schema, "schema_version": version, "conformity_status": status,
                "last_modified": recent}
    if status != "unchecked":
        resource["conformity_validated_at"] = recent
    if errors is not None:
        resource["conformity_error_count"] = str(errors)
    return resource


@pytest.fixture
def morbihan(dashboard_db):
    """The shipped reference and outlines of département 56, four publishers, refreshed."""
    conn = model.Session.connection()
    store.import_reference(conn, reference.load_national().filter(dep={"56"}), "national")
    store.import_outlines(conn, reference.load_outlines(reference.MORBIHAN_OUTLINES))
    model.Session.commit()

    def publisher(siren: str) -> dict:
        return factories.Organization(extras=[{"key": "siren", "value": siren}])

    factories.Dataset(owner_org=publisher(VANNES)["id"], license_id="lo-2.0",
                      resources=[_resource("scdl/deliberations", "valid", 0),
                                 _resource("scdl/budget", "invalid", 12, version="1.3.0")])
    factories.Dataset(owner_org=publisher(LORIENT)["id"], resources=[_resource("scdl/equipements", "unchecked")])
    factories.Dataset(owner_org=publisher(GMVA)["id"], resources=[_resource("scdl/subventions", "valid", 0)])
    atd = factories.Organization()
    factories.Dataset(owner_org=atd["id"], extras=[{"key": "collectivites_siren", "value": f'["{ALLAIRE}"]'}],
                      resources=[_resource("scdl/deliberations", "valid", 0)])
    conn = model.Session.connection()
    territory = store.define_territory(conn, "Morbihan", departements=["56"], organization_ids=[atd["id"]],
                                       slug="morbihan")
    kpis = refresh.refresh_territory(conn, territory, Settings(latest_versions={"scdl/deliberations": "2.1.5"}))
    model.Session.commit()
    return kpis


def _dom(url: str) -> BeautifulSoup:
    return BeautifulSoup(dump_dom(url), "html.parser")


def _assert_screenshot(url: str, name: str, width: int, height: int) -> None:
    target = screenshot(url, SCREENSHOTS / name, width, height)
    assert png_size(target) == (width, height)
    # A blank or error page compresses to a few kilobytes; a rendered dashboard does not.
    assert target.stat().st_size > 30_000


def test_overview_map_and_matrix_in_chromium(app, morbihan):
    kpis = morbihan
    # Three communes (one through the ATD, on its behalf) and the agglomeration publish.
    assert kpis["open"] == 4 and kpis["conformity"]["num"] == 3 and kpis["conformity"]["den"] == 4
    with serve(app.app) as base:
        overview = _dom(f"{base}/fr/territoire/morbihan")
        assert "Morbihan" in overview.h1.text
        cards = overview.select(".odl-kpi-card")
        assert len(cards) == 6
        values = [card.select_one(".odl-kpi-value").text.replace("\u00a0", " ") for card in cards]
        obligation = kpis["obligation"]
        assert values[0] == f"{round(100 * obligation['num'] / obligation['den'])} %"
        caption = cards[0].select_one(".odl-kpi-caption").text
        assert str(obligation["num"]) in caption and str(obligation["den"]) in caption
        assert values[3] == "75 %"  # conformity: 3 valid of 4 checked
        # No full reports here: the overview lists the resource with the most errors.
        assert [li.text.split(":")[-1].split()[0] for li in overview.select(".odl-worst li")] == ["12"]
        _assert_screenshot(f"{base}/fr/territoire/morbihan", "dashboard-overview-fr.png", 1280, 1600)

        map_page = _dom(f"{base}/fr/territoire/morbihan/carte?indicator=level")
        paths = map_page.select("svg.odl-map path.odl-commune")
        assert len(paths) == 249
        classes = [path["class"][1] for path in paths]
        assert (classes.count("c-bronze"), classes.count("c-none")) == (3, 246)  # bronze: one schema each
        _assert_screenshot(f"{base}/fr/territoire/morbihan/carte?indicator=level", "dashboard-map-fr.png",
                           1280, 1400)

        matrix = _dom(f"{base}/fr/territoire/morbihan/matrice?kind=commune")
        assert matrix.select_one(".odl-count").text.startswith("249")
        # Schema columns: between the name and the broken links.
        header = [th.text.split()[0] for th in matrix.select(".odl-matrix thead th")[1:-1]]
        totals = dict(zip(header, (th.text for th in matrix.select(".odl-matrix tfoot th")[1:-1])))
        assert totals == {"scdl/deliberations": "2 / 2", "scdl/budget": "1 / 0", "scdl/subventions": "0 / 0",
                          "scdl/equipements": "1 / 0", "scdl/catalogue": "0 / 0"}
        # The first page (by name) has Allaire; Vannes is on the third.
        assert [td.find_parent("tr").a.text for td in matrix.select(".odl-matrix td.odl-cell-valid")] == ["Allaire"]
        _assert_screenshot(f"{base}/fr/territoire/morbihan/matrice?kind=commune", "dashboard-matrix-fr.png",
                           1280, 1600)
