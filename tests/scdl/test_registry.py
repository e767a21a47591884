"""The shipped SCDL registry: contents, lookups, URL resolution and version diffs."""
from __future__ import annotations

import hashlib
import json

import pytest
from frictionless import Schema

from ckanext.opendatalocale.scdl.registry import (
    SHIPPED_DIR,
    Registry,
    UnknownSchema,
    field_examples,
    get_registry,
    normalize_version,
    sort_versions,
)
from tests.helpers import fixture_path

REGISTRY = Registry()
ALL_ENTRIES = REGISTRY.entries()

SCDL_TABLE_SCHEMAS = {
    "scdl/budget", "scdl/catalogue", "scdl/deliberations", "scdl/equipements", "scdl/menus-collectifs",
    "scdl/plats-menus-collectifs", "scdl/prenoms", "scdl/subventions", "etalab/schema-irve-statique",
    "etalab/schema-irve-dynamique", "atlasante/schema-dae",
}


@pytest.mark.parametrize("entry", ALL_ENTRIES, ids=[e.ref for e in ALL_ENTRIES])
def test_every_shipped_version_loads_in_frictionless_5(entry):
    schema = Schema.from_descriptor(json.loads(entry.path.read_text(encoding="utf-8")))
    assert schema.field_names == entry.field_names
    assert entry.path.is_relative_to(SHIPPED_DIR)


def test_ships_the_eleven_scdl_table_schemas_with_every_catalogued_version():
    assert set(REGISTRY.names()) == SCDL_TABLE_SCHEMAS
    catalogue = json.loads(fixture_path("reference", "scdl", "schema-data-gouv-fr", "schemas-scdl.json").read_text())
    for upstream in catalogue["schemas"]:
        if upstream["name"] in SCDL_TABLE_SCHEMAS:
            listed = {normalize_version(v["version_name"]) for v in upstream["versions"]}
            assert set(REGISTRY.versions(upstream["name"])) == listed
    assert sum(len(REGISTRY.versions(n)) for n in REGISTRY.names()) == 52
    assert {s["name"] for s in REGISTRY.not_shipped} == {
        "etalab/schema-bal", "etalab/schema-irve", "etalab/schema-amenagements-cyclables"
    }


def test_shipped_files_are_byte_copies_of_the_reference():
    # SHA-256 of each official version, taken from schema.data.gouv.fr's files.
    official = {}
    for line in fixture_path("reference", "scdl", "SHA256SUMS").read_text().splitlines():
        digest, path = line.split(maxsplit=1)
        _dot, slug, _versions, version, _file = path.split("/")
        official[(slug, version)] = digest
    assert len(official) == len(ALL_ENTRIES)
    for entry in ALL_ENTRIES:
        shipped = hashlib.sha256(entry.path.read_bytes()).hexdigest()
        assert shipped == official[(entry.slug, entry.version)], entry.ref


def test_versions_are_sorted_semver_wise_and_latest_is_the_highest():
    assert REGISTRY.versions("scdl/menus-collectifs")[-3:] == ["1.2.1", "1.2.2", "1.2.3"]
    assert REGISTRY.latest("scdl/deliberations") == "2.1.5"
    assert sort_versions(["1.10.0", "1.9.0", "v1.2", "1.0.0-rc.1", "1.0.0"]) == [
        "1.0.0-rc.1", "1.0.0", "v1.2", "1.9.0", "1.10.0"
    ]
    latest = REGISTRY.get("scdl/deliberations")
    assert latest.is_latest and not REGISTRY.get("scdl/deliberations", "2.1.4").is_latest


def test_version_quirks_are_normalised_from_the_catalogue_not_the_json():
    prenoms = REGISTRY.get("scdl/prenoms")
    assert (prenoms.version, prenoms.declared_version) == ("1.1.6", "v1.1.6")
    irve = REGISTRY.get("etalab/schema-irve-statique")
    assert (irve.version, irve.declared_version) == ("2.3.1", "v2.3.0")
    assert irve.url == "https://schema.data.gouv.fr/schemas/etalab/schema-irve-statique/2.3.1/schema-statique.json"
    assert REGISTRY.get("scdl/prenoms", "v1.1.5").version == "1.1.5"
    assert normalize_version("latest") is None and normalize_version("0.7") == "0.7.0"


def test_entry_metadata_labels_checks_and_documentation():
    entry = REGISTRY.get("deliberations")
    assert entry.name == "scdl/deliberations" and entry.slug == "deliberations"
    assert entry.label == {"fr": "Délibérations", "en": "Council deliberations"}
    assert entry.required_fields == [
        "COLL_NOM", "COLL_SIRET", "DELIB_ID", "DELIB_DATE", "DELIB_MATIERE_CODE", "DELIB_MATIERE_NOM", "DELIB_OBJET"
    ]
    assert {c["name"] for c in entry.custom_checks} >= {"french-siret-value", "nomenclature-actes-value"}
    assert entry.examples[0]["url"].endswith("Deliberations_ok.csv")
    docs = {d["name"]: d for d in entry.documentation()}
    assert docs["COLL_SIRET"]["constraints"] == {"pattern": "^\\d{14}$"}
    assert docs["COLL_SIRET"]["required"] is True and docs["COLL_SIRET"]["examples"] == ["21860194600013"]
    # budget writes "examples" (a string) instead of "example": both are read.
    budget_docs = REGISTRY.get("scdl/budget").documentation()
    assert all(d["examples"] for d in budget_docs if d["name"] == "BGT_SIRET")
    assert field_examples({"examples": '["a","b"]'}) == ['["a","b"]']
    assert field_examples({"example": True}) == ["true"]


@pytest.mark.parametrize(
    "ref, name, version",
    [
        ("scdl/deliberations", "scdl/deliberations", "2.1.5"),
        ("deliberations", "scdl/deliberations", "2.1.5"),
        ("Deliberations", "scdl/deliberations", "2.1.5"),
        ("scdl/deliberations@2.1.3", "scdl/deliberations", "2.1.3"),
        ("deliberations@v2.1.3", "scdl/deliberations", "2.1.3"),
        ("irve-statique", "etalab/schema-irve-statique", "2.3.1"),
        ("schema-dae@1.0.7", "atlasante/schema-dae", "1.0.7"),
        ("scdl/prenoms@latest", "scdl/prenoms", "1.1.6"),
        ("https://schema.data.gouv.fr/schemas/scdl/deliberations/2.1.3/schema.json", "scdl/deliberations", "2.1.3"),
        ("https://schema.data.gouv.fr/schemas/scdl/deliberations/latest/schema.json", "scdl/deliberations", "2.1.5"),
        ("https://schema.data.gouv.fr/scdl/deliberations/2.1.3/", "scdl/deliberations", "2.1.3"),
        ("https://schema.data.gouv.fr/scdl/deliberations/2.1.3", "scdl/deliberations", "2.1.3"),
        ("http://schema.data.gouv.fr/scdl/deliberations/?utm_source=x#doc", "scdl/deliberations", "2.1.5"),
        ("schema.data.gouv.fr/scdl/subventions/2.0.1/", "scdl/subventions", "2.0.1"),
        (
            "https://schema.data.gouv.fr/schemas/etalab/schema-irve-statique/2.3.0/schema-statique.json",
            "etalab/schema-irve-statique", "2.3.0",
        ),
        (
            "https://raw.githubusercontent.com/etalab/schema-irve/v2.3.1/statique/schema-statique.json",
            "etalab/schema-irve-statique", "2.3.1",
        ),
        (
            "https://raw.githubusercontent.com/etalab/schema-irve/v2.3.0/dynamique/schema-dynamique.json?raw=1",
            "etalab/schema-irve-dynamique", "2.3.0",
        ),
        (
            "https://raw.githubusercontent.com/etalab/schema-irve/refs/heads/master/dynamique/schema-dynamique.json",
            "etalab/schema-irve-dynamique", "2.3.1",
        ),
        (
            "https://github.com/etalab/schema-irve/blob/v2.2.1/statique/schema-statique.json",
            "etalab/schema-irve-statique", "2.2.1",
        ),
        ("https://gitlab.com/opendatafrance/scdl/deliberations/-/raw/v2.1.3/schema.json", "scdl/deliberations", "2.1.3"),
        ("https://gitlab.com/opendatafrance/scdl/deliberations/-/raw/master/schema.json", "scdl/deliberations", "2.1.5"),
        ("https://gitlab.com/opendatafrance/scdl/budget/raw/v0.8.3/schema.json", "scdl/budget", "0.8.3"),
        ("http://gitlab.com/opendatafrance/scdl/menus-collectifs/-/raw/1.2.2/schema.json/", "scdl/menus-collectifs", "1.2.2"),
        ("https://git.opendatafrance.net/scdl/subventions/raw/v2.0.2/schema.json", "scdl/subventions", "2.0.2"),
        ("https://gitlab.com/arsante/atlasante/schema-dae/raw/1.0.7/schema.json", "atlasante/schema-dae", "1.0.7"),
        ("https://gitlab.com/opendatafrance/scdl/prenoms.git", "scdl/prenoms", "1.1.6"),
        ("https://gitlab.com/opendatafrance/scdl/plats-menus-collectifs/raw/0.7/schema.json", "scdl/plats-menus-collectifs", "0.7.0"),
    ],
)
def test_resolve(ref, name, version):
    entry = REGISTRY.resolve(ref)
    assert entry is not None, ref
    assert (entry.name, entry.version) == (name, version)


@pytest.mark.parametrize(
    "ref",
    [
        "",
        "scdl/marches-publics",
        "deliberations@9.9.9",
        "https://schema.data.gouv.fr/schemas/scdl/deliberations/9.9.9/schema.json",
        "https://schema.data.gouv.fr/schemas/etalab/schema-lieux-covoiturage/0.2.4/schema.json",
        "https://gitlab.com/opendatafrance/scdl/deliberations/-/raw/v7.0.0/schema.json",
        "https://gitlab.com/someone/else/-/raw/v1.0.0/schema.json",
        "https://example.org/scdl/deliberations/2.1.3/schema.json",
        # Both IRVE 2.2.1 schemas claim this path upstream: ambiguous, so not guessed.
        "https://github.com/etalab/schema-irve/raw/v2.2.1/schema.json",
    ],
)
def test_resolve_unknown_gives_none(ref):
    assert REGISTRY.resolve(ref) is None


def test_unknown_name_and_version_raise_bilingual_errors():
    with pytest.raises(UnknownSchema) as unknown_name:
        REGISTRY.get("scdl/marches-publics")
    assert unknown_name.value.code == "unknown-schema"
    assert "marches-publics" in unknown_name.value.message["fr"] and "Unknown schema" in unknown_name.value.message["en"]
    with pytest.raises(UnknownSchema) as unknown_version:
        REGISTRY.get("scdl/deliberations", "3.0.0")
    error = unknown_version.value
    assert error.code == "unknown-schema-version"
    assert "Version inconnue" in error.message["fr"] and "2.1.5" in error.message["fr"]
    assert "3.0.0" in error.message["en"] and error.known_versions[-1] == "2.1.5"
    with pytest.raises(LookupError):
        REGISTRY.versions("nope")


def test_changes_between_versions():
    changes = REGISTRY.get("scdl/subventions", "2.1.1").changes_from(REGISTRY.get("scdl/subventions", "2.0.2"))
    assert changes.from_version == "2.0.2" and changes.to_version == "2.1.1"
    assert {c["name"] for c in changes.checks_added} == {"one-of-required"}
    old = set(REGISTRY.get("scdl/subventions", "1.1.0").field_names)
    new = set(REGISTRY.get("scdl/subventions", "2.1.1").field_names)
    big = REGISTRY.get("scdl/subventions", "2.1.1").changes_from(REGISTRY.get("scdl/subventions", "1.1.0"))
    assert set(big.added) == new - old and set(big.removed) == old - new and big.added
    same = REGISTRY.get("scdl/budget").changes_from(REGISTRY.get("scdl/budget"))
    assert same.is_empty
    json.dumps(big.as_dict())  # the API returns it as is


def test_changes_report_constraint_edits_field_by_field():
    entry = REGISTRY.get("scdl/prenoms")
    edited = json.loads(json.dumps(entry.descriptor))
    edited["fields"][0]["constraints"]["pattern"] = "^[0-9]{5}$"
    edited["fields"][1]["type"] = "integer"
    from dataclasses import replace

    changed = replace(entry, version="9.0.0", descriptor=edited).changes_from(entry)
    by_name = {c.name: c.changes for c in changed.changed}
    assert by_name[edited["fields"][0]["name"]]["constraints.pattern"][1] == "^[0-9]{5}$"
    assert by_name[edited["fields"][1]["name"]]["type"] == ("string", "integer")


def test_get_registry_is_cached_and_survives_a_broken_store(tmp_path):
    assert get_registry() is get_registry()
    (tmp_path / "catalog.json").write_text("{not json", encoding="utf-8")
    registry = get_registry(tmp_path)
    assert registry.store_error and registry.latest("scdl/deliberations") == "2.1.5"
