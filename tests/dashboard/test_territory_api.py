"""Territories through the API as each kind of user would call it: an ATD admin creates,
changes and deletes its territory, every change leaves an audit row; members of another ATD,
editors and anonymous users are refused every write; bad input gets a clear error."""
from __future__ import annotations

import pytest
from ckan import model
from ckan.tests import helpers
from click.testing import CliRunner

import ckan.plugins.toolkit as tk

from ckanext.opendatalocale.cli import suite_group
from ckanext.opendatalocale.dashboard import cli as feature_cli
from ckanext.opendatalocale.dashboard import refresh
from ckanext.opendatalocale.territories.model import territory_audit

from .conftest import PLUGINS, settings

opendatalocale = suite_group(*feature_cli.COMMANDS)

pytestmark = [pytest.mark.ckan_config("ckan.plugins", PLUGINS), pytest.mark.usefixtures("with_plugins")]

GMVA = "200067932"  # Golfe du Morbihan - Vannes Agglomération
QUESTEMBERT = "245614383"  # CC Questembert Communauté
VANNES, ALLAIRE = "215602608", "215600016"


def _as(user, action, **data):
    return helpers.call_action(action, context={"user": user["name"] if user else None, "ignore_auth": False},
                               **data)


def _audit_rows():
    a = territory_audit.c
    return [dict(row) for row in model.Session.connection().execute(
        territory_audit.select().order_by(a.id)).mappings()]


def test_an_atd_admin_creates_changes_and_deletes_its_territory(territory_data):
    admin, atd = territory_data["atd_admin"], territory_data["atd"]
    created = _as(admin, "territory_create", name="Golfe et Questembert", epci=[GMVA, QUESTEMBERT],
                  sirens=[ALLAIRE], organizations=[atd["name"]],
                  expected_schemas={"commune": "scdl/deliberations scdl/budget"},
                  schema_horizons={"scdl/deliberations": "30"})
    assert created["slug"] == "golfe-et-questembert"
    assert created["organization_ids"] == [atd["id"]]
    assert created["rules"] == {"departements": [], "epci": sorted([GMVA, QUESTEMBERT]), "sirens": [ALLAIRE]}
    assert created["settings"] == {"expected_schemas": {"commune": ["scdl/deliberations", "scdl/budget"]},
                                   "schema_horizons": {"scdl/deliberations": 30}}
    names = {item["value"]: item["name"] for item in created["perimeter"]}
    assert names[f"epci:{QUESTEMBERT}"] == "CC Questembert Communauté" and names[f"siren:{ALLAIRE}"] == "Allaire"

    shown = _as(None, "territory_show", id="golfe-et-questembert")  # definitions are public
    # 34 + 13 communes, Allaire, the 3 EPCI above them (Allaire is in Redon Agglomération),
    # the département and the région.
    assert shown["collectivite_count"] == 34 + 13 + 1 + 3 + 2

    # The territory's own expectations drive its figures.
    refresh.refresh_territory(model.Session.connection(), shown, settings())
    model.Session.commit()
    row = refresh.snapshot_row(model.Session.connection(), shown["id"], VANNES)
    assert row["scdl"]["expected"] == ["scdl/deliberations", "scdl/budget"]

    updated = _as(admin, "territory_update", id=created["id"], name="Golfe", slug="golfe", sirens=[],
                  schema_horizons={})
    assert (updated["name"], updated["slug"], updated["rules"]["sirens"]) == ("Golfe", "golfe", [])
    assert updated["settings"] == {"expected_schemas": {"commune": ["scdl/deliberations", "scdl/budget"]}}
    # Nothing changed: no audit row.
    _as(admin, "territory_update", id="golfe", name="Golfe")
    _as(admin, "territory_delete", id="golfe")
    with pytest.raises(tk.ObjectNotFound):
        _as(admin, "territory_show", id="golfe")

    rows = [row for row in _audit_rows() if row["territory_id"] == created["id"]]
    assert [(r["action"], r["author"], r["origin"]) for r in rows] == [
        ("create", admin["name"], "api"), ("update", admin["name"], "api"), ("delete", admin["name"], "api")]
    assert rows[1]["changes"]["name"] == ["Golfe et Questembert", "Golfe"]
    assert rows[1]["changes"]["rules"][1]["sirens"] == []
    assert set(rows[1]["changes"]) == {"name", "slug", "rules", "settings"}
    assert rows[2]["changes"]["slug"] == ["golfe", None]  # the definition is kept
    history = _as(territory_data["sysadmin"], "territory_audit_list", id=created["id"])
    assert [entry["action"] for entry in history] == ["delete", "update", "create"]


def test_every_write_is_refused_to_others(territory_data):
    atd, other = territory_data["atd"], territory_data["other"]
    morbihan = territory_data["morbihan"]["id"]
    for user in (territory_data["other_member"], territory_data["atd_member"], None):
        with pytest.raises(tk.NotAuthorized):
            _as(user, "territory_create", name="Pris", departements=["56"], organizations=[atd["name"]])
        with pytest.raises(tk.NotAuthorized):
            _as(user, "territory_update", id=morbihan, name="Pris")
        with pytest.raises(tk.NotAuthorized):
            _as(user, "territory_delete", id=morbihan)
    for user in (territory_data["other_member"], None):
        with pytest.raises(tk.NotAuthorized):
            _as(user, "territory_audit_list", id=morbihan)
    # An ATD admin cannot link an organisation it does not administer, nor create without one.
    admin = territory_data["atd_admin"]
    with pytest.raises(tk.NotAuthorized):
        _as(admin, "territory_update", id=morbihan, organizations=[atd["id"], other["id"]])
    with pytest.raises(tk.NotAuthorized):
        _as(admin, "territory_create", name="Sans organisation", departements=["56"])
    assert _as(territory_data["atd_member"], "territory_audit_list", id=morbihan) == []
    assert store_name(morbihan) == "Morbihan"
    assert _audit_rows() == []


def store_name(territory_id):
    from ckanext.opendatalocale.territories import store

    return store.get_territory(model.Session.connection(), territory_id)["name"]


@pytest.mark.parametrize("data, field, message", [
    ({"departements": ["99"]}, "departements", "Unknown département: 99"),
    ({"epci": [VANNES]}, "epci", "Not an EPCI"),
    ({"sirens": ["123456789"]}, "sirens", "Unknown SIREN: 123456789"),
    ({"departements": []}, "departements", "Choose at least one"),
    ({"slug": "morbihan"}, "slug", "already used"),
    ({"slug": "nouveau"}, "slug", "lower-case letters"),
    ({"slug": "Pas Bon"}, "slug", "lower-case letters"),
    ({"expected_schemas": {"commune": "scdl/nope"}}, "expected_schemas", "Unknown schema: scdl/nope"),
    ({"expected_schemas": {"hameau": "scdl/budget"}}, "expected_schemas", "Unknown kind"),
    ({"schema_horizons": {"scdl/budget": "0"}}, "schema_horizons", "between 1 and 3660"),
    ({"schema_horizons": {"scdl/budget": "vite"}}, "schema_horizons", "whole number"),
    ({"organizations": ["nulle-part"]}, "organizations", "nulle-part"),
])
def test_bad_input_is_refused_with_its_reason(territory_data, data, field, message):
    payload = {"name": "Essai", "departements": ["56"], "organizations": [territory_data["atd"]["name"]], **data}
    with pytest.raises(tk.ValidationError) as error:
        _as(territory_data["sysadmin"], "territory_create", **payload)
    assert message in " ".join(error.value.error_dict[field])
    assert [t["slug"] for t in _as(None, "territory_list")] == ["ailleurs", "morbihan"]


def test_reference_search(territory_data):
    def first(q, **extra):
        return [(item["kind"], item["name"]) for item in _as(None, "territory_reference_search", q=q, **extra)][:2]

    assert first("vannes")[0] == ("commune", "Vannes")
    assert first("ile aux moines") == [("commune", "Île-aux-Moines")]  # accents and hyphens ignored
    assert first("56") == [("departement", "Morbihan")]  # a département code
    assert first(VANNES) == [("commune", "Vannes")]  # a SIREN
    assert first("questembert", kinds="epci") == [("epci", "CC Questembert Communauté")]
    with pytest.raises(tk.ValidationError):
        _as(None, "territory_reference_search", q="")
    with pytest.raises(tk.ValidationError):
        _as(None, "territory_reference_search", q="x", kinds="canton")


def test_the_cli_defines_through_the_actions(territory_data):
    result = CliRunner().invoke(opendatalocale, ["territories", "define", "Questembert", "--epci", QUESTEMBERT,
                                                 "--org", territory_data["atd"]["name"]])
    assert result.exit_code == 0, result.output
    result = CliRunner().invoke(opendatalocale, ["territories", "define", "Questembert", "--epci", GMVA])
    assert result.exit_code == 0, result.output
    rows = [row for row in _audit_rows() if row["slug"] == "questembert"]
    assert [(r["action"], r["origin"]) for r in rows] == [("create", "cli"), ("update", "cli")]
    result = CliRunner().invoke(opendatalocale, ["territories", "define", "Nulle part", "--dep", "99"])
    assert result.exit_code != 0 and "99" in result.output
