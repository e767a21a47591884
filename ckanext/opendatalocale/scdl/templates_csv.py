"""Blank and example templates (CSV, XLSX) for a schema entry.

The example row is built field by field from the schema's own examples, then
enum values, then values generated from the type and constraints (including a
string matching the ``pattern``). Every candidate is checked with frictionless'
own cell reader, so the row is valid against the Table Schema. Custom checks
(SIRET checksums, column comparisons) are the conformity engine's business.
"""
from __future__ import annotations

import csv
import io
import json
import re
from datetime import date, datetime, time
from typing import Any, Iterator, Mapping

from .registry import SchemaEntry, field_examples

try:  # Python 3.11 moved the regex parser; both expose the same tree.
    from re import _constants as _sre_constants  # type: ignore[attr-defined]
    from re import _parser as _sre_parser  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover
    import sre_constants as _sre_constants  # type: ignore[no-redef]
    import sre_parse as _sre_parser  # type: ignore[no-redef]

_SAMPLE_DATE = date(2024, 3, 15)
_SAMPLE_DATETIME = datetime(2024, 3, 15, 12, 0, 0)
_LON, _LAT = 2.3522, 48.8566


def header_csv(entry: SchemaEntry, delimiter: str = ",") -> str:
    """A CSV with the header row only."""
    return _write_csv([entry.field_names], delimiter)


def example_csv(entry: SchemaEntry, delimiter: str = ",") -> str:
    """A CSV with the header row and one example row valid against the schema."""
    row = example_row(entry)
    return _write_csv([entry.field_names, [row[name] for name in entry.field_names]], delimiter)


def example_row(entry: SchemaEntry) -> dict[str, str]:
    """field name -> example cell text, valid for each field of the schema.

    Upstream examples sometimes break the schema's custom checks (an invalid
    SIRET, a prefecture date before the deliberation date); those cells are
    adjusted when the adjusted value is still valid for the field.
    """
    row = {fd["name"]: example_value(fd) for fd in entry.fields}
    fields = {fd["name"]: fd for fd in entry.fields}
    for check in entry.custom_checks:
        params = check.get("params") or {}
        fixer = _CHECK_FIXERS.get(str(check.get("name")))
        if fixer is None:
            continue
        for column, value in fixer(row, params).items():
            if column in fields and _CellChecker(fields[column]).accepts(value):
                row[column] = value
    return row


# Identifiers that pass the Luhn check (a commune's SIRET, its SIREN).
_VALID_SIRET = "21860194600013"
_VALID_SIREN = "218601946"


def _luhn_ok(digits: str) -> bool:
    if not digits.isdigit():
        return False
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char) * (2 if index % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def _fix_identifier(length: int, valid: str):
    def fix(row: dict[str, str], params: Mapping[str, Any]) -> dict[str, str]:
        value = row.get(params.get("column", ""), "")
        if value and not (len(value) == length and _luhn_ok(value)):
            return {params["column"]: valid}
        return {}

    return fix


def _number(text: str) -> float | None:
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


def _fix_compare(row: dict[str, str], params: Mapping[str, Any]) -> dict[str, str]:
    left, right, op = params.get("column", ""), params.get("column2", ""), params.get("op", "")
    a, b = row.get(left, ""), row.get(right, "")
    if not a or not b or op not in (">=", "<=", "=="):
        return {}
    na, nb = _number(a), _number(b)
    pair = (na, nb) if na is not None and nb is not None else (a, b)
    holds = {">=": pair[0] >= pair[1], "<=": pair[0] <= pair[1], "==": pair[0] == pair[1]}[op]
    return {} if holds else {left: b}


def _fix_sum(row: dict[str, str], params: Mapping[str, Any]) -> dict[str, str]:
    parts = [_number(row.get(c, "")) for c in params.get("columns") or []]
    if not parts or any(p is None for p in parts) or not row.get(params.get("column", "")):
        return {}
    total = sum(parts)  # type: ignore[arg-type]
    return {params["column"]: str(int(total)) if float(total).is_integer() else str(total)}


def _fix_actes(row: dict[str, str], params: Mapping[str, Any]) -> dict[str, str]:
    value = row.get(params.get("column", ""), "")
    cleaned = re.sub(r"\s*/\s*", "/", value.lstrip("'\" "))
    return {params["column"]: cleaned} if value and cleaned != value else {}


_CHECK_FIXERS = {
    "french-siret-value": _fix_identifier(14, _VALID_SIRET),
    "siret": _fix_identifier(14, _VALID_SIRET),
    "french-siren-value": _fix_identifier(9, _VALID_SIREN),
    "siren": _fix_identifier(9, _VALID_SIREN),
    "compare-columns-value": _fix_compare,
    "sum-columns-value": _fix_sum,
    "nomenclature-actes-value": _fix_actes,
    "nomenclature-acte": _fix_actes,
}


def xlsx_template(entry: SchemaEntry, with_example: bool = True, language: str = "fr") -> bytes:
    """An XLSX workbook: a data sheet (header, optional example row) and a documentation sheet.

    Cells are typed as text so that spreadsheet software keeps leading zeros
    (SIRET, INSEE and postal codes) and does not turn dates into numbers.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    labels = _XLSX_LABELS["fr" if language == "fr" else "en"]
    workbook = Workbook()
    data = workbook.active
    data.title = labels["data"]
    data.append(entry.field_names)
    if with_example:
        row = example_row(entry)
        data.append([row[name] for name in entry.field_names])
    for index, name in enumerate(entry.field_names, start=1):
        letter = get_column_letter(index)
        data.column_dimensions[letter].width = max(12, min(40, len(name) + 4))
        for cell in data[letter]:
            cell.number_format = "@"
        data[f"{letter}1"].font = Font(bold=True)
    data.freeze_panes = "A2"

    docs = workbook.create_sheet(labels["documentation"])
    docs.append(labels["columns"])
    for cell in docs[1]:
        cell.font = Font(bold=True)
    for fd in entry.documentation():
        docs.append(
            [
                fd["name"],
                fd["title"],
                fd["type"] + (f" ({fd['format']})" if fd["format"] and fd["format"] != "default" else ""),
                labels["yes"] if fd["required"] else labels["no"],
                "; ".join(fd["examples"]),
                fd["description"],
            ]
        )
    for letter, width in zip("ABCDEF", (28, 36, 16, 12, 30, 80)):
        docs.column_dimensions[letter].width = width
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


_XLSX_LABELS = {
    "fr": {
        "data": "données",
        "documentation": "documentation",
        "columns": ["Colonne", "Titre", "Type", "Obligatoire", "Exemples", "Description"],
        "yes": "oui",
        "no": "non",
    },
    "en": {
        "data": "data",
        "documentation": "documentation",
        "columns": ["Column", "Title", "Type", "Required", "Examples", "Description"],
        "yes": "yes",
        "no": "no",
    },
}


def _write_csv(rows: list[list[str]], delimiter: str) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerows(rows)
    return buffer.getvalue()


# --------------------------------------------------------------------------- values


def example_value(field_descriptor: Mapping[str, Any]) -> str:
    """A cell text valid for this field; empty only for an optional field with no usable value."""
    checker = _CellChecker(field_descriptor)
    for candidate in _candidates(field_descriptor):
        if checker.accepts(candidate):
            return candidate
    return ""


def _candidates(fd: Mapping[str, Any]) -> Iterator[str]:
    yield from field_examples(fd)
    constraints = fd.get("constraints") or {}
    for value in constraints.get("enum") or []:
        yield _cell_text(value)
    yield from _typed_values(fd)
    if not constraints.get("required"):
        yield ""


def _cell_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _typed_values(fd: Mapping[str, Any]) -> Iterator[str]:
    kind = fd.get("type") or "string"
    fmt = fd.get("format") or "default"
    constraints = fd.get("constraints") or {}
    pattern = constraints.get("pattern")
    if kind == "string":
        if pattern:
            yield from _pattern_values(pattern, constraints)
        if fmt == "email":
            yield "contact@example.org"
        elif fmt == "uri":
            yield "https://www.example.org/"
        elif fmt == "uuid":
            yield "0b4f3e6a-2a1b-4c4f-9d1e-5f3c2a1b0c9d"
        else:
            minimum = int(constraints.get("minLength") or 1)
            yield ("exemple" + "x" * max(0, minimum - 7))
    elif kind in ("integer", "number"):
        for bound in (constraints.get("minimum"), constraints.get("maximum")):
            if bound is not None:
                yield _cell_text(bound)
        yield "1"
        if kind == "number":
            yield "1.5"
    elif kind == "boolean":
        yield from (fd.get("trueValues") or ["true"])
    elif kind == "date":
        yield _SAMPLE_DATE.strftime(fmt) if "%" in fmt else _SAMPLE_DATE.isoformat()
    elif kind == "datetime":
        yield _SAMPLE_DATETIME.strftime(fmt) if "%" in fmt else _SAMPLE_DATETIME.isoformat() + "Z"
        yield _SAMPLE_DATETIME.isoformat()
    elif kind == "time":
        yield time(12, 0).strftime(fmt) if "%" in fmt else "12:00:00"
    elif kind == "year":
        yield from (_cell_text(b) for b in (constraints.get("minimum"), constraints.get("maximum")) if b is not None)
        yield str(_SAMPLE_DATE.year)
    elif kind == "yearmonth":
        yield _SAMPLE_DATE.strftime("%Y-%m")
    elif kind == "geopoint":
        yield {"array": f"[{_LON}, {_LAT}]", "object": json.dumps({"lon": _LON, "lat": _LAT})}.get(fmt, f"{_LON}, {_LAT}")
    elif kind == "geojson":
        yield json.dumps({"type": "Point", "coordinates": [_LON, _LAT]})
    elif kind == "array":
        item_enum = ((fd.get("arrayItem") or {}).get("constraints") or {}).get("enum")
        if item_enum:
            yield json.dumps([item_enum[0]], ensure_ascii=False)
        yield "[]"
    elif kind == "object":
        yield "{}"
    elif kind == "duration":
        yield "P1D"
    else:
        yield "exemple"


def _pattern_values(pattern: str, constraints: Mapping[str, Any]) -> Iterator[str]:
    """Strings matching ``pattern``: the shortest form, then one with each repeat taken once more."""
    try:
        tree = _sre_parser.parse(pattern)
    except re.error:
        return
    minimum = int(constraints.get("minLength") or 0)
    for extra in (0, 1, 2):
        value = _generate(tree, extra)
        if len(value) < minimum:
            continue
        yield value


def _generate(tree: Any, extra: int) -> str:
    out: list[str] = []
    for op, arg in tree:
        name = str(op)
        if name == "LITERAL":
            out.append(chr(arg))
        elif name == "NOT_LITERAL":
            out.append("a" if chr(arg) != "a" else "b")
        elif name == "ANY":
            out.append("a")
        elif name == "IN":
            out.append(_pick_from_set(arg))
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            low, high, sub = arg
            count = low if low > 0 else (1 if extra else 0)
            if extra and (high is _sre_constants.MAXREPEAT or low + extra <= high):
                count = max(count, low + extra) if low else max(count, extra)
            out.append("".join(_generate(sub, 0) for _ in range(count)))
        elif name == "SUBPATTERN":
            out.append(_generate(arg[-1], extra))
        elif name == "BRANCH":
            out.append(_generate(arg[1][0], extra))
        elif name in ("AT", "ASSERT", "ASSERT_NOT", "GROUPREF"):
            continue
    return "".join(out)


def _pick_from_set(items: list[tuple[Any, Any]]) -> str:
    negated = any(str(op) == "NEGATE" for op, _ in items)
    if negated:
        excluded = _set_members(items)
        for char in "aA0x-":
            if char not in excluded:
                return char
        return "z"
    for op, arg in items:
        name = str(op)
        if name == "LITERAL":
            return chr(arg)
        if name == "RANGE":
            low, high = arg
            # Prefer a non-zero digit so numeric codes do not start with 0 needlessly.
            return chr(low + 1) if chr(low) == "0" and high > low else chr(low)
        if name == "CATEGORY":
            return {"CATEGORY_DIGIT": "1", "CATEGORY_SPACE": " ", "CATEGORY_WORD": "a"}.get(
                str(arg), "a"
            )
    return "a"


def _set_members(items: list[tuple[Any, Any]]) -> set[str]:
    members: set[str] = set()
    for op, arg in items:
        if str(op) == "LITERAL":
            members.add(chr(arg))
        elif str(op) == "RANGE":
            members.update(chr(c) for c in range(arg[0], min(arg[1], arg[0] + 256) + 1))
    return members


class _CellChecker:
    """Reads a cell the way frictionless validation does: type, format and constraints."""

    def __init__(self, field_descriptor: Mapping[str, Any]):
        from frictionless import Field

        descriptor = json.loads(json.dumps(field_descriptor))
        for key in ("example", "examples"):
            descriptor.pop(key, None)
        self._field = Field.from_descriptor(descriptor)
        self._required = bool((field_descriptor.get("constraints") or {}).get("required"))

    def accepts(self, text: str) -> bool:
        if text == "":
            return not self._required
        try:
            _, notes = self._field.read_cell(text)
        except Exception:  # a candidate frictionless cannot even parse is simply not used
            return False
        return not notes
