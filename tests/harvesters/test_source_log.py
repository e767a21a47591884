"""Creating a harvest source logs no error; a source dataset whose harvest
source is really missing still does (ckanext-harvest's "Harvest source not
found for dataset")."""
from __future__ import annotations

import json
import logging

import pytest

from ckan import model
from ckan.plugins import toolkit as tk
from ckan.tests import factories
from ckanext.harvest.model import HarvestSource

from tests.harvesters.conftest import HARVEST_CONFIG_MARKS, HARVEST_PLUGINS
from tests.harvesters.lib import make_source

# The suite as a portal runs it (demo/demo.ini): with these plugins' own
# after_dataset_create queries, nothing flushes ckanext-harvest's new source
# object before the new source is shown.
pytestmark = [mark for mark in HARVEST_CONFIG_MARKS if mark.args[:1] != ("ckan.plugins",)] + [
    pytest.mark.ckan_config("ckan.plugins", "opendatalocale_search opendatalocale_scdl scheming_datasets "
                            "scheming_organizations opendatalocale_conformity " + HARVEST_PLUGINS.split(" ", 1)[1]),
    pytest.mark.ckan_config("scheming.dataset_schemas", "ckanext.opendatalocale.schemas:dataset.yaml"),
    pytest.mark.ckan_config("scheming.organization_schemas", "ckanext.opendatalocale.schemas:organization.yaml"),
    pytest.mark.ckan_config("scheming.presets",
                            "ckanext.scheming:presets.json ckanext.opendatalocale.schemas:presets.yaml"),
]

NOT_FOUND = "Harvest source not found for dataset"


@pytest.fixture(autouse=True)
def harvest_log(monkeypatch, with_plugins, harvest_db, app):
    """ckanext-harvest's logger as a deployed portal has it: the test set-up
    (migrations, the app) loads logging configs after the plugin's import,
    which disables its logger."""
    logger = logging.getLogger("ckanext.harvest.plugin")
    monkeypatch.setattr(logger, "disabled", False)
    level = logger.level
    logger.setLevel(logging.INFO)  # setLevel, not the attribute: it clears the loggers' caches
    yield
    logger.setLevel(level)


def _errors(caplog) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.levelno >= logging.ERROR]


def test_creating_a_source_logs_no_error(caplog, app):
    user = factories.Sysadmin()
    org = factories.Organization()
    with caplog.at_level(logging.INFO):
        source = tk.get_action("harvest_source_create")({"user": user["name"]}, {
            "url": "https://data.ville.example/", "name": "ville", "title": "Ville",
            "source_type": "opendatalocale_ods", "owner_org": org["id"], "config": json.dumps({})})
        # Through the API too, as an operator's script would.
        api = app.post("/api/action/harvest_source_create", headers={"Authorization": _token(user)}, json={
            "url": "https://data.autre.example/", "name": "autre", "title": "Autre",
            "source_type": "opendatalocale_ckan", "owner_org": org["id"]})

    assert api.json["success"] is True, api.json
    assert HarvestSource.get(source["id"]) is not None
    assert _errors(caplog) == []
    assert any("Harvest source created" in r.getMessage() for r in caplog.records)  # the log was listened to


def test_a_source_dataset_without_its_source_still_logs_the_error(caplog):
    source = make_source("https://data.ville.example/", "ods")
    model.Session.delete(HarvestSource.get(source.id))
    model.Session.commit()

    with caplog.at_level(logging.INFO):
        tk.get_action("package_show")({"ignore_auth": True, "use_cache": False}, {"id": source.id})

    assert _errors(caplog) == [f"{NOT_FOUND} {source.id}"]


def _token(user: dict) -> str:
    return factories.APIToken(user=user["name"])["token"]
