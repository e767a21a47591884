"""``ckan opendatalocale schemas list|sync`` against a local catalogue server."""
from __future__ import annotations

import copy
import json

import ckan.plugins.toolkit as tk
import pytest
from click.testing import CliRunner

from ckanext.opendatalocale.cli import suite_group
from ckanext.opendatalocale.scdl import cli, utils
from ckanext.opendatalocale.scdl.registry import get_registry
from tests.helpers import fixture_path
from tests.http_server import Reply

from .glue import CKAN_MARKS

opendatalocale = suite_group(*cli.COMMANDS)

pytestmark = CKAN_MARKS

CATALOG = json.loads(fixture_path("reference", "scdl", "schema-data-gouv-fr", "schemas-scdl.json").read_text())


@pytest.fixture
def store(tmp_path, monkeypatch):
    monkeypatch.setitem(tk.config, utils.STORE_DIR_OPTION, str(tmp_path))
    # The product refuses internal addresses by default; the test catalogue is on 127.0.0.1.
    monkeypatch.setitem(tk.config, "ckanext.opendatalocale.http.allow_private", "true")
    monkeypatch.setitem(tk.config, "ckanext.opendatalocale.http.retries", "0")
    return tmp_path


def test_the_group_is_registered():
    assert opendatalocale.get_command(None, "schemas") is cli.schemas


def test_list_prints_every_schema(store):
    result = CliRunner().invoke(cli.schemas, ["list"])
    assert result.exit_code == 0, result.output
    for name in get_registry().names():
        assert name in result.output
    assert str(store) in result.output


def test_sync_adds_a_new_version_to_the_portal_registry(store, fault_server, app):
    catalog = copy.deepcopy(CATALOG)
    schema = json.loads(fixture_path("reference", "scdl", "deliberations", "versions", "2.1.5", "schema.json").read_text())
    schema["fields"].append({"name": "DELIB_TEST", "type": "string"})
    fault_server.route("/delib-2.2.0.json", Reply.json(schema))
    entry = next(s for s in catalog["schemas"] if s["name"] == "scdl/deliberations")
    entry["versions"].append({"version_name": "2.2.0", "schema_url": fault_server.url("/delib-2.2.0.json")})
    fault_server.route("/catalog.json", Reply.json(catalog))

    result = CliRunner().invoke(cli.schemas, ["sync", "--catalog-url", fault_server.url("/catalog.json")])
    assert result.exit_code == 0, result.output
    assert "+ scdl/deliberations@2.2.0" in result.output
    assert utils.registry().latest("scdl/deliberations") == "2.2.0"
    # The portal (forms, pages, API) now offers it.
    assert app.get("/scdl/deliberations/2.2.0").status_code == 200
    again = CliRunner().invoke(cli.schemas, ["sync", "--catalog-url", fault_server.url("/catalog.json")])
    assert "Up to date" in again.output


def test_sync_with_a_broken_catalogue_keeps_the_set_and_fails(store, fault_server):
    fault_server.route("/catalog.json", Reply.text("<html>maintenance</html>", "text/html"))
    before = utils.registry().names()
    result = CliRunner().invoke(cli.schemas, ["sync", "--catalog-url", fault_server.url("/catalog.json")])
    assert result.exit_code == 1
    assert "HTML" in result.output
    assert utils.registry().names() == before


def test_sync_refuses_an_internal_address_by_default(tmp_path, monkeypatch, fault_server):
    monkeypatch.setitem(tk.config, utils.STORE_DIR_OPTION, str(tmp_path))
    fault_server.route("/catalog.json", Reply.json(CATALOG))
    result = CliRunner().invoke(cli.schemas, ["sync", "--catalog-url", fault_server.url("/catalog.json")])
    assert result.exit_code == 1
    assert fault_server.requests == []
