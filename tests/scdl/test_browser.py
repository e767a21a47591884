"""One look through a real browser: headless Chromium against CKAN served on 127.0.0.1.

Needs the Debian ``chromium`` package (``bash scripts/browser.sh`` installs it).
"""
from __future__ import annotations

import pytest
from ckan.tests import factories

from tests.browser import CHROMIUM, SCREENSHOTS, SKIP_REASON, png_size, screenshot, serve

from .glue import CKAN_MARKS, GMVA_SIREN

pytestmark = [*CKAN_MARKS, pytest.mark.skipif(CHROMIUM is None, reason=SKIP_REASON)]


@pytest.fixture
def live_server(app):
    """The test app behind a real HTTP server in a thread."""
    with serve(app.app) as url:
        yield url


def test_resource_page_screenshot_in_french(live_server):
    org = factories.Organization(title="Golfe du Morbihan - Vannes agglomération", siren=GMVA_SIREN)
    dataset = factories.Dataset(
        name="deliberations-gmva", title="Délibérations – Golfe du Morbihan - Vannes agglomération",
        owner_org=org["id"], license_id="lo-2.0", frequency="monthly", themes=["GOVE"],
        resources=[{"url": "http://example.com/deliberations.csv", "name": "Délibérations 2025", "format": "CSV",
                    "schema_name": "scdl/deliberations"}],
    )
    resource = dataset["resources"][0]
    target = SCREENSHOTS / "scdl-resource-fr.png"
    screenshot(f"{live_server}/fr/dataset/{dataset['name']}/resource/{resource['id']}", target)
    width, height = png_size(target)
    assert (width, height) == (1280, 2000)
    # A blank or error page compresses to a few kilobytes; a rendered CKAN page does not.
    assert target.stat().st_size > 30_000

    schema_page = SCREENSHOTS / "scdl-schema-deliberations-fr.png"
    screenshot(f"{live_server}/fr/scdl/deliberations", schema_page)
    assert png_size(schema_page) == (1280, 2000) and schema_page.stat().st_size > 30_000
