"""data.gouv.fr harvester end to end against the local fault server."""
from __future__ import annotations

import json

from tests.harvesters.conftest import HARVEST_CONFIG_MARKS, FakeDatagouv
from tests.harvesters.lib import extra, guids, harvested, make_source, run_job

pytestmark = HARVEST_CONFIG_MARKS


def test_organisation_by_slug_paged_with_next_page_and_schema_kept(fault_server):
    fake = FakeDatagouv(fault_server, count=5, page_size=2)
    fake.datasets[0]["resources"][0]["schema"] = {"name": "scdl/subventions", "version": "2.1.1"}
    source = make_source(fault_server.url("/fr/organizations/ville-de-vannes/"), "datagouv")

    result = run_job(source)

    assert result.gather_errors == [] and result.object_errors == []
    assert len(fault_server.requests_to("/api/1/datasets/")) == 3
    packages = harvested(source)
    assert guids(packages) == [f"dg{i:04d}" for i in range(5)]
    resource = packages[0]["resources"][0]
    assert (resource["schema_name"], resource["schema_version"], resource["schema_detection"]) == (
        "scdl/subventions", "2.1.1", "declared")
    assert packages[0]["license_id"] == "lo-2.0"
    # SIREN from the organisation's SIRET.
    assert json.loads(extra(packages[0], "collectivites_siren")) == ["215602608"]
    assert extra(packages[0], "frequency") == "weekly"


def test_organisation_by_siret(fault_server):
    FakeDatagouv(fault_server, count=1)
    source = make_source(fault_server.url("/"), "datagouv", {"organization": "21560260800014"})
    assert run_job(source).gather_errors == []
    assert guids(harvested(source)) == ["dg0000"]


def test_archived_is_withdrawn_and_mirrors_are_skipped(fault_server):
    fake = FakeDatagouv(fault_server, count=3)
    fake.datasets[2]["harvest"] = {"domain": "opendata56.fr", "remote_url": "https://opendata56.fr/explore/x"}
    source = make_source(fault_server.url("/"), "datagouv", {"organization": "ville-de-vannes",
                                                             "skip_harvested_from": ["opendata56.fr"]})
    run_job(source)
    assert guids(harvested(source)) == ["dg0000", "dg0001"]

    fake.datasets[1]["archived"] = "2025-01-01T00:00:00"
    result = run_job(source)
    assert result.gather_errors == []
    packages = {extra(p, "harvest_guid"): p for p in harvested(source)}
    assert packages["dg0001"]["private"] is True
    assert packages["dg0000"]["private"] is False


def test_unknown_organisation_is_a_readable_gather_error(fault_server):
    FakeDatagouv(fault_server, count=1)
    source = make_source(fault_server.url("/"), "datagouv", {"organization": "inconnue"})
    result = run_job(source)
    assert result.status == "Finished"
    assert "Organisation ou source introuvable : inconnue" in result.gather_errors[0]
