"""Parameters of the dashboard's actions, validated by their navl schemas (``logic/schema.py``):
bad input is a 409 ValidationError naming the field, through the API as from Python; valid
input keeps its meaning."""
from __future__ import annotations

import datetime as dt

import pytest
import ckan.plugins.toolkit as tk
from ckan.tests import factories, helpers

from .conftest import AMBON, PLUGINS

pytestmark = [pytest.mark.ckan_config("ckan.plugins", PLUGINS),
              pytest.mark.usefixtures("with_plugins")]

KINDS = "Must be one of: commune, epci, departement, region"
# (action, parameters besides id=morbihan, field in error, part of its message)
INVALID = [
    ("dashboard_collectivite_list", {"limit": -1}, "limit", "natural number"),
    ("dashboard_collectivite_list", {"limit": "abc"}, "limit", "Invalid integer"),
    ("dashboard_collectivite_list", {"offset": "-5"}, "offset", "natural number"),
    ("dashboard_collectivite_list", {"offset": "99999999"}, "offset", "Must be at most 1000000"),
    ("dashboard_collectivite_list", {"kind": "village"}, "kind", KINDS),
    ("dashboard_collectivite_list", {"band": "huge"}, "band", "Must be one of: lt3500, "),
    ("dashboard_collectivite_list", {"sort": "nope"}, "sort", "Must be one of: name, population"),
    ("dashboard_collectivite_list", {"order": "sideways"}, "order", "Must be one of: asc, desc"),
    ("dashboard_collectivite_list", {"obliged_only": "perhaps"}, "obliged_only", "Must be true or false"),
    ("dashboard_matrix", {"limit": "1e20"}, "limit", "Invalid integer"),
    ("dashboard_matrix", {"kind": "village"}, "kind", KINDS),
    ("dashboard_territory_show", {"id": ""}, "id", "Missing value"),
    ("dashboard_collectivite_show", {}, "siren", "Missing value"),
    ("dashboard_refresh", {"inline": "maybe"}, "inline", "Must be true or false"),
    ("dashboard_override_create", {"siren": AMBON, "status": "maybe", "reason": "x"}, "status",
     "Must be one of: obliged, exempt, unknown"),
    ("dashboard_override_create", {"siren": AMBON, "status": "exempt", "reason": "   "}, "reason", "Missing value"),
    ("dashboard_note_create", {"siren": AMBON, "text": "x", "kind": "party"}, "kind", "Must be one of: note, training"),
    ("dashboard_note_create", {"siren": AMBON, "text": "x", "occurred": "yesterday"}, "occurred",
     "Not a date (YYYY-MM-DD)"),
    ("dashboard_note_create", {"siren": AMBON, "text": " "}, "text", "Missing value"),
    ("dashboard_note_list", {}, "siren", "Missing value"),
    ("dashboard_contact_list", {}, "siren", "Missing value"),
    ("dashboard_contact_create", {"siren": AMBON, "email": "not-an-address"}, "email", "Not a valid e-mail address"),
    ("dashboard_contact_delete", {"siren": AMBON, "contact_id": "abc"}, "contact_id", "Invalid integer"),
    ("dashboard_contact_delete", {"siren": AMBON, "contact_id": "0"}, "contact_id", "positive integer"),
    ("dashboard_contact_delete", {"siren": AMBON, "contact_id": "9" * 12}, "contact_id", "Must be at most"),
    ("dashboard_reminder_exclude", {"siren": AMBON, "exclude": "perhaps"}, "exclude", "Must be true or false"),
    ("dashboard_reminder_preview", {"kind": "village"}, "kind", KINDS),
    ("dashboard_reminder_preview", {"obliged_only": "2"}, "obliged_only", "Must be true or false"),
    ("dashboard_reminder_send", {"sirens": AMBON}, "token", "Missing value"),
    ("dashboard_reminder_send", {"sirens": AMBON, "token": "t" * 65}, "token", "Too long (at most 64 characters)"),
    ("dashboard_reminder_list", {"id": ""}, "id", "Missing value"),
    ("dashboard_action_list", {"year": "1999"}, "year", "Invalid year"),
    ("dashboard_action_list", {"year": "abc"}, "year", "Invalid integer"),
    ("dashboard_report_show", {"year": "3000"}, "year", "Invalid year"),
]


def test_invalid_parameters_are_a_409_naming_the_field_through_the_api(app, refreshed):
    """A sysadmin calls, so the parameters reach the validation past every auth check."""
    token = factories.APIToken(user=refreshed["sysadmin"]["name"])["token"]
    for action, params, field, message in INVALID:
        response = app.post(f"/api/3/action/{action}", json={"id": "morbihan", **params},
                            headers={"Authorization": token})
        what = f"{action} {params}"
        assert response.status_code == 409, f"{what}: {response.status_code} {response.get_data(as_text=True)[:300]}"
        error = response.json["error"]
        assert error["__type"] == "Validation Error", what
        assert any(message in text for text in error.get(field, [])), f"{what}: {error}"


def test_invalid_parameters_raise_a_validation_error_from_python(refreshed):
    context = {"user": refreshed["sysadmin"]["name"]}
    with pytest.raises(tk.ValidationError) as raised:
        helpers.call_action("dashboard_collectivite_list", context, id="morbihan", limit=-1, kind="village")
    assert set(raised.value.error_dict) == {"limit", "kind"}
    with pytest.raises(tk.ValidationError) as raised:
        helpers.call_action("dashboard_reminder_preview", context, id="morbihan", sort="nope")
    assert "sort" in raised.value.error_dict


def test_valid_parameters_keep_their_meaning(refreshed):
    context = {"user": refreshed["sysadmin"]["name"]}

    def listing(**params):
        return helpers.call_action("dashboard_collectivite_list", dict(context), id="morbihan", **params)

    everything = listing()
    assert len(everything["results"]) == 50 and everything["count"] > 50  # the default page
    # A form's checkbox (on, 1, true, yes); empty or false values do not filter.
    obliged = {listing(kind="commune", obliged_only=value)["count"] for value in ("on", "1", "true", "yes", True)}
    assert obliged == {59}
    assert {listing(obliged_only=value)["count"] for value in ("", "0", "false", "off", False)} == {everything["count"]}
    # Empty filters are no filter; an empty sort or order is the default one.
    assert listing(kind="", band="", epci="", q="", sort="", order="")["results"] == everything["results"]
    descending = listing(kind="commune", sort="population", order="desc", limit=3)["results"]
    assert [r["name"] for r in descending] == ["Lorient", "Vannes", "Lanester"]
    # Paging: a limit past the maximum is the maximum, as CKAN's package_search does.
    assert len(listing(limit=5000)["results"]) == everything["count"]
    assert listing(offset=everything["count"] - 2)["results"] == listing(limit=everything["count"])["results"][-2:]
    matrix = helpers.call_action("dashboard_matrix", dict(context), id="morbihan")
    assert len(matrix["rows"]) == 100  # the matrix's default page
    assert helpers.call_action("dashboard_refresh", dict(context), id="morbihan", inline="true")["queued"] is False

    # The ATD's action log: a kind with no date took place today; a date as given.
    note = helpers.call_action("dashboard_note_create", dict(context), id="morbihan", siren=AMBON,
                               text="  Formation  ", kind="training")
    assert (note["text"], note["kind"], note["occurred"]) == ("Formation", "training", dt.date.today().isoformat())
    note = helpers.call_action("dashboard_note_create", dict(context), id="morbihan", siren=AMBON, text="Appel",
                               kind="", occurred="")
    assert (note["kind"], note["occurred"]) == ("note", None)
    # Without ``exclude``, a collectivité is left out; false takes it back.
    left_out = helpers.call_action("dashboard_reminder_exclude", dict(context), id="morbihan", siren=AMBON)
    assert left_out == {"siren": AMBON, "excluded": True}
    back = helpers.call_action("dashboard_reminder_exclude", dict(context), id="morbihan", siren=AMBON,
                               exclude="false")
    assert back["excluded"] is False
    contact = helpers.call_action("dashboard_contact_create", dict(context), id="morbihan", siren=AMBON,
                                  email=" mairie@ambon.example ", name=" Secrétariat ")
    assert (contact["email"], contact["name"], contact["role"]) == ("mairie@ambon.example", "Secrétariat", "")
    preview = helpers.call_action("dashboard_reminder_preview", dict(context), id="morbihan",
                                  sirens=[AMBON, AMBON, " "])
    assert [m["siren"] for m in preview["messages"]] == [AMBON]
    year = helpers.call_action("dashboard_action_list", dict(context), id="morbihan")
    assert [a["text"] for a in year] == ["Formation"]


def test_pages_answer_bad_filters_with_a_400_and_keep_empty_ones(app, refreshed):
    for url in ("/territoire/morbihan/collectivites?kind=village", "/territoire/morbihan/matrice?order=sideways",
                "/territoire/morbihan/carte?band=huge", "/territoire/morbihan/collectivites?format=csv&sort=nope"):
        response = app.get(url)
        assert response.status_code == 400, url
    for url in ("/territoire/morbihan/collectivites?kind=&band=&obliged_only=", "/territoire/morbihan/matrice?order=",
                "/territoire/morbihan/carte?kind=&epci="):
        assert app.get(url).status_code == 200, url
