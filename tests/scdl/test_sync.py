"""Catalogue sync against a real HTTP server on 127.0.0.1 (the shared FaultServer)."""
from __future__ import annotations

import copy
import json
import socket
from pathlib import Path

import pytest

from ckanext.opendatalocale.http import HttpClient
from ckanext.opendatalocale.scdl.registry import Registry, get_registry
from ckanext.opendatalocale.scdl.sync import sync_catalog
from tests.helpers import fixture_path
from tests.http_server import Reply

CATALOG = json.loads(fixture_path("reference", "scdl", "schema-data-gouv-fr", "schemas-scdl.json").read_text())
DELIB_215 = json.loads(fixture_path("reference", "scdl", "deliberations", "versions", "2.1.5", "schema.json").read_text())


@pytest.fixture
def client():
    with HttpClient(allow_private=True, retries=0, connect_timeout=2, read_timeout=5) as http:
        yield http


@pytest.fixture
def fetch(client):
    return lambda url: client.get(url).content


def _entry(catalog: dict, name: str) -> dict:
    return next(s for s in catalog["schemas"] if s["name"] == name)


def _snapshot(directory: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(directory)): p.read_bytes()
        for p in sorted(directory.rglob("*"))
        if p.is_file() and p.name != ".sync.lock"
    }


def _with_new_deliberations_version(server) -> dict:
    """The shared catalogue plus deliberations 2.2.0 (one more field), served locally."""
    catalog = copy.deepcopy(CATALOG)
    schema = copy.deepcopy(DELIB_215)
    schema["version"] = "2.2.0"
    schema["fields"].append({"name": "DELIB_TEST", "type": "string", "title": "Champ ajouté"})
    server.route("/schemas/scdl/deliberations/2.2.0/schema.json", Reply.json(schema))
    _entry(catalog, "scdl/deliberations")["versions"].append(
        {"version_name": "2.2.0", "schema_url": server.url("/schemas/scdl/deliberations/2.2.0/schema.json")}
    )
    return catalog


def test_unchanged_catalogue_adds_nothing_and_fetches_no_schema(fault_server, fetch, tmp_path):
    fault_server.serve_directory("/", fixture_path("reference", "scdl", "schema-data-gouv-fr"))
    report = sync_catalog(fault_server.url("/schemas-scdl.json"), tmp_path, fetch=fetch)
    assert report.ok and not report.catalog_failed
    assert report.added == [] and report.removed == []
    assert len(report.unchanged) == 52
    assert [r.path for r in fault_server.requests] == ["/schemas-scdl.json"]
    assert get_registry(tmp_path).names() == Registry().names()


def test_new_version_appears_and_is_not_fetched_twice(fault_server, fetch, tmp_path):
    fault_server.route("/catalog.json", Reply.json(_with_new_deliberations_version(fault_server)))
    report = sync_catalog(fault_server.url("/catalog.json"), tmp_path, fetch=fetch)
    assert report.ok and report.added == [("scdl/deliberations", "2.2.0")]

    registry = get_registry(tmp_path)
    assert registry.latest("scdl/deliberations") == "2.2.0"
    new = registry.get("deliberations")
    assert new.source == "store" and new.is_latest and "DELIB_TEST" in new.field_names
    assert new.url.endswith("/schemas/scdl/deliberations/2.2.0/schema.json")
    assert new.label["en"] == "Council deliberations"
    assert new.changes_from(registry.get("deliberations", "2.1.5")).added == ["DELIB_TEST"]
    assert registry.get("deliberations", "2.1.5").source == "shipped"
    assert registry.resolve("https://schema.data.gouv.fr/scdl/deliberations/2.2.0/").version == "2.2.0"

    again = sync_catalog(fault_server.url("/catalog.json"), tmp_path, fetch=fetch)
    assert again.added == [] and ("scdl/deliberations", "2.2.0") in again.unchanged
    assert len(fault_server.requests_to("/schemas/scdl/deliberations/2.2.0/schema.json")) == 1


def test_version_removed_upstream_is_reported_and_kept(fault_server, fetch, tmp_path):
    catalog = _with_new_deliberations_version(fault_server)
    fault_server.route("/catalog.json", Reply.json(catalog))
    sync_catalog(fault_server.url("/catalog.json"), tmp_path, fetch=fetch)

    shrunk = copy.deepcopy(catalog)
    versions = _entry(shrunk, "scdl/deliberations")["versions"]
    _entry(shrunk, "scdl/deliberations")["versions"] = [
        v for v in versions if v["version_name"] not in ("1.1.0", "2.2.0")
    ]
    shrunk["schemas"] = [s for s in shrunk["schemas"] if s["name"] != "scdl/prenoms"]
    fault_server.route("/catalog.json", Reply.json(shrunk))
    report = sync_catalog(fault_server.url("/catalog.json"), tmp_path, fetch=fetch)

    assert report.ok and report.added == []
    assert {("scdl/deliberations", "1.1.0"), ("scdl/deliberations", "2.2.0")} <= set(report.removed)
    assert {("scdl/prenoms", "1.1.5"), ("scdl/prenoms", "1.1.6")} <= set(report.removed)
    registry = get_registry(tmp_path)
    assert registry.versions("scdl/deliberations")[0] == "1.1.0"
    assert registry.latest("scdl/deliberations") == "2.2.0"
    assert registry.versions("scdl/prenoms") == ["1.1.5", "1.1.6"]


def _failing_sync_keeps_everything(fault_server, fetch, tmp_path, catalog_url):
    fault_server.route("/good.json", Reply.json(_with_new_deliberations_version(fault_server)))
    assert sync_catalog(fault_server.url("/good.json"), tmp_path, fetch=fetch).added
    before = _snapshot(tmp_path)

    report = sync_catalog(catalog_url, tmp_path, fetch=fetch)

    assert report.catalog_failed and not report.ok and report.added == []
    assert _snapshot(tmp_path) == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".staging-")]
    assert get_registry(tmp_path).latest("scdl/deliberations") == "2.2.0"
    (error,) = report.errors
    assert "conservés" in error.message["fr"] and "kept" in error.message["en"]
    assert error.url == catalog_url
    return error


def test_unreachable_server_keeps_the_current_set(fault_server, fetch, tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    error = _failing_sync_keeps_everything(
        fault_server, fetch, tmp_path, f"http://127.0.0.1:{closed_port}/schemas-scdl.json"
    )
    assert "Could not download the catalogue" in error.message["en"]
    assert "Impossible de télécharger le catalogue" in error.message["fr"]


def test_malformed_json_keeps_the_current_set(fault_server, fetch, tmp_path):
    fault_server.route("/broken.json", Reply.malformed_json())
    error = _failing_sync_keeps_everything(fault_server, fetch, tmp_path, fault_server.url("/broken.json"))
    assert error.code == "catalog-not-json"
    assert "JSON valide" in error.message["fr"] and "not valid JSON" in error.message["en"]


def test_html_page_with_status_200_keeps_the_current_set(fault_server, fetch, tmp_path):
    fault_server.route("/maintenance", Reply.html_error_page(200))
    error = _failing_sync_keeps_everything(fault_server, fetch, tmp_path, fault_server.url("/maintenance"))
    assert error.code == "catalog-not-json"
    assert "page HTML" in error.message["fr"] and "HTML page" in error.message["en"]


def test_json_that_is_not_a_catalogue_keeps_the_current_set(fault_server, fetch, tmp_path):
    fault_server.route("/other.json", Reply.json({"data": [1, 2, 3]}))
    error = _failing_sync_keeps_everything(fault_server, fetch, tmp_path, fault_server.url("/other.json"))
    assert error.code == "catalog-bad-format"


def test_http_error_status_keeps_the_current_set(fault_server, fetch, tmp_path):
    fault_server.route("/gone.json", Reply.error(404))
    error = _failing_sync_keeps_everything(fault_server, fetch, tmp_path, fault_server.url("/gone.json"))
    assert "404" in error.message["en"]


def test_bad_schema_versions_are_skipped_with_an_error_and_the_rest_is_synced(fault_server, fetch, tmp_path):
    catalog = _with_new_deliberations_version(fault_server)
    versions = _entry(catalog, "scdl/subventions")["versions"]
    versions.append({"version_name": "3.0.0", "schema_url": fault_server.url("/subventions-3.0.0.json")})
    versions.append({"version_name": "3.1.0", "schema_url": fault_server.url("/subventions-3.1.0.json")})
    fault_server.route("/subventions-3.0.0.json", Reply.json({"fields": "not a list"}))
    fault_server.route("/subventions-3.1.0.json", Reply.error(500))
    fault_server.route("/catalog.json", Reply.json(catalog))

    report = sync_catalog(fault_server.url("/catalog.json"), tmp_path, fetch=fetch)

    assert report.added == [("scdl/deliberations", "2.2.0")]
    assert {(e.name, e.version) for e in report.errors} == {("scdl/subventions", "3.0.0"), ("scdl/subventions", "3.1.0")}
    invalid = next(e for e in report.errors if e.version == "3.0.0")
    assert invalid.code == "schema-invalid" and "Table Schema" in invalid.message["fr"]
    assert get_registry(tmp_path).latest("scdl/subventions") == "2.1.1"
    assert json.dumps(report.as_dict())


def test_non_scdl_schemas_only_when_enabled(fault_server, fetch, tmp_path):
    catalog = copy.deepcopy(CATALOG)
    covoiturage = {
        "name": "etalab/schema-lieux-covoiturage",
        "title": "Lieux de covoiturage",
        "schema_type": "tableschema",
        "labels": ["transport.data.gouv.fr"],
        "homepage": "https://github.com/etalab/schema-lieux-covoiturage",
        "versions": [{"version_name": "0.2.4", "schema_url": fault_server.url("/covoiturage-0.2.4.json")}],
    }
    catalog["schemas"].append(covoiturage)
    schema = {"name": "lieux-covoiturage", "fields": [{"name": "id_lieu", "type": "string"}]}
    fault_server.route("/covoiturage-0.2.4.json", Reply.json(schema))
    fault_server.route("/catalog.json", Reply.json(catalog))

    plain = sync_catalog(fault_server.url("/catalog.json"), tmp_path, fetch=fetch)
    assert plain.added == [] and "etalab/schema-lieux-covoiturage" not in get_registry(tmp_path)

    enabled = sync_catalog(
        fault_server.url("/catalog.json"), tmp_path, fetch=fetch, include_non_scdl=["etalab/schema-lieux-covoiturage"]
    )
    assert enabled.added == [("etalab/schema-lieux-covoiturage", "0.2.4")]
    registry = get_registry(tmp_path)
    entry = registry.resolve("lieux-covoiturage")
    assert entry.name == "etalab/schema-lieux-covoiturage" and not entry.is_scdl
    assert registry.names(scdl_only=True) == Registry().names()


def test_default_fetch_uses_the_shared_client_and_refuses_loopback(fault_server, tmp_path):
    fault_server.route("/catalog.json", Reply.json(CATALOG))
    report = sync_catalog(fault_server.url("/catalog.json"), tmp_path)
    assert report.catalog_failed and fault_server.requests == []
    assert report.errors[0].message["fr"] and report.errors[0].message["en"]
