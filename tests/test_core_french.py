"""CKAN core strings on the pages the suite touches are French in French (issue 11 item 17).

CKAN's own French catalogue leaves some untranslated; the suite's catalogue
carries them (i18n/fragments/core.fr.po). The known untranslated strings are
those CKAN's catalogue lacks, among the carried ones; each page is rendered in
English first, so the test checks strings the pages really show.
"""
from __future__ import annotations

import html
from pathlib import Path

import ckan
import polib
import pytest
from ckan.tests import factories

from tests.harvesters.conftest import harvest_db  # noqa: F401 - the suite with its harvest tables
from tests.helpers import REPO_ROOT, SUITE_CONFIG

pytestmark = [*(pytest.mark.ckan_config(k, v) for k, v in SUITE_CONFIG.items()),
              pytest.mark.usefixtures("with_plugins", "harvest_db")]

CORE_CATALOGUE = Path(ckan.__file__).parent / "i18n" / "fr" / "LC_MESSAGES" / "ckan.po"
CARRIED = REPO_ROOT / "i18n" / "fragments" / "core.fr.po"


def _msgids(path: Path, translated: bool | None = None) -> set[str]:
    return {e.msgid for e in polib.pofile(str(path))
            if translated is None or bool(e.msgstr) == translated}


def known_untranslated() -> list[str]:
    """Carried sentences (no placeholder, several words: a lone word like "close" is
    also part of other text) that this CKAN's fr catalogue leaves untranslated."""
    return sorted(m for m in _msgids(CARRIED) - _msgids(CORE_CATALOGUE, translated=True)
                  if "{" not in m and " " in m)


def _pages():
    org = factories.Organization(name="ville-de-vannes", description="")
    dataset = factories.Dataset(owner_org=org["id"], notes="", tags=[{"name": "budget"}],
                                resources=[{"url": "http://example.org/budget.csv", "format": "CSV"}])
    return ["/dataset/", f"/dataset/{dataset['name']}",
            f"/dataset/{dataset['name']}/resource/{dataset['resources'][0]['id']}",
            f"/organization/{org['name']}", "/organization/"]


def _text(app, url: str) -> str:
    response = app.get(url)
    assert response.status_code == 200, url
    return html.unescape(response.get_data(as_text=True))


def test_core_strings_the_suite_shows_are_french_in_french(app):
    pages = _pages()
    english = "".join(_text(app, url) for url in pages)
    shown = [s for s in known_untranslated() if s in english]
    assert len(shown) >= 3, shown
    for url in pages:
        french = _text(app, "/fr" + url)
        assert [s for s in shown if s in french] == [], url


def test_the_carried_strings_never_override_a_ckan_translation():
    assert not _msgids(CARRIED) & _msgids(CORE_CATALOGUE, translated=True)
