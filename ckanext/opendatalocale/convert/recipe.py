"""A recipe: the choices made on one file, saved as JSON and replayed on the next one.

It holds the schema (name and version), the column mapping (header -> field,
or None for a column left out on purpose), the constants and the value rules
(per field: the number style and values the agent replaced by hand), plus
what each column looked like, so a replay can say which columns appeared,
vanished or now hold something else.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Mapping as TMapping

from . import mapping as mapping_module
from .mapping import Mapping
from .messages import render
from .tables import ConvertError, Table
from .text import fold

RECIPE_FORMAT = "opendatalocale-convert-recipe/1"


@dataclass
class Recipe:
    schema_name: str | None = None
    schema_version: str | None = None
    columns: dict[str, str | None] = field(default_factory=dict)
    constants: dict[str, str] = field(default_factory=dict)
    value_rules: dict[str, dict[str, Any]] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_mapping(cls, mapping: Mapping, constants: TMapping[str, str] | None = None, *,
                     schema_name: str | None = None, schema_version: str | None = None,
                     value_rules: TMapping[str, dict] | None = None) -> "Recipe":
        return cls(
            schema_name=schema_name,
            schema_version=schema_version,
            columns={c.header: c.field for c in mapping.columns},
            constants={str(k): str(v) for k, v in (constants or {}).items()},
            value_rules={k: dict(v) for k, v in (value_rules or {}).items()},
            kinds={c.header: c.kind for c in mapping.columns},
        )

    def to_dict(self) -> dict[str, Any]:
        return {"format": RECIPE_FORMAT, "schema_name": self.schema_name, "schema_version": self.schema_version,
                "columns": dict(self.columns), "constants": dict(self.constants),
                "value_rules": dict(self.value_rules), "kinds": dict(self.kinds)}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2, sort_keys=False)

    @classmethod
    def from_json(cls, text: str | bytes) -> "Recipe":
        try:
            data = json.loads(text)
        except (ValueError, TypeError) as exc:
            raise ConvertError("bad-recipe", note=str(exc)) from exc
        if not isinstance(data, dict) or not isinstance(data.get("columns", {}), dict):
            raise ConvertError("bad-recipe", note="not a recipe object")
        for key in ("constants", "value_rules", "kinds"):
            if not isinstance(data.get(key) or {}, dict):
                raise ConvertError("bad-recipe", note=f"{key} must be an object")
        columns = data.get("columns") or {}
        if not all(isinstance(v, (str, type(None))) for v in columns.values()):
            raise ConvertError("bad-recipe", note="columns must map a header to a field name or null")
        return cls(schema_name=data.get("schema_name"), schema_version=data.get("schema_version"),
                   columns={str(k): v for k, v in columns.items()},
                   constants={str(k): str(v) for k, v in (data.get("constants") or {}).items()},
                   value_rules=dict(data.get("value_rules") or {}), kinds=dict(data.get("kinds") or {}))


@dataclass
class RecipeDiff:
    appeared: list[dict[str, Any]] = field(default_factory=list)
    vanished: list[dict[str, Any]] = field(default_factory=list)
    changed: list[dict[str, Any]] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.appeared or self.vanished or self.changed)

    def messages(self) -> list[dict[str, str]]:
        out = []
        for item in self.appeared:
            out.append(_message("column-appeared", column=item["column"]))
        for item in self.vanished:
            out.append(_message("column-vanished", column=item["column"], field=item["field"]))
        for item in self.changed:
            out.append(_message("column-changed", column=item["column"], now=item["now"], before=item["before"]))
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"appeared": self.appeared, "vanished": self.vanished, "changed": self.changed,
                "messages": self.messages()}


def _message(code: str, **params: Any) -> dict[str, str]:
    fr, en = render(code, **params)
    return {"fr": fr, "en": en}


def _find(header: str, headers: list[str], used: set[int]) -> int | None:
    for index, name in enumerate(headers):
        if name == header and index not in used:
            return index
    key = " ".join(fold(header).split())
    for index, name in enumerate(headers):
        if " ".join(fold(name).split()) == key and index not in used:
            return index
    return None


def apply_recipe(recipe: Recipe, table: Table, schema: TMapping[str, Any]) -> tuple[Mapping, RecipeDiff]:
    """The recipe's mapping on a new file, new columns suggested, and what differs."""
    known = {str(f.get("name")) for f in schema.get("fields") or []}
    diff = RecipeDiff()
    fixed: dict[str, int] = {}
    ignored: set[int] = set()
    used: set[int] = set()
    for header, field_name in recipe.columns.items():
        index = _find(header, table.headers, used)
        if index is None:
            if field_name:
                diff.vanished.append({"column": header, "field": field_name})
            continue
        used.add(index)
        if field_name and field_name in known and field_name not in fixed:
            fixed[field_name] = index
        else:
            ignored.add(index)
    fresh = [i for i in range(len(table.headers)) if i not in used]
    profiles = mapping_module.profiles_of(schema)
    scores = mapping_module.score_columns(table, schema, profiles)
    for index in ignored:
        scores[index] = {name: 0.0 for name in profiles}  # left out on purpose last time
    result = mapping_module.suggest(table, schema, fixed=fixed, scores=scores)
    by_index = {c.index: c for c in result.columns}
    for index in fresh:
        diff.appeared.append({"column": table.headers[index], "field": by_index[index].field})
    for field_name, index in fixed.items():
        column = by_index[index]
        before = recipe.kinds.get(_header_in_recipe(recipe, column.header))
        if before and column.kind not in (before, "empty") and before != "empty":
            diff.changed.append({"column": column.header, "field": field_name, "before": before, "now": column.kind})
    return result, diff


def _header_in_recipe(recipe: Recipe, header: str) -> str:
    if header in recipe.columns:
        return header
    key = " ".join(fold(header).split())
    return next((h for h in recipe.columns if " ".join(fold(h).split()) == key), header)
