"""Harvested resources with a detected schema are queued for conformity.

The conformity plugin queues a check from its after_dataset_create/update
hooks when a resource's trigger key (URL, schema name and version) changes;
harvest imports go through package_create/package_update, so they must fire
those hooks like any other write, and an unchanged re-harvest must not.
"""
from __future__ import annotations

import pytest
from ckan.lib import jobs as ckan_jobs

from tests.harvesters.conftest import HARVEST_CONFIG_MARKS, HARVEST_PLUGINS, FakeOds
from tests.harvesters.lib import harvested, make_source, run_job
from tests.harvesters.test_ods import scdl_fields

# A queue of its own: other test runs on this machine use the conformity tests' queue.
QUEUE = "odl_conformity_harvest_test"

pytestmark = [
    pytest.mark.ckan_config("ckan.plugins", HARVEST_PLUGINS + " opendatalocale_conformity"),
    pytest.mark.ckan_config("ckanext.opendatalocale.conformity.queue", QUEUE),
    pytest.mark.ckan_config("ckanext.opendatalocale.conformity.suggest", "false"),
    *HARVEST_CONFIG_MARKS[1:],
    pytest.mark.usefixtures("with_plugins", "harvest_db", "with_test_worker", "conformity_queue"),
]


@pytest.fixture
def conformity_queue():
    queue = ckan_jobs.get_queue(QUEUE)
    queue.empty()
    yield queue
    queue.empty()


def queued_resources(queue) -> list[str]:
    return sorted(job.args[0] for job in queue.jobs)


def test_harvested_resources_with_a_schema_are_queued_once(fault_server, conformity_queue):
    ods = FakeOds(fault_server, count=2)
    ods.datasets[1]["fields"] = scdl_fields()
    source = make_source(fault_server.url("/"), "ods")

    result = run_job(source)

    assert result.status == "Finished" and result.object_errors == []
    with_schema = sorted(r["id"] for p in harvested(source) for r in p["resources"] if r.get("schema_name"))
    assert len(with_schema) == 1  # the CSV export of the subventions dataset (JSON/GeoJSON follow no table schema)
    assert queued_resources(conformity_queue) == with_schema

    # Unchanged source: nothing written, nothing queued again.
    conformity_queue.empty()
    assert set(run_job(source).statuses.values()) == {"not modified"}
    assert queued_resources(conformity_queue) == []

    # A metadata change rewrites the dataset but not the files or their schema: no new check.
    ods.datasets[1]["metas"]["default"]["title"] = "Subventions 2024"
    assert sorted(run_job(source).statuses.values()) == ["not modified", "updated"]
    assert queued_resources(conformity_queue) == []


def test_a_schema_found_on_reharvest_queues_its_resources(fault_server, conformity_queue):
    ods = FakeOds(fault_server, count=1)
    source = make_source(fault_server.url("/"), "ods")
    run_job(source)
    assert queued_resources(conformity_queue) == []

    ods.datasets[0]["fields"] = scdl_fields()
    assert list(run_job(source).statuses.values()) == ["updated"]

    (dataset,) = harvested(source)
    assert queued_resources(conformity_queue) == sorted(
        r["id"] for r in dataset["resources"] if r.get("schema_name") == "scdl/subventions")
    assert len(queued_resources(conformity_queue)) == 1
