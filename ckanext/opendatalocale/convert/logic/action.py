"""API actions: suggest a mapping, convert (and publish), show and save recipes."""
from __future__ import annotations

import json
from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk

from .. import wizard
from ..model import DATASET, ORGANIZATION, ConvertRecipe

__all__ = ["scdl_convert_suggest", "scdl_convert", "scdl_convert_recipe_show", "scdl_convert_recipe_save"]


def _json_param(data_dict: dict[str, Any], key: str) -> dict[str, Any]:
    value = data_dict.get(key) or {}
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            value = None
    if not isinstance(value, dict):
        raise tk.ValidationError({key: [tk._("Expected a JSON object.")]})
    return value


def _source(context: Any, data_dict: dict[str, Any]) -> tuple[bytes, str, dict[str, Any] | None]:
    """The file sent (``upload``) or the resource named (``resource_id``), with the target dataset."""
    dataset = None
    if data_dict.get("resource_id"):
        resource = tk.get_action("resource_show")(dict(context), {"id": data_dict["resource_id"]})
        dataset = tk.get_action("package_show")(dict(context), {"id": resource["package_id"]})
    elif data_dict.get("package_id"):
        dataset = tk.get_action("package_show")(dict(context), {"id": data_dict["package_id"]})
    if data_dict.get("upload") is not None and not isinstance(data_dict.get("upload"), str):
        data, filename = wizard.read_upload(data_dict["upload"])
    elif data_dict.get("resource_id"):
        data, filename = wizard.read_resource(resource)
    else:
        raise tk.ValidationError({"upload": [tk._("Send a file (upload) or name a resource (resource_id).")]})
    return data, filename, dataset


def _prepare(context: Any, data_dict: dict[str, Any]) -> dict[str, Any]:
    data, filename, dataset = _source(context, data_dict)
    entry = wizard.entry_for(data_dict.get("schema_name"), data_dict.get("schema_version"))
    table = wizard.read_table(data, filename)
    owner_org = (dataset or {}).get("owner_org") or data_dict.get("organization_id")
    replayed = None
    recipe = wizard.parse_recipe(data_dict["recipe"]) if data_dict.get("recipe") else None
    if recipe is None and tk.asbool(data_dict.get("use_recipe", True)):
        stored = wizard.stored_recipe((dataset or {}).get("id"), owner_org, entry.name)
        if stored:
            replayed, recipe = stored
    diff = None
    if recipe is not None:
        mapping, diff = wizard.replay(recipe, table, entry)
        replayed = replayed or "request"
    else:
        mapping = wizard.core.suggest(table, entry.descriptor)
    return {"data": data, "filename": filename, "dataset": dataset, "entry": entry, "table": table,
            "mapping": mapping, "recipe": recipe, "replayed": replayed, "diff": diff, "owner_org": owner_org}


def _organization(context: Any, owner_org: str | None) -> dict[str, Any] | None:
    if not owner_org:
        return None
    return tk.get_action("organization_show")(dict(context), {"id": owner_org, "include_datasets": False})


def scdl_convert_suggest(context: Any, data_dict: dict[str, Any]) -> dict[str, Any]:
    """The field suggested for each column of a file, for an SCDL schema.

    :param upload: the file (CSV, XLSX, XLS, ODS), or
    :param resource_id: a resource whose file to read
    :param package_id: the dataset it is for (or ``organization_id``): who may convert
    :param schema_name: e.g. ``scdl/subventions``; :param schema_version: latest by default
    :param use_recipe: replay the recipe saved on the dataset or organisation (default true)
    :returns: ``mapping`` (columns with candidates, confidence, samples; unmapped columns;
        missing required fields), ``constants`` suggested from the organisation, ``recipe``
        (``origin`` and ``diff`` when a saved recipe was replayed)
    """
    tk.check_access("scdl_convert_suggest", context, data_dict)
    prepared = _prepare(context, data_dict)
    entry, table, mapping = prepared["entry"], prepared["table"], prepared["mapping"]
    missing = wizard.missing_required(entry, wizard.choices_of(mapping))
    return {
        "schema_name": entry.name, "schema_version": entry.version, "filename": prepared["filename"],
        "headers": list(table.headers), "warnings": list(table.warnings),
        "mapping": mapping.to_dict(),
        "constants": wizard.organization_constants(entry, _organization(context, prepared["owner_org"]), missing),
        "recipe": {"origin": prepared["replayed"], "diff": prepared["diff"]} if prepared["replayed"] else None,
    }


def scdl_convert(context: Any, data_dict: dict[str, Any]) -> dict[str, Any]:
    """Convert a file to an SCDL schema; optionally publish it on the dataset.

    Parameters of ``scdl_convert_suggest``, plus:

    :param columns: ``{header: field}`` overriding the suggestions (``""`` leaves a column out)
    :param recipe: a recipe (JSON) to apply instead of the suggestions
    :param constants: ``{field: value}`` for required fields no column holds
    :param publish: add the result to the dataset (``package_id`` or ``resource_id``)
        as a resource declaring the schema, keep the original beside it and save the
        recipe on the dataset (default false)
    :param organization_recipe: with ``publish``, also keep the recipe for the organisation
    :returns: the conversion (changed cells per field, examples, values left unconverted,
        conformity report, ``conforms``), ``csv`` (the converted file), ``recipe``, and
        ``published`` (resource ids) when published
    """
    tk.check_access("scdl_convert", context, data_dict)
    prepared = _prepare(context, data_dict)
    entry, mapping = prepared["entry"], prepared["mapping"]
    columns = _json_param(data_dict, "columns")
    if columns:
        by_header = {c.header: c.index for c in mapping.columns}
        unknown = sorted(set(columns) - set(by_header))
        fields = set(entry.field_names)
        wrong = sorted(str(f) for f in columns.values() if f and f not in fields)
        if unknown or wrong:
            raise tk.ValidationError({"columns": [tk._("Unknown columns: {columns}; unknown fields: {fields}").format(
                columns=", ".join(unknown) or "-", fields=", ".join(wrong) or "-")]})
        choices = wizard.choices_of(mapping)
        choices.update({by_header[h]: f or "" for h, f in columns.items()})
        if wizard.duplicate_fields(choices):
            raise tk.ValidationError({"columns": [tk._("Several columns go to the field(s) {fields}.").format(
                fields=", ".join(wizard.duplicate_fields(choices)))]})
        mapping = wizard.choose(mapping, choices)
    constants = dict(getattr(prepared["recipe"], "constants", None) or {})
    constants.update({k: str(v) for k, v in _json_param(data_dict, "constants").items()})
    conversion = wizard.convert(prepared["table"], entry, mapping, constants)
    recipe = wizard.make_recipe(entry, mapping, constants)
    result = conversion.to_dict()
    result.update(csv=conversion.csv_bytes.decode("utf-8"), recipe=json.loads(recipe.to_json()),
                  schema_name=entry.name, schema_version=entry.version)
    if tk.asbool(data_dict.get("publish", False)):
        if prepared["dataset"] is None:
            raise tk.ValidationError({"package_id": [tk._("Name the dataset to publish in (package_id).")]})
        uploaded = data_dict.get("upload") is not None and not isinstance(data_dict.get("upload"), str)
        result["published"] = wizard.publish(
            context, dataset=prepared["dataset"], entry=entry, conversion=conversion, recipe=recipe,
            original=(prepared["data"], prepared["filename"]) if uploaded else None,
            source_resource_id=None if uploaded else data_dict.get("resource_id"),
            organization_recipe=tk.asbool(data_dict.get("organization_recipe", False)))
    return result


def _owner(context: Any, data_dict: dict[str, Any]) -> tuple[str, str]:
    if data_dict.get("package_id"):
        return DATASET, tk.get_action("package_show")(dict(context), {"id": data_dict["package_id"]})["id"]
    if data_dict.get("organization_id"):
        org = tk.get_action("organization_show")(dict(context), {"id": data_dict["organization_id"],
                                                                  "include_datasets": False})
        return ORGANIZATION, org["id"]
    raise tk.ValidationError({"package_id": [tk._("Give a package_id or an organization_id.")]})


def scdl_convert_recipe_show(context: Any, data_dict: dict[str, Any]) -> dict[str, Any]:
    """The recipe saved on a dataset (``package_id``) or an organisation (``organization_id``) for ``schema_name``.

    :returns: ``{"owner_type", "owner_id", "schema_name", "recipe", "resource_id", "updated"}``
    """
    tk.check_access("scdl_convert_recipe_show", context, data_dict)
    schema_name = tk.get_or_bust(data_dict, "schema_name")
    owner_type, owner_id = _owner(context, data_dict)
    row = ConvertRecipe.get(owner_type, owner_id, schema_name)
    if row is None:
        raise tk.ObjectNotFound(tk._("No recipe is saved for this schema."))
    return row.as_dict()


def scdl_convert_recipe_save(context: Any, data_dict: dict[str, Any]) -> dict[str, Any]:
    """Save a recipe on a dataset (``package_id``) or an organisation (``organization_id``).

    :param recipe: the recipe (JSON object or text), as ``scdl_convert`` returns it
    :returns: the saved recipe, as ``scdl_convert_recipe_show``
    """
    tk.check_access("scdl_convert_recipe_save", context, data_dict)
    owner_type, owner_id = _owner(context, data_dict)
    recipe = wizard.parse_recipe(tk.get_or_bust(data_dict, "recipe"))
    schema_name = getattr(recipe, "schema_name", None) or data_dict.get("schema_name")
    entry = wizard.entry_for(schema_name)
    user = model.User.get(context.get("user") or "")
    row = ConvertRecipe.put(owner_type, owner_id, entry.name, recipe.to_json(), getattr(user, "id", None))
    model.Session.commit()
    return row.as_dict()
