"""The territory pages as CKAN serves them: the form's no-JavaScript search, saving through the
form, 403 for anonymous users and members of another ATD on every write, and a browser
session's POST without its CSRF token refused."""
from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from ckan import model
from ckan.tests import factories

from ckanext.opendatalocale.territories.model import territory_audit
from ckanext.opendatalocale.territories import store

from .conftest import PLUGINS

pytestmark = [pytest.mark.ckan_config("ckan.plugins", PLUGINS), pytest.mark.usefixtures("with_plugins")]

GMVA = "200067932"


def _headers(user: dict) -> dict:
    return {"Authorization": factories.APIToken(user=user["name"])["token"]}


def _soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def test_search_without_javascript_then_save(app, territory_data):
    admin, atd = _headers(territory_data["atd_admin"]), territory_data["atd"]
    form = {"name": "Golfe", "perimeter_q": "golfe du morbihan", "do": "search", "organizations": atd["id"]}
    page = _soup(app.post("/territoire/nouveau", data=form, headers=admin))
    offered = [box["value"] for box in page.select("#odl-perimeter-results input[name=perimeter]")]
    assert f"epci:{GMVA}" in offered
    assert not page.select("#odl-perimeter-results input:checked")  # to be ticked by the user
    assert page.select_one("#field-name")["value"] == "Golfe"  # nothing typed is lost

    response = app.post("/territoire/nouveau", data={**form, "do": "save", "perimeter": f"epci:{GMVA}"},
                        headers=admin, follow_redirects=False)
    assert response.status_code == 302 and response.location.endswith("/territoire/golfe")
    saved = store.get_territory(model.Session.connection(), "golfe")
    assert saved["rules"]["epci"] == [GMVA] and saved["organization_ids"] == [atd["id"]]
    # The form's defaults equal the site's: nothing stored in the settings.
    assert saved["settings"] == {}
    # The figures were computed on saving.
    overview = _soup(app.get("/territoire/golfe"))
    assert len(overview.select(".odl-kpi-card")) == 6
    history = _soup(app.get("/territoire/golfe/historique", headers=admin))
    assert [td.text.strip() for td in history.select(".odl-audit tbody td:nth-of-type(3)")] == ["created"]

    edit = _soup(app.get("/territoire/golfe/modifier", headers=admin))
    assert [box["value"] for box in edit.select("#odl-perimeter-selected input:checked")] == [f"epci:{GMVA}"]
    bad = app.post("/territoire/golfe/modifier", data={"name": "Golfe", "perimeter": "departement:99",
                                                       "organizations": atd["id"], "do": "save"}, headers=admin)
    assert bad.status_code == 400 and "99" in _soup(bad).select_one(".odl-form-errors").text
    rows = model.Session.connection().execute(territory_audit.select()).mappings().all()
    assert [(r["action"], r["origin"]) for r in rows] == [("create", "web")]


def test_writes_are_refused_to_anonymous_and_other_atds(app, territory_data):
    other = _headers(territory_data["other_member"])
    atd = territory_data["atd"]
    for headers in ({}, other):
        assert app.get("/territoire/morbihan/modifier", headers=headers).status_code == 403
        assert app.post("/territoire/morbihan/modifier", data={"name": "Pris", "do": "save"},
                        headers=headers).status_code == 403
        assert app.post("/territoire/morbihan/supprimer", headers=headers).status_code == 403
        assert app.get("/territoire/morbihan/historique", headers=headers).status_code == 403
    assert app.get("/territoire/nouveau").status_code == 403
    # A member of another ATD may create its own territory, not one run by this ATD.
    response = app.post("/territoire/nouveau", data={"name": "Pris", "perimeter": "departement:56",
                                                     "organizations": atd["id"], "do": "save"}, headers=other)
    assert response.status_code == 403
    assert store.get_territory(model.Session.connection(), "morbihan")["name"] == "Morbihan"
    assert store.get_territory(model.Session.connection(), "pris") is None


@pytest.mark.ckan_config("WTF_CSRF_ENABLED", "true")
def test_a_browser_session_must_send_the_csrf_token(app, territory_data):
    password = "Correct-horse-42"
    user = factories.User(password=password)
    model.Session.commit()
    from ckan.tests import helpers

    helpers.call_action("organization_member_create", id=territory_data["atd"]["id"], username=user["name"],
                        role="admin")
    browser = app.test_client()
    token = _soup(browser.get("/user/login")).select_one('input[name="_csrf_token"]')["value"]
    browser.post("/user/login", data={"login": user["name"], "password": password, "_csrf_token": token})
    assert browser.post("/territoire/morbihan/supprimer").status_code == 400
    assert browser.post("/territoire/morbihan/modifier", data={"name": "Sans jeton", "do": "save"}).status_code == 400
    assert store.get_territory(model.Session.connection(), "morbihan")["name"] == "Morbihan"

    form = _soup(browser.get("/territoire/morbihan/modifier")).select_one("form.odl-territory-delete")
    response = browser.post("/territoire/morbihan/supprimer", data={"_csrf_token": form.select_one(
        'input[name="_csrf_token"]')["value"]}, follow_redirects=False)
    assert response.status_code == 302
    assert store.get_territory(model.Session.connection(), "morbihan") is None
