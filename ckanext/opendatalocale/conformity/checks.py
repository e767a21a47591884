"""Validata's custom checks, written from their documented behaviour (scdl.md §3).

A schema declares them in ``custom_checks`` (``{"name", "params"}``) or on a
field as ``customCheck``. Each check here is built once per validation with
the header's column positions, then sees every row's typed values (None when
a cell is empty, absent or not parseable, as in frictionless rows) and raw
text (for messages).

Shared rules, as Validata applies them:

* a single-column check skips empty cells and does nothing if its column is
  absent (requiredness belongs to the Table Schema);
* multi-column checks skip the row if any of their cells is empty, except
  ``cohesive-columns-value`` and ``one-of-required`` whose point is emptiness;
* a check that cannot be built (unknown name, bad parameter) is a
  ``check-error`` of the report.

Identifier and code formats (SIRET, SIREN, COG codes, postcodes, ACTES
nomenclature…) come from ``frformat``: every class in ``frformat.all_formats``
is a check named in kebab-case, like Validata's FrFormatsRepository does. The
set depends on the installed frformat: 0.4.x ships ``NumeroDepartement``,
0.5.x renamed it ``CodeDepartement`` and added ``IdRNB``; both names are
accepted here whichever version is installed.
"""
from __future__ import annotations

import inspect
import re
from abc import ABC, abstractmethod
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Callable, Iterable, Mapping

import frformat

from . import messages
from .report import Finding

# Old Validata names and the frformat check they now resolve to.
DEPRECATED_NAMES = {
    "french-siret-value": "siret",
    "french-siren-value": "siren",
    "nomenclature-actes-value": "nomenclature-acte",
}
# frformat renamed this class between 0.4 and 0.5: accept both spellings.
RENAMED_FORMATS = {"numero-departement": "code-departement", "code-departement": "numero-departement"}

FORMAT_CHECK_TYPE = "custom-check-error"
MEMO_SIZE = 65536


class CheckBuildError(Exception):
    """The schema's check declaration is unusable (unknown or badly configured)."""


def kebab_case(name: str) -> str:
    """``CodePaysISO2`` -> ``code-pays-iso2``, ``IdRNB`` -> ``id-rnb``."""
    words = re.findall(r"[A-Z]+[0-9]*(?![a-z])|[A-Z][a-z0-9]*|[a-z0-9]+", name)
    return "-".join(word.lower() for word in words)


def frformat_classes() -> dict[str, type]:
    """Check name -> frformat class, for the installed frformat version."""
    classes = {kebab_case(cls.__name__): cls for cls in frformat.all_formats}
    for name, other in RENAMED_FORMATS.items():
        if name not in classes and other in classes:
            classes[name] = classes[other]
    return classes


# --------------------------------------------------------------------------- base


class Check(ABC):
    """A custom check bound to the header of one file."""

    columns: tuple[str, ...] = ()

    def __init__(self, name: str, params: dict[str, Any]):
        self.name = name
        self.params = params
        self.index: Mapping[str, int] = {}
        # Set when a file-level finding makes row checks pointless (Validata stops the check).
        self.stopped = False

    def bind(self, index: Mapping[str, int]) -> None:
        self.index = index

    def start(self, row: int) -> list[Finding]:
        """File-level findings, reported once on the first data row (as Validata)."""
        return []

    @abstractmethod
    def row(self, values: list[Any], raw: list[str], row: int) -> Finding | None:
        """The finding for one row, or None."""

    @staticmethod
    def _param_column(params: Mapping[str, Any], key: str) -> str:
        value = params.get(key)
        if not isinstance(value, str) or not value:
            raise CheckBuildError(f"paramètre « {key} » manquant ou invalide / missing or invalid “{key}” parameter")
        return value

    @staticmethod
    def _param_columns(params: Mapping[str, Any], key: str) -> list[str]:
        value = params.get(key)
        if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
            raise CheckBuildError(f"paramètre « {key} » manquant ou invalide / missing or invalid “{key}” parameter")
        return value


def _raw(raw: list[str], position: int | None) -> str:
    if position is None or position >= len(raw):
        return ""
    return raw[position]


# --------------------------------------------------------------------------- frformat


class FormatCheck(Check):
    """One column's values must be valid for a frformat format."""

    def __init__(self, name: str, params: dict[str, Any], format_class: type):
        super().__init__(name, params)
        self.column = self._param_column(params, "column")
        self.columns = (self.column,)
        self.validator = _build_format(format_class, params)
        self.details = getattr(self.validator, "is_valid_with_details", None)
        self._memo: dict[Any, bool] = {}
        self._pos: int | None = None

    def bind(self, index: Mapping[str, int]) -> None:
        super().bind(index)
        self._pos = index.get(self.column)

    def _is_valid(self, value: Any) -> bool:
        try:
            if isinstance(value, (list, tuple)) and len(value) == 2:
                return bool(self.validator.is_valid(*value))  # geopoints: (lon, lat)
            return bool(self.validator.is_valid(value if isinstance(value, str) else str(value)))
        except Exception:
            return False

    def row(self, values: list[Any], raw: list[str], row: int) -> Finding | None:
        pos = self._pos
        if pos is None:
            return None
        value = values[pos]
        if value is None:
            return None
        try:
            ok = self._memo.get(value)
        except TypeError:  # unhashable (arrays)
            ok = None
        if ok is None:
            ok = self._is_valid(value)
            if len(self._memo) >= MEMO_SIZE:
                self._memo.clear()
            try:
                self._memo[value] = ok
            except TypeError:
                pass
        if ok:
            return None
        params: dict[str, Any] = {}
        params["label"] = messages.check_label(self.name)
        if self.details is not None and isinstance(value, str):
            try:
                _, detail = self.details(value)
                if detail:
                    params["detail"] = "; ".join(detail)
            except Exception:
                pass
        return Finding(FORMAT_CHECK_TYPE, "custom-check-error", row, self.column, _raw(raw, pos), self.name, params)


def _build_format(format_class: type, params: Mapping[str, Any]) -> Any:
    """Instantiate a frformat class with the check's params (e.g. ``version``)."""
    try:
        signature = inspect.signature(format_class.__init__)
    except (TypeError, ValueError):
        return format_class()
    kwargs: dict[str, Any] = {}
    for pname, param in signature.parameters.items():
        if pname == "self" or param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        if pname in params:
            kwargs[pname] = params[pname]
        elif param.default is inspect.Parameter.empty:
            raise CheckBuildError(f"paramètre obligatoire « {pname} » manquant / required parameter “{pname}” is missing")
    try:
        return format_class(**kwargs)
    except Exception as exc:
        raise CheckBuildError(str(exc)) from exc


# --------------------------------------------------------------------------- native checks


_YEAR_INTERVAL = re.compile(r"^(\d{4})/(\d{4})$")
_YEAR = re.compile(r"^\d{4}$")


class YearIntervalCheck(Check):
    """``AAAA/AAAA`` with two different years, the earlier first; ``AAAA`` alone
    too when ``allow-year-only`` is "true" or "yes"."""

    def __init__(self, name: str, params: dict[str, Any]):
        super().__init__(name, params)
        self.column = self._param_column(params, "column")
        self.columns = (self.column,)
        self.allow_year_only = str(params.get("allow-year-only", "false")) in ("true", "yes")
        self._pos: int | None = None

    def bind(self, index: Mapping[str, int]) -> None:
        super().bind(index)
        self._pos = index.get(self.column)

    def row(self, values: list[Any], raw: list[str], row: int) -> Finding | None:
        if self._pos is None:
            return None
        value = values[self._pos]
        if value is None:
            return None
        text = value if isinstance(value, str) else str(value)
        match = _YEAR_INTERVAL.match(text)
        detail = None
        if not match:
            if self.allow_year_only and _YEAR.match(text):
                return None
            detail = "format-or-year" if self.allow_year_only else "format"
        else:
            first, second = int(match.group(1)), int(match.group(2))
            if first == second:
                detail = "same-years"
            elif first > second:
                detail = "reversed"
        if detail is None:
            return None
        fr, en = messages.YEAR_INTERVAL_DETAIL[detail]
        return Finding("year-interval-value", "year-interval-value", row, self.column,
                       _raw(raw, self._pos), self.name, {"detail": {"fr": fr, "en": en}, "reason": detail})


class CohesiveColumnsCheck(Check):
    """The listed columns are all filled or all empty on each row, and all
    present or all absent in the file."""

    def __init__(self, name: str, params: dict[str, Any]):
        super().__init__(name, params)
        self.column = self._param_column(params, "column")
        self.columns = (self.column, *self._param_columns(params, "othercolumns"))
        self._positions: list[int | None] = []

    def bind(self, index: Mapping[str, int]) -> None:
        super().bind(index)
        self._positions = [index.get(c) for c in self.columns]

    def start(self, row: int) -> list[Finding]:
        missing = [c for c, p in zip(self.columns, self._positions) if p is None]
        if missing and len(missing) < len(self.columns):
            self.stopped = True
            return [Finding("cohesive-columns-value", "cohesive-columns-absent", row, self.column, None, self.name,
                            {"columns": ", ".join(self.columns), "missing": ", ".join(missing)})]
        return []

    def row(self, values: list[Any], raw: list[str], row: int) -> Finding | None:
        first = self._positions[0]
        empty = first is None or values[first] is None
        for pos in self._positions[1:]:
            if (pos is None or values[pos] is None) != empty:
                return Finding("cohesive-columns-value", "cohesive-columns-value", row, self.column,
                               _raw(raw, first), self.name, {"columns": ", ".join(self.columns)})
        return None


def _is_number(value: Any) -> bool:
    if value.__class__ in (int, float) or isinstance(value, Decimal):
        return True
    if not isinstance(value, str):
        return False
    if value.isnumeric():
        return True
    try:
        float(value)
        return True
    except ValueError:
        return False


_OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "==": lambda a, b: a == b,
    "<=": lambda a, b: a <= b,
    "<": lambda a, b: a < b,
}


def _as_number(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return Decimal(value)
        except Exception:
            return float(value)
    return value


class CompareColumnsCheck(Check):
    """``column op column2`` when both are filled: numbers compare as numbers,
    strings as strings, same-typed values (dates…) by their text, otherwise
    the values are not comparable."""

    def __init__(self, name: str, params: dict[str, Any]):
        super().__init__(name, params)
        self.column = self._param_column(params, "column")
        self.column2 = self._param_column(params, "column2")
        self.columns = (self.column, self.column2)
        self.op = params.get("op")
        if self.op not in _OPERATORS:
            raise CheckBuildError(f"opérateur « {self.op} » non géré / unsupported operator “{self.op}”")
        self._compare = _OPERATORS[self.op]
        self._p1: int | None = None
        self._p2: int | None = None

    def bind(self, index: Mapping[str, int]) -> None:
        super().bind(index)
        self._p1, self._p2 = index.get(self.column), index.get(self.column2)

    def _outcome(self, v1: Any, v2: Any) -> bool | None:
        try:
            if _is_number(v1) and _is_number(v2):
                return self._compare(_as_number(v1), _as_number(v2))
            if isinstance(v1, str) and isinstance(v2, str):
                return self._compare(v1, v2)
            if type(v1) is type(v2):
                return self._compare(str(v1), str(v2))
        except Exception:
            return None
        return None

    def row(self, values: list[Any], raw: list[str], row: int) -> Finding | None:
        if self._p1 is None or self._p2 is None:
            return None
        v1, v2 = values[self._p1], values[self._p2]
        if v1 is None or v2 is None:
            return None
        outcome = self._outcome(v1, v2)
        if outcome:
            return None
        fr, en = messages.OP_TEXT[self.op]
        code = "compare-columns-value" if outcome is False else "compare-columns-incomparable"
        return Finding("compare-columns-value", code, row, self.column, _raw(raw, self._p1), self.name,
                       {"column2": self.column2, "value2": _raw(raw, self._p2), "op": {"fr": fr, "en": en}})


class SumColumnsCheck(Check):
    """``column`` equals the sum of ``columns`` when all are filled."""

    def __init__(self, name: str, params: dict[str, Any]):
        super().__init__(name, params)
        self.column = self._param_column(params, "column")
        self.parts = self._param_columns(params, "columns")
        self.columns = (self.column, *self.parts)
        self._positions: list[int | None] = []

    def bind(self, index: Mapping[str, int]) -> None:
        super().bind(index)
        self._positions = [index.get(c) for c in self.columns]

    def row(self, values: list[Any], raw: list[str], row: int) -> Finding | None:
        picked = []
        for pos in self._positions:
            value = None if pos is None else values[pos]
            if value is None:
                return None
            picked.append(value)
        expected, parts = picked[0], picked[1:]
        try:
            total = sum(parts)
            if total == expected:
                return None
        except TypeError:
            total = "?"
        return Finding("sum-columns-value", "sum-columns-value", row, self.column, _raw(raw, self._positions[0]),
                       self.name, {"columns": " + ".join(self.parts), "total": str(total)})


class OneOfRequiredCheck(Check):
    """At least one of ``column1`` / ``column2`` is filled on each row; if
    both columns are absent the file gets one error."""

    def __init__(self, name: str, params: dict[str, Any]):
        super().__init__(name, params)
        self.column1 = self._param_column(params, "column1")
        self.column2 = self._param_column(params, "column2")
        self.columns = (self.column1, self.column2)
        self._p1: int | None = None
        self._p2: int | None = None

    def bind(self, index: Mapping[str, int]) -> None:
        super().bind(index)
        self._p1, self._p2 = index.get(self.column1), index.get(self.column2)

    def start(self, row: int) -> list[Finding]:
        if self._p1 is None and self._p2 is None:
            self.stopped = True
            return [Finding("one-of-required", "one-of-required-absent", row, self.column1, None, self.name,
                            {"column2": self.column2})]
        return []

    def row(self, values: list[Any], raw: list[str], row: int) -> Finding | None:
        v1 = None if self._p1 is None else values[self._p1]
        v2 = None if self._p2 is None else values[self._p2]
        # Validata tests truthiness: 0 or "" count as empty.
        if not v1 and not v2:
            return Finding("one-of-required", "one-of-required", row, self.column1, None, self.name,
                           {"column2": self.column2})
        return None


NATIVE_CHECKS: dict[str, Callable[[str, dict[str, Any]], Check]] = {
    "year-interval-value": YearIntervalCheck,
    "cohesive-columns-value": CohesiveColumnsCheck,
    "compare-columns-value": CompareColumnsCheck,
    "sum-columns-value": SumColumnsCheck,
    "one-of-required": OneOfRequiredCheck,
}


# --------------------------------------------------------------------------- declarations


@dataclass
class CheckDeclaration:
    name: str
    params: dict[str, Any]


def declarations(descriptor: Mapping[str, Any]) -> list[CheckDeclaration]:
    """Custom checks of a schema: top-level ``custom_checks`` and field ``customCheck``."""
    found: list[CheckDeclaration] = []
    for item in descriptor.get("custom_checks") or []:
        if isinstance(item, Mapping) and isinstance(item.get("name"), str):
            found.append(CheckDeclaration(item["name"], dict(item.get("params") or {})))
        else:
            found.append(CheckDeclaration(str(item), {}))
    for field_descriptor in descriptor.get("fields") or []:
        if not isinstance(field_descriptor, Mapping) or "customCheck" not in field_descriptor:
            continue
        spec = field_descriptor["customCheck"]
        if isinstance(spec, str):
            found.append(CheckDeclaration(spec, {"column": field_descriptor.get("name")}))
        elif isinstance(spec, Mapping):
            params = {k: v for k, v in spec.items() if k != "name"}
            params.setdefault("column", field_descriptor.get("name"))
            found.append(CheckDeclaration(str(spec.get("name")), params))
    return found


def canonical_name(name: str) -> str:
    return DEPRECATED_NAMES.get(name, name)


def build(declaration: CheckDeclaration, formats: Mapping[str, type] | None = None) -> Check:
    """Build one check; raise CheckBuildError if unknown or misconfigured."""
    formats = formats if formats is not None else frformat_classes()
    name = canonical_name(declaration.name)
    if name in formats:
        return FormatCheck(name, declaration.params, formats[name])
    factory = NATIVE_CHECKS.get(name)
    if factory is None:
        raise CheckBuildError(f"règle inconnue / unknown check “{declaration.name}”")
    return factory(name, declaration.params)


def build_all(decls: Iterable[CheckDeclaration]) -> tuple[list[Check], list[tuple[str, str]]]:
    """Return (checks, [(declared name, reason)] for the ones that failed to build)."""
    formats = frformat_classes()
    built: list[Check] = []
    failed: list[tuple[str, str]] = []
    for decl in decls:
        try:
            built.append(build(decl, formats))
        except CheckBuildError as exc:
            failed.append((decl.name, str(exc)))
    return built, failed
