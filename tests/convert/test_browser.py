"""An editor converts her spreadsheet in a real browser (headless Chromium, no script needed):
upload, one column changed, preview, publish; the conformity job then marks the file conformant.
The screenshots illustrate docs/publier-scdl-depuis-tableur.md (copied, reduced, to docs/img/)."""
from __future__ import annotations

import json

import pytest
from ckan.lib import jobs as ckan_jobs
from ckan.tests import helpers

from tests.browser import CHROMIUM, SCREENSHOTS, SKIP_REASON, Page, png_size, serve_ckan

from .glue import (CKAN_MARKS, FIXTURES, PASSWORD, QUEUE, SCHEMA, XLSX, clean_queue,  # noqa: F401
                   editor_and_dataset)

pytestmark = [*CKAN_MARKS, pytest.mark.ckan_config("WTF_CSRF_ENABLED", "true"),
              pytest.mark.skipif(CHROMIUM is None, reason=SKIP_REASON)]


@pytest.fixture
def page():
    # Tall enough that no step needs scrolling: Page.click misses buttons of a scrolled page.
    with Page(width=1100, height=2600) as opened:
        yield opened


@pytest.fixture
def base(request, ckan_config, monkeypatch):
    def set_site_url(url: str) -> None:
        monkeypatch.setitem(ckan_config, "ckan.site_url", url)

    with serve_ckan(set_site_url, lambda: request.getfixturevalue("app").app) as url:
        yield url


def _submit(page: Page, form: str, path_end: str) -> None:
    page.click(f"{form} button[type=submit]")
    page.wait_for(f"location.pathname.endsWith({json.dumps(path_end)}) && document.readyState === 'complete'")


def _shot(page: Page, name: str) -> None:
    target = page.screenshot(SCREENSHOTS / name)
    assert png_size(target)[0] == 1100 and target.stat().st_size > 20_000


def test_an_editor_converts_her_spreadsheet_and_publishes_it(base, page):
    user, _other, _org, dataset = editor_and_dataset()
    page.goto(f"{base}/fr/user/login")
    page.type("#field-login", user["name"])
    page.type("#field-password", PASSWORD)
    page.click("form:has(#field-password) button[type=submit]")
    page.wait_for("!location.pathname.endsWith('/user/login') && document.readyState === 'complete'")

    # From the resource form: the offer to convert.
    page.goto(f"{base}/fr/dataset/{dataset['name']}/resource/new")
    page.click(".odl-convert-offer a")
    page.wait_for("location.pathname.endsWith('/convertir') && document.readyState === 'complete'")
    page.evaluate(f"document.querySelector('#field-schema_name').value = {json.dumps(SCHEMA)}")
    page.upload("#field-upload", FIXTURES / XLSX)
    _shot(page, "convert-1-fichier.png")
    _submit(page, "form.odl-convert-start", "/colonnes")

    headers = page.evaluate("[...document.querySelectorAll('tr[data-column]')].map(r => r.dataset.column)")
    assert "Commentaire interne" in headers and "Objet" in headers
    assert page.evaluate("document.querySelector('tr[data-column=\"Objet\"] select').value") == "objet"
    assert "Colonne de votre fichier" in page.evaluate("document.querySelector('thead').textContent")
    _shot(page, "convert-2-colonnes.png")
    # The editor keeps the deliberation numbers out of the published file.
    page.evaluate("document.querySelector('tr[data-column=\"N° délibération\"] select').value = ''")
    _submit(page, "form.odl-convert-mapping", "/apercu")

    assert page.evaluate("document.querySelector('.odl-convert-verdict').dataset.conforms") == "true"
    assert page.evaluate("document.querySelectorAll('.odl-convert-changes tr[data-field]').length") >= 3
    _shot(page, "convert-3-apercu.png")
    _submit(page, "form.odl-convert-publish", f"/dataset/{dataset['name']}")
    _shot(page, "convert-4-publie.png")
    assert page.errors == []

    resources = helpers.call_action("package_show", id=dataset["id"])["resources"]
    converted = [r for r in resources if r.get("schema_name") == SCHEMA]
    assert len(converted) == 1 and converted[0]["schema_version"]
    assert [r["format"] for r in resources if r not in converted] == ["XLSX"]

    # The suite's conformity job, run by an rq worker on its queue, marks it conformant.
    ckan_jobs.Worker([QUEUE]).work(burst=True)
    assert helpers.call_action("conformity_report_show", id=converted[0]["id"])["status"] == "valid"
    page.goto(f"{base}/fr/dataset/{dataset['name']}")
    assert page.evaluate("[...document.querySelectorAll('[data-conformity]')].map(e => e.dataset.conformity)"
                         ).count("valid") >= 1
    _shot(page, "convert-5-conforme.png")
