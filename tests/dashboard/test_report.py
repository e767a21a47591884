"""The annual report of a constructed territory: HTML and PDF, figures equal to the snapshots'."""
from __future__ import annotations

import io

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup
from ckan import model
from ckan.tests import factories
from freezegun import freeze_time

from ckanext.opendatalocale.dashboard import refresh
from ckanext.opendatalocale.dashboard.model import territory_kpi

from .conftest import AMBON, PLUGINS, VANNES, _resource, settings

pytestmark = [pytest.mark.ckan_config("ckan.plugins", PLUGINS), pytest.mark.usefixtures("with_plugins")]


def _auth(user):
    return {"Authorization": factories.APIToken(user=user["name"])["token"]}


@pytest.fixture
def year_of_work(app, territory_data):
    """January and June snapshots of 2026 with Vannes opening in between, and the ATD's log."""
    data = territory_data
    conn = model.Session.connection()
    with freeze_time("2026-01-15 12:00:00"):
        refresh.refresh_territory(conn, data["morbihan"], settings())
        model.Session.commit()
    with freeze_time("2026-03-01 10:00:00"):
        vannes = factories.Organization(extras=[{"key": "siren", "value": VANNES}])
        factories.Dataset(owner_org=vannes["id"], resources=[
            _resource("scdl/deliberations", "2.1.5", "valid", 0, modified="2026-03-01T10:00:00")])
    with freeze_time("2026-06-15 12:00:00"):
        refresh.refresh_territory(model.Session.connection(), data["morbihan"], settings())
        model.Session.commit()
    member = _auth(data["atd_member"])
    base = "/territoire/morbihan/collectivite"
    for siren, kind, day, text in ((VANNES, "training", "2026-02-10", "Formation SCDL délibérations"),
                                   (AMBON, "meeting", "2026-04-02", "Réunion budget"),
                                   (AMBON, "call", "2025-11-20", "Appel de l'an passé")):
        app.post(f"{base}/{siren}/actions", data={"kind": kind, "occurred": day, "text": text}, headers=member)
    return data


def _kpis(territory_id):
    k = territory_kpi.c
    return {row.month.isoformat(): row.kpis for row in model.Session.connection().execute(
        sa.select(k.month, k.kpis).where(k.territory_id == territory_id))}


def test_report_html_figures_are_the_snapshots(app, year_of_work):
    data = year_of_work
    member = _auth(data["atd_member"])
    kpis = _kpis(data["morbihan"]["id"])
    january, june = kpis["2026-01-01"], kpis["2026-06-01"]
    assert june["open"] == january["open"] + 1

    page = BeautifulSoup(app.get("/territoire/morbihan/rapport/2026", headers=member).body, "html.parser")
    progress = {tr.td.text: [td.text for td in tr.select("td")[1:]] for tr in page.select(".odl-progress tbody tr")}
    open_row = progress["Open collectivités"]
    assert open_row[:2] == [str(january["open"]), str(june["open"])] and open_row[2] == "+1"
    obliged = progress["Obliged collectivités that publish"]
    assert obliged[1].startswith(f"{june['obligation']['num']} / {june['obligation']['den']}")
    conformity = progress["Conformity"][1]
    assert f"({june['conformity']['num']}/{june['conformity']['den']})" in conformity
    assert [tr.td.text for tr in page.select(".odl-series tbody tr")] == ["2026-01", "2026-06"]
    assert "Vannes" in page.select_one(".odl-newly-open").text
    assert "Vannes" in page.select_one(".odl-improved").text
    assert len(page.select("svg.odl-map path")) == 249
    epci = page.select(".odl-epci tbody tr")
    assert sum(int(tr.select("td")[1].text) for tr in epci) == 249  # every commune once
    assert sum(int(tr.select("td")[2].text) for tr in epci) == sum(
        1 for r in refresh.current_rows(model.Session.connection(), data["morbihan"]["id"])[1]
        if r["kind"] == "commune" and r["open"])
    remains = page.select_one(".odl-remains").text
    assert remains.startswith(f"{june['obligation']['den'] - june['obligation']['num']} obliged")
    actions = [tr.select("td")[3].text for tr in page.select(".odl-actions tbody tr")]
    assert actions == ["Formation SCDL délibérations", "Réunion budget"]  # 2025's call is not this year's

    # The ATD's own document: members only.
    app.get("/territoire/morbihan/rapport/2026", status=403)
    app.get("/territoire/morbihan/rapport/2026", headers=_auth(data["other_member"]), status=403)
    empty = app.get("/territoire/morbihan/rapport/2019", headers=member).body
    assert "No monthly snapshot" in empty or "Aucun" in empty


def test_report_pdf_text_carries_the_same_figures(app, year_of_work):
    from pypdf import PdfReader

    data = year_of_work
    june = _kpis(data["morbihan"]["id"])["2026-06-01"]
    response = app.get("/territoire/morbihan/rapport/2026.pdf", headers=_auth(data["atd_admin"]))
    assert response.headers["Content-Type"] == "application/pdf"
    raw = response.data if hasattr(response, "data") else response.body
    assert raw.startswith(b"%PDF")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(raw)).pages)
    flat = " ".join(text.split())
    assert "Morbihan" in flat and "2026" in flat
    assert f"{june['obligation']['num']} / {june['obligation']['den']}" in flat
    assert "Formation SCDL délibérations" in flat and "Vannes" in flat
    assert "Appel de l'an passé" not in flat
