"""Plain-language explanations of Table Schema constraints, custom checks and version changes."""
from __future__ import annotations

import json
from typing import Any, Mapping

import ckan.plugins.toolkit as tk


def _operator(op: str) -> str:
    _ = tk._
    names = {
        ">": _("greater than"),
        ">=": _("greater than or equal to"),
        "<": _("less than"),
        "<=": _("less than or equal to"),
        "==": _("equal to"),
        "!=": _("different from"),
    }
    return names.get(op, op)


def _value(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def _columns(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return str(value)


def constraint(key: str, value: Any) -> str:
    """One constraint of a field (``required`` excluded), in a sentence."""
    _ = tk._
    if key == "unique":
        return _("Each value appears only once.") if value else _("Values may repeat.")
    if key == "enum":
        return _("One of: {values}.").format(values=", ".join(_value(v) for v in value or []))
    if key == "pattern":
        return _("Matches the regular expression {pattern}.").format(pattern=value)
    if key == "minimum":
        return _("At least {value}.").format(value=_value(value))
    if key == "maximum":
        return _("At most {value}.").format(value=_value(value))
    if key == "minLength":
        return _("At least {value} characters.").format(value=value)
    if key == "maxLength":
        return _("At most {value} characters.").format(value=value)
    return f"{key}: {_value(value)}"


def custom_check(check: Mapping[str, Any]) -> str:
    """A Validata custom check as one sentence a publisher understands."""
    _ = tk._
    name = check.get("name")
    params = check.get("params") or {}
    column = params.get("column", "")
    if name == "french-siren-value":
        return _("Column {column} holds a valid SIREN number (nine digits, correct check key).").format(column=column)
    if name == "french-siret-value":
        return _("Column {column} holds a valid SIRET number (fourteen digits, correct check key).").format(column=column)
    if name == "year-interval-value":
        return _("Column {column} holds a year interval such as 2024/2025 (a single year is also accepted).").format(column=column) \
            if str(params.get("allow-year-only", "")).lower() in ("yes", "true", "1") else \
            _("Column {column} holds a year interval such as 2024/2025.").format(column=column)
    if name == "cohesive-columns-value":
        return _("Columns {columns} are either all filled or all empty on each row.").format(
            columns=_columns([column, *(params.get("othercolumns") or [])])
        )
    if name == "compare-columns-value":
        operator = _operator(str(params.get("op")))
        return _("On each row, {column} is {operator} {column2}.").format(
            column=column, operator=operator, column2=params.get("column2", "")
        )
    if name == "sum-columns-value":
        return _("On each row, {column} equals the sum of {columns}.").format(
            column=column, columns=_columns(params.get("columns") or [])
        )
    if name == "nomenclature-actes-value":
        return _(
            "Column {column} starts with a subject of the ACTES nomenclature (e.g. \"Commande publique\", "
            "\"Urbanisme\"), optionally followed by a slash and details."
        ).format(column=column)
    if name == "one-of-required":
        return _("On each row, at least one of {column1} and {column2} is filled.").format(
            column1=params.get("column1", ""), column2=params.get("column2", "")
        )
    return _("Custom check {name} ({params}).").format(name=name, params=_value(params))


def field_change(attribute: str, before: Any, after: Any) -> str:
    """One changed attribute of a field between two versions."""
    _ = tk._
    if attribute == "constraints.required":
        return _("now required") if after else _("no longer required")
    label = attribute.replace("constraints.", "")
    if before in (None, "", []):
        return _("{attribute} added: {after}").format(attribute=label, after=_value(after))
    if after in (None, "", []):
        return _("{attribute} removed (was {before})").format(attribute=label, before=_value(before))
    return _("{attribute}: {before} → {after}").format(attribute=label, before=_value(before), after=_value(after))
