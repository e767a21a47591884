"""Harvested datasets pass the portal's scheming schema (schemas/dataset.yaml)."""
from __future__ import annotations

import pytest

from tests.harvesters.conftest import (
    HARVEST_CONFIG_MARKS, HARVEST_PLUGINS, SUBVENTIONS_FIELDS, FakeCatalogue, FakeDatagouv, FakeOds)
from tests.harvesters.lib import harvested, make_source, run_job

pytestmark = [mark for mark in HARVEST_CONFIG_MARKS if mark.args[:1] != ("ckan.plugins",)] + [
    pytest.mark.ckan_config("ckan.plugins", HARVEST_PLUGINS + " opendatalocale_scdl scheming_datasets"
                                                             " scheming_organizations"),
    pytest.mark.ckan_config("scheming.dataset_schemas", "ckanext.opendatalocale.schemas:dataset.yaml"),
    pytest.mark.ckan_config("scheming.organization_schemas", "ckanext.opendatalocale.schemas:organization.yaml"),
    pytest.mark.ckan_config("scheming.presets",
                            "ckanext.scheming:presets.json ckanext.opendatalocale.schemas:presets.yaml"),
]


def test_ods_datagouv_and_catalogue_datasets_validate_and_stay_unchanged(fault_server):
    ods = FakeOds(fault_server, count=2)
    ods.datasets[0]["fields"] = [{"name": n.lower(), "label": n, "type": "text"} for n in SUBVENTIONS_FIELDS]
    ods.datasets[0]["metas"]["dcat"] = {"contact_email": "pas une adresse", "contact_name": "Service SIG"}
    FakeDatagouv(fault_server, count=2)
    FakeCatalogue(fault_server, count=2)
    sources = [make_source(fault_server.url("/"), "ods", {"siren": "215602608"}),
               make_source(fault_server.url("/fr/organizations/ville-de-vannes/"), "datagouv"),
               make_source(fault_server.url("/catalogue.csv"), "file", {"catalogue": True})]

    for source in sources:
        result = run_job(source)
        assert result.object_errors == [] and result.gather_errors == [], result
        packages = harvested(source)
        assert len(packages) == 2
        assert all(p["collectivites_siren"] == ["215602608"] for p in packages)
        assert all(p["harvest_source_type"] in ("ods", "datagouv", "scdl-catalogue") for p in packages)
        assert set(run_job(source).statuses.values()) == {"not modified"}

    ods_first = harvested(sources[0])[0]
    assert ods_first["modified"] == "2024-01-01"
    assert ods_first["contact_name"] == "Service SIG" and not ods_first.get("contact_email")
    assert ods_first["resources"][0]["schema_name"] == "scdl/subventions"
