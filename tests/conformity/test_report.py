"""The report: JSON round trip, counters, row numbering, bilingual messages, hints."""
from __future__ import annotations

import json

from ckanext.opendatalocale.conformity import ENGINE_VERSION, Report, validate

SCHEMA = {
    "fields": [
        {"name": "COLL_SIRET", "type": "string", "constraints": {"required": True}},
        {"name": "montant", "type": "number"},
        {"name": "optionnel", "type": "string"},
    ],
    "custom_checks": [{"name": "french-siret-value", "params": {"column": "COLL_SIRET"}}],
}
DATA = ("montant,COLL_SIRET,extra\n"
        "12,21350238800019,a\n"
        "12,2.1e13,b\n"
        "douze,21350238800019,c\n"
        "1,,d\n").encode()


def test_report_content():
    report = validate(DATA, SCHEMA, schema_name="scdl/test", schema_version="1.0.0")
    assert report.status == "invalid"
    assert report.engine_version == ENGINE_VERSION
    assert report.rows_checked == 4
    assert dict(report.counts_by_type) == {"custom-check-error": 1, "type-error": 1, "constraint-error": 1}
    assert dict(report.counts_by_column) == {"COLL_SIRET": 2, "montant": 1}
    assert dict(report.counts_by_check) == {"siret": 1}
    siret = report.errors[0]
    # The header is row 1: "2.1e13" is on the third line of the file.
    assert (siret.row, siret.column, siret.value) == (3, "COLL_SIRET", "2.1e13")
    assert siret.message == {
        "fr": "La colonne COLL_SIRET contient un SIRET invalide à la ligne 3 : « 2.1e13 ».",
        "en": "Column COLL_SIRET contains an invalid SIRET at row 3: “2.1e13”.",
    }
    warnings = {w.code for w in report.warnings}
    assert warnings == {"missing-optional-column", "extra-column", "unordered-columns"}
    for finding in report.errors + report.warnings:
        assert finding.message["fr"] and finding.message["en"] and finding.message["fr"] != finding.message["en"]
    hints = report.hints()
    assert set(hints) == {"custom-check-error", "type-error", "constraint-error"}
    assert all(h["fr"] and h["en"] for h in hints.values())


def test_json_round_trip():
    report = validate(DATA, SCHEMA, schema_name="scdl/test", schema_version="1.0.0")
    data = json.loads(json.dumps(report.to_dict()))
    again = Report.from_dict(data)
    assert again.to_dict() == report.to_dict()
    assert data["schema"] == {"name": "scdl/test", "version": "1.0.0"}
    assert data["source"] == {"format": "csv", "encoding": "utf-8", "delimiter": ",", "bytes": len(DATA)}
    assert data["summary"]["fr"].startswith("Le fichier n'est pas conforme")


def test_only_the_first_errors_are_detailed_but_all_are_counted():
    rows = "".join("x,1\n" for _ in range(500))
    report = validate(("COLL_SIRET,montant\n" + rows).encode(), SCHEMA, max_errors=10)
    assert report.error_count == 500 and len(report.errors) == 10
    assert report.counts_by_check["siret"] == 500
    assert report.to_dict()["errors_truncated"] is True


def test_missing_required_column_is_an_error_and_optional_a_warning():
    report = validate(b"montant\n1\n", SCHEMA)
    assert dict(report.counts_by_type) == {"missing-label": 1}
    assert report.errors[0].message["en"] == "The required column COLL_SIRET is missing from the file."
    assert "optionnel" in {w.column for w in report.warnings}


def test_error_report_round_trip():
    report = validate(b"", SCHEMA)
    assert report.status == "error"
    again = Report.from_dict(json.loads(json.dumps(report.to_dict())))
    assert again.status == "error" and again.fatal.code == "empty-file"
    assert again.summary == {"fr": "Le fichier est vide.", "en": "The file is empty."}
