"""Harvested datasets are indexed with their source (ckanext-harvest's
``harvest_source_id`` / ``harvest_object_id``), so that searching by source,
the source page and ckanext-harvest's clear and reindex see every one of them,
right after the import and after an update."""
from __future__ import annotations

import re

import pytest
from ckan import model
from ckan.plugins import toolkit as tk
from ckanext.harvest.model import HarvestObject

from ckanext.opendatalocale.harvesters import ods
from tests.harvesters.conftest import HARVEST_CONFIG_MARKS
from tests.harvesters.lib import Source, extra, harvested, make_source, run_job
from tests.harvesters.scenarios import SCENARIOS

pytestmark = HARVEST_CONFIG_MARKS


def _current_objects(source: Source) -> dict[str, str]:
    """package id -> id of its current harvest object."""
    rows = model.Session.query(HarvestObject.package_id, HarvestObject.id).filter(
        HarvestObject.harvest_source_id == source.id, HarvestObject.current == True).all()  # noqa: E712
    return dict(rows)


def _assert_found_by_source(app, source: Source) -> None:
    packages = harvested(source)
    assert len(packages) == 3
    found = tk.get_action("package_search")({"ignore_auth": True}, {
        "fq": f'+harvest_source_id:"{source.id}"', "rows": 100, "include_private": True})
    assert found["count"] == 3
    assert sorted(p["id"] for p in found["results"]) == sorted(p["id"] for p in packages)
    current = _current_objects(source)
    for result in found["results"]:
        assert extra(result, "harvest_source_id") == source.id
        assert extra(result, "harvest_object_id") == current[result["id"]]
    # The source page counts and lists them (ckanext-harvest searches by source).
    page = app.get(f"/harvest/{source.id}").body
    assert re.search(r"<dd>\s*3\s*</dd>", page), page
    for package in packages:
        assert f'/dataset/{package["name"]}"' in page


@pytest.mark.parametrize("kind", list(SCENARIOS))
def test_every_harvested_dataset_is_found_by_its_source(kind, app, fault_server, monkeypatch):
    monkeypatch.setattr(ods, "PAGE", 2)
    scenario = SCENARIOS[kind]
    fake = scenario.fake(fault_server)
    source = make_source(fault_server.url(scenario.path), scenario.kind, scenario.config(fake))

    first = run_job(source)
    assert first.gather_errors == [] and first.object_errors == [], first
    assert set(first.statuses.values()) == {"added"}
    _assert_found_by_source(app, source)

    scenario.change(fake)
    second = run_job(source)
    assert second.gather_errors == [] and second.object_errors == [], second
    assert set(second.statuses.values()) == {"updated"}
    _assert_found_by_source(app, source)
