"""The API actions, as a script would call them: suggest, convert (and publish), recipes; their auth."""
from __future__ import annotations

import io
import json

import pytest
from werkzeug.datastructures import FileStorage

from ckan.tests import helpers

from .glue import CKAN_MARKS, SCHEMA, XLSX, clean_queue, editor_and_dataset, fixture_bytes, token_headers  # noqa: F401

pytestmark = CKAN_MARKS


def _file(data: bytes | None = None, name: str = XLSX) -> FileStorage:
    return FileStorage(io.BytesIO(fixture_bytes() if data is None else data), filename=name)


def test_suggest_then_convert_with_one_column_changed(app):
    user, _other, org, dataset = editor_and_dataset()
    context = {"user": user["name"], "ignore_auth": False}
    suggestion = helpers.call_action("scdl_convert_suggest", dict(context), package_id=dataset["id"],
                                     schema_name=SCHEMA, upload=_file())
    columns = {c["header"]: c for c in suggestion["mapping"]["columns"]}
    assert columns["Objet"]["field"] == "objet" and columns["Objet"]["confidence"] > 0.5
    assert columns["Commentaire interne"]["field"] is None
    assert suggestion["recipe"] is None and suggestion["schema_version"]

    result = helpers.call_action("scdl_convert", dict(context), package_id=dataset["id"], schema_name=SCHEMA,
                                 upload=_file(), columns=json.dumps({"N° délibération": ""}))
    assert result["conforms"] is True
    assert result["csv"].splitlines()[0].startswith("nomAttribuant,idAttribuant")
    assert result["recipe"]["columns"]["N° délibération"] is None
    assert "published" not in result
    assert helpers.call_action("package_show", id=dataset["id"])["resources"] == []

    helpers.call_action("scdl_convert_recipe_save", dict(context), organization_id=org["id"],
                        recipe=result["recipe"])
    shown = helpers.call_action("scdl_convert_recipe_show", dict(context), organization_id=org["id"],
                                schema_name=SCHEMA)
    assert shown["recipe"]["columns"] == result["recipe"]["columns"]
    # The organisation's recipe is replayed on the next file of any of its datasets.
    again = helpers.call_action("scdl_convert_suggest", dict(context), package_id=dataset["id"],
                                schema_name=SCHEMA, upload=_file())
    assert again["recipe"]["origin"] == "organization"
    assert {c["header"]: c["field"] for c in again["mapping"]["columns"]}["N° délibération"] is None


def test_convert_and_publish_from_a_script(app):
    user, _other, _org, dataset = editor_and_dataset()
    response = app.post("/api/action/scdl_convert", headers=token_headers(user),
                        data={"package_id": dataset["id"], "schema_name": SCHEMA, "publish": "true",
                              "upload": (io.BytesIO(fixture_bytes()), XLSX)})
    assert response.status_code == 200, response.body
    published = response.json["result"]["published"]
    resources = {r["id"]: r for r in helpers.call_action("package_show", id=dataset["id"])["resources"]}
    assert resources[published["resource_id"]]["schema_name"] == SCHEMA
    assert resources[published["original_resource_id"]]["format"] == "XLSX"
    recipe = helpers.call_action("scdl_convert_recipe_show", {"user": user["name"]}, package_id=dataset["id"],
                                 schema_name=SCHEMA)
    assert recipe["resource_id"] == published["resource_id"]


@pytest.mark.parametrize("data, name", [(b"", "vide.csv"), (b"%PDF-1.4 binary", "rapport.csv"),
                                        (b"\n\n;;\n", "sans-entete.csv")])
def test_bad_files_are_409_with_a_message(app, data, name):
    user, _other, _org, dataset = editor_and_dataset()
    response = app.post("/api/action/scdl_convert_suggest", headers=token_headers(user),
                        data={"package_id": dataset["id"], "schema_name": SCHEMA,
                              "upload": (io.BytesIO(data), name)})
    assert response.status_code == 409
    assert response.json["error"]["upload"][0]


def test_an_unknown_schema_or_recipe_is_refused(app):
    user, _other, _org, dataset = editor_and_dataset()
    headers = token_headers(user)
    response = app.post("/api/action/scdl_convert_suggest", headers=headers,
                        data={"package_id": dataset["id"], "schema_name": "scdl/inexistant",
                              "upload": (io.BytesIO(fixture_bytes()), XLSX)})
    assert response.status_code == 409 and response.json["error"]["schema_name"]
    response = app.post("/api/action/scdl_convert_recipe_save", headers=headers,
                        json={"package_id": dataset["id"], "recipe": "not json"})
    assert response.status_code == 409 and response.json["error"]["recipe"]


def test_anonymous_and_other_editors_get_403_on_every_action(app):
    user, other, org, dataset = editor_and_dataset()
    helpers.call_action("scdl_convert_recipe_save", {"user": user["name"]}, package_id=dataset["id"],
                        recipe={"schema_name": SCHEMA, "columns": {"Objet": "objet"}})
    for headers in ({}, token_headers(other)):
        for action, data in (
            ("scdl_convert_suggest", {"package_id": dataset["id"], "schema_name": SCHEMA}),
            ("scdl_convert", {"package_id": dataset["id"], "schema_name": SCHEMA, "publish": "true"}),
            ("scdl_convert_suggest", {"organization_id": org["id"], "schema_name": SCHEMA}),
            ("scdl_convert_recipe_show", {"package_id": dataset["id"], "schema_name": SCHEMA}),
            ("scdl_convert_recipe_show", {"organization_id": org["id"], "schema_name": SCHEMA}),
            ("scdl_convert_recipe_save", {"package_id": dataset["id"], "recipe": {"columns": {}}}),
        ):
            files = {"upload": (io.BytesIO(fixture_bytes()), XLSX)} if "convert" in action and "recipe" not in action else {}
            response = app.post(f"/api/action/{action}", headers=headers, data={
                k: (json.dumps(v) if isinstance(v, dict) else v) for k, v in {**data, **files}.items()})
            assert response.status_code == 403, (action, headers, response.body)
    assert helpers.call_action("package_show", id=dataset["id"])["resources"] == []
