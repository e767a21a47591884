"""Per-field cell readers with frictionless 5's exact semantics, compiled once.

frictionless spends most of its time in its row machinery, not in parsing
cells, so the engine drives its own row loop and calls these readers. A
reader takes a cell's text and returns ``(value, problems)``: the typed value
(None when missing or not parseable) and None, or a tuple naming what failed
— ``"type"`` or a constraint name, in frictionless's order.

The types SCDL uses most (string, integer, number, boolean, date, year) get a
fast path that performs the very operations of frictionless's value readers
without the generic wrapping; anything else (formats such as email/uri,
datetime, time, geopoint, array, non-text cells from spreadsheets) goes through
frictionless's own ``Field.create_cell_reader()``. Constraint bounds and enum
members are cast with frictionless's value reader, as frictionless does. The
test-suite compares both paths on every field of every shipped SCDL schema.
"""
from __future__ import annotations

import operator
import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Callable

from frictionless import Field
from frictionless.schema import field as frictionless_field

Problems = tuple[str, ...]
CellReader = Callable[[Any], tuple[Any, Problems | None]]

TYPE_PROBLEM: Problems = ("type",)
REQUIRED_PROBLEM: Problems = ("required",)
_INVALID = object()
_BOUND_COMPARE = {
    "minimum": operator.ge,
    "maximum": operator.le,
    "exclusiveMinimum": operator.gt,
    "exclusiveMaximum": operator.lt,
}
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _notes_to_problems(notes: dict[str, str] | None) -> Problems | None:
    if not notes:
        return None
    return tuple(notes)


def frictionless_reader(field: Field) -> CellReader:
    """frictionless's own cell reader, with notes turned into problems."""
    reader = field.create_cell_reader()

    def read(cell: Any) -> tuple[Any, Problems | None]:
        value, notes = reader(cell)
        return value, _notes_to_problems(notes)

    return read


def _fast_parser(field: Field) -> Callable[[str], Any] | None:
    """A parser from text to value (``_INVALID`` on failure) mirroring frictionless."""
    defined = set(field.list_defined())
    ftype = field.type
    fmt = field.format
    if ftype == "string" and fmt in (None, "default"):
        return lambda cell: cell
    if ftype == "integer" and field.bare_number:

        def parse_integer(cell: str) -> Any:
            try:
                return int(cell.strip())
            except ValueError:
                return _INVALID

        return parse_integer
    if ftype == "number" and not defined.intersection({"group_char", "decimal_char", "bare_number"}):
        number_class = float if field.float_number else Decimal

        def parse_number(cell: str) -> Any:
            try:
                return number_class(cell.strip())
            except Exception:  # decimal.InvalidOperation, ValueError
                return _INVALID

        return parse_number
    if ftype == "boolean":
        mapping: dict[str, bool] = {value: True for value in field.true_values}
        mapping.update({value: False for value in field.false_values})
        return lambda cell: mapping.get(cell, _INVALID)
    if ftype == "date" and fmt in ("default", "%Y-%m-%d"):

        def parse_date(cell: str) -> Any:
            if _ISO_DATE.fullmatch(cell):
                try:
                    return date(int(cell[0:4]), int(cell[5:7]), int(cell[8:10]))
                except ValueError:
                    return _INVALID
            try:  # strptime also takes "2020-1-5": keep its leniency
                return datetime.strptime(cell, "%Y-%m-%d").date()
            except Exception:
                return _INVALID

        return parse_date
    if ftype == "year":

        def parse_year(cell: str) -> Any:
            if len(cell) != 4:
                return _INVALID
            try:
                year = int(cell)
            except ValueError:
                return _INVALID
            return year if 0 <= year <= 9999 else _INVALID

        return parse_year
    return None


def _constraint_checks(field: Field) -> list[tuple[str, Callable[[Any], bool]]]:
    """Constraint predicates in frictionless's order (``required`` excluded)."""
    value_reader = field.create_value_reader()
    checks: list[tuple[str, Callable[[Any], bool]]] = []
    for name in field.supported_constraints:
        constraint = field.constraints.get(name)
        if constraint is None or name == "required":
            continue
        if name in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
            bound = value_reader(constraint)
            compare = _BOUND_COMPARE[name]
            # NaN is never within bounds (frictionless's _check_bound rule).
            checks.append((name, lambda v, b=bound, c=compare: v == v and c(v, b)))
        elif name == "pattern":
            matcher = re.compile("^{0}$".format(constraint)).match
            checks.append((name, lambda v, m=matcher: m(v) is not None))
        elif name == "enum":
            members = [value_reader(item) for item in constraint]
            try:
                allowed: Any = frozenset(members)
            except TypeError:
                allowed = members
            checks.append((name, lambda v, a=allowed: v in a))
        elif name == "minLength":
            checks.append((name, lambda v, n=constraint: len(v) >= n))
        elif name == "maxLength":
            checks.append((name, lambda v, n=constraint: len(v) <= n))
        else:
            generic = getattr(frictionless_field, f"check_{name}")
            checks.append((name, lambda v, c=constraint, g=generic: g(c, v)))
    return checks


ProblemSink = list  # of (position, problems)
ValueReader = Callable[[Any], Any]


def compile_value_reader(field: Field, missing_values: list[str], position: int,
                         sink: ProblemSink) -> ValueReader:
    """Build the fastest reader with frictionless's verdicts for ``field``.

    The reader returns the typed value (None when missing or not parseable) and
    appends ``(position, problems)`` to ``sink`` when the cell breaks a rule, so
    the engine can map readers over a row at C speed and look at ``sink`` only
    when it is not empty.
    """
    add = sink.append
    slow = frictionless_reader(field)
    missing = frozenset(missing_values)
    if field.type == "any":
        return lambda cell: None if str(cell) in missing else cell

    def read_other(cell: Any) -> Any:
        value, problems = slow(cell)
        if problems:
            add((position, problems))
        return value

    if type(field).create_cell_reader is not Field.create_cell_reader:
        # The type reads cells its own way (array checks its items): use it as is.
        return read_other

    parse = _fast_parser(field)
    if parse is None:
        value_reader = field.create_value_reader()

        def parse(cell: str) -> Any:  # type: ignore[misc]
            value = value_reader(cell)
            return _INVALID if value is None else value

    required = bool(field.constraints.get("required"))
    checks = _constraint_checks(field)
    str_class = str
    required_problem = (position, REQUIRED_PROBLEM)
    type_problem = (position, TYPE_PROBLEM)

    if field.type == "string" and field.format in (None, "default") and not checks:
        if not required:
            return lambda cell: (None if cell in missing else cell) if cell.__class__ is str_class else read_other(cell)

        def read_required_text(cell: Any) -> Any:
            if cell.__class__ is not str_class:
                return read_other(cell)
            if cell in missing:
                add(required_problem)
                return None
            return cell

        return read_required_text

    def read(cell: Any) -> Any:
        if cell.__class__ is not str_class:
            return read_other(cell)
        if cell in missing:
            if required:
                add(required_problem)
            return None
        value = parse(cell)
        if value is _INVALID:
            add(type_problem)
            return None
        if checks:
            problems: Problems | None = None
            for name, ok in checks:
                if not ok(value):
                    problems = (problems or ()) + (name,)
            if problems:
                add((position, problems))
        return value

    return read


def compile_reader(field: Field, missing_values: list[str]) -> CellReader:
    """Same reader, returning ``(value, problems)``: handy for one-off cells and tests."""
    sink: ProblemSink = []
    read = compile_value_reader(field, missing_values, 0, sink)

    def read_cell(cell: Any) -> tuple[Any, Problems | None]:
        value = read(cell)
        if sink:
            problems = sink[0][1]
            sink.clear()
            return value, problems
        return value, None

    return read_cell


def missing_values_of(field: Field, schema_missing: list[str]) -> list[str]:
    """A field's own missingValues win over the schema's (frictionless rule)."""
    if field.has_defined("missing_values"):
        return list(field.missing_values)
    return list(schema_missing)
