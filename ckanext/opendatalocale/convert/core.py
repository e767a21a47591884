"""The converter's public interface: from an agent's spreadsheet to a conformant SCDL file.

Pure Python (no CKAN import)::

    from ckanext.opendatalocale.convert import core
    table = core.read_table(data, "subventions.xlsx")
    mapping = core.suggest(table, schema_descriptor)
    recipe = core.Recipe.from_mapping(mapping, {}, schema_name="scdl/subventions", schema_version="2.1.1")
    mapping, diff = core.apply_recipe(recipe, next_table, schema_descriptor)
    result = core.convert(table, schema_descriptor, mapping)    # or a Recipe
    result.csv_bytes, result.conforms, result.unconverted, result.report
"""
from __future__ import annotations

from typing import Any, Mapping as TMapping

from ckanext.opendatalocale.conformity.readers import Limits

from .conversion import Conversion
from .conversion import convert as _convert
from .mapping import ColumnSuggestion, Mapping
from .mapping import suggest as _suggest
from .recipe import Recipe, RecipeDiff, apply_recipe
from .tables import ConvertError, Table, read_table

__all__ = ["ColumnSuggestion", "Conversion", "ConvertError", "Mapping", "Recipe", "RecipeDiff", "Table",
           "apply_recipe", "convert", "read_table", "suggest"]


def suggest(table: Table, schema: TMapping[str, Any]) -> Mapping:
    """A field (with ranked candidates and confidences) for every column of ``table``."""
    return _suggest(table, schema)


def convert(table: Table, schema: TMapping[str, Any], mapping_or_recipe: Mapping | Recipe,
            constants: TMapping[str, str] | None = None, *, schema_name: str | None = None,
            schema_version: str | None = None, limits: Limits | None = None) -> Conversion:
    """Write the SCDL CSV for ``table`` and check it with the conformity engine.

    With a :class:`Recipe`, its mapping is replayed on ``table`` and its
    constants and value rules apply; ``constants`` given here win over the recipe's.
    """
    value_rules: dict[str, dict] = {}
    merged: dict[str, str] = {}
    if isinstance(mapping_or_recipe, Recipe):
        recipe = mapping_or_recipe
        mapping, _diff = apply_recipe(recipe, table, schema)
        merged.update(recipe.constants)
        value_rules = recipe.value_rules
        schema_name = schema_name or recipe.schema_name
        schema_version = schema_version or recipe.schema_version
    else:
        mapping = mapping_or_recipe
    merged.update({k: v for k, v in (constants or {}).items()})
    return _convert(table, schema, mapping, merged, value_rules=value_rules, schema_name=schema_name,
                    schema_version=schema_version, limits=limits)
