"""Obligation decisions: a territory's own, by its admins, shown at once; and the
dashboard's POST forms, which a browser session must send with its CSRF token."""
from __future__ import annotations

import pytest
import ckan.plugins.toolkit as tk
from bs4 import BeautifulSoup

from tests.helpers import log_in

from .conftest import AMBON, PLUGINS, VANNES

pytestmark = [pytest.mark.ckan_config("ckan.plugins", PLUGINS),
              pytest.mark.usefixtures("with_plugins")]


def _call(action, user, **data):
    return tk.get_action(action)({"user": user}, data)


def _obligation(territory, siren, user=""):
    row = _call("dashboard_collectivite_show", user, id=territory, siren=siren)["collectivite"]
    return row["obligation"]["status"], row["obligation"]["decided_by"]


def test_a_decision_is_the_territorys_own_and_shows_at_once(refreshed):
    """Vannes belongs to both territories: each ATD judges it for its own dashboard."""
    before = _obligation("morbihan", VANNES)
    assert _obligation("ailleurs", VANNES) == before and before[1] == "rule"
    other_admin = refreshed["other_member"]["name"]
    _call("dashboard_override_create", other_admin, id="ailleurs", siren=VANNES, status="exempt",
          reason="convention particulière")
    # No refresh in between: the decision is on the territory's pages at once...
    assert _obligation("ailleurs", VANNES) == ("exempt", "override")
    history = _call("dashboard_collectivite_show", other_admin, id="ailleurs", siren=VANNES)["override_history"]
    assert [o["reason"] for o in history] == ["convention particulière"]
    # ...and nowhere else, even after the other territory's figures are computed again.
    _call("dashboard_refresh", refreshed["sysadmin"]["name"], id="morbihan", inline=True)
    assert _obligation("morbihan", VANNES) == before
    sysadmin = refreshed["sysadmin"]["name"]
    assert _call("dashboard_collectivite_show", sysadmin, id="morbihan", siren=VANNES)["override_history"] == []


def test_only_the_territorys_admins_and_sysadmins_decide(refreshed):
    for who in ("atd_member", "other_member"):
        with pytest.raises(tk.NotAuthorized):
            _call("dashboard_override_create", refreshed[who]["name"], id="morbihan", siren=AMBON,
                  status="exempt", reason="x")
    _call("dashboard_override_create", refreshed["sysadmin"]["name"], id="morbihan", siren=AMBON,
          status="unknown", reason="à vérifier")
    assert _obligation("morbihan", AMBON)[1] == "override"
@pytest.mark.ckan_config("WTF_CSRF_ENABLED", "true")
def test_dashboard_posts_need_the_csrf_token_of_the_session(app, refreshed):
    """CKAN 2.12 exempts a view for good after its first anonymous or API-token POST:
    the views check the token themselves."""
    from ckan.tests import helpers

    browser = app.test_client()
    user = log_in(browser)
    helpers.call_action("member_create", id=refreshed["atd"]["id"], object=user["name"],
                        object_type="user", capacity="admin")
    note = f"/territoire/morbihan/collectivite/{AMBON}"
    posts = {note: {"kind": "note", "text": "sans jeton"},
             note + "#override": {"kind": "override", "status": "exempt", "reason": "sans jeton"},
             "/territoire/morbihan/actualiser": {}}
    for url, data in posts.items():
        app.post(url.split("#")[0], data=data)  # anonymous first: what made CKAN 2.12 exempt the view
        assert browser.post(url.split("#")[0], data=data).status_code == 400, url
    detail = _call("dashboard_collectivite_show", user["name"], id="morbihan", siren=AMBON)
    assert not any(n["text"] == "sans jeton" for n in detail["notes"])
    assert not any(o["reason"] == "sans jeton" for o in detail["override_history"])

    page = BeautifulSoup(browser.get(note).get_data(as_text=True), "html.parser")
    token = page.select_one('input[name="_csrf_token"]')["value"]
    answer = browser.post(note, data={"kind": "note", "text": "avec jeton", "_csrf_token": token},
                          follow_redirects=False)
    assert answer.status_code == 302
    assert _call("dashboard_note_list", user["name"], id="morbihan", siren=AMBON)[0]["text"] == "avec jeton"
