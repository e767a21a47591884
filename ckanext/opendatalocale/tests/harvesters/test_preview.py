"""Source preview: the CLI command and the action, with its auth."""
from __future__ import annotations

import json

import pytest
from ckan.plugins import toolkit as tk
from ckan.tests import factories, helpers

from ckanext.opendatalocale.cli import opendatalocale
from ckanext.opendatalocale.harvesters import cli as harvest_cli  # noqa: F401 - attaches `harvest`
from ckanext.opendatalocale.tests.harvesters.conftest import (HARVEST_CONFIG_MARKS, SUBVENTIONS_FIELDS, FakeCatalogue,
                                                              FakeOds)
from ckanext.opendatalocale.tests.http_server import Reply

pytestmark = HARVEST_CONFIG_MARKS


def _ods_with_scdl(fault_server) -> FakeOds:
    fake = FakeOds(fault_server, count=3)
    fake.datasets[1]["fields"] = [{"name": n.lower(), "label": n, "type": "text"} for n in SUBVENTIONS_FIELDS]
    return fake


def test_cli_preview_lists_datasets_with_schemas(cli, fault_server):
    _ods_with_scdl(fault_server)
    result = cli.invoke(opendatalocale, ["harvest", "preview", "ods", fault_server.url("/"), "--limit", "2",
                                         "--config", '{"siren": "215602608"}'])
    assert result.exit_code == 0, result.output
    assert "Jeu de données 1  [da_00001]" in result.output
    assert "scdl/subventions 2.1.1 (header)" in result.output
    assert "2 dataset(s)" in result.output


def test_cli_preview_scdl_catalogue_as_json(cli, fault_server):
    FakeCatalogue(fault_server, count=2)
    result = cli.invoke(opendatalocale, ["harvest", "preview", "scdl-catalogue", fault_server.url("/catalogue.csv"),
                                         "--json"])
    assert result.exit_code == 0, result.output
    assert [d["guid"] for d in json.loads(result.output)] == ["21560260800014:cat-0", "21560260800014:cat-1"]


def test_cli_preview_reports_source_errors_in_french_first(cli, fault_server):
    fault_server.route("/api/explore/v2.1/catalog/datasets", Reply.html_error_page())
    result = cli.invoke(opendatalocale, ["harvest", "preview", "ods", fault_server.url("/")])
    assert result.exit_code != 0
    assert "Le serveur distant a renvoyé une page HTML" in result.output


def test_preview_action_for_editors_only(fault_server):
    _ods_with_scdl(fault_server)
    editor, outsider = factories.User(), factories.User()
    factories.Organization(users=[{"name": editor["name"], "capacity": "editor"}])
    data = {"source_type": "ods", "url": fault_server.url("/"), "limit": 2}

    answer = helpers.call_action("opendatalocale_harvest_preview", {"user": editor["name"]}, **data)

    assert answer["error"] is None
    assert [d["guid"] for d in answer["datasets"]] == ["da_00000", "da_00001"]
    assert answer["datasets"][1]["resources"][0]["schema_name"] == "scdl/subventions"
    with pytest.raises(tk.NotAuthorized):
        helpers.call_auth("opendatalocale_harvest_preview", {"user": outsider["name"], "model": None}, **data)
    with pytest.raises(tk.ValidationError):
        helpers.call_action("opendatalocale_harvest_preview", {"user": editor["name"]},
                            source_type="ftp", url="x")
    with pytest.raises(tk.ValidationError):
        helpers.call_action("opendatalocale_harvest_preview", {"user": editor["name"]},
                            source_type="ods", url=fault_server.url("/"), config='{"nope": 1}')
