"""Dashboard pages through CKAN's test client."""
from __future__ import annotations

import csv
import io
import json

import pytest
from bs4 import BeautifulSoup
from ckan.tests import factories

from .conftest import ALLAIRE, AMBON, PLUGINS

pytestmark = [pytest.mark.ckan_config("ckan.plugins", PLUGINS),
              pytest.mark.usefixtures("with_plugins")]


def _headers(user):
    return {"Authorization": factories.APIToken(user=user["name"])["token"]} if user else {}


def test_pages(app, refreshed):
    """Every page as anonymous, then what members see more, in one fixture build."""
    overview = BeautifulSoup(app.get("/territoire/morbihan").body, "html.parser")
    assert "Morbihan" in overview.h1.text
    assert len(overview.select(".odl-kpi-card")) == 6
    assert overview.select(".odl-kpi-card svg.odl-sparkline")
    assert not overview.find("form", action="/territoire/morbihan/actualiser")

    map_page = BeautifulSoup(app.get("/territoire/morbihan/carte?indicator=obligation").body, "html.parser")
    paths = map_page.select("svg.odl-map path.odl-commune")
    assert len(paths) == 249
    # 57 obliged communes not open, 2 obliged and open, 190 not obliged.
    classes = [p["class"][1] for p in paths]
    assert (classes.count("c-bad"), classes.count("c-good"), classes.count("c-neutral")) == (57, 2, 190)

    table = BeautifulSoup(app.get("/territoire/morbihan/collectivites?q=allaire").body, "html.parser")
    assert [a.text for a in table.select(".odl-table tbody td a")] == ["Allaire"]

    matrix = BeautifulSoup(app.get("/territoire/morbihan/matrice?kind=commune").body, "html.parser")
    # A page of 100 rows; the count and the column totals cover all 249 communes.
    assert len(matrix.select(".odl-matrix tbody tr")) == 100
    assert matrix.select_one(".odl-count").text.startswith("249")
    assert len(matrix.select(".odl-matrix td.odl-cell-invalid")) == 1
    totals = [th.text for th in matrix.select(".odl-matrix tfoot th")]
    assert totals[1:3] == ["1 / 1", "1 / 0"]  # deliberations: Allaire valid; budget: Ambon invalid
    last = BeautifulSoup(app.get("/territoire/morbihan/matrice?kind=commune&page=3").body, "html.parser")
    assert len(last.select(".odl-matrix tbody tr")) == 49
    assert [th.text for th in last.select(".odl-matrix tfoot th")] == totals

    page = app.get(f"/territoire/morbihan/collectivite/{AMBON}").body
    assert "Décision manuelle" in page or "Manual decision" in page
    assert "odl-notes" not in page
    assert app.get("/territoire/nowhere", status=404)
    assert app.get("/territoire/morbihan/collectivite/215602608x", status=404)

    member = _headers(refreshed["atd_member"])
    assert "odl-notes" in app.get(f"/territoire/morbihan/collectivite/{AMBON}", headers=member).body
    other = _headers(refreshed["other_member"])
    assert "odl-notes" not in app.get(f"/territoire/morbihan/collectivite/{AMBON}", headers=other).body
    admin = _headers(refreshed["atd_admin"])
    assert 'action="/territoire/morbihan/actualiser"' in app.get("/territoire/morbihan", headers=admin).body


def test_notes_by_form(app, refreshed):
    url = f"/territoire/morbihan/collectivite/{AMBON}"
    app.post(url, data={"kind": "note", "text": "Rendez-vous pris"}, status=403)
    app.post(url, data={"kind": "note", "text": "Rendez-vous pris"},
             headers=_headers(refreshed["other_member"]), status=403)
    app.post(url, data={"kind": "note", "text": "Rendez-vous pris"},
             headers=_headers(refreshed["atd_member"]))
    assert "Rendez-vous pris" in app.get(url, headers=_headers(refreshed["atd_member"])).body
    assert "Rendez-vous pris" not in app.get(url).body
    assert app.post("/territoire/morbihan/actualiser", status=403)


def test_exports(app, refreshed):
    response = app.get("/territoire/morbihan/collectivites?format=csv&sep=semicolon&kind=commune")
    raw = response.data
    assert raw.startswith("\ufeff".encode("utf-8"))
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 249
    allaire = next(r for r in rows if r["siren"] == ALLAIRE)
    assert (allaire["ouverte"], allaire["niveau"], allaire["scdl_presents"]) == ("1", "bronze", "1")

    data = json.loads(app.get("/territoire/morbihan/collectivites?format=json&q=ambon").data)
    assert [r["siren"] for r in data] == [AMBON]
    assert "private_dataset_count" not in data[0]

    observatoire = app.get("/territoire/morbihan/collectivites?format=observatoire&q=allaire").data
    header, line = observatoire.decode("utf-8-sig").splitlines()
    assert header.split(",")[:5] == ["siren", "nom", "type", "regcode", "depcode"]
    assert line.startswith(f"{ALLAIRE},Allaire,COM,53,56,")

    datasets = app.get(f"/territoire/morbihan/collectivite/{AMBON}?format=csv&sep=semicolon").data
    lines = datasets.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("nom;titre;mise_a_jour;score_metadonnees;a_jour")
    assert len(lines) == 2 and ";23;0;scdl/budget;harvested:datagouv;" in lines[1]

    matrix = app.get("/territoire/morbihan/matrice?format=csv&q=ambon").data.decode("utf-8-sig")
    assert matrix.splitlines()[1].startswith(f"{AMBON},Ambon,absent,invalid")


def test_map_falls_back_to_a_table_without_outlines(app, refreshed):
    from ckan import model

    from ckanext.opendatalocale.territories.model import collectivite

    model.Session.connection().execute(collectivite.update().values(geometry=None))
    model.Session.commit()
    page = BeautifulSoup(app.get("/territoire/morbihan/carte?indicator=level").body, "html.parser")
    assert not page.select("svg.odl-map path")
    assert len(page.select(".odl-map-table tbody tr")) == 249
    assert "No commune outlines" in page.text or "Aucun contour" in page.text
    # Without outlines, a square per commune, grouped by EPCI (15 EPCI hold the 249 communes).
    assert len(page.select(".odl-grid a.odl-cell")) == 249
    assert len(page.select(".odl-grid section")) == 15


def test_a_conformant_file_without_data_row_says_so(app, refreshed):
    """The conformity feature writes conformity_row_count on the resource; 0 is a header-only file."""
    from ckan.tests import helpers

    from .conftest import _resource

    factories.Dataset(owner_org=refreshed["allaire"]["id"],
                      resources=[_resource("scdl/budget", "1.3.0", "valid", 0, conformity_row_count="0")])
    helpers.call_action("dashboard_refresh", {"user": refreshed["sysadmin"]["name"]}, id="morbihan", inline=True)
    page = BeautifulSoup(app.get(f"/fr/territoire/morbihan/collectivite/{ALLAIRE}").body, "html.parser")
    flagged = [td.find_parent("tr").td.text for td in page.select(".odl-no-data")]
    assert flagged == ["scdl/budget"]
    assert page.select_one(".odl-no-data").text == "(aucune ligne de données)"
