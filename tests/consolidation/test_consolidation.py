"""Consolidation of a constructed territory, run as the operator and the job queue would."""
from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from ckan import model
from ckan.tests import helpers

from ckanext.opendatalocale.conformity import validate
from ckanext.opendatalocale.consolidation import samples, store
from ckanext.opendatalocale.consolidation.publish import PROVENANCE_COLUMNS
from ckanext.opendatalocale.scdl.registry import get_registry

from .conftest import ALLAIRE, AMBON, ARRADON, CKAN_MARKS, SCHEMA, run_jobs

pytestmark = CKAN_MARKS

PROVENANCE = [name for name, _ in PROVENANCE_COLUMNS]


def _summary():
    (item,) = [s for s in store.summary(model.Session.connection(), "morbihan") if s["schema_name"] == SCHEMA]
    return item


def _read_log(run_id=None):
    found = store.get_set(model.Session.connection(), _territory_id(), SCHEMA)
    return store.read_log_of(model.Session.connection(), found["id"], run_id)


def _territory_id():
    from ckanext.opendatalocale.territories import store as territories

    return territories.get_territory(model.Session.connection(), "morbihan")["id"]


def _download(app, dataset_name, part):
    dataset = helpers.call_action("package_show", id=dataset_name)
    (resource,) = [r for r in dataset["resources"] if r.get("odl_consolidation_part") == part]
    response = app.get(resource["url"].replace("http://test.ckan.net", ""))
    return resource, response.data


def _datastore_rows(app, resource_id):
    response = app.get("/api/action/datastore_search", query_string={"resource_id": resource_id, "limit": 1000})
    result = response.json["result"]
    return result["total"], result["records"]


def test_a_run_through_the_job_queue_consolidates_the_public_resources(app, territory):
    latest = get_registry().get(SCHEMA)
    helpers.call_action("consolidation_run", {"user": territory["admin"]["name"]}, id="morbihan")
    run_jobs()

    summary = _summary()
    assert summary["rows"] == 20 + 30 + 47 + 15
    assert summary["rejects"] == 3
    assert summary["resources"] == 4
    assert summary["collectivites"] == sorted([ALLAIRE, AMBON, ARRADON])
    assert summary["period_start"] == dt.date(2024, 1, 1) and summary["period_end"].year == 2024
    assert summary["dataset_name"] == "subventions-consolide-morbihan"
    # What could not be carried from 1.1.0 and 2.0.2 is said.
    assert any("rnaBeneficiaire" in note["fr"] for note in summary["notes"])

    rows = list(store.rows(model.Session.connection(), "morbihan", SCHEMA))
    assert len(rows) == summary["rows"]
    assert territory["private"]["id"] not in {r["_resource_id"] for r in rows}
    assert {r["_schema_version"] for r in rows} == {"1.1.0", "2.0.2", "2.1.1"}
    assert set(rows[0]) == set(latest.field_names) | set(store.PROVENANCE_KEYS)
    from_xlsx = [r for r in rows if r["_resource_id"] == territory["v2"]["id"]]
    assert len(from_xlsx) == 30 and all(r["_siren"] == ALLAIRE and r["_collectivite"] == "Allaire" for r in from_xlsx)
    assert all(isinstance(r["montant"], (Decimal, float)) and isinstance(r["dateConvention"], dt.date) for r in rows)
    assert all(r["rnaBeneficiaire"] is None for r in rows if r["_schema_version"] == "1.1.0")
    ambon = [r for r in rows if r["_siren"] == AMBON]
    assert len(ambon) == 47 and {r["_dataset_id"] for r in ambon} == {territory["v3"]["package_id"]}

    dataset = helpers.call_action("package_show", id="subventions-consolide-morbihan")
    assert dataset["title"] == "Subventions — consolidé — Morbihan"
    assert dataset["owner_org"] == territory["atd"]["id"] and not dataset["private"]
    assert all(f"`{name}`" in dataset["notes"] for name in PROVENANCE)

    # The CSV: the latest version's columns, then the provenance; valid against the schema.
    resource, data = _download(app, dataset["name"], "csv")
    assert resource["schema_name"] == SCHEMA and resource["schema_version"] == latest.version
    report = validate(data, latest.descriptor, schema_name=SCHEMA, schema_version=latest.version)
    assert report.valid, [e.message["en"] for e in report.errors[:3]]
    assert report.header == latest.field_names + PROVENANCE
    assert {w.column for w in report.warnings if w.code == "extra-column"} == set(PROVENANCE)
    assert report.rows_checked == summary["rows"]

    # The rejects: each bad row, its source resource and the reason.
    _, rejects_data = _download(app, dataset["name"], "rejects")
    rejects = list(csv.DictReader(io.StringIO(rejects_data.decode("utf-8"))))
    assert [(r["prov_ressource"], r["prov_ligne"]) for r in rejects] == [
        (territory["v3"]["id"], "5"), (territory["v3"]["id"], "17"), (territory["v3"]["id"], "40")]
    assert "montant" in rejects[0]["motif"] and "dateConvention" in rejects[1]["motif"]
    assert "nature" in rejects[2]["motif"] and "12 500,00" in rejects[0]["ligne_source"]

    # The DataStore holds the same rows, and answers anonymous searches.
    total, records = _datastore_rows(app, resource["id"])
    assert total == summary["rows"]
    csv_rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"))))
    assert sorted((r["prov_ressource"], int(r["prov_ligne"])) for r in records) == sorted(
        (r["prov_ressource"], int(r["prov_ligne"])) for r in csv_rows)
    found = app.get("/api/action/datastore_search", query_string={
        "resource_id": resource["id"], "filters": '{"prov_siren": "%s"}' % AMBON}).json["result"]
    assert found["total"] == 47
    assert {r["referenceDecision"] for r in found["records"]} == {
        row[3] for row in territory["ambon_rows"][1:]} - {territory["ambon_rows"][i - 1][3] for i in (5, 17, 40)}
    # CKAN's table preview is set up on the resource.
    views = helpers.call_action("resource_view_list", id=resource["id"])
    assert [v["view_type"] for v in views] == ["datatables_view"]


def test_an_update_is_the_only_read_and_a_withdrawn_dataset_leaves(app, territory, cli, create_with_upload):
    from ckanext.opendatalocale.consolidation.cli import consolidate

    result = cli.invoke(consolidate, ["--territory", "morbihan"])
    assert result.exit_code == 0, result.output
    assert "scdl/subventions: 4 read, 0 removed, 112 rows, 3 rejected" in result.output
    first_reads = {r["resource_id"] for r in _read_log()}
    assert first_reads == {territory["v1"]["id"], territory["v2"]["id"], territory["v3"]["id"],
                           territory["linked_dataset"]["resources"][0]["id"]}
    served = len(territory["server"].requests_to("/arradon.csv"))

    # Nothing changed: nothing read.
    result = cli.invoke(consolidate, ["--territory", "morbihan"])
    assert "scdl/subventions: 0 read, 0 removed, 112 rows" in result.output, result.output
    assert len(_read_log()) == 4 and len(territory["server"].requests_to("/arradon.csv")) == served

    # Allaire uploads a new 1.1.0 file with 25 rows: only that resource is read again.
    create_with_upload(samples.to_csv(samples.subventions("Allaire", ALLAIRE, 25, version="1.1.0", seed=9)),
                       "subventions-2019.csv", action="resource_patch", id=territory["v1"]["id"])
    result = cli.invoke(consolidate, ["--territory", "morbihan"])
    assert "scdl/subventions: 1 read, 0 removed, 117 rows" in result.output, result.output
    log = _read_log()
    assert [(r["resource_id"], r["reason"]) for r in log[4:]] == [(territory["v1"]["id"], "changed")]
    csv_id = _summary()["dataset_id"] and store.get_set(model.Session.connection(), _territory_id(), SCHEMA)["csv_resource_id"]
    total, records = _datastore_rows(app, csv_id)
    assert total == 117
    assert sum(1 for r in records if r["prov_ressource"] == territory["v1"]["id"]) == 25

    # Arradon's dataset is withdrawn: its rows are gone at the next run, nothing is read.
    helpers.call_action("package_delete", id=territory["linked_dataset"]["id"])
    result = cli.invoke(consolidate, ["--territory", "morbihan"])
    assert "scdl/subventions: 0 read, 1 removed, 102 rows" in result.output, result.output
    assert len(_read_log()) == 5
    rows = list(store.rows(model.Session.connection(), "morbihan", SCHEMA))
    assert len(rows) == 102 and ARRADON not in {r["_siren"] for r in rows}
    assert _summary()["collectivites"] == sorted([ALLAIRE, AMBON])
    total, records = _datastore_rows(app, csv_id)
    assert total == 102 and ARRADON not in {r["prov_siren"] for r in records}

    # A private dataset made public enters; made private again, it leaves.
    helpers.call_action("package_patch", id=territory["private"]["package_id"], private=False)
    assert "1 read, 0 removed, 112 rows" in cli.invoke(consolidate, ["--territory", "morbihan"]).output
    helpers.call_action("package_patch", id=territory["private"]["package_id"], private=True)
    assert "0 read, 1 removed, 102 rows" in cli.invoke(consolidate, ["--territory", "morbihan"]).output
    assert _datastore_rows(app, csv_id)[0] == 102

    # --full reads everything again and gives the same set.
    result = cli.invoke(consolidate, ["--territory", "morbihan", "--full"])
    assert "scdl/subventions: 3 read, 0 removed, 102 rows, 3 rejected" in result.output, result.output
    assert _datastore_rows(app, csv_id)[0] == 102


def test_duplicates_are_removed_and_come_back_when_their_twin_leaves(app, territory, create_with_upload, cli):
    """The same rows published twice (a commune and its ATD) are kept once; when one copy is
    withdrawn the other takes its place, in the file and in the DataStore."""
    from ckan.tests import factories

    from ckanext.opendatalocale.consolidation.cli import consolidate

    twin = create_with_upload(
        samples.to_csv(samples.subventions("Ambon", AMBON, 50, seed=3)[:11]), "copie.csv",
        package_id=factories.Dataset(owner_org=territory["atd"]["id"],
                                     extras=[{"key": "collectivites_siren", "value": AMBON}])["id"],
        schema_name=SCHEMA, schema_version="2.1.1")
    # Ten rows of Ambon's file again, row 5 unbroken this time: nine duplicates, one new row.
    assert "5 read, 0 removed, 113 rows" in cli.invoke(consolidate, ["--territory", "morbihan"]).output
    assert _summary()["duplicates"] == 9
    helpers.call_action("package_delete", id=territory["v3"]["package_id"])
    assert "0 read, 1 removed, 75 rows" in cli.invoke(consolidate, ["--territory", "morbihan"]).output
    rows = list(store.rows(model.Session.connection(), "morbihan", SCHEMA))
    assert sum(1 for r in rows if r["_resource_id"] == twin["id"]) == 10
    csv_id = store.get_set(model.Session.connection(), _territory_id(), SCHEMA)["csv_resource_id"]
    total, records = _datastore_rows(app, csv_id)
    assert total == 75 and sum(1 for r in records if r["prov_ressource"] == twin["id"]) == 10


def test_the_dashboard_address_serves_the_stored_file_and_never_downloads(app, territory):
    assert app.get("/territoire/morbihan/consolide/subventions.csv", status=404)
    served = len(territory["server"].requests_to("/arradon.csv"))
    helpers.call_action("consolidation_run", {"ignore_auth": True}, id="morbihan")
    run_jobs()
    response = app.get("/territoire/morbihan/consolide/subventions.csv", follow_redirects=False)
    assert response.status_code == 302 and "subventions-consolide-morbihan.csv" in response.headers["Location"]
    assert app.get("/territoire/morbihan/consolide/nope.csv", status=404)
    assert len(territory["server"].requests_to("/arradon.csv")) == served + 1  # the job's read only


def test_only_the_territory_admins_start_a_run(app, territory):
    from ckan.tests import factories

    stranger = factories.User()
    with pytest.raises(Exception) as error:
        helpers.call_action("consolidation_run", {"user": stranger["name"], "ignore_auth": False}, id="morbihan")
    assert type(error.value).__name__ == "NotAuthorized"
    response = app.post("/api/action/consolidation_run", json={"id": "morbihan"}, status=403)
    assert response.json["success"] is False
    assert app.get("/api/action/consolidation_summary", query_string={"id": "morbihan"}).json["result"] == []
    assert app.get("/api/action/consolidation_summary", query_string={"id": "nowhere"}, status=404)
