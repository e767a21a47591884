"""The engine's verdicts agree with validata-table 0.12.5 on every sample file.

Validata's verdicts and error counts were recorded in
tests/fixtures/docs/scdl-validation-results.json (scdl-examples) and, for the
plain-file samples, by running validata-table 0.12.5 (its own virtualenv, see
bench/bench_validation.py) against scdl/subventions 2.1.1; they are written
out below.
"""
from __future__ import annotations

import json

import pytest

from ckanext.opendatalocale.conformity import validate
from tests.helpers import fixture_path

from .conftest import sample, schema_for


def _recorded_rows() -> list[dict]:
    path = fixture_path("docs", "scdl-validation-results.json")
    return json.loads(path.read_text(encoding="utf-8"))["rows"]


# Where our report deliberately differs from Validata's, and why.
DISAGREEMENTS = {
    # Validata raises "cannot decode" (no verdict at all). We decode what can be
    # decoded, report the broken characters as an encoding-error and check the
    # rest: the file is an old menus layout, so 3 required columns are missing.
    "menus-collectifs/validata-tests/mini-menus-collectifs_invalide.utf-16.csv": {
        "encoding-error": 1,
        "missing-label": 3,
    },
    # Same verdict (not conformant); Validata files frictionless's refusal under
    # the generic type "error", we name it "duplicate-label".
    "subventions/exemple-duplicate-column.csv": {"duplicate-label": 1},
}


@pytest.mark.parametrize("row", _recorded_rows(), ids=lambda row: row["file"])
def test_scdl_examples_agree_with_validata(row):
    path = sample("scdl-examples", row["file"])
    slug = row["file"].split("/")[0]
    report = validate(path, schema_for(slug))
    recorded = row["validata"]
    counts = dict(report.counts_by_type)
    if row["file"] in DISAGREEMENTS:
        assert report.status == "invalid"
        assert counts == DISAGREEMENTS[row["file"]]
        return
    assert report.valid is recorded[0]
    assert counts == recorded[1]


def test_every_manifest_data_file_is_covered():
    manifest = json.loads(sample("scdl-examples", "MANIFEST.json").read_text(encoding="utf-8"))
    recorded = {row["file"] for row in _recorded_rows()}
    observed = {entry["file"] for entry in manifest if "observed" in entry}
    assert observed <= recorded


PLAIN_FILES = {
    # file: (Validata 0.12.5 verdict, its error counts)
    "antibes_subventions_exemple-valide.csv": (True, {}),
    "haute-garonne_datalocale_subventions_commune-de-roques.csv": (
        False, {"constraint-error": 143, "one-of-required": 1}),
    "somme_conventions-subventions_cp1252.csv": (
        False, {"missing-label": 2, "type-error": 22, "constraint-error": 11}),
    # Validata crashes on this one (ValueError: 'unmatched-header' is not a
    # valid ErrType): none of its old SCDL v1 columns is a subventions 2.1.1
    # column. Plain frictionless with schema_sync reports unmatched-header + 11
    # missing-label; Validata's one-of-required rule adds one error because
    # both idBeneficiaire and rnaBeneficiaire are absent.
    "poitiers_subventions-associations-2017_scdl-v1.csv": (
        False, {"unmatched-header": 1, "missing-label": 11, "one-of-required": 1}),
}


@pytest.mark.parametrize("name", sorted(PLAIN_FILES))
def test_plain_files_agree_with_validata(name, subventions_schema):
    path = sample("harvest", "plain-file", name)
    valid, counts = PLAIN_FILES[name]
    report = validate(path, subventions_schema)
    assert report.valid is valid
    assert dict(report.counts_by_type) == counts


def test_cp1252_plain_file_is_detected(subventions_schema):
    report = validate(sample("harvest", "plain-file", "somme_conventions-subventions_cp1252.csv"), subventions_schema)
    assert report.source.encoding == "cp1252"
    assert report.source.delimiter == ";"


def test_official_invalid_example_reports_siret_errors_in_plain_words(subventions_schema):
    report = validate(sample("scdl-examples", "subventions", "exemple_invalide_erreurs_cellules.csv"),
                      subventions_schema, max_errors=1000)
    siret = [e for e in report.errors if e.check == "siret"]
    assert len(siret) == 49
    first = siret[0]
    assert "SIRET invalide" in first.message["fr"] and f"ligne {first.row}" in first.message["fr"]
    assert "invalid SIRET" in first.message["en"] and f"row {first.row}" in first.message["en"]
