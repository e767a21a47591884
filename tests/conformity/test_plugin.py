"""Search facet, strict mode, the CLI, and living beside the SCDL forms (scheming)."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from ckan.tests import factories, helpers

from ckanext.opendatalocale.cli import suite_group
from ckanext.opendatalocale.conformity import cli as feature_cli
from ckanext.opendatalocale.conformity.model import ConformityResult
from tests.helpers import fixture_path

from .glue import CKAN_MARKS, INVALID, SCHEMA, VALID, VERSION, clean_queue, run_jobs, sample_bytes  # noqa: F401

opendatalocale = suite_group(*feature_cli.COMMANDS)

pytestmark = CKAN_MARKS


def _upload(create_with_upload, name, dataset):
    return create_with_upload(sample_bytes(name), name, package_id=dataset["id"], schema_name=SCHEMA,
                              schema_version=VERSION)


def test_the_conformity_facet_counts_datasets_by_worst_state(create_with_upload):
    mixed, clean = factories.Dataset(), factories.Dataset()
    _upload(create_with_upload, VALID, mixed)
    _upload(create_with_upload, INVALID, mixed)
    _upload(create_with_upload, VALID, clean)
    factories.Dataset()  # no schema: no conformity value at all
    run_jobs()
    result = helpers.call_action("package_search", **{"facet.field": '["conformity"]'})
    items = {i["name"]: i["count"] for i in result["search_facets"]["conformity"]["items"]}
    assert items == {"invalid": 1, "valid": 1}
    found = helpers.call_action("package_search", fq="conformity:invalid")["results"]
    assert [d["id"] for d in found] == [mixed["id"]]
    labels = {i["name"]: i["display_name"] for i in result["search_facets"]["conformity"]["items"]}
    assert labels["valid"] == "conforms"


def test_the_search_page_has_the_conformity_facet(app, create_with_upload):
    _upload(create_with_upload, VALID, factories.Dataset())
    run_jobs()
    page = app.get("/dataset/")
    assert "Conformity" in page.body and "conformity=valid" in page.body


@pytest.mark.ckan_config("ckanext.opendatalocale.conformity.strict", "true")
def test_strict_mode_keeps_a_non_conforming_upload_private_and_never_deletes_it(create_with_upload):
    org = factories.Organization()
    dataset = factories.Dataset(owner_org=org["id"], private=False)
    resource = _upload(create_with_upload, INVALID, dataset)
    run_jobs()
    shown = helpers.call_action("package_show", id=dataset["id"])
    assert shown["private"] is True
    assert shown["state"] == "active"
    assert [r["id"] for r in shown["resources"]] == [resource["id"]]
    report = helpers.call_action("conformity_report_show", id=resource["id"])["result"]["report"]
    assert report["strict_held"] is True


def test_strict_mode_per_organisation(create_with_upload):
    strict_org = factories.Organization(extras=[{"key": "conformity_strict", "value": "true"}])
    relaxed_org = factories.Organization()
    strict = factories.Dataset(owner_org=strict_org["id"])
    relaxed = factories.Dataset(owner_org=relaxed_org["id"])
    _upload(create_with_upload, INVALID, strict)
    _upload(create_with_upload, INVALID, relaxed)
    valid = factories.Dataset(owner_org=strict_org["id"])
    _upload(create_with_upload, VALID, valid)
    run_jobs()
    assert helpers.call_action("package_show", id=strict["id"])["private"] is True
    assert helpers.call_action("package_show", id=relaxed["id"])["private"] is False
    assert helpers.call_action("package_show", id=valid["id"])["private"] is False


def test_strict_report_is_shown_on_the_resource_form(app, create_with_upload):
    user = factories.User()
    org = factories.Organization(users=[{"name": user["name"], "capacity": "editor"}],
                                 extras=[{"key": "conformity_strict", "value": "true"}])
    dataset = factories.Dataset(owner_org=org["id"])
    resource = _upload(create_with_upload, INVALID, dataset)
    run_jobs()
    token = factories.APIToken(user=user["name"])["token"]
    form = app.get(f"/dataset/{dataset['id']}/resource/{resource['id']}/edit", headers={"Authorization": token})
    assert 'data-conformity="invalid"' in form.body
    assert f"/conformite/resource/{resource['id']}" in form.body
    # The form itself shows the verdict and the first errors.
    assert "Strict mode" in form.body
    first = helpers.call_action("conformity_report_show", id=resource["id"])["result"]["report"]["errors"][0]
    assert first["message"]["en"] in form.body or first["message"]["fr"] in form.body
    report = app.get(f"/conformite/resource/{resource['id']}", headers={"Authorization": token})
    assert "Strict mode" in report.body


# --------------------------------------------------------------------------- CLI

def _sample(name):
    return str(fixture_path("samples", "scdl-examples", "subventions", name))


def test_cli_validate_exit_codes_and_formats():
    runner = CliRunner()
    valid = runner.invoke(opendatalocale, ["validate", _sample(VALID), "--schema", f"{SCHEMA}@{VERSION}"])
    assert valid.exit_code == 0, valid.output
    assert "valid" in valid.output
    invalid = runner.invoke(opendatalocale, ["validate", _sample(INVALID), "--schema", SCHEMA, "--format", "json"])
    assert invalid.exit_code == 1
    assert json.loads(invalid.output)["status"] == "invalid"
    unknown = runner.invoke(opendatalocale, ["validate", _sample(VALID), "--schema", "scdl/inexistant"])
    assert unknown.exit_code == 2
    missing = runner.invoke(opendatalocale, ["validate", "/nonexistent/file.csv", "--schema", SCHEMA])
    assert missing.exit_code == 2


def test_cli_validate_refuses_a_loopback_url(fault_server):
    runner = CliRunner()
    result = runner.invoke(opendatalocale, ["validate", fault_server.url("/x.csv"), "--schema", SCHEMA])
    assert result.exit_code == 2
    assert fault_server.requests == []


def test_cli_run_checks_the_selected_resources(create_with_upload):
    org = factories.Organization()
    first = _upload(create_with_upload, VALID, factories.Dataset(owner_org=org["id"]))
    other = _upload(create_with_upload, INVALID, factories.Dataset())
    runner = CliRunner()
    result = runner.invoke(opendatalocale, ["conformity", "run", "--org", org["name"]])
    assert result.exit_code == 0, result.output
    assert "1 resource(s): valid 1" in result.output
    assert ConformityResult.latest(first["id"]) is not None
    assert ConformityResult.latest(other["id"]) is None
    again = runner.invoke(opendatalocale, ["conformity", "run", "--all"])
    assert "unchanged 1" in again.output and "invalid 1" in again.output
    stale = runner.invoke(opendatalocale, ["conformity", "run", "--stale"])
    assert "0 resource(s)" in stale.output
    queued_run = runner.invoke(opendatalocale, ["conformity", "run", "--schema", SCHEMA, "--queue"])
    assert "queued 2" in queued_run.output
    assert runner.invoke(opendatalocale, ["conformity", "run"]).exit_code == 2


@pytest.mark.ckan_config("ckanext.opendatalocale.conformity.strict", "true")
def test_strict_mode_publishes_nothing_before_the_check_and_publishes_again_once_conforming(create_with_upload):
    org = factories.Organization()
    dataset = factories.Dataset(owner_org=org["id"], private=False)
    resource = _upload(create_with_upload, INVALID, dataset)
    # Held from the upload on: the file is not public while unchecked.
    assert helpers.call_action("package_show", id=dataset["id"])["private"] is True
    run_jobs()
    assert helpers.call_action("package_show", id=dataset["id"])["private"] is True
    create_with_upload(sample_bytes(VALID), VALID, action="resource_patch", id=resource["id"])
    run_jobs()
    shown = helpers.call_action("package_show", id=dataset["id"])
    assert shown["private"] is False
    assert shown["resources"][0]["conformity_status"] == "valid"


@pytest.mark.ckan_config("ckanext.opendatalocale.conformity.strict", "true")
def test_strict_mode_leaves_a_dataset_its_editors_made_private_private(create_with_upload):
    org = factories.Organization()
    dataset = factories.Dataset(owner_org=org["id"], private=True)
    _upload(create_with_upload, VALID, dataset)
    run_jobs()
    assert helpers.call_action("package_show", id=dataset["id"])["private"] is True


@pytest.mark.ckan_config("ckanext.opendatalocale.conformity.strict", "true")
def test_strict_mode_deleting_the_held_file_publishes_the_dataset_again(create_with_upload):
    dataset = factories.Dataset(owner_org=factories.Organization()["id"], private=False)
    resource = _upload(create_with_upload, INVALID, dataset)
    run_jobs()
    assert helpers.call_action("package_show", id=dataset["id"])["private"] is True
    helpers.call_action("resource_delete", id=resource["id"])
    assert helpers.call_action("package_show", id=dataset["id"])["private"] is False
