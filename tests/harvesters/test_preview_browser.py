"""The preview panel of the harvest source form in a real browser: headless
Chromium logs in, fills the form, clicks Preview, and the JavaScript module
(harvest-preview.js) fetches the panel in place, for a source replaying an
OpenDataSoft catalogue sample, a failing source and a refused request; and
Enter in a field still saves the form, as on ckanext-harvest's own form."""
from __future__ import annotations

import copy
import json

import pytest
from ckan.tests import factories, helpers

from tests.browser import CHROMIUM, SKIP_REASON, Page, live_ckan, png_size
from tests.harvesters.conftest import HARVEST_CONFIG_MARKS, HARVEST_PLUGINS, SUBVENTIONS_FIELDS
from tests.helpers import fixture_path
from tests.http_server import Reply

pytestmark = [*(mark for mark in HARVEST_CONFIG_MARKS if mark.args[:1] != ("ckan.plugins",)),
              # With ckanext-harvest's own CKAN harvester: a type the preview does not cover.
              pytest.mark.ckan_config("ckan.plugins", HARVEST_PLUGINS + " ckan_harvester"),
              # The browser session must send the form's token, as in production.
              pytest.mark.ckan_config("WTF_CSRF_ENABLED", "true"),
              pytest.mark.skipif(CHROMIUM is None, reason=SKIP_REASON)]

CATALOG = "/api/explore/v2.1/catalog/datasets"
PASSWORD = "Correct-horse-42"
PANEL = "#odl-harvest-preview-panel"


def _ods_sample() -> dict:
    """The Explore v2.1 catalogue sample as published, plus one SCDL dataset
    (the sample's first, with the columns of scdl/subventions)."""
    sample = json.loads(fixture_path("samples", "harvest", "opendatasoft",
                                    "explore-v2.1_GET_catalog-datasets.example.json").read_text())
    subventions = copy.deepcopy(sample["results"][0])
    subventions.update(dataset_uid="da_subv2024", dataset_id="subventions-2024",
                       fields=[{"name": n.lower(), "label": n, "type": "text"} for n in SUBVENTIONS_FIELDS])
    subventions["metas"]["default"]["title"] = "Subventions versées en 2024"
    sample["results"].append(subventions)
    sample["total_count"] = len(sample["results"])
    return sample


@pytest.fixture
def page():
    with Page() as opened:
        yield opened


base = pytest.fixture(live_ckan)


def _log_in(page: Page, base: str) -> None:
    page.log_in(base, factories.Sysadmin(password=PASSWORD)["name"], PASSWORD)


def _open_the_form(page: Page, base: str) -> None:
    page.goto(f"{base}/fr/harvest/new")
    # CKAN starts the page's modules once its translations are loaded.
    page.wait_for("(ckan.module.instances['odl-harvest-preview'] || []).length === 1")


def _panel(page: Page) -> dict:
    return page.evaluate(f"""(() => {{
        const panel = document.querySelector({json.dumps(PANEL)});
        const text = e => e ? e.textContent.replace(/\\s+/g, ' ').trim() : null;
        return {{
            busy: panel.hasAttribute('aria-busy'),
            titles: [...panel.querySelectorAll('.odl-harvest-preview-dataset td:first-child')].map(text),
            schemas: [...panel.querySelectorAll('.odl-harvest-preview-dataset td:nth-child(3)')].map(text),
            danger: text(panel.querySelector('.alert-danger')),
            error: text(panel.querySelector('.odl-harvest-preview-error')),
        }};
    }})()""")


def test_the_preview_button_fills_the_panel_in_place(base, fault_server, page, tmp_path):
    sample = _ods_sample()
    fault_server.route(CATALOG, Reply.json(sample))
    titles = [item["metas"]["default"]["title"] for item in sample["results"]]

    _log_in(page, base)
    _open_the_form(page, base)
    page.type("#field-url", fault_server.url("/"))
    page.type("#field-title", "Portail OpenDataSoft")
    page.click('input[name="source_type"][value="opendatalocale_ods"]')
    assert page.evaluate("document.querySelector('.odl-harvest-preview').hidden") is False
    page.evaluate("window.odlSamePage = true")  # gone if the click reloaded the page

    page.click("#odl-harvest-preview-button")
    page.wait_for(f"document.querySelectorAll('{PANEL} .odl-harvest-preview-dataset').length === 3")

    shown = _panel(page)
    assert shown["titles"] == titles
    assert shown["schemas"][:2] == ["Aucun détecté", "Aucun détecté"]
    assert shown["schemas"][2].startswith("scdl/subventions 2.1.1 (correspondance des colonnes")
    assert not shown["busy"] and shown["danger"] is None
    assert page.evaluate("window.odlSamePage === true && location.pathname") == "/fr/harvest/new"
    assert page.evaluate("document.querySelector('#odl-harvest-preview-button').disabled") is False
    # The form is as the user left it; nothing was saved.
    assert page.evaluate("document.querySelector('#field-title').value") == "Portail OpenDataSoft"
    target = page.screenshot(tmp_path / "harvest-preview-fr.png")
    assert png_size(target)[0] == 1280 and target.stat().st_size > 30_000

    # The source now fails: the panel says so, in French.
    fault_server.route(CATALOG, Reply.error(500))
    page.click("#odl-harvest-preview-button")
    page.wait_for(f"!!document.querySelector('{PANEL} .alert-danger')")
    shown = _panel(page)
    assert shown["titles"] == [] and not shown["busy"]
    assert shown["danger"].startswith("La source n'a pas pu être lue.")
    assert shown["error"].startswith("Le serveur distant a répondu avec l'erreur HTTP 500 pour "
                                     f"{fault_server.url(CATALOG)}")
    page.screenshot(tmp_path / "harvest-preview-error-fr.png")
    assert page.errors == []


def test_a_refused_request_shows_the_modules_message(base, fault_server, page):
    fault_server.route(CATALOG, Reply.json(_ods_sample()))

    _log_in(page, base)
    _open_the_form(page, base)
    page.type("#field-url", fault_server.url("/"))
    page.click('input[name="source_type"][value="opendatalocale_ods"]')
    # Without its token the portal refuses the post (400): the module's own message.
    page.evaluate("document.querySelector('#source-new input[name=\"_csrf_token\"]').remove()")

    page.click("#odl-harvest-preview-button")
    page.wait_for(f"!!document.querySelector('{PANEL} .alert-danger')")

    shown = _panel(page)
    assert shown["danger"] == ("Le portail a refusé l'aperçu : votre session ou le formulaire a peut-être "
                               "expiré, ou vous n'avez pas le droit de prévisualiser des moissonnages. "
                               "Rechargez la page et réessayez.")
    assert not shown["busy"]
    assert page.evaluate("document.querySelector('#odl-harvest-preview-button').disabled") is False
    assert not fault_server.requests_to(CATALOG)
    assert page.errors == []


def test_an_unreachable_portal_shows_try_again(base, fault_server, page):
    _log_in(page, base)
    _open_the_form(page, base)
    page.type("#field-url", fault_server.url("/"))
    page.click('input[name="source_type"][value="opendatalocale_ods"]')
    # The preview view stops answering (a port nothing listens on): a network failure.
    page.evaluate("document.querySelector('#odl-harvest-preview-button')"
                  ".setAttribute('formaction', 'http://127.0.0.1:9/harvest/opendatalocale-preview')")

    page.click("#odl-harvest-preview-button")
    page.wait_for(f"!!document.querySelector('{PANEL} .alert-danger')")

    shown = _panel(page)
    assert shown["danger"] == ("L'aperçu n'a pas pu être affiché : le portail n'a pas répondu. "
                               "Réessayez dans un instant.")
    assert not shown["busy"]
    assert not fault_server.requests_to(CATALOG)


@pytest.mark.parametrize("source_type", ["ckan", "opendatalocale_ods"])
def test_enter_in_a_field_saves_the_source_as_before(base, page, source_type):
    # The preview button comes before Save in the form: the browser's default
    # button for Enter, which must still save, whether the button shows or not.
    factories.Organization()
    _log_in(page, base)
    _open_the_form(page, base)
    page.click(f'input[name="source_type"][value="{source_type}"]')
    hidden = page.evaluate("document.querySelector('.odl-harvest-preview').hidden")
    assert hidden is (source_type == "ckan")
    page.type("#field-url", "http://portail.example.org/")
    page.type("#field-title", "Portail voisin")

    page.press("Enter", "Enter", 13, "\r")

    page.wait_for("!location.pathname.endsWith('/harvest/new') && document.readyState === 'complete'")
    source = helpers.call_action("harvest_source_show", id="portail-voisin")
    assert source["source_type"] == source_type and source["url"] == "http://portail.example.org/"
    assert page.errors == []
