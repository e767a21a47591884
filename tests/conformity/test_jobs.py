"""Queueing and running conformity checks inside CKAN."""
from __future__ import annotations

import pytest

import ckan.model as model
from ckan.tests import factories, helpers

from ckanext.opendatalocale.conformity import jobs
from ckanext.opendatalocale.conformity.model import ConformityResult

from tests.http_server import Reply

from .glue import (CKAN_MARKS, INVALID, SCHEMA, VALID, VERSION, clean_queue, queued,  # noqa: F401
                   run_jobs, sample_bytes)

pytestmark = CKAN_MARKS


def _upload(create_with_upload, name=VALID, **extra):
    dataset = factories.Dataset()
    return create_with_upload(sample_bytes(name), name, package_id=dataset["id"], schema_name=SCHEMA,
                              schema_version=VERSION, **extra)


def test_creating_a_resource_with_a_schema_queues_one_check(create_with_upload):
    _upload(create_with_upload)
    assert queued() == 1


def test_a_resource_without_schema_or_csv_queues_nothing():
    dataset = factories.Dataset()
    factories.Resource(package_id=dataset["id"], url="https://example.org/rapport.pdf", format="PDF")
    assert queued() == 0


def test_the_job_stores_a_result_and_writes_the_summary(create_with_upload):
    resource = _upload(create_with_upload)
    run_jobs()
    shown = helpers.call_action("resource_show", id=resource["id"])
    assert shown["conformity_status"] == "valid"
    assert shown["conformity_error_count"] == 0
    assert shown["conformity_schema_version"] == VERSION
    assert shown["conformity_engine_version"]
    assert shown["conformity_validated_at"]
    result = ConformityResult.latest(resource["id"])
    assert result.status == "valid" and result.content_hash and result.package_id == resource["package_id"]


def test_an_invalid_upload_is_counted(create_with_upload):
    resource = _upload(create_with_upload, INVALID)
    run_jobs()
    shown = helpers.call_action("resource_show", id=resource["id"])
    assert shown["conformity_status"] == "invalid"
    assert shown["conformity_error_count"] > 0


def test_writing_the_summary_queues_no_other_check_and_keeps_metadata_modified(create_with_upload):
    resource = _upload(create_with_upload)
    before = helpers.call_action("package_show", id=resource["package_id"])["metadata_modified"]
    run_jobs()
    assert queued() == 0
    after = helpers.call_action("package_show", id=resource["package_id"])
    assert after["metadata_modified"] == before
    assert after["resources"][0]["conformity_status"] == "valid"


def test_editing_unrelated_fields_neither_queues_nor_loses_the_summary(create_with_upload):
    resource = _upload(create_with_upload)
    run_jobs()
    shown = helpers.call_action("resource_show", id=resource["id"])
    # The resource form sends back only its own fields.
    form = {k: shown[k] for k in ("id", "url", "name", "format", "schema_name", "schema_version", "url_type")}
    helpers.call_action("resource_update", **dict(form, description="Budget 2024"))
    assert queued() == 0
    assert helpers.call_action("resource_show", id=resource["id"])["conformity_status"] == "valid"
    helpers.call_action("package_patch", id=resource["package_id"], notes="Nouvelle description")
    assert queued() == 0


def test_changing_the_schema_version_or_the_file_queues_again(create_with_upload):
    resource = _upload(create_with_upload)
    run_jobs()
    helpers.call_action("resource_patch", id=resource["id"], schema_version="2.1.0")
    assert queued() == 1
    # Until checked, the old summary (another version) does not count as conforming.
    shown = helpers.call_action("resource_show", id=resource["id"])
    from ckanext.opendatalocale.conformity.status import resource_status

    assert resource_status(shown) == "unchecked"
    run_jobs()
    create_with_upload(sample_bytes(INVALID), "nouveau.csv", action="resource_patch", id=resource["id"])
    assert queued() == 1
    run_jobs()
    assert helpers.call_action("resource_show", id=resource["id"])["conformity_status"] == "invalid"


def test_same_content_is_not_checked_again(create_with_upload, monkeypatch):
    resource = _upload(create_with_upload)
    run_jobs()
    first = ConformityResult.latest(resource["id"])
    calls = []
    monkeypatch.setattr(jobs, "validate", lambda *a, **k: calls.append(1))
    outcome = jobs.check_resource(resource["id"])
    assert outcome["skipped"] is True and calls == []
    model.Session.expire_all()
    assert len(ConformityResult.history(resource["id"])) == 1
    assert ConformityResult.latest(resource["id"]).checked >= first.created


def test_only_the_last_results_are_kept(create_with_upload):
    resource = _upload(create_with_upload)
    for _ in range(4):
        jobs.check_resource(resource["id"], force=True)
    with helpers.changed_config("ckanext.opendatalocale.conformity.keep_results", 2):
        jobs.check_resource(resource["id"], force=True)
    assert len(ConformityResult.history(resource["id"])) == 2


@pytest.mark.ckan_config("ckanext.opendatalocale.http.allow_private", "true")
def test_url_resources_are_fetched_through_the_http_client(fault_server):
    fault_server.route("/subventions.csv", Reply(body=sample_bytes(INVALID), content_type="text/csv"))
    dataset = factories.Dataset()
    resource = factories.Resource(package_id=dataset["id"], url=fault_server.url("/subventions.csv"),
                                  format="CSV", schema_name=SCHEMA, schema_version=VERSION)
    run_jobs()
    shown = helpers.call_action("resource_show", id=resource["id"])
    assert shown["conformity_status"] == "invalid"
    assert ConformityResult.latest(resource["id"]).source_url == resource["url"]


def test_a_loopback_url_is_refused_with_the_default_config(fault_server):
    fault_server.route("/subventions.csv", Reply(body=sample_bytes(VALID), content_type="text/csv"))
    dataset = factories.Dataset()
    resource = factories.Resource(package_id=dataset["id"], url=fault_server.url("/subventions.csv"),
                                  format="CSV", schema_name=SCHEMA, schema_version=VERSION)
    run_jobs()
    assert fault_server.requests_to("/subventions.csv") == []
    shown = helpers.call_action("resource_show", id=resource["id"])
    assert shown["conformity_status"] == "error"
    report = helpers.call_action("conformity_report_show", id=resource["id"])["result"]["report"]
    assert report["fatal"]["code"] == "download-failed"


def test_an_unknown_schema_gives_an_error_not_a_crash(create_with_upload):
    dataset = factories.Dataset()
    resource = create_with_upload(sample_bytes(VALID), VALID, package_id=dataset["id"],
                                  schema_name="scdl/inexistant", schema_version="1.0")
    run_jobs()
    assert helpers.call_action("resource_show", id=resource["id"])["conformity_status"] == "error"


def test_a_csv_without_schema_gets_a_suggestion(create_with_upload):
    dataset = factories.Dataset()
    resource = create_with_upload(sample_bytes(VALID), VALID, package_id=dataset["id"], format="CSV")
    assert queued() == 1
    run_jobs()
    shown = helpers.call_action("resource_show", id=resource["id"])
    assert shown["conformity_suggested_schema"].startswith(SCHEMA + "@")
    assert not shown.get("conformity_status")


@pytest.mark.ckan_config("ckan.files.storage.resources.type", "ckan:fs")
@pytest.mark.ckan_config("ckan.files.storage.resources.path", "/tmp/odl-conformity-test-resources")
@pytest.mark.ckan_config("ckan.files.storage.resources.initialize", "true")
def test_uploads_kept_in_a_ckan_2_12_file_storage_are_read(create_with_upload):
    files = pytest.importorskip("ckan.lib.files", reason="file storages arrived in CKAN 2.12")
    from ckan.lib import uploader

    resource = _upload(create_with_upload, INVALID)
    assert isinstance(uploader.get_resource_uploader(dict(resource)).storage, files.Storage)
    run_jobs()
    shown = helpers.call_action("resource_show", id=resource["id"])
    assert shown["conformity_status"] == "invalid"


def test_a_header_only_file_is_reported_as_having_no_data_row(app, create_with_upload):
    header = sample_bytes(VALID).splitlines(keepends=True)[0]
    dataset = factories.Dataset()
    resource = create_with_upload(header, "entete.csv", package_id=dataset["id"], schema_name=SCHEMA,
                                  schema_version=VERSION)
    run_jobs()
    shown = helpers.call_action("resource_show", id=resource["id"])
    assert shown["conformity_status"] == "valid" and int(shown["conformity_row_count"]) == 0
    page = app.get(f"/conformite/resource/{resource['id']}", headers={"Accept-Language": "en"}).body
    assert "The file has no data row: only the header is present." in page
    full = _upload(create_with_upload)
    run_jobs()
    assert int(helpers.call_action("resource_show", id=full["id"])["conformity_row_count"]) > 0
