"""CSV export escaping (pure)."""
from __future__ import annotations

import csv
import io

import pytest

from ckanext.opendatalocale.dashboard.table import neutralise, to_csv


@pytest.mark.parametrize("value,expected", [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"), ("+33 1 23", "'+33 1 23"),
    ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"), ("\t=1", "'\t=1"), ("Saint-Avé", "Saint-Avé"),
    (None, ""), (42, "42"), ("a=b", "a=b"),
])
def test_neutralise(value, expected):
    assert neutralise(value) == expected


def test_csv_has_bom_delimiter_and_escaped_cells():
    columns = (("nom", lambda r: r["nom"]), ("note", lambda r: r["note"]))
    text = to_csv([{"nom": "Pluméliau-Bieuzy", "note": "=1+1; \"x\""}], columns, delimiter=";")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:]), delimiter=";"))
    assert rows == [["nom", "note"], ["Pluméliau-Bieuzy", "'=1+1; \"x\""]]
