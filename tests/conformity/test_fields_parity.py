"""The fast cell readers give frictionless's verdicts, cell by cell.

For every field of every shipped SCDL schema, a set of tricky cells is read
both by the engine's reader and by frictionless's own
``Field.create_cell_reader()``; value and problems must be identical.
"""
from __future__ import annotations

import random

import pytest
from frictionless import Schema

from ckanext.opendatalocale.conformity.fields import compile_reader, frictionless_reader, missing_values_of

from .conftest import schema_for

SLUGS = ["budget", "catalogue", "deliberations", "equipements", "menus-collectifs", "plats-menus-collectifs",
         "prenoms", "subventions", "irve-statique", "irve-dynamique", "dae"]

TRICKY = [
    "", " ", "0", "1", "-1", "+1", " 7 ", "1.0", "1,5", "1e3", "2.1e13", "NaN", "inf", "1_000", "٣", "00012",
    "0.01", "1.00001", "100000000000000000000", "oui", "non", "true", "false", "True", "OUI",
    "2020-01-31", "2020-02-30", "2020-1-5", "0000-01-01", "31/01/2020", "2020-01-31T10:00:00Z", "2020-01-31 10:00:00",
    "10:00:00", "2024", "24", "20245", "[]", '["a","b"]', "[1, 2]", "{}", "2.3,48.1", "[2.3, 48.1]",
    "a@b.fr", "not an email", "https://example.org/x", "example.org", "W123456789", "21350238800019",
    "aide en numéraire", "Aide en numéraire", "x" * 300, "é", "\x00", "line\n", "12345\n",
]


def _fields():
    for slug in SLUGS:
        descriptor = {k: v for k, v in schema_for(slug).items() if k != "custom_checks"}
        schema = Schema.from_descriptor(descriptor)
        for field in schema.fields:
            yield pytest.param(field, list(schema.missing_values), id=f"{slug}:{field.name}")


def _examples(field) -> list[str]:
    found = []
    for key in ("example", "examples"):
        value = field.to_descriptor().get(key)
        if isinstance(value, str):
            found.append(value)
    for item in field.constraints.get("enum", []) or []:
        found.append(str(item))
    return found


@pytest.mark.parametrize("field,schema_missing", list(_fields()))
def test_reader_matches_frictionless(field, schema_missing):
    ours = compile_reader(field, missing_values_of(field, schema_missing))
    reference = frictionless_reader(field)
    rng = random.Random(field.name)
    cells = TRICKY + _examples(field) + ["".join(rng.choice("0123456789-.,/ aéW") for _ in range(rng.randrange(1, 12)))
                                         for _ in range(200)]
    for cell in cells:
        # repr: Decimal("NaN") is not equal to itself
        assert repr(ours(cell)) == repr(reference(cell)), (field.name, cell)


def test_non_text_cells_go_through_frictionless():
    schema = Schema.from_descriptor({"fields": [{"name": "n", "type": "integer", "constraints": {"minimum": 2}}]})
    field = schema.fields[0]
    ours = compile_reader(field, [""])
    assert ours(5) == (5, None)
    assert ours(1) == (1, ("minimum",))
    assert ours(True)[1] == ("type",)
