"""A new ATD defines its territories in a real browser (headless Chromium): it logs in,
types in the perimeter search, picks the département of Ille-et-Vilaine, saves, then sees
the overview, the map, the table and the matrix; a second territory is an EPCI of another
région (Grenoble-Alpes-Métropole). The maps are drawn from the shipped national outlines
and saved in test-output/screenshots/."""
from __future__ import annotations

import datetime as dt

import pytest
from ckan import model
from ckan.tests import factories

from ckanext.opendatalocale.territories.model import territory_audit
from ckanext.opendatalocale.territories import outlines, reference, store
from tests.browser import CHROMIUM, SCREENSHOTS, SKIP_REASON, Page, live_ckan, png_size

from .conftest import PLUGINS

pytestmark = [pytest.mark.ckan_config("ckan.plugins", PLUGINS), pytest.mark.usefixtures("with_plugins"),
              pytest.mark.ckan_config("WTF_CSRF_ENABLED", "true"),
              pytest.mark.skipif(CHROMIUM is None, reason=SKIP_REASON)]

PASSWORD = "Correct-horse-42"
RENNES, GRENOBLE = "213502388", "213801855"
COMMUNES_35 = 332


@pytest.fixture
def reference_35_38(dashboard_db):
    """The shipped national reference and outlines of Ille-et-Vilaine and Isère."""
    conn = model.Session.connection()
    store.import_reference(conn, reference.load_national().filter(dep={"35", "38"}), "national")
    communes, epci = outlines.read_outlines(outlines.NATIONAL_OUTLINES)
    store.import_outlines(conn, communes)
    store.import_outlines(conn, epci, kind="epci")
    model.Session.commit()
    recent = (dt.datetime.utcnow() - dt.timedelta(days=3)).isoformat(timespec="seconds")
    for siren in (RENNES, GRENOBLE):
        publisher = factories.Organization(extras=[{"key": "siren", "value": siren}])
        factories.Dataset(owner_org=publisher["id"], resources=[{
            "url": "http://example.org/deliberations.csv", "format": "CSV", "schema_name": "scdl/deliberations",
            "schema_version": "2.1.5", "conformity_status": "valid", "conformity_validated_at": recent,
            "conformity_error_count": "0", "last_modified": recent}])


base = pytest.fixture(live_ckan)


def _define(page: Page, base: str, name: str, query: str, pick: str, org_id: str) -> None:
    """The creation form as a person fills it: name, search-as-you-type, organisation, save."""
    page.goto(f"{base}/fr/territoire/nouveau")
    page.wait_for("(ckan.module.instances['odl-territory-picker'] || []).length === 1")
    page.type("#field-name", name)
    page.type("#field-perimeter-q", query)
    page.wait_for(f"document.querySelector('#odl-perimeter-results button[data-value=\"{pick}\"]')")
    page.click(f'#odl-perimeter-results button[data-value="{pick}"]')
    assert page.evaluate(f"document.querySelector('#odl-perimeter-selected input[value=\"{pick}\"]').checked")
    page.click(f'input[name="organizations"][value="{org_id}"]')
    page.evaluate("window.odlBefore = true")
    page.click("#odl-territory-save")
    page.wait_for("!window.odlBefore && document.readyState === 'complete' && !!document.querySelector('h1')",
                  timeout=120)


def _text(page: Page, selector: str) -> str:
    return page.evaluate(f"document.querySelector({selector!r}).textContent.replace(/\\s+/g, ' ').trim()")


def test_an_atd_admin_defines_territories_in_the_browser(base, reference_35_38):
    admin = factories.User(password=PASSWORD)
    atd = factories.Organization(users=[{"name": admin["name"], "capacity": "admin"}])
    with Page(width=1280, height=1400) as page:
        page.log_in(base, admin["name"], PASSWORD)
        _define(page, base, "Ille-et-Vilaine", "ille-et", "departement:35", atd["id"])
        assert page.evaluate("location.pathname") == "/fr/territoire/ille-et-vilaine"
        assert _text(page, "h1") == "Ille-et-Vilaine"
        assert page.evaluate("document.querySelectorAll('.odl-kpi-card').length") == 6

        page.goto(f"{base}/fr/territoire/ille-et-vilaine/carte?indicator=obligation")
        assert page.evaluate("document.querySelectorAll('svg.odl-map path.odl-commune').length") == COMMUNES_35
        # Its EPCI are outlined, the legend counts every commune, Rennes has its tooltip.
        assert page.evaluate("document.querySelectorAll('svg.odl-map path.odl-epci').length") >= 18
        legend = page.evaluate("[...document.querySelectorAll('.odl-map-legend li')].map(li => li.textContent.trim())")
        assert sum(int(item.rsplit(":", 1)[1]) for item in legend if ":" in item) == COMMUNES_35
        tooltip = page.evaluate("document.querySelector('path[data-insee=\"35238\"] title').textContent")
        assert tooltip.startswith("Rennes (35238) · Rennes Métropole") and "obligée" in tooltip
        target = page.screenshot(SCREENSHOTS / "territory-map-35-fr.png")
        assert png_size(target)[0] == 1280 and target.stat().st_size > 30_000

        page.goto(f"{base}/fr/territoire/ille-et-vilaine/collectivites?q=rennes")
        assert "Rennes" in _text(page, ".odl-table tbody")
        page.goto(f"{base}/fr/territoire/ille-et-vilaine/matrice?kind=commune")
        assert _text(page, ".odl-count").startswith(str(COMMUNES_35))
        page.screenshot(SCREENSHOTS / "territory-matrix-35-fr.png")

        # An EPCI of another région, picked from its name.
        _define(page, base, "Grenoble-Alpes", "grenoble", "epci:200040715", atd["id"])
        page.goto(f"{base}/fr/territoire/grenoble-alpes/carte?indicator=level")
        assert page.evaluate("document.querySelectorAll('svg.odl-map path.odl-commune').length") == 49
        assert page.evaluate("document.querySelectorAll('svg.odl-map path.odl-commune.c-bronze').length") == 1
        target = page.screenshot(SCREENSHOTS / "territory-map-grenoble-fr.png")
        assert target.stat().st_size > 30_000
        assert page.errors == []

    rows = model.Session.connection().execute(territory_audit.select().order_by(territory_audit.c.id)).mappings()
    assert [(r["slug"], r["action"], r["author"], r["origin"]) for r in rows] == [
        ("ille-et-vilaine", "create", admin["name"], "web"), ("grenoble-alpes", "create", admin["name"], "web")]
