"""Who may call each dashboard action: anonymous, a member of the territory's organisation,
a member of another territory's organisation, its admin and a sysadmin."""
from __future__ import annotations

import pytest
import ckan.plugins.toolkit as tk
from ckan import model
from ckan.tests import helpers

from .conftest import AMBON, PLUGINS

pytestmark = [pytest.mark.ckan_config("ckan.plugins", PLUGINS),
              pytest.mark.usefixtures("with_plugins")]

PUBLIC = ("dashboard_territory_list", "dashboard_territory_show", "dashboard_collectivite_list",
          "dashboard_collectivite_show", "dashboard_matrix")
MEMBERS = ("dashboard_note_create", "dashboard_note_list")
ADMINS = ("dashboard_refresh", "dashboard_override_create")


def _user(data, who):
    return {"anonymous": "", "member": data["atd_member"]["name"], "admin": data["atd_admin"]["name"],
            "other": data["other_member"]["name"], "sysadmin": data["sysadmin"]["name"]}[who]


def _allowed(action, user, **data):
    try:
        helpers.call_auth(action, {"user": user, "model": model}, **data)
        return True
    except tk.NotAuthorized:
        return False


def test_auth_matrix(refreshed):
    """One fixture build for the whole matrix (each build loads 266 collectivités)."""
    expected = {
        **{action: {"anonymous": True, "member": True, "admin": True, "other": True, "sysadmin": True}
           for action in PUBLIC},
        **{action: {"anonymous": False, "member": True, "admin": True, "other": False, "sysadmin": True}
           for action in MEMBERS},
        **{action: {"anonymous": False, "member": False, "admin": True, "other": False, "sysadmin": True}
           for action in ADMINS},
    }
    actual = {action: {who: _allowed(action, _user(refreshed, who), id="morbihan", siren=AMBON)
                       for who in row} for action, row in expected.items()}
    assert actual == expected
    # The other ATD's admin may refresh its own territory, not this one.
    assert _allowed("dashboard_refresh", _user(refreshed, "other"), id="ailleurs")


def _call(action, user, **data):
    return tk.get_action(action)({"user": user}, data)


def test_private_counts_and_notes_only_for_members(refreshed):
    for who, sees in (("anonymous", False), ("other", False), ("member", True), ("sysadmin", True)):
        _check_visibility(_user(refreshed, who), sees)


def _check_visibility(user, sees):
    show = _call("dashboard_territory_show", user, id="morbihan")
    assert ("private_datasets" in show["kpis"]) is sees
    listing = _call("dashboard_collectivite_list", user, id="morbihan", q="Allaire")
    assert ("private_dataset_count" in listing["results"][0]) is sees
    detail = _call("dashboard_collectivite_show", user, id="morbihan", siren=AMBON)
    assert ("notes" in detail) is sees and ("override_history" in detail) is sees


def test_note_by_member_and_override_by_admin(refreshed):
    member, admin = refreshed["atd_member"]["name"], refreshed["atd_admin"]["name"]
    _call("dashboard_note_create", member, id="morbihan", siren=AMBON, text="Appel au secrétariat")
    notes = _call("dashboard_note_list", member, id="morbihan", siren=AMBON)
    assert [(n["author"], n["text"]) for n in notes] == [(member, "Appel au secrétariat")]
    with pytest.raises(tk.NotAuthorized):
        _call("dashboard_override_create", member, id="morbihan", siren=AMBON, status="exempt", reason="x")
    _call("dashboard_override_create", admin, id="morbihan", siren=AMBON, status="exempt",
          reason="moins de 50 agents")
    history = _call("dashboard_collectivite_show", member, id="morbihan", siren=AMBON)["override_history"]
    # Never updated in place: the three decisions are kept, newest first.
    assert [o["status"] for o in history] == ["exempt", "obliged", "exempt"]
    # Notes are per territory: the other ATD does not see them even for its own members.
    assert _call("dashboard_note_list", refreshed["sysadmin"]["name"], id="ailleurs", siren=AMBON) == []


def test_validation(refreshed):
    member = refreshed["atd_member"]["name"]
    with pytest.raises(tk.ValidationError):
        _call("dashboard_override_create", refreshed["atd_admin"]["name"], id="morbihan", siren=AMBON, status="maybe", reason="x")
    with pytest.raises(tk.ValidationError):
        _call("dashboard_note_create", member, id="morbihan", siren="215602608x", text="x")
    with pytest.raises(tk.ObjectNotFound):
        _call("dashboard_territory_show", "", id="nowhere")


def test_list_filters_sort_and_paging(refreshed):
    listing = _call("dashboard_collectivite_list", "", id="morbihan", kind="commune", obliged_only="1",
                    sort="population", order="desc", limit=3)
    assert listing["count"] == 59
    assert [r["name"] for r in listing["results"]] == ["Lorient", "Vannes", "Lanester"]
    assert _call("dashboard_collectivite_list", "", id="morbihan", schema="scdl/budget")["count"] == 1
    matrix = _call("dashboard_matrix", "", id="morbihan", kind="commune")
    assert matrix["totals"]["scdl/budget"] == {"publishing": 1, "valid": 0, "expected": 249, "valid_rate": 0.0}
    assert matrix["totals"]["scdl/deliberations"]["valid"] == 1


def test_refresh_inline_by_admin(refreshed):
    result = _call("dashboard_refresh", refreshed["atd_admin"]["name"], id="morbihan", inline=True)
    assert result["queued"] is False and result["kpis"]["open"] == 2
