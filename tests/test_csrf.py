"""Every POST view of the suite refuses a browser session's POST without its CSRF token.

CKAN 2.11 exempts extensions' views, and CKAN 2.12 exempts a view for good once
an anonymous or API-token request reached it: each view checks the token
itself. The views are listed from the Flask URL map, so a new one is covered.
"""
from __future__ import annotations

import pytest

from tests.harvesters.conftest import harvest_db  # noqa: F401 - the suite with its harvest tables
from tests.helpers import SUITE_CONFIG, log_in, suite_blueprints

pytestmark = [*(pytest.mark.ckan_config(k, v) for k, v in SUITE_CONFIG.items()),
              pytest.mark.ckan_config("WTF_CSRF_ENABLED", "true"),
              pytest.mark.usefixtures("with_plugins", "harvest_db")]


def _post_urls(flask_app) -> list[str]:
    blueprints = suite_blueprints()
    urls = []
    for rule in flask_app.url_map.iter_rules():
        if "POST" in rule.methods and rule.endpoint.split(".")[0] in blueprints:
            urls.append(rule.rule.replace("<", "").replace(">", ""))
    return sorted(urls)


def test_every_post_view_of_the_suite_checks_the_csrf_token(app):
    urls = _post_urls(app.flask_app)
    # The dashboard's notes, decisions and refresh, conformity's two buttons, the harvest preview.
    assert {"/territoire/slug/collectivite/siren", "/territoire/slug/actualiser",
            "/conformite/resource/id/verifier", "/harvest/opendatalocale-preview"} <= set(urls)
    browser = app.test_client()
    log_in(browser, sysadmin=True)
    for url in urls:
        app.post(url, data={"kind": "note", "text": "x"})  # anonymous first: CKAN 2.12 then exempts the view
        response = browser.post(url, data={"kind": "note", "text": "x"})
        assert response.status_code == 400, url
        assert "CSRF" in response.get_data(as_text=True), url
