"""CKAN and DCAT harvesters end to end, on recorded DCAT samples."""
from __future__ import annotations

import json

from ckan.tests import factories

from tests.harvesters.conftest import HARVEST_CONFIG_MARKS, FakeCkan
from tests.harvesters.lib import extra, guids, harvested, make_source, run_job
from tests.helpers import fixture_path
from tests.http_server import Reply

pytestmark = HARVEST_CONFIG_MARKS

DCAT = fixture_path("samples", "harvest", "dcat")


def test_ckan_schema_detection_and_organisation_siren_mapping(fault_server):
    fake = FakeCkan(fault_server, count=2)
    fake.datasets[0]["resources"][0]["schema"] = (
        "https://schema.data.gouv.fr/schemas/scdl/deliberations/2.1.3/schema.json")
    fake.datasets[1]["resources"][0]["conforms_to"] = "http://www.opengis.net/def/crs/EPSG/0/2154"
    fake.datasets[1]["notes"] = "Voir https://schema.data.gouv.fr/scdl/subventions/2.1.1/ pour le format"
    target = factories.Organization()
    source = make_source(fault_server.url("/"), "ckan", {
        "organisation_mapping": {"ville-de-lorient": target["name"]},
        "siren_mapping": {"ville-de-lorient": ["215601212"]}})

    result = run_job(source)

    assert result.gather_errors == [] and result.object_errors == []
    first, second = harvested(source)
    assert guids([first, second]) == ["ckan-0000", "ckan-0001"]
    assert first["owner_org"] == target["id"]
    assert json.loads(extra(first, "collectivites_siren")) == ["215601212"]
    assert first["license_id"] == "odc-odbl"
    resource = first["resources"][0]
    assert (resource["schema_name"], resource["schema_version"], resource["schema_detection"]) == (
        "scdl/deliberations", "2.1.3", "declared")
    # The CRS is no schema; the URL in the description is.
    other = second["resources"][0]
    assert (other["schema_name"], other["schema_detection"]) == ("scdl/subventions", "metadata-url")


def test_dcat_rdfxml_conforms_to_with_false_positives_filtered(fault_server):
    fault_server.route("/catalog.rdf", Reply.file(DCAT / "bnodes_conformsTo-schema-data-gouv.rdf.xml"))
    source = make_source(fault_server.url("/catalog.rdf"), "dcat")

    result = run_job(source)

    assert result.gather_errors == [] and result.object_errors == []
    packages = {extra(p, "harvest_guid"): p for p in harvested(source)}
    assert set(packages) == {"1", "2", "3"}
    irve = packages["3"]["resources"][0]
    assert (irve["schema_name"], irve["schema_version"], irve["schema_detection"]) == (
        "etalab/schema-irve-statique", "2.2.0", "declared")
    assert packages["3"]["license_id"] == "lo-2.0"
    # Version 1337.42.0 does not exist, example.org/schema.json is not a known schema.
    assert not any(r.get("schema_name") for r in packages["2"]["resources"])


def test_dcat_geodcat_crs_is_not_a_schema(fault_server):
    fault_server.route("/record.rdf", Reply.file(DCAT / "datara--5a26b0f6-0ccf-46ad-ac58-734054b91977.rdf.xml"))
    source = make_source(fault_server.url("/record.rdf"), "dcat")
    assert run_job(source).object_errors == []
    [package] = harvested(source)
    assert package["title"].startswith("Campings")
    assert not any(r.get("schema_name") for r in package["resources"])


def test_dcat_jsonld_hydra_paging(fault_server):
    for page in (1, 2):
        body = (DCAT / f"hydra_partial-collection-{page}.jsonld").read_text()
        fault_server.route(f"/catalog.jsonld?page={page}",
                           Reply.text(body.replace("http://data.test.org/", fault_server.url("/")),
                                      "application/ld+json"))
    source = make_source(fault_server.url("/catalog.jsonld?page=1"), "dcat")

    result = run_job(source)

    assert result.gather_errors == []
    assert guids(harvested(source)) == ["1", "2", "3", "4"]
    assert len(fault_server.requests_to("/catalog.jsonld")) == 2
    assert set(run_job(source).statuses.values()) == {"not modified"}


def test_dcat_invalid_turtle_sample_is_a_readable_error(fault_server):
    # ckanext-dcat's example uses a prefix it never declares.
    fault_server.route("/dataset.ttl", Reply.file(DCAT / "ckanext-dcat_dataset.ttl"))
    source = make_source(fault_server.url("/dataset.ttl"), "dcat")
    result = run_job(source)
    assert result.status == "Finished"
    # The parser's reason and line, never the fetched body.
    assert "Le document RDF" in result.gather_errors[0] and "BadSyntax, l. 158" in result.gather_errors[0]
    assert "healthdcatap" not in result.gather_errors[0]
