"""Source preview: the CLI command and the action, with its auth."""
from __future__ import annotations

import json

import pytest
from ckan.plugins import toolkit as tk
from ckan.tests import factories, helpers

from ckanext.opendatalocale.cli import suite_group
from ckanext.opendatalocale.harvesters import cli as feature_cli
from tests.harvesters.conftest import (HARVEST_CONFIG_MARKS, SUBVENTIONS_FIELDS, FakeCatalogue,
                                                              FakeDatagouv, FakeOds)
from tests.http_server import RecordedRequest, Reply

opendatalocale = suite_group(*feature_cli.COMMANDS)

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


# ----------------------------------------------------------------- overall deadline

DATAGOUV_PAGES = "/api/1/datasets/"


def _slow_datagouv(fault_server, delay: float) -> FakeDatagouv:
    """20 datasets, 2 a page, each page answered ``delay`` s late: under the
    read timeout (0.5 s here), so only the preview's deadline stops it."""
    fake = FakeDatagouv(fault_server, count=20, page_size=2)
    fake.fault = lambda request, normal: normal.but(delay=delay) if request.path == DATAGOUV_PAGES else None
    return fake


def _page_numbers(requests: list[RecordedRequest]) -> list[str]:
    return [(r.query.get("page") or ["1"])[0] for r in requests]


@pytest.mark.ckan_config("ckanext.opendatalocale.harvest.preview_timeout", "1.5")
# Called outside a request, the action answers in the site's language.
@pytest.mark.ckan_config("ckan.locale_default", "fr")
def test_a_slow_source_gives_the_datasets_read_before_the_deadline(fault_server):
    _slow_datagouv(fault_server, delay=0.4)
    user = factories.Sysadmin()

    answer = helpers.call_action("opendatalocale_harvest_preview", {"user": user["name"]}, source_type="datagouv",
                                 url=fault_server.url("/fr/organizations/ville-de-vannes/"), limit=10)

    # The ten datasets take five pages: the deadline comes first.
    assert answer["error"] is None
    guids = [d["guid"] for d in answer["datasets"]]
    assert 0 < len(guids) < 10
    assert guids == [f"dg{i:04d}" for i in range(len(guids))]
    assert answer["warning"] == ("La source est trop lente : l'aperçu s'est arrêté au bout de 1,5 s ; "
                                 "seuls les jeux de données lus jusque-là sont affichés")
    # No page was asked for once the deadline had passed: at most the one it cut.
    pages = _page_numbers(fault_server.requests_to(DATAGOUV_PAGES))
    assert pages[:len(guids) // 2] == [str(n) for n in range(1, len(guids) // 2 + 1)]
    assert len(pages) <= len(guids) // 2 + 1


@pytest.mark.ckan_config("ckanext.opendatalocale.harvest.preview_timeout", "0.3")
# Called outside a request, the action answers in the site's language.
@pytest.mark.ckan_config("ckan.locale_default", "fr")
def test_a_source_too_slow_for_a_first_dataset_is_an_error(fault_server):
    _slow_datagouv(fault_server, delay=0.45)
    user = factories.Sysadmin()

    answer = helpers.call_action("opendatalocale_harvest_preview", {"user": user["name"]}, source_type="datagouv",
                                 url=fault_server.url("/fr/organizations/ville-de-vannes/"))

    assert answer["datasets"] == [] and answer["warning"] is None
    assert answer["error"] == ("La source est trop lente : l'aperçu s'est arrêté au bout de 0,3 s, "
                               "avant d'avoir lu un jeu de données")
    assert len(fault_server.requests_to(DATAGOUV_PAGES)) == 1  # cut, and not retried


@pytest.mark.ckan_config("ckanext.opendatalocale.harvest.preview_timeout", "60")
def _streams(result):
    """(stdout, stderr) of a CLI run. Click 8.1 (CKAN 2.11's) mixes stderr
    into stdout; the warning is the lines that are not JSON."""
    try:
        return result.stdout, result.stderr
    except ValueError:
        lines = result.stdout.splitlines()
        first_json = next(i for i, line in enumerate(lines) if line.startswith("["))
        last_json = max(i for i, line in enumerate(lines) if line.startswith("]"))
        json_lines = lines[first_json:last_json + 1]
        rest = lines[:first_json] + lines[last_json + 1:]
        return "\n".join(json_lines), "\n".join(rest)


def test_cli_timeout_overrides_the_config(cli, fault_server):
    _slow_datagouv(fault_server, delay=0.4)
    url = fault_server.url("/fr/organizations/ville-de-vannes/")

    result = cli.invoke(opendatalocale, ["harvest", "preview", "datagouv", url, "--timeout", "1.5", "--json"])

    assert result.exit_code == 0, result.output
    stdout, stderr = _streams(result)
    datasets = json.loads(stdout)
    assert 0 < len(datasets) < 10
    assert stderr.splitlines() == [
        "La source est trop lente : l'aperçu s'est arrêté au bout de 1,5 s ; "
        "seuls les jeux de données lus jusque-là sont affichés",
        "The source is too slow: the preview stopped after 1.5 s; only the datasets read by then are shown"]

    result = cli.invoke(opendatalocale, ["harvest", "preview", "datagouv", url, "--timeout", "0.3"])
    assert result.exit_code != 0
    assert "The source is too slow: the preview stopped after 0.3 s, before reading any dataset" in result.output


def test_a_source_within_the_deadline_has_no_warning(fault_server):
    _ods_with_scdl(fault_server)
    user = factories.Sysadmin()

    answer = helpers.call_action("opendatalocale_harvest_preview", {"user": user["name"]}, source_type="ods",
                                 url=fault_server.url("/"))

    assert len(answer["datasets"]) == 3 and answer["error"] is None and answer["warning"] is None


@pytest.mark.parametrize("body, content_type", [
    (b"@prefix dcat: <http://www.w3.org/ns/dcat#> .\n<a> <b> SECRET-TOKEN-42 here", "text/turtle"),
    (b"<rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'><SECRET-TOKEN-42>", "application/rdf+xml"),
    (b'{"@context": SECRET-TOKEN-42}', "application/ld+json"),
])
def test_a_dcat_parse_error_does_not_quote_the_body(fault_server, body, content_type):
    """The fetched document is the source's, not ours to echo back to the user."""
    fault_server.route("/catalog", Reply(body=body, content_type=content_type))
    sysadmin = factories.Sysadmin()
    answer = helpers.call_action("opendatalocale_harvest_preview", {"user": sysadmin["name"]},
                                 source_type="dcat", url=fault_server.url("/catalog"))
    assert answer["datasets"] == []
    assert "SECRET-TOKEN-42" not in answer["error"]
    assert "RDF" in answer["error"] and fault_server.url("/catalog") in answer["error"]
