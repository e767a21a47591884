"""Dataset, resource and organisation validation through the API (scheming + our validators)."""
from __future__ import annotations

import json

import pytest
from ckan.tests import factories, helpers

from ckanext.opendatalocale.scdl.registry import get_registry

from .glue import CKAN_MARKS, GMVA_SIREN, VANNES_INSEE, VANNES_SIREN

pytestmark = CKAN_MARKS


def _dataset(**extra):
    org = factories.Organization(siren=GMVA_SIREN)
    data = {"name": "deliberations-vannes", "title": "Délibérations", "owner_org": org["id"], "license_id": "lo-2.0"}
    data.update(extra)
    return helpers.call_action("package_create", **data)


def test_code_lists_are_validated_and_returned_as_lists():
    dataset = _dataset(
        territorial_coverage=f"{VANNES_INSEE}, 56121",
        collectivites_siren=[VANNES_SIREN, GMVA_SIREN],
        themes=["GOVE"],
        frequency="monthly",
    )
    assert dataset["territorial_coverage"] == [VANNES_INSEE, "56121"]
    assert dataset["collectivites_siren"] == [VANNES_SIREN, GMVA_SIREN]
    assert dataset["license_id"] == "lo-2.0"
    assert dataset["license_title"] == "Licence Ouverte / Open Licence 2.0"
    # Codes are indexed one by one, not as a JSON string.
    for fq in (f"territorial_coverage:{VANNES_INSEE}", f"collectivites_siren:{GMVA_SIREN}", "themes:GOVE"):
        assert helpers.call_action("package_search", fq=fq)["count"] == 1, fq
    assert helpers.call_action("package_search", fq="territorial_coverage:56999")["count"] == 0


def test_invalid_siren_gives_a_field_error():
    with pytest.raises(helpers.logic.ValidationError) as error:
        _dataset(collectivites_siren="215602609")
    assert "215602609" in error.value.error_dict["collectivites_siren"][0]
    assert "SIREN" in error.value.error_dict["collectivites_siren"][0]


def test_unknown_insee_code_gives_a_field_error():
    with pytest.raises(helpers.logic.ValidationError) as error:
        _dataset(territorial_coverage="56999")
    assert "56999" in error.value.error_dict["territorial_coverage"][0]


def test_organisation_siren_is_validated():
    org = factories.Organization(siren=f"{VANNES_SIREN[:3]} {VANNES_SIREN[3:6]} {VANNES_SIREN[6:]}")
    assert org["siren"] == VANNES_SIREN
    with pytest.raises(helpers.logic.ValidationError) as error:
        factories.Organization(siren="123456789")
    assert "siren" in error.value.error_dict


def test_temporal_coverage_end_not_before_start():
    with pytest.raises(helpers.logic.ValidationError) as error:
        _dataset(temporal_coverage_start="2025-01-01", temporal_coverage_end="2024-12-31")
    assert "temporal_coverage_end" in error.value.error_dict


def test_resource_schema_is_canonicalised_and_url_derived():
    registry = get_registry()
    latest = registry.latest("scdl/deliberations")
    dataset = _dataset(resources=[
        {"url": "http://example.com/delib.csv", "format": "CSV", "schema_name": "deliberations"},
        {"url": "http://example.com/old.csv", "schema_name": "scdl/deliberations@2.1.0"},
        {"url": "http://example.com/b.csv",
         "schema_name": "https://schema.data.gouv.fr/schemas/scdl/budget/0.8.1/schema.json"},
        {"url": "http://example.com/plain.csv", "schema_url": ""},
        {"url": "http://example.com/u.csv",
         "schema_url": "https://raw.githubusercontent.com/etalab/schema-irve/v2.2.0/statique/schema-statique.json"},
        {"url": "http://example.com/o.csv", "schema_url": "https://example.org/my-schema.json"},
        {"url": "http://example.com/c.csv", "schema_name": "scdl/budget@0.8.1", "schema_version": "0.8.2"},
    ])
    first, second, third, plain, from_url, other, explicit = dataset["resources"]
    assert (from_url["schema_name"], from_url["schema_version"]) == ("etalab/schema-irve-statique", "2.2.0")
    assert from_url["schema_url"] == registry.get("etalab/schema-irve-statique", "2.2.0").url
    # A schema from elsewhere keeps its URL and gets no registry name.
    assert other["schema_url"] == "https://example.org/my-schema.json" and "schema_name" not in other
    assert (explicit["schema_name"], explicit["schema_version"]) == ("scdl/budget", "0.8.2")
    assert (first["schema_name"], first["schema_version"]) == ("scdl/deliberations", latest)
    assert first["schema_url"] == registry.get("scdl/deliberations").url
    assert (second["schema_name"], second["schema_version"]) == ("scdl/deliberations", "2.1.0")
    assert second["schema_url"].endswith("/scdl/deliberations/2.1.0/schema.json")
    assert (third["schema_name"], third["schema_version"]) == ("scdl/budget", "0.8.1")
    assert not {"schema_name", "schema_version", "schema_url"} & set(plain)


def test_unknown_schema_name_is_a_clear_error():
    with pytest.raises(helpers.logic.ValidationError) as error:
        _dataset(resources=[{"url": "http://example.com/x.csv", "schema_name": "scdl/deliberationz"}])
    message = json.dumps(error.value.error_dict, ensure_ascii=False)
    assert "scdl/deliberationz" in message
    assert "schema_name" in message


def test_unknown_schema_version_lists_the_known_ones():
    with pytest.raises(helpers.logic.ValidationError) as error:
        _dataset(resources=[{"url": "http://example.com/x.csv", "schema_name": "scdl/deliberations",
                             "schema_version": "9.9.9"}])
    message = json.dumps(error.value.error_dict, ensure_ascii=False)
    assert "9.9.9" in message
    assert get_registry().latest("scdl/deliberations") in message


def test_version_without_schema_is_refused():
    with pytest.raises(helpers.logic.ValidationError) as error:
        _dataset(resources=[{"url": "http://example.com/x.csv", "schema_version": "2.1.0"}])
    assert "schema_version" in json.dumps(error.value.error_dict)


def test_other_features_resource_fields_survive_updates():
    dataset = _dataset(resources=[{"url": "http://example.com/x.csv", "schema_name": "scdl/deliberations"}])
    resource = dataset["resources"][0]
    helpers.call_action("resource_patch", id=resource["id"], conformity_status="valid", schema_detection="user")
    shown = helpers.call_action("resource_show", id=resource["id"])
    assert shown["conformity_status"] == "valid"
    assert shown["schema_detection"] == "user"
    assert shown["schema_name"] == "scdl/deliberations"
    # Clearing the schema (the URL too, or the name comes back from it) removes its three fields.
    helpers.call_action("resource_patch", id=resource["id"], schema_name="", schema_version="", schema_url="")
    cleared = helpers.call_action("resource_show", id=resource["id"])
    assert not {"schema_name", "schema_version", "schema_url"} & set(cleared)
