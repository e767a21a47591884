"""Usage (I13) from CKAN's tracking plugin: visits recorded through /_tracking, summarised by
``ckan tracking update``, then read by the dashboard refresh; off without the plugin."""
from __future__ import annotations

import datetime as dt
import urllib.parse

import pytest
from bs4 import BeautifulSoup
from ckan import model
from ckan.tests import helpers
from click.testing import CliRunner

from ckanext.opendatalocale.dashboard import refresh
from ckanext.opendatalocale.dashboard.indicators import Settings

from .conftest import ALLAIRE, LATEST, PLUGINS


def _visit(app, url, kind, agent):
    body = urllib.parse.urlencode({"url": url, "type": kind})
    app.post("/_tracking", data=body, headers={"User-Agent": agent, "Content-Type": "application/x-www-form-urlencoded"},
             extra_environ={"REMOTE_ADDR": "192.0.2.1"})


@pytest.mark.ckan_config("ckan.plugins", PLUGINS + " tracking")
@pytest.mark.usefixtures("with_plugins")
def test_views_and_downloads_of_the_last_12_months(app, territory_data):
    from ckanext.tracking.cli.tracking import tracking

    context = {"ignore_auth": True}
    dataset = helpers.call_action("package_search", context, fq=f"organization:{territory_data['allaire']['name']}")["results"][0]
    resource_url = dataset["resources"][0]["url"]
    for agent in ("agent-1", "agent-2", "agent-3"):
        _visit(app, f"/dataset/{dataset['name']}", "page", agent)
    for agent in ("agent-1", "agent-2"):
        _visit(app, resource_url, "resource", agent)
    _visit(app, f"/dataset/{dataset['name']}", "page", "agent-1")  # the same visitor again: counted once a day
    # As cron runs it, from yesterday (without a date it starts in 2011).
    yesterday = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    result = CliRunner().invoke(tracking, ["update", yesterday], catch_exceptions=False)
    assert result.exit_code == 0, result.output

    from ckanext.opendatalocale.dashboard.settings import usage_tracking
    from ckan.plugins.toolkit import config

    assert usage_tracking(config)
    refresh.refresh_territory(model.Session.connection(), territory_data["morbihan"],
                              Settings(latest_versions=LATEST, usage_tracking=True))
    model.Session.commit()
    row = refresh.snapshot_row(model.Session.connection(), territory_data["morbihan"]["id"], ALLAIRE)
    usage = row["usage"]
    assert (usage["enabled"], usage["views"], usage["downloads"]) == (True, 3, 2)
    this_month = dt.date.today().strftime("%Y-%m")
    assert usage["months"][-1] == [this_month, 3, 2] and len(usage["months"]) == 12
    assert usage["datasets"][0] == {"name": dataset["name"], "title": dataset["title"], "views": 3, "downloads": 2}
    page = BeautifulSoup(app.get(f"/territoire/morbihan/collectivite/{ALLAIRE}").body, "html.parser")
    assert "3 views and 2 downloads" in page.select_one(".odl-usage").text
    overview = BeautifulSoup(app.get("/territoire/morbihan").body, "html.parser")
    assert "3" in overview.select_one(".odl-kpi-usage").text


@pytest.mark.ckan_config("ckan.plugins", PLUGINS)
@pytest.mark.usefixtures("with_plugins")
def test_without_tracking_the_indicator_says_off(app, refreshed):
    from ckanext.opendatalocale.dashboard.settings import usage_tracking
    from ckan.plugins.toolkit import config

    assert not usage_tracking(config)
    row = refresh.snapshot_row(model.Session.connection(), refreshed["morbihan"]["id"], ALLAIRE)
    assert row["usage"] == {"enabled": False}
    page = BeautifulSoup(app.get(f"/territoire/morbihan/collectivite/{ALLAIRE}").body, "html.parser")
    assert page.select_one(".odl-usage-off") and not page.select(".odl-usage")
    assert "tracking off" in BeautifulSoup(app.get("/territoire/morbihan").body, "html.parser").select_one(".odl-kpi-usage").text
