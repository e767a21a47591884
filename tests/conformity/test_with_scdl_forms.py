"""Conformity beside the SCDL forms (scheming dataset schema, opendatalocale_scdl), as portals run it."""
from __future__ import annotations

import pytest

from ckan.tests import factories, helpers

from tests.scdl.glue import GMVA_SIREN

from .glue import INVALID, QUEUE, SCHEMA, VALID, VERSION, clean_queue, queued, run_jobs, sample_bytes  # noqa: F401

pytestmark = [
    pytest.mark.ckan_config("ckan.plugins", "opendatalocale_search opendatalocale_scdl scheming_datasets "
                                            "scheming_organizations opendatalocale_conformity"),
    pytest.mark.ckan_config("scheming.dataset_schemas", "ckanext.opendatalocale.schemas:dataset.yaml"),
    pytest.mark.ckan_config("scheming.organization_schemas", "ckanext.opendatalocale.schemas:organization.yaml"),
    pytest.mark.ckan_config("scheming.presets",
                            "ckanext.scheming:presets.json ckanext.opendatalocale.schemas:presets.yaml"),
    pytest.mark.ckan_config("ckanext.opendatalocale.conformity.queue", QUEUE),
    pytest.mark.usefixtures("with_plugins", "odl_db", "with_test_worker", "clean_queue"),
]


def _dataset():
    org = factories.Organization(siren=GMVA_SIREN)
    return helpers.call_action("package_create", name="subventions-gmva", title="Subventions",
                               owner_org=org["id"], license_id="lo-2.0")


def test_the_summary_survives_scheming_and_edits(create_with_upload):
    dataset = _dataset()
    resource = create_with_upload(sample_bytes(INVALID), INVALID, package_id=dataset["id"],
                                  schema_name=SCHEMA, schema_version=VERSION)
    assert queued() == 1
    run_jobs()
    shown = helpers.call_action("resource_show", id=resource["id"])
    assert shown["conformity_status"] == "invalid"
    helpers.call_action("resource_patch", id=resource["id"], description="Mise à jour")
    helpers.call_action("package_patch", id=dataset["id"], notes="Subventions versées")
    assert queued() == 0
    assert helpers.call_action("resource_show", id=resource["id"])["conformity_status"] == "invalid"
    create_with_upload(sample_bytes(VALID), VALID, action="resource_patch", id=resource["id"])
    assert queued() == 1
    run_jobs()
    assert helpers.call_action("resource_show", id=resource["id"])["conformity_status"] == "valid"


def test_the_resource_page_shows_both_features(app, create_with_upload):
    dataset = _dataset()
    resource = create_with_upload(sample_bytes(VALID), VALID, package_id=dataset["id"],
                                  schema_name=SCHEMA, schema_version=VERSION)
    run_jobs()
    page = app.get(f"/dataset/{dataset['name']}/resource/{resource['id']}")
    assert page.status_code == 200
    assert 'data-conformity="valid"' in page.body
    report = app.get(f"/conformite/resource/{resource['id']}")
    assert "/scdl/subventions" in report.body
