"""Link checker glue: the cron command, the queued job, I9 on the snapshot, the collectivité
page and the matrix, against real local HTTP servers."""
from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from ckan import model
from ckan.lib import jobs as ckan_jobs
from ckan.tests import factories, helpers
from click.testing import CliRunner

from ckanext.opendatalocale.cli import suite_group
from ckanext.opendatalocale.dashboard import refresh
from ckanext.opendatalocale.linkcheck import cli as feature_cli
from ckanext.opendatalocale.linkcheck import store as checks
from tests.http_server import FaultServer, Reply

from .conftest import ALLAIRE, AMBON, PLUGINS, settings

QUEUE = "odl_linkcheck_test"
opendatalocale = suite_group(*feature_cli.COMMANDS)
pytestmark = [
    pytest.mark.ckan_config("ckan.plugins", PLUGINS + " opendatalocale_linkcheck"),
    pytest.mark.ckan_config("ckanext.opendatalocale.http.allowed_hosts", "127.0.0.1"),
    pytest.mark.ckan_config("ckanext.opendatalocale.http.backoff", "0.01"),
    pytest.mark.ckan_config("ckanext.opendatalocale.linkcheck.timeout", "0.5"),
    pytest.mark.ckan_config("ckanext.opendatalocale.linkcheck.per_host_interval", "0"),
    pytest.mark.ckan_config("ckanext.opendatalocale.linkcheck.max_retry_wait", "2"),
    pytest.mark.ckan_config("ckanext.opendatalocale.linkcheck.queue", QUEUE),
    pytest.mark.usefixtures("with_plugins"),
]


@pytest.fixture
def busy_server():
    """A second host (another port) that rate-limits for an hour."""
    with FaultServer() as server:
        server.route("/busy.csv", Reply.error(429, retry_after=3600))
        yield server


def _links(fault_server, busy_server, data):
    """Every resource of the territory on the local servers: Allaire's public dataset gets one
    working link and four broken ones, Ambon's a rate-limited one, the private dataset a 404."""
    fault_server.route("/ok.csv", Reply.text("a;b\n", etag='"v1"'))
    fault_server.route("/gone.csv", Reply.error(404))
    fault_server.route("/boom.csv", Reply.error(500))
    fault_server.route("/slow.csv", Reply.text("late").but(delay=1.5))
    fault_server.route("/moved.csv", Reply.redirect("http://10.1.2.3/internal.csv"))
    fault_server.route("/private.csv", Reply.error(404))
    context = {"ignore_auth": True, "user": data["sysadmin"]["name"]}
    ids = {}
    for dataset in helpers.call_action("package_search", context, include_private=True, rows=100)["results"]:
        resource = dataset["resources"][0]
        if dataset["private"]:
            url = fault_server.url("/private.csv")
        elif dataset["owner_org"] == data["allaire"]["id"]:
            url = fault_server.url("/ok.csv")
            for path in ("/gone.csv", "/boom.csv", "/slow.csv", "/moved.csv"):
                ids[path] = helpers.call_action("resource_create", context, package_id=dataset["id"],
                                                url=fault_server.url(path), format="CSV")["id"]
        else:
            url = busy_server.url("/busy.csv")
        helpers.call_action("resource_patch", context, id=resource["id"], url=url)
        ids[url.rsplit("/", 1)[-1]] = resource["id"]
    return ids


def _run(*args):
    result = CliRunner().invoke(opendatalocale, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def _refresh(data):
    conn = model.Session.connection()
    kpis = refresh.refresh_territory(conn, data["morbihan"], settings())
    model.Session.commit()
    return kpis


def test_cron_command_stores_outcomes_and_i9_is_exact(app, territory_data, fault_server, busy_server):
    ids = _links(fault_server, busy_server, territory_data)
    output = _run("links", "check", "--territory", "morbihan")
    assert "morbihan: 7 links checked, 1 available, 0 unchanged, 5 broken, 1 deferred." in output

    rows = checks.load(model.Session.connection(), list(ids.values()))
    ok = rows[ids["ok.csv"]]
    assert (ok["ok"], ok["status"], ok["etag"], ok["failures"]) == (True, 200, '"v1"', 0)
    assert ok["last_success"] == ok["checked_at"] and ok["last_error"] is None
    assert (rows[ids["/gone.csv"]]["status"], rows[ids["/boom.csv"]]["status"]) == (404, 500)
    assert rows[ids["/slow.csv"]]["code"] == "timeout.read"
    assert rows[ids["/moved.csv"]]["code"] == "unsafe_url.private"
    busy = rows[ids["busy.csv"]]
    assert busy["ok"] is None and busy["last_error"]["code"] == "rate_limited" and busy["next_check"]

    kpis = _refresh(territory_data)
    allaire = refresh.snapshot_row(model.Session.connection(), territory_data["morbihan"]["id"], ALLAIRE)
    av = allaire["availability"]
    assert (av["num"], av["den"], av["rate"], av["links"], av["unchecked"], av["broken"]) == (1, 5, 0.2, 5, 0, 4)
    assert sorted(str(b["status"] or b["code"]) for b in av["broken_links"]) == [
        "404", "500", "timeout.read", "unsafe_url.private"]
    ambon = refresh.snapshot_row(model.Session.connection(), territory_data["morbihan"]["id"], AMBON)
    assert (ambon["availability"]["den"], ambon["availability"]["unchecked"]) == (0, 1)
    # The private dataset's 404 counts nowhere.
    assert {k: kpis["availability"][k] for k in ("num", "den", "broken", "links", "unchecked")} == \
        {"num": 1, "den": 5, "broken": 4, "links": 6, "unchecked": 1}

    page = BeautifulSoup(app.get(f"/territoire/morbihan/collectivite/{ALLAIRE}").body, "html.parser")
    assert len(page.select(".odl-broken-links tbody tr")) == 4
    assert "private.csv" not in str(page)
    matrix = BeautifulSoup(app.get("/territoire/morbihan/matrice?q=allaire").body, "html.parser")
    assert matrix.select_one(".odl-matrix tbody td.odl-broken").text == "4"

    # Second run: the working link is asked conditionally (304), the rate-limited host is
    # left alone until the date it gave.
    output = _run("links", "check", "--territory", "morbihan")
    assert "1 unchanged" in output and "1 deferred" in output
    assert fault_server.requests_to("/ok.csv")[-1].header("If-None-Match") == '"v1"'
    assert len(busy_server.requests_to("/busy.csv")) == 1
    again = checks.load(model.Session.connection(), [ids["/gone.csv"]])[ids["/gone.csv"]]
    assert again["failures"] == 2 and again["last_success"] is None


def test_the_check_runs_as_a_job_queued_by_an_admin_only(app, territory_data, fault_server, busy_server):
    ids = _links(fault_server, busy_server, territory_data)
    ckan_jobs.get_queue(QUEUE).empty()
    token = factories.APIToken(user=territory_data["atd_member"]["name"])["token"]
    app.post("/territoire/morbihan/liens/verifier", headers={"Authorization": token}, status=403)
    app.post("/territoire/morbihan/liens/verifier", status=403)
    assert ckan_jobs.get_queue(QUEUE).count == 0
    admin = factories.APIToken(user=territory_data["atd_admin"]["name"])["token"]
    overview = app.get("/territoire/morbihan", headers={"Authorization": admin}).body
    assert 'action="/territoire/morbihan/liens/verifier"' in overview
    app.post("/territoire/morbihan/liens/verifier", headers={"Authorization": admin})
    assert ckan_jobs.get_queue(QUEUE).count == 1
    ckan_jobs.Worker([QUEUE]).work(burst=True)
    rows = checks.load(model.Session.connection(), [ids["ok.csv"], ids["/gone.csv"]])
    assert rows[ids["ok.csv"]]["ok"] is True and rows[ids["/gone.csv"]]["status"] == 404
    status = helpers.call_action("opendatalocale_link_status", {"user": None}, id=ids["/gone.csv"])
    assert status["status"] == 404 and status["last_error"]["code"] == "http_status"
