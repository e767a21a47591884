"""The conformity API actions and who may call them."""
from __future__ import annotations

import pytest

from ckan import logic
from ckan.tests import factories, helpers

from .glue import (CKAN_MARKS, INVALID, SCHEMA, VALID, VERSION, clean_queue, queued, run_jobs,  # noqa: F401
                   sample_bytes)

pytestmark = CKAN_MARKS


@pytest.fixture
def setup(create_with_upload):
    editor, member, outsider = factories.User(), factories.User(), factories.User()
    org = factories.Organization(users=[{"name": editor["name"], "capacity": "editor"},
                                        {"name": member["name"], "capacity": "member"}])
    public = factories.Dataset(owner_org=org["id"])
    private = factories.Dataset(owner_org=org["id"], private=True)
    fields = {"schema_name": SCHEMA, "schema_version": VERSION}
    public_res = create_with_upload(sample_bytes(VALID), VALID, package_id=public["id"], **fields)
    private_res = create_with_upload(sample_bytes(INVALID), INVALID, package_id=private["id"], **fields)
    run_jobs()
    return {"editor": editor, "member": member, "outsider": outsider, "org": org, "public": public,
            "private": private, "public_res": public_res, "private_res": private_res}


def _ctx(user=None):
    return {"user": user["name"] if user else "", "ignore_auth": False}


def test_only_editors_may_queue_a_check(setup):
    resource_id = setup["public_res"]["id"]
    for user in (None, setup["outsider"], setup["member"]):
        with pytest.raises(logic.NotAuthorized):
            helpers.call_action("conformity_resource_validate", context=_ctx(user), id=resource_id)
    assert queued() == 0
    result = helpers.call_action("conformity_resource_validate", context=_ctx(setup["editor"]), id=resource_id)
    assert result["queued"] is True and queued() == 1
    sysadmin = factories.Sysadmin()
    helpers.call_action("conformity_resource_validate", context=_ctx(sysadmin), id=resource_id, force=True)
    assert queued() == 2


def test_report_show_is_public_for_public_resources_only(setup):
    shown = helpers.call_action("conformity_report_show", context=_ctx(None), id=setup["public_res"]["id"])
    assert shown["status"] == "valid"
    assert shown["result"]["report"]["status"] == "valid"
    assert shown["result"]["schema_name"] == SCHEMA
    for user in (None, setup["outsider"]):
        with pytest.raises(logic.NotAuthorized):
            helpers.call_action("conformity_report_show", context=_ctx(user), id=setup["private_res"]["id"])
    private = helpers.call_action("conformity_report_show", context=_ctx(setup["member"]),
                                  id=setup["private_res"]["id"], history=True)
    assert private["status"] == "invalid" and len(private["history"]) == 1


def test_report_show_of_an_unknown_resource():
    with pytest.raises(logic.NotFound):
        helpers.call_action("conformity_report_show", id="inexistant")


def test_status_list_of_a_dataset(setup):
    listed = helpers.call_action("conformity_status_list", context=_ctx(None), package_id=setup["public"]["id"])
    assert listed["datasets"] == [{"id": setup["public"]["id"], "name": setup["public"]["name"], "status": "valid"}]
    assert [r["status"] for r in listed["resources"]] == ["valid"]
    with pytest.raises(logic.NotAuthorized):
        helpers.call_action("conformity_status_list", context=_ctx(setup["outsider"]),
                            package_id=setup["private"]["id"])


def test_status_list_of_an_organisation_hides_private_datasets_from_non_members(setup):
    org_id = setup["org"]["name"]
    anonymous = helpers.call_action("conformity_status_list", context=_ctx(None), organization_id=org_id)
    assert anonymous["counts"] == {"valid": 1}
    outsider = helpers.call_action("conformity_status_list", context=_ctx(setup["outsider"]), organization_id=org_id)
    assert outsider["counts"] == {"valid": 1}
    member = helpers.call_action("conformity_status_list", context=_ctx(setup["member"]), organization_id=org_id)
    assert member["counts"] == {"valid": 1, "invalid": 1}
    assert {d["id"] for d in member["datasets"]} == {setup["public"]["id"], setup["private"]["id"]}


def test_status_list_needs_a_target():
    with pytest.raises(logic.ValidationError):
        helpers.call_action("conformity_status_list")


def test_accepting_a_suggestion_needs_an_editor_and_a_suggestion(setup, create_with_upload):
    resource = create_with_upload(sample_bytes(VALID), "sans-schema.csv", package_id=setup["public"]["id"],
                                  format="CSV")
    run_jobs()
    for user in (None, setup["outsider"], setup["member"]):
        with pytest.raises(logic.NotAuthorized):
            helpers.call_action("conformity_suggestion_accept", context=_ctx(user), id=resource["id"])
    shown = helpers.call_action("conformity_report_show", id=resource["id"])
    assert shown["suggestion"]["name"] == SCHEMA
    updated = helpers.call_action("conformity_suggestion_accept", context=_ctx(setup["editor"]), id=resource["id"])
    assert updated["schema_name"] == SCHEMA and updated["schema_detection"] == "header"
    assert queued() == 1
    with pytest.raises(logic.ValidationError):
        helpers.call_action("conformity_suggestion_accept", context=_ctx(setup["editor"]), id=resource["id"])


def test_purging_a_dataset_removes_its_conformity_rows(setup):
    from ckan import model

    from ckanext.opendatalocale.conformity.model import result_table, state_table

    def rows(package_id):
        return {table.name: model.Session.execute(
            table.select().where(table.c.package_id == package_id)).all().__len__()
            for table in (result_table, state_table)}

    public, private = setup["public"]["id"], setup["private"]["id"]
    assert all(rows(public).values()) and all(rows(private).values())
    helpers.call_action("dataset_purge", id=setup["public"]["name"])
    assert rows(public) == {"odl_conformity_result": 0, "odl_conformity_state": 0}
    assert all(rows(private).values()), "another dataset's rows stay"
