"""Run the converter on a case (spreadsheet + conformant truth) and measure it against the truth."""
from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from ckanext.opendatalocale.convert import core
from ckanext.opendatalocale.scdl.registry import get_registry

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "convert"


def manifest(folder: str) -> list[dict]:
    return json.loads((FIXTURES / folder / "MANIFEST.json").read_text(encoding="utf-8"))["cases"]


@dataclass
class Outcome:
    wrong_columns: list[tuple[str, str | None, str | None]]
    equal_ratio: float
    conversion: core.Conversion
    differences: list[tuple[int, str, str, str]]


def _same(expected: str, got: str) -> bool:
    if expected == got:
        return True
    try:  # 47.633990 and 47.63399 are the same coordinate
        return Decimal(expected) == Decimal(got)
    except (InvalidOperation, ValueError):
        return False


def read_csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"))))


def run_case(folder: str, case: dict) -> Outcome:
    entry = get_registry().get(case["schema"])
    path = FIXTURES / folder / case["file"]
    table = core.read_table(path.read_bytes(), path.name)
    mapping = core.suggest(table, entry.descriptor)
    wrong = [(c.header, case["columns"].get(c.header), c.field) for c in mapping.columns
             if c.field != case["columns"].get(c.header)]
    result = core.convert(table, entry.descriptor, mapping, schema_name=entry.name, schema_version=entry.version)
    out = read_csv(result.csv_bytes)
    truth = read_csv((FIXTURES / folder / case["truth"]).read_bytes())
    assert len(out) == len(truth), (len(out), len(truth))
    total = equal = 0
    differences = []
    for number, (expected_row, got_row) in enumerate(zip(truth[1:], out[1:]), start=2):
        got = dict(zip(out[0], got_row))
        for name, expected in zip(truth[0], expected_row):
            total += 1
            if _same(expected, got.get(name, "")):
                equal += 1
            else:
                differences.append((number, name, expected, got.get(name, "")))
    return Outcome(wrong, equal / total, result, differences)
