"""CSV and XLSX templates: the example row is valid against its schema."""
from __future__ import annotations

import csv
import io
import re

import frictionless
import openpyxl
import pytest

from ckanext.opendatalocale.scdl.registry import Registry
from ckanext.opendatalocale.scdl.templates_csv import (
    _luhn_ok,
    example_csv,
    example_row,
    example_value,
    header_csv,
    xlsx_template,
)

REGISTRY = Registry()
LATEST = REGISTRY.entries(latest_only=True)


@pytest.mark.parametrize("entry", LATEST, ids=[e.ref for e in LATEST])
def test_example_csv_is_valid_with_plain_frictionless(entry, tmp_path):
    (tmp_path / "example.csv").write_text(example_csv(entry), encoding="utf-8")
    resource = frictionless.Resource(path="example.csv", basepath=str(tmp_path), schema=entry.frictionless_schema())
    report = frictionless.validate(resource)
    assert report.valid, [e.message for e in report.flatten(["message"])]
    assert report.tasks[0].stats["rows"] == 1
    row = example_row(entry)
    assert all(row[name] for name in entry.required_fields)


@pytest.mark.parametrize("entry", LATEST, ids=[e.ref for e in LATEST])
def test_header_csv_is_the_field_names(entry):
    rows = list(csv.reader(io.StringIO(header_csv(entry))))
    assert rows == [entry.field_names]
    assert list(csv.reader(io.StringIO(header_csv(entry, delimiter=";")), delimiter=";")) == rows


def test_example_row_respects_identifier_and_comparison_checks():
    for entry in LATEST:
        row = example_row(entry)
        for check in entry.custom_checks:
            column = (check.get("params") or {}).get("column")
            if check["name"] in ("french-siret-value", "french-siren-value") and row.get(column):
                assert _luhn_ok(row[column]), (entry.ref, column, row[column])
    delib = example_row(REGISTRY.get("scdl/deliberations"))
    assert delib["PREF_DATE"] >= delib["DELIB_DATE"]
    assert int(delib["VOTE_REEL"]) == int(delib["VOTE_POUR"]) + int(delib["VOTE_CONTRE"]) + int(delib["VOTE_ABSTENTION"])
    # Upstream's example starts with a stray apostrophe, which the ACTES check rejects.
    assert delib["DELIB_MATIERE_NOM"].split("/")[0].lower() == "domaines de compétences par thèmes"
    dae = example_row(REGISTRY.get("atlasante/schema-dae"))
    assert _luhn_ok(dae["expt_siren"])


def test_invalid_upstream_examples_are_replaced():
    budget = {f["name"]: f for f in REGISTRY.get("scdl/budget").fields}
    assert "17 142.08" in budget["BGT_MTRAR3112"].get("examples", "")
    assert float(example_row(REGISTRY.get("scdl/budget"))["BGT_MTRAR3112"]) >= 0


@pytest.mark.parametrize(
    "descriptor, pattern",
    [
        ({"name": "rna", "type": "string", "constraints": {"required": True, "pattern": "^W\\d{9}$"}}, r"^W\d{9}$"),
        ({"name": "insee", "type": "string", "constraints": {"required": True, "pattern": "^([013-9]\\d|2[AB1-9])\\d{3}$"}}, None),
        ({"name": "codes", "type": "string", "constraints": {"required": True, "pattern": "[0-9]{5}(;[0-9]{5})*"}}, None),
        ({"name": "id", "type": "string", "example": "bad", "constraints": {"required": True, "pattern": "^FR[A-Z]{3}P\\w+$"}}, None),
    ],
)
def test_pattern_fields_without_usable_example_get_a_matching_value(descriptor, pattern):
    value = example_value(descriptor)
    assert re.fullmatch(pattern or descriptor["constraints"]["pattern"].strip("^$"), value), value


@pytest.mark.parametrize(
    "descriptor, expected",
    [
        ({"name": "e", "type": "string", "constraints": {"enum": ["un", "deux"], "required": True}}, "un"),
        ({"name": "n", "type": "integer", "constraints": {"minimum": 3, "maximum": 9}}, "3"),
        ({"name": "b", "type": "boolean", "trueValues": ["oui"], "falseValues": ["non"]}, "oui"),
        ({"name": "d", "type": "date", "format": "%d/%m/%Y"}, "15/03/2024"),
        ({"name": "g", "type": "geopoint", "format": "array"}, "[2.3522, 48.8566]"),
        ({"name": "a", "type": "array", "arrayItem": {"type": "string", "constraints": {"enum": ["x", "y"]}}}, '["x"]'),
    ],
)
def test_values_built_from_types_and_constraints(descriptor, expected):
    assert example_value(descriptor) == expected


def test_xlsx_template_has_text_cells_and_documentation():
    entry = REGISTRY.get("scdl/deliberations")
    workbook = openpyxl.load_workbook(io.BytesIO(xlsx_template(entry)))
    data, docs = workbook.worksheets
    assert [c.value for c in data[1]] == entry.field_names
    assert [c.value for c in data[2]] == [example_row(entry)[n] for n in entry.field_names]
    assert data["B2"].value == "21860194600013" and data["B2"].number_format == "@"
    assert docs.max_row == len(entry.field_names) + 1 and docs["A1"].value == "Colonne"
    blank = openpyxl.load_workbook(io.BytesIO(xlsx_template(entry, with_example=False, language="en")))
    assert blank.worksheets[0].max_row == 1 and blank.worksheets[1]["A1"].value == "Column"
