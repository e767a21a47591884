"""One look through a real browser: headless Chromium against CKAN served on 127.0.0.1.

Needs the Debian ``chromium`` package (``bash scripts/browser.sh`` installs it).
"""
from __future__ import annotations

import shutil
import struct
import subprocess
import threading
import urllib.request
from pathlib import Path

import pytest
from ckan.tests import factories
from werkzeug.serving import make_server

from ckanext.opendatalocale.tests.helpers import REPO_ROOT

from .glue import CKAN_MARKS, GMVA_SIREN

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SCREENSHOTS = REPO_ROOT / "test-output" / "screenshots"

pytestmark = [
    *CKAN_MARKS,
    pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (run scripts/browser.sh)"),
]


@pytest.fixture
def live_server(app):
    """The test app behind a real HTTP server in a thread."""
    server = make_server("127.0.0.1", 0, app.app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG file"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def _screenshot(url: str, target: Path) -> None:
    with urllib.request.urlopen(url, timeout=30) as response:  # the page itself must render
        assert response.status == 200
    target.parent.mkdir(parents=True, exist_ok=True)
    target.unlink(missing_ok=True)
    subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-dev-shm-usage", "--hide-scrollbars", f"--screenshot={target}", "--window-size=1280,2000",
         "--lang=fr-FR", url],
        check=True, capture_output=True, timeout=120,
    )


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
    _screenshot(f"{live_server}/fr/dataset/{dataset['name']}/resource/{resource['id']}", target)
    width, height = _png_size(target)
    assert (width, height) == (1280, 2000)
    # A blank or error page compresses to a few kilobytes; a rendered CKAN page does not.
    assert target.stat().st_size > 30_000

    schema_page = SCREENSHOTS / "scdl-schema-deliberations-fr.png"
    _screenshot(f"{live_server}/fr/scdl/deliberations", schema_page)
    assert _png_size(schema_page) == (1280, 2000) and schema_page.stat().st_size > 30_000
