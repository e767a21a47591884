"""``ckan opendatalocale convert``: an agent's spreadsheet to a conformant SCDL CSV."""
from __future__ import annotations

import json
import os
import sys
from typing import Any

import click

from ckanext.opendatalocale.web import language

from .messages import render

EXIT_CONFORMS, EXIT_NOT_CONFORMANT, EXIT_ERROR = 0, 1, 2


def _fail(code: str, as_json: bool, **params: Any) -> None:
    from .core import ConvertError

    error = code if isinstance(code, ConvertError) else ConvertError(code, **params)
    if as_json:
        click.echo(json.dumps({"error": error.to_dict()}, ensure_ascii=False, indent=2))
    else:
        click.echo(error.message_fr if language() == "fr" else error.message_en, err=True)
    sys.exit(EXIT_ERROR)


def _limits():
    """Conformity's caps, so a file the converter accepts can also be checked."""
    from dataclasses import replace

    from ckanext.opendatalocale.conformity import settings

    from .tables import DEFAULT_MAX_BYTES

    limits = settings.limits()
    return limits if settings.option("max_bytes") else replace(limits, max_bytes=DEFAULT_MAX_BYTES)


@click.command("convert")
@click.argument("source", type=click.Path(dir_okay=False))
@click.option("--schema", "schema_ref", required=True,
              help="Schema name, optionally with a version: scdl/subventions or scdl/subventions@2.1.1")
@click.option("--output", "-o", required=True, type=click.Path(dir_okay=False), help="The SCDL CSV to write.")
@click.option("--recipe", "recipe_path", type=click.Path(exists=True, dir_okay=False),
              help="Replay a recipe saved from an earlier file.")
@click.option("--save-recipe", "save_recipe", type=click.Path(dir_okay=False), help="Save this run's recipe here.")
@click.option("--set", "settings_", multiple=True, metavar="FIELD=VALUE",
              help="A constant for a field no column holds (repeatable).")
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
def convert_command(source: str, schema_ref: str, output: str, recipe_path: str | None, save_recipe: str | None,
                    settings_: tuple[str, ...], output_format: str) -> None:
    """Convert a spreadsheet (CSV, XLSX, XLS, ODS) to the schema's CSV.

    Exit 0 when the output conforms, 1 when it was written but does not conform, 2 on error.
    """
    from ckanext.opendatalocale.scdl.registry import UnknownSchema
    from ckanext.opendatalocale.scdl.utils import registry

    from . import core

    as_json = output_format == "json"
    constants = {}
    for item in settings_:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            _fail("bad-constant", as_json, text=item)
        constants[name.strip()] = value
    recipe = None
    try:
        if recipe_path:
            with open(recipe_path, encoding="utf-8") as handle:
                recipe = core.Recipe.from_json(handle.read())
        name, _, version = schema_ref.partition("@")
        entry = registry().get(name, version or None)
        if not version and recipe is not None and recipe.schema_version:
            # A recipe replays the version it was made for, unless --schema names one.
            recorded = registry().resolve(f"{recipe.schema_name}@{recipe.schema_version}")
            if recorded is not None and recorded.name == entry.name:
                entry = recorded
    except UnknownSchema:
        _fail("unknown-schema", as_json, name=schema_ref)
    except core.ConvertError as error:
        _fail(error, as_json)
    limits = _limits()
    try:
        size = os.path.getsize(source)
    except OSError as exc:
        _fail("unreadable-spreadsheet", as_json, note=exc.strerror or str(exc))
    if size > limits.max_bytes:
        _fail("too-large", as_json, limit=limits.max_bytes)
    try:
        with open(source, "rb") as handle:
            table = core.read_table(handle.read(), os.path.basename(source), max_bytes=limits.max_bytes,
                                    max_rows=limits.max_rows)
        diff = None
        if recipe is not None:
            mapping, diff = core.apply_recipe(recipe, table, entry.descriptor)
            constants = {**recipe.constants, **constants}
        else:
            mapping = core.suggest(table, entry.descriptor)
        result = core.convert(table, entry.descriptor, mapping, constants, schema_name=entry.name,
                              schema_version=entry.version, limits=limits)
    except core.ConvertError as error:
        _fail(error, as_json)
    with open(output, "wb") as handle:
        handle.write(result.csv_bytes)
    if save_recipe:
        saved = core.Recipe.from_mapping(mapping, constants, schema_name=entry.name, schema_version=entry.version,
                                         value_rules=recipe.value_rules if recipe else None)
        with open(save_recipe, "w", encoding="utf-8") as handle:
            handle.write(saved.to_json())
    summary = _summary(table, mapping, diff, result, entry, output)
    if as_json:
        click.echo(json.dumps(summary, ensure_ascii=False, indent=2))
    else:
        _print_text(summary, language())
    sys.exit(EXIT_CONFORMS if result.conforms else EXIT_NOT_CONFORMANT)


def _summary(table, mapping, diff, result, entry, output: str) -> dict[str, Any]:
    report = result.report
    return {
        "schema": {"name": entry.name, "version": entry.version},
        "output": output,
        "source": table.source,
        "warnings": table.warnings,
        "mapping": [{"column": c.header, "field": c.field, "confidence": c.confidence} for c in mapping.columns],
        "unmapped_columns": mapping.unmapped_columns,
        "missing_fields": [f for f in mapping.missing_required if f not in result.constants],
        "constants": result.constants,
        "recipe_changes": diff.to_dict() if diff is not None else None,
        "rows": result.rows,
        "changed_cells": result.changed_cells,
        "unconverted": result.to_dict()["unconverted"],
        "unconverted_count": result.unconverted_count,
        "conformity": {"status": report.get("status"), "summary": report.get("summary"),
                       "error_count": report.get("error_count"), "errors": report.get("errors", [])[:20]},
        "conforms": result.conforms,
    }


def _print_text(summary: dict[str, Any], lang: str) -> None:
    click.echo(f"{summary['schema']['name']} {summary['schema']['version']} -> {summary['output']}")
    for item in summary["mapping"]:
        target = item["field"] or "-"
        click.echo(f"  {item['column']:<32} {target:<28} {item['confidence']:.2f}")
    pick = 0 if lang == "fr" else 1
    for name in summary["missing_fields"]:
        click.echo("  ! " + render("missing-field", field=name)[pick])
    for item in summary["unconverted"][:20]:
        click.echo("  ? " + render("unconverted-value", row=item["row"], column=item["column"],
                                   value=item["value"], reason=item["reason"][lang])[pick])
    summary_text = summary["conformity"]["summary"] or {}
    click.echo(summary_text.get(lang, "") if isinstance(summary_text, dict) else str(summary_text))


COMMANDS = [convert_command]
