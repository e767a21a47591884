"""The dashboard and the badge read a resource's conformity the same way (the conformity
feature decides it): after a resource's schema version changes, neither still says "conforms"."""
from __future__ import annotations

import pytest
from ckan.tests import factories, helpers

from .conftest import VANNES

pytestmark = [pytest.mark.ckan_config("ckan.plugins",
                                      "opendatalocale_search opendatalocale_conformity opendatalocale_dashboard"),
              pytest.mark.usefixtures("with_plugins")]


def _matrix_cell(territory: str) -> dict:
    matrix = helpers.call_action("dashboard_matrix", {"user": "", "ignore_auth": True},
                                 id=territory, q="vannes")
    row = next(row for row in matrix["rows"] if row["siren"] == VANNES)
    return row["cells"]["scdl/deliberations"]


def _badge_state(app, resource_id: str) -> str:
    return app.get(f"/conformite/resource/{resource_id}.json").json["status"]


def test_a_schema_version_change_reads_unchecked_on_badge_and_dashboard(app, territory_data):
    sysadmin = territory_data["sysadmin"]
    # Vannes publishes nothing else: its matrix cell is this resource's state.
    vannes = factories.Organization(extras=[{"key": "siren", "value": VANNES}])
    dataset = factories.Dataset(owner_org=vannes["id"], resources=[{
        "url": "http://example.org/deliberations.csv", "format": "CSV",
        "schema_name": "scdl/deliberations", "schema_version": "2.1.5",
        "conformity_status": "valid", "conformity_error_count": "0",
        "conformity_schema_version": "2.1.5", "conformity_validated_at": "2026-06-10T08:00:00"}])
    resource_id = dataset["resources"][0]["id"]
    helpers.call_action("dashboard_refresh", {"user": sysadmin["name"]}, id="morbihan", inline=True)
    assert _badge_state(app, resource_id) == "valid"
    cell = _matrix_cell("morbihan")
    assert (cell["version"], cell["state"]) in (("2.1.5", "valid"), ("2.1.5", "stale"))

    # Same file, another version declared: the summary speaks of 2.1.5 and says nothing now.
    helpers.call_action("resource_patch", {"user": sysadmin["name"]}, id=resource_id, schema_version="2.1.4")
    helpers.call_action("dashboard_refresh", {"user": sysadmin["name"]}, id="morbihan", inline=True)
    assert _badge_state(app, resource_id) == "unchecked"
    cell = _matrix_cell("morbihan")
    assert (cell["version"], cell["state"]) == ("2.1.4", "unchecked")
