"""Write the SCDL file: every row through its fields' normalisers, then the conformity engine.

Rows stream from the table to the output; only counters, a few before/after
examples per field and the first unconverted values are kept, so memory stays
flat whatever the number of rows.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any, Mapping as TMapping

from ckanext.opendatalocale.conformity.engine import validate
from ckanext.opendatalocale.conformity.readers import Limits

from . import normalise
from .mapping import Mapping, field_checks
from .messages import render
from .tables import ConvertError, Table

EXAMPLES_PER_FIELD = 3
UNCONVERTED_KEPT = 1000


@dataclass
class Conversion:
    csv_bytes: bytes
    fields: list[str]
    rows: int = 0
    changed_cells: dict[str, int] = field(default_factory=dict)
    examples: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    unconverted: list[tuple[int, str, str, str, str, str]] = field(default_factory=list)
    unconverted_count: int = 0
    constants: dict[str, str] = field(default_factory=dict)
    report: dict[str, Any] = field(default_factory=dict)

    @property
    def conforms(self) -> bool:
        return self.report.get("status") == "valid"

    def to_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "fields": self.fields,
            "conforms": self.conforms,
            "changed_cells": dict(self.changed_cells),
            "examples": {k: [list(pair) for pair in v] for k, v in self.examples.items()},
            "unconverted": [
                {"row": r, "column": c, "field": f, "value": v, "reason": {"fr": fr, "en": en}}
                for r, c, f, v, fr, en in self.unconverted
            ],
            "unconverted_count": self.unconverted_count,
            "constants": dict(self.constants),
            "report": self.report,
        }


def _replacements(rules: TMapping[str, dict] | None, name: str) -> dict[str, str]:
    replace = ((rules or {}).get(name) or {}).get("replace") or {}
    return {str(k): str(v) for k, v in replace.items()} if isinstance(replace, dict) else {}


class _Column:
    """One output field fed by a column: its normaliser, run once per distinct cell.

    Office tables repeat their values (a commune's name, a few dates, Oui/Non),
    so the outcome of each distinct cell (converted text, problem, text as the
    agent typed it, changed or not) is kept, up to :data:`normalise.MEMO_SIZE`
    cells; a column whose sample never repeats a value (references, amounts) keeps none.
    """

    __slots__ = ("name", "index", "normaliser", "replace", "cache", "room", "changed", "examples", "wants_examples")

    def __init__(self, name: str, index: int, normaliser: normalise.Normaliser, replace: dict[str, str],
                 samples: list[Any]):
        self.name, self.index, self.normaliser, self.replace = name, index, normaliser, replace
        self.cache: dict[Any, tuple[str, Any, str, bool]] = {}
        distinct = len({normalise.cell_key(cell) for cell in samples})
        self.room = normalise.MEMO_SIZE if distinct < len(samples) or len(samples) < 50 else 0
        self.changed = 0
        self.examples: list[tuple[str, str]] = []
        self.wants_examples = True

    def outcome(self, cell: Any) -> tuple[str, Any, str, bool]:
        key = normalise.cell_key(cell)
        if self.replace:  # a recipe's value rule: this exact text stands for that value
            cell = self.replace.get(normalise.cell_text(cell), cell)
        before = normalise.cell_text(cell)
        value, problem = self.normaliser(cell)
        found = (value, problem, before, problem is None and value != before)
        if self.room:
            self.cache[key] = found
            self.room -= 1
        return found

    def add_example(self, pair: tuple[str, str]) -> None:
        self.examples.append(pair)
        self.wants_examples = len(self.examples) < EXAMPLES_PER_FIELD


def convert(table: Table, schema: TMapping[str, Any], mapping: Mapping, constants: TMapping[str, str] | None = None,
            *, value_rules: TMapping[str, dict] | None = None, schema_name: str | None = None,
            schema_version: str | None = None, limits: Limits | None = None) -> Conversion:
    fields = [f for f in schema.get("fields") or []]
    names = [str(f.get("name")) for f in fields]
    constants = {str(k): str(v) for k, v in (constants or {}).items()}
    for name in constants:
        if name not in names:
            raise ConvertError("unknown-field", field=name)
    checks = field_checks(schema)
    by_field = mapping.fields
    # Per output field: its column; the index of a column written as it is (a field with no rule);
    # or the constant text written on every row.
    plan: list[_Column | int | str] = []
    result = Conversion(csv_bytes=b"", fields=names)
    for descriptor, name in zip(fields, names):
        index = by_field.get(name)
        samples = table.column_sample(index) if index is not None else []
        rule = dict((value_rules or {}).get(name) or {})
        style = rule.get("number_style")
        convert_value = normalise.compile_field(descriptor, checks.get(name, set()),
                                                samples if style is None else ([] if style == "fr" else ["1,234.5"]),
                                                memo=False)
        replace = _replacements(value_rules, name)
        if index is not None and convert_value is normalise.as_text and not replace:
            plan.append(index)
            continue
        if index is not None:
            plan.append(_Column(name, index, convert_value, replace, samples))
            continue
        constant = ""
        if constants.get(name, "") != "":
            constant, _problem = convert_value(constants[name])
            result.constants[name] = constant
        plan.append(constant)

    headers = table.headers
    unconverted = result.unconverted
    count = 0
    buffer = io.BytesIO()
    text = io.TextIOWrapper(buffer, encoding="utf-8", newline="", write_through=False)
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(names)
    cell_key, cell_text = normalise.cell_key, normalise.cell_text
    for number, cells in table.numbered_rows():  # type: ignore[attr-defined]
        count += 1
        out = []
        for column in plan:
            kind = column.__class__
            if kind is str:
                out.append(column)
                continue
            if kind is int:
                cell = cells[column]
                out.append(cell.strip() if cell.__class__ is str else cell_text(cell))
                continue
            cell = cells[column.index]
            found = column.cache.get(cell if cell.__class__ is str else cell_key(cell))
            value, problem, before, changed = found if found is not None else column.outcome(cell)
            if changed:
                column.changed += 1
                if column.wants_examples and (before, value) not in column.examples:
                    column.add_example((before, value))
            elif problem is not None:
                result.unconverted_count += 1
                if len(unconverted) < UNCONVERTED_KEPT:
                    fr, en = render(problem[0], **problem[1])
                    unconverted.append((number, headers[column.index], column.name, before, fr, en))
            out.append(value)
        writer.writerow(out)
    text.flush()
    result.csv_bytes = buffer.getvalue()
    text.detach()
    result.rows = count
    columns = [c for c in plan if isinstance(c, _Column)]
    result.changed_cells = {c.name: c.changed for c in columns if c.changed}
    result.examples = {c.name: c.examples for c in columns if c.examples}
    report = validate(result.csv_bytes, schema, schema_name=schema_name, schema_version=schema_version,
                      limits=limits or Limits())
    result.report = report.to_dict()
    return result
