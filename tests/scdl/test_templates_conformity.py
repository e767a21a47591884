"""The templates the schema pages offer pass the suite's own conformity engine.

Plain frictionless validity is checked in test_templates_csv.py; here every
custom check of the SCDL runs too, on the CSV and the XLSX template, for every
schema and version the portal ships.
"""
from __future__ import annotations

import pytest

from ckanext.opendatalocale.conformity import STATUS_VALID, validate
from ckanext.opendatalocale.scdl.registry import get_registry
from ckanext.opendatalocale.scdl.templates_csv import example_csv, xlsx_template

ENTRIES = [(entry.name, entry.version) for entry in get_registry().entries()]


@pytest.mark.parametrize("name,version", ENTRIES)
def test_example_row_template_is_conformant(name, version):
    entry = get_registry().get(name, version)
    report = validate(example_csv(entry).encode("utf-8"), entry.descriptor,
                      schema_name=name, schema_version=version)
    assert report.status == STATUS_VALID, report.to_dict()["errors"][:3]


@pytest.mark.parametrize("name", sorted({name for name, _ in ENTRIES}))
def test_xlsx_template_with_example_is_conformant(name):
    entry = get_registry().get(name)
    report = validate(xlsx_template(entry, with_example=True), entry.descriptor,
                      schema_name=name, schema_version=entry.version)
    assert report.status == STATUS_VALID, report.to_dict()["errors"][:3]
