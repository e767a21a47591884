"""A harvest source keeps its type, frequency and config once it has had a
job: ckanext-harvest reindexes it then without validation (CKAN 2.12 serves
``package_show`` from that index), which ``harvest_source_show`` and
``ckan harvester run-test`` read."""
from __future__ import annotations

import json

from ckan.plugins import toolkit as tk

from tests.harvesters import processes
from tests.harvesters.conftest import HARVEST_CONFIG_MARKS, FakeCkan
from tests.harvesters.lib import harvested, make_source, run_job

pytestmark = HARVEST_CONFIG_MARKS + processes.site_marks()


def test_source_show_after_a_job_keeps_type_frequency_and_config(fault_server, app):
    FakeCkan(fault_server, 2)
    source = make_source(fault_server.url("/"), "ckan", {"rows": 2})

    assert run_job(source).status == "Finished"

    shown = tk.get_action("harvest_source_show")({"ignore_auth": True}, {"id": source.id})
    assert shown["source_type"] == "opendatalocale_ckan"
    assert shown["frequency"] == "MANUAL"
    assert json.loads(shown["config"]) == {"rows": 2}
    assert shown["status"]["last_job"]["status"] == "Finished"
    # The API answers the same.
    api = app.get("/api/action/harvest_source_show", params={"id": source.id}).json["result"]
    assert (api["source_type"], api["frequency"], json.loads(api["config"])) == (
        "opendatalocale_ckan", "MANUAL", {"rows": 2})


def test_run_test_command_harvests_a_source_that_had_a_job(fault_server, tmp_path):
    fake = FakeCkan(fault_server, 2)
    source = make_source(fault_server.url("/"), "ckan", {"rows": 2})
    assert run_job(source).status == "Finished"
    fake.datasets.append(fake.make(2))

    done = processes.run(processes.harvest_ini(tmp_path), "harvester", "run-test", source.id)

    assert done.returncode == 0, done.stdout + done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    assert [p["title"] for p in harvested(source)] == ["Jeu CKAN 0", "Jeu CKAN 1", "Jeu CKAN 2"]
