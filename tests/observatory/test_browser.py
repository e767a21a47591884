"""The observatory through a real browser, anonymous: headless Chromium loads a territory page
and a portrait from CKAN served on 127.0.0.1; the test checks what they show (charts drawn as
SVG with their tables) and saves screenshots in test-output/screenshots/."""
from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from tests.browser import CHROMIUM, SCREENSHOTS, SKIP_REASON, dump_dom, png_size, screenshot, serve

from . import territory as t
from .conftest import PLUGINS

pytestmark = [pytest.mark.ckan_config("ckan.plugins", PLUGINS), pytest.mark.usefixtures("with_plugins"),
              pytest.mark.skipif(CHROMIUM is None, reason=SKIP_REASON)]


def _shot(url: str, name: str, height: int) -> None:
    target = screenshot(url, SCREENSHOTS / name, 1280, height)
    assert png_size(target) == (1280, height)
    # A blank or error page compresses to a few kilobytes; a page with charts does not.
    assert target.stat().st_size > 30_000


def test_territory_page_and_portrait_in_chromium(app, portal):
    with serve(app.app) as base:
        page = BeautifulSoup(dump_dom(f"{base}/fr/observatoire/golfe"), "html.parser")
        assert page.h1.text == "Golfe"
        section = page.select_one("section#subventions")
        assert section.select_one(".odl-obs-value").text.split()[0] == "2,33"
        # Each chart sits beside its table, and the chart's description repeats the table's values.
        block = section.select_one(".odl-obs-block")
        description = block.select_one("figure svg desc").text
        cells = [tr.select("td") for tr in block.select("tbody tr")]
        assert description == "; ".join(f"{c[0].text}: {c[1].text}" for c in cells)
        _shot(f"{base}/fr/observatoire/golfe", "observatoire-territoire-fr.png", 2400)

        portrait = BeautifulSoup(dump_dom(f"{base}/fr/observatoire/golfe/{t.ARZON}"), "html.parser")
        assert portrait.h1.text == "Arzon"
        subventions = portrait.select_one("section#subventions")
        assert "rang 3 sur 4" in subventions.select_one(".odl-obs-compare").text
        # Arzon's own bar among its EPCI's members, in the accent colour.
        assert len(subventions.select("figure svg rect[fill='#c2410c']")) == 1
        assert subventions.select_one(".odl-obs-missing") is None
        assert "Arzon ne publie pas encore" in portrait.select_one("section#budget .odl-obs-missing").text
        _shot(f"{base}/fr/observatoire/golfe/{t.ARZON}", "observatoire-portrait-fr.png", 2400)
