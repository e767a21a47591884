"""The preview panel of ckanext-harvest's source form: button, no-JavaScript
page, the fragment the JavaScript module fetches, errors, access and CSRF."""
from __future__ import annotations

import json
import socket

import pytest
from bs4 import BeautifulSoup
from ckan import model
from ckan.tests import factories, helpers

from tests.harvesters.conftest import (HARVEST_CONFIG_MARKS, SUBVENTIONS_FIELDS, FakeDatagouv,
                                                              FakeOds)
from tests.harvesters.lib import make_source
from tests.http_server import Reply

pytestmark = HARVEST_CONFIG_MARKS

PREVIEW = "/harvest/opendatalocale-preview"


@pytest.fixture
def sysadmin() -> dict:
    user = factories.SysadminWithToken()
    return {"user": user, "headers": {"Authorization": user["token"]}}


def _soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def _ods_with_scdl(fault_server) -> FakeOds:
    fake = FakeOds(fault_server, count=3)
    fake.datasets[1]["fields"] = [{"name": n.lower(), "label": n, "type": "text"} for n in SUBVENTIONS_FIELDS]
    return fake


def _form(url: str, **changes: str) -> dict[str, str]:
    data = {"url": url, "title": "Vannes sur OpenDataSoft", "name": "vannes-ods", "notes": "",
            "source_type": "opendatalocale_ods", "frequency": "MANUAL", "config": '{"siren": "215602608"}',
            "odl_preview": "1"}
    data.update(changes)
    return data


def _closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}/"


def _assert_form_kept(page: BeautifulSoup, data: dict[str, str]) -> None:
    assert page.select_one("form#source-new #field-url")["value"] == data["url"]
    assert page.select_one("#field-title")["value"] == data["title"]
    assert page.select_one("#field-config").get_text() == data["config"]
    assert page.select_one('input[name="source_type"][checked]')["value"] == data["source_type"]
    assert page.select_one("form#source-new #save") is not None


def test_the_source_form_has_the_preview_button(app, sysadmin):
    response = app.get("/harvest/new", headers=sysadmin["headers"])
    page = _soup(response)

    button = page.select_one("form#source-new #odl-harvest-preview-button")
    assert button["formaction"] == PREVIEW and button["formmethod"] == "post" and button["type"] == "submit"
    assert button["data-module"] == "odl-harvest-preview"
    assert sorted(json.loads(button["data-module-source-types"])) == [
        "opendatalocale_ckan", "opendatalocale_datagouv", "opendatalocale_dcat", "opendatalocale_file",
        "opendatalocale_ods"]
    # ckanext-harvest's own fields and Save are still there, the preview under the config.
    assert page.select_one("#field-config").find_next(id="odl-harvest-preview-button") is button
    assert page.select_one("form#source-new #save")["name"] == "save"
    assert page.select_one("#odl-harvest-preview-panel").get_text(strip=True) == ""
    assert "/webassets/opendatalocale_harvest/" in response.get_data(as_text=True)  # the JavaScript module


def test_the_edit_form_previews_the_source_being_edited(app, sysadmin, fault_server):
    _ods_with_scdl(fault_server)
    source = make_source(fault_server.url("/"), "ods")
    page = _soup(app.get(f"/harvest/edit/{source.id}", headers=sysadmin["headers"]))
    button = page.select_one("#odl-harvest-preview-button")
    assert button["formaction"] == f"{PREVIEW}/{source.id}"

    data = _form(fault_server.url("/"), title="Nouveau titre", name=f"src-ods-{source.id[:8]}")
    page = _soup(app.post(button["formaction"], data=data, headers=sysadmin["headers"]))

    _assert_form_kept(page, data)
    assert page.select_one("#odl-harvest-preview-button")["formaction"] == f"{PREVIEW}/{source.id}"
    assert len(page.select(".odl-harvest-preview-dataset")) == 3
    # Nothing saved.
    model.Session.expire_all()
    assert helpers.call_action("harvest_source_show", id=source.id)["title"] == "Source ods"


def test_preview_without_javascript_lists_datasets_with_their_schemas(app, sysadmin, fault_server):
    _ods_with_scdl(fault_server)
    data = _form(fault_server.url("/"))
    expected = helpers.call_action("opendatalocale_harvest_preview", {"user": sysadmin["user"]["name"]},
                                   source_type="ods", url=data["url"], config=data["config"])["datasets"]

    response = app.post(PREVIEW, data=data, headers=sysadmin["headers"])

    assert response.status_code == 200
    page = _soup(response)
    _assert_form_kept(page, data)
    rows = page.select("#odl-harvest-preview-panel .odl-harvest-preview-dataset")
    cells = [[cell.get_text(" ", strip=True) for cell in row.select("td")] for row in rows]
    assert [c[0] for c in cells] == ["Jeu de données 0", "Jeu de données 1", "Jeu de données 2"]
    assert [c[1] for c in cells] == [str(len(d["resources"])) for d in expected]
    assert cells[0][2] == "None detected"
    assert cells[1][2].startswith("scdl/subventions 2.1.1 (matched on the columns")
    assert rows[0].select_one("a")["href"] == expected[0]["remote_url"]
    assert "Nothing is saved" in page.select_one(".odl-harvest-preview").get_text()
    assert model.Session.query(model.Package).filter_by(type="harvest").count() == 0  # nothing saved


def test_the_javascript_gets_the_panel_alone_in_french(app, sysadmin, fault_server):
    _ods_with_scdl(fault_server)

    response = app.post(f"/fr{PREVIEW}?partial=1", data=_form(fault_server.url("/")), headers=sysadmin["headers"])

    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith("<section") and "<html" not in body
    panel = BeautifulSoup(body, "html.parser")
    assert panel.select_one("h3").get_text(strip=True) == "Aperçu de la source"
    assert len(panel.select(".odl-harvest-preview-dataset")) == 3
    assert "scdl/subventions 2.1.1 (correspondance des colonnes" in panel.get_text(" ", strip=True)


@pytest.mark.parametrize("locale, expected, reason", [
    ("", "The source could not be read.", "Could not connect to the remote server 127.0.0.1"),
    ("/fr", "La source n'a pas pu être lue.", "Impossible de se connecter au serveur distant 127.0.0.1"),
])
def test_an_unreachable_source_is_a_readable_error_not_a_500(app, sysadmin, locale, expected, reason):
    data = _form(_closed_port_url())

    response = app.post(f"{locale}{PREVIEW}", data=data, headers=sysadmin["headers"])

    assert response.status_code == 200
    page = _soup(response)
    _assert_form_kept(page, data)
    alert = page.select_one("#odl-harvest-preview-panel .alert-danger")
    assert expected in alert.get_text()
    assert alert.select_one(".odl-harvest-preview-error").get_text(strip=True) == reason
    assert not page.select(".odl-harvest-preview-dataset")


def test_a_source_answering_html_shows_the_harvesters_message(app, sysadmin, fault_server):
    fault_server.route("/api/explore/v2.1/catalog/datasets", Reply.html_error_page())

    page = _soup(app.post(f"/fr{PREVIEW}?partial=1", data=_form(fault_server.url("/")), headers=sysadmin["headers"]))

    assert "Le serveur distant a renvoyé une page HTML" in page.select_one(".odl-harvest-preview-error").get_text()


@pytest.mark.ckan_config("ckanext.opendatalocale.harvest.preview_timeout", "1.5")
def test_a_slow_source_shows_what_was_read_and_says_why_it_stopped(app, sysadmin, fault_server):
    fake = FakeDatagouv(fault_server, count=20, page_size=2)
    # Each page just under the read timeout (0.5 s): only the preview deadline stops it.
    fake.fault = lambda request, normal: normal.but(delay=0.4) if request.path == "/api/1/datasets/" else None
    data = _form(fault_server.url("/fr/organizations/ville-de-vannes/"), source_type="opendatalocale_datagouv",
                 config="{}")

    panel = _soup(app.post(f"/fr{PREVIEW}?partial=1", data=data, headers=sysadmin["headers"]))

    assert panel.select_one(".odl-harvest-preview-warning").get_text(strip=True) == (
        "La source est trop lente : l'aperçu s'est arrêté au bout de 1,5 s ; "
        "seuls les jeux de données lus jusque-là sont affichés")
    assert 0 < len(panel.select(".odl-harvest-preview-dataset")) < 10
    assert not panel.select(".alert-danger")


@pytest.mark.parametrize("changes, expected", [
    ({"url": ""}, "URL: Missing value"),
    ({"config": '{"nope": 1}'}, "Configuration: "),
    ({"url": "pas une adresse"}, "only the http and https schemes are allowed"),
    ({"source_type": "another_extensions_harvester"}, "Source type: The preview covers the OpenDataLocale"),
])
def test_form_values_that_cannot_be_previewed_are_explained(app, sysadmin, changes, expected):
    data = dict(_form(_closed_port_url()), **changes)

    response = app.post(PREVIEW, data=data, headers=sysadmin["headers"])

    assert response.status_code == 200
    page = _soup(response)
    assert page.select_one("#field-url")["value"] == data["url"]
    alert = page.select_one("#odl-harvest-preview-panel .alert")
    assert "alert-warning" in alert["class"] or "alert-danger" in alert["class"]
    assert expected in alert.get_text(" ", strip=True)


def test_only_users_allowed_to_preview_can(app, fault_server):
    _ods_with_scdl(fault_server)
    outsider, editor = factories.UserWithToken(), factories.UserWithToken()
    factories.Organization(users=[{"name": editor["name"], "capacity": "editor"}])
    data = _form(fault_server.url("/"))

    assert app.post(PREVIEW, data=data).status_code == 403
    assert app.post(f"{PREVIEW}?partial=1", data=data, headers={"Authorization": outsider["token"]}).status_code == 403
    assert app.get(PREVIEW).status_code in (404, 405)  # a GET reads a harvest source of that name
    assert not fault_server.requests_to("/api/explore/v2.1/catalog/datasets")

    # An organisation's editor may preview (the action's auth function decides).
    answer = app.post(f"{PREVIEW}?partial=1", data=data, headers={"Authorization": editor["token"]})
    assert answer.status_code == 200
    assert len(_soup(answer).select(".odl-harvest-preview-dataset")) == 3


def test_save_on_the_previewed_form_creates_the_source(app, sysadmin, fault_server):
    _ods_with_scdl(fault_server)
    org = factories.Organization()
    data = dict(_form(fault_server.url("/"), owner_org=org["id"]), save="Save")
    del data["odl_preview"]

    response = app.post(PREVIEW, data=data, headers=sysadmin["headers"], follow_redirects=False)

    assert response.status_code == 302
    source = helpers.call_action("harvest_source_show", id="vannes-ods")
    assert source["url"] == fault_server.url("/") and source["source_type"] == "opendatalocale_ods"


def _log_in(app, password: str = "Correct-horse-42") -> None:
    """A browser session, through CKAN's login form (its token included)."""
    user = factories.Sysadmin(password=password)
    token = _soup(app.get("/user/login")).select_one('input[name="_csrf_token"]')["value"]
    response = app.post("/user/login", data={"login": user["name"], "password": password, "_csrf_token": token},
                        follow_redirects=True)
    assert response.request.path == "/dashboard/datasets"


@pytest.mark.ckan_config("WTF_CSRF_ENABLED", "true")
def test_a_browser_session_must_send_the_csrf_token(app, fault_server):
    _ods_with_scdl(fault_server)
    # One client keeps the session cookie (CKAN 2.11's test app makes a new client per request).
    browser = app.test_client()
    _log_in(browser)
    data = _form(fault_server.url("/"))

    assert browser.post(PREVIEW, data=data).status_code == 400
    assert not fault_server.requests_to("/api/explore/v2.1/catalog/datasets")

    form = _soup(browser.get("/harvest/new")).select_one("form#source-new")
    token = form.select_one('input[name="_csrf_token"]')["value"]
    response = browser.post(PREVIEW, data=dict(data, _csrf_token=token))
    assert response.status_code == 200
    assert len(_soup(response).select(".odl-harvest-preview-dataset")) == 3


@pytest.mark.parametrize("plugins, warned", [
    ("opendatalocale_harvest harvest opendatalocale_ods_harvester", False),
    ("harvest opendatalocale_harvest opendatalocale_ods_harvester", True),
])
def test_a_plugin_order_that_hides_the_button_is_logged(caplog, monkeypatch, plugins, warned):
    from ckanext.opendatalocale import plugin_order
    from ckanext.opendatalocale.harvesters import plugin

    # test.ini's logging setup ran after the module was imported, which disables its logger.
    monkeypatch.setattr(plugin_order.log, "disabled", False)
    config = {"ckan.plugins": plugins}
    plugin.HarvestPlugin().update_config(config)

    assert config["plugin_template_paths"][0].endswith("harvesters/templates")
    assert ("list opendatalocale_harvest before harvest" in caplog.text) is warned
