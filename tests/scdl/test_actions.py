"""``scdl_schema_list`` / ``scdl_schema_show``: public, through the action API."""
from __future__ import annotations

import ckan.plugins.toolkit as tk
import pytest
from ckan import model
from ckan.tests import helpers

from ckanext.opendatalocale.scdl.registry import get_registry

from .glue import CKAN_MARKS

pytestmark = CKAN_MARKS


def test_schema_list_has_every_schema_and_version():
    registry = get_registry()
    result = helpers.call_action("scdl_schema_list")
    assert [s["name"] for s in result] == registry.names()
    delib = next(s for s in result if s["name"] == "scdl/deliberations")
    assert delib["versions"] == registry.versions("scdl/deliberations")
    assert delib["latest"] == registry.latest("scdl/deliberations")
    assert delib["label"]["en"] == "Council deliberations"
    scdl_only = helpers.call_action("scdl_schema_list", scdl_only=True)
    assert {s["name"] for s in scdl_only} == set(registry.names(scdl_only=True))


def test_schema_show_documents_a_version():
    result = helpers.call_action("scdl_schema_show", name="scdl/deliberations", version="2.1.0")
    assert result["version"] == "2.1.0"
    assert "DELIB_ID" in result["field_names"]
    assert set(result["required_fields"]) <= set(result["field_names"])
    assert result["fields"][0]["name"] == result["field_names"][0]
    assert result["custom_checks_explained"]
    assert all(c["explanation"] for c in result["custom_checks_explained"])
    assert "2.1.0" in result["versions"]
    assert result["changes"]["to_version"] == "2.1.0"
    assert "descriptor" not in result


def test_schema_show_by_slug_ref_and_url():
    registry = get_registry()
    by_slug = helpers.call_action("scdl_schema_show", name="irve-statique")
    assert (by_slug["name"], by_slug["version"]) == ("etalab/schema-irve-statique", registry.latest("etalab/schema-irve-statique"))
    assert helpers.call_action("scdl_schema_show", name="scdl/budget@0.8.1")["version"] == "0.8.1"
    url = "https://schema.data.gouv.fr/schemas/scdl/subventions/2.1.0/schema.json"
    assert helpers.call_action("scdl_schema_show", name=url)["name"] == "scdl/subventions"
    first = registry.versions("scdl/prenoms")[0]
    shown = helpers.call_action("scdl_schema_show", name="scdl/prenoms", version=first, include_descriptor=True)
    assert shown["changes"] is None and shown["descriptor"]["fields"]


def test_schema_show_unknown():
    with pytest.raises(helpers.logic.NotFound):
        helpers.call_action("scdl_schema_show", name="scdl/nope")
    with pytest.raises(helpers.logic.NotFound):
        helpers.call_action("scdl_schema_show", name="scdl/deliberations", version="0.0.1")
    with pytest.raises(helpers.logic.ValidationError):
        helpers.call_action("scdl_schema_show")


@pytest.mark.parametrize("action", ["scdl_schema_list", "scdl_schema_show"])
def test_anonymous_may_read_the_registry(action):
    context = {"user": "", "model": model, "ignore_auth": False}
    assert tk.check_access(action, context, {"name": "scdl/budget"})
    assert helpers.call_auth(action, {"user": "", "model": model}, name="scdl/budget")


def test_actions_through_http_anonymously(app):
    response = app.get("/api/3/action/scdl_schema_show", query_string={"name": "scdl/deliberations"})
    assert response.status_code == 200
    assert response.json["result"]["name"] == "scdl/deliberations"
    response = app.get("/api/3/action/scdl_schema_list")
    assert len(response.json["result"]) == len(get_registry().names())
