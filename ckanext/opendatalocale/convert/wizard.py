"""What the conversion views and actions share: reading a file, the mapping
chosen, the organisation's constants, saved recipes, publishing.

The converting itself is :mod:`.core` (pure, no CKAN); this module is its CKAN glue.
"""
from __future__ import annotations

import dataclasses
import io
import json
import re
import unicodedata
from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.opendatalocale.scdl.utils import label as schema_label
from ckanext.opendatalocale.scdl.utils import pick, registry

from . import core
from .model import DATASET, ORGANIZATION, ConvertRecipe

PREFIX = "ckanext.opendatalocale.convert."
FORMATS = {"csv": "CSV", "xlsx": "XLSX", "xls": "XLS", "ods": "ODS"}


def max_bytes() -> int:
    return tk.asint(tk.config.get(PREFIX + "max_bytes") or 20 * 1024 * 1024)


def max_rows() -> int:
    return tk.asint(tk.config.get(PREFIX + "max_rows") or 200_000)


def session_hours() -> int:
    return tk.asint(tk.config.get(PREFIX + "session_hours") or 24)


class ConvertFailure(tk.ValidationError):
    """A file or request the converter refuses: a 4xx with a French/English message."""

    def __init__(self, field: str, message: str):
        super().__init__({field: [message]})
        self.message = message


def failure(exc: core.ConvertError, field: str = "upload") -> ConvertFailure:
    fr, en = exc.message_fr, exc.message_en
    return ConvertFailure(field, pick({"fr": fr, "en": en}))


def entry_for(name: str | None, version: str | None = None) -> Any:
    """The registry entry of the schema asked for (a ConvertFailure if unknown)."""
    from ckanext.opendatalocale.scdl.registry import UnknownSchema

    if not name:
        raise ConvertFailure("schema_name", tk._("Choose the schema to convert to."))
    try:
        return registry().get(name, version or None)
    except UnknownSchema as exc:
        raise ConvertFailure("schema_name", pick(exc.message)) from exc


def read_upload(upload: Any) -> tuple[bytes, str]:
    """The bytes and name of an uploaded file (werkzeug FileStorage), capped."""
    filename = getattr(upload, "filename", None) or ""
    if not filename or not hasattr(upload, "read"):
        raise ConvertFailure("upload", tk._("Choose a file to convert."))
    data = upload.read(max_bytes() + 1)
    if len(data) > max_bytes():
        raise ConvertFailure("upload", tk._("The file is larger than {size} MB: split it or ask your "
                                            "administrator.").format(size=max_bytes() // (1024 * 1024)))
    return data, filename.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]


def read_resource(resource: dict[str, Any]) -> tuple[bytes, str]:
    """The bytes of an existing resource (upload or URL through the suite's HTTP client), capped."""
    from ckanext.opendatalocale.conformity.sources import SourceUnavailable, resource_chunks, spool

    try:
        spooled, _digest, size = spool(resource_chunks(resource), max_bytes())
    except SourceUnavailable as exc:
        raise ConvertFailure("resource_id", pick(exc.note) or tk._("The file of this resource cannot be read.")) from exc
    with spooled:
        if size > max_bytes():
            raise ConvertFailure("resource_id", tk._("The file is larger than {size} MB: split it or ask your "
                                                     "administrator.").format(size=max_bytes() // (1024 * 1024)))
        data = spooled.read()
    name = (resource.get("url") or "").rsplit("/", 1)[-1].split("?", 1)[0] or resource.get("name") or "fichier"
    if "." not in name and resource.get("format"):
        name = f"{name}.{resource['format'].lower()}"
    return data, name


def read_table(data: bytes, filename: str) -> Any:
    try:
        return core.read_table(data, filename, max_bytes=max_bytes(), max_rows=max_rows())
    except core.ConvertError as exc:
        raise failure(exc) from exc


# --------------------------------------------------------------------------- the mapping

def choose(mapping: Any, choices: dict[int, str]) -> Any:
    """The mapping with the user's field per column index ("" leaves a column out)."""
    columns = []
    for column in mapping.columns:
        if column.index in choices:
            field = choices[column.index] or None
            column = dataclasses.replace(column, field=field,
                                         confidence=dict(column.candidates).get(field, 1.0) if field else 0.0)
        columns.append(column)
    return dataclasses.replace(mapping, columns=columns)


def choices_of(mapping: Any) -> dict[int, str]:
    return {c.index: c.field or "" for c in mapping.columns}


def duplicate_fields(choices: dict[int, str]) -> list[str]:
    seen: dict[str, int] = {}
    for field in choices.values():
        if field:
            seen[field] = seen.get(field, 0) + 1
    return sorted(f for f, n in seen.items() if n > 1)


def missing_required(entry: Any, choices: dict[int, str]) -> list[str]:
    chosen = set(choices.values())
    return [name for name in entry.required_fields if name not in chosen]


def _words(text: str) -> str:
    text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode().lower()
    return " ".join(re.findall(r"[a-z0-9]+", re.sub(r"([a-z])([A-Z])", r"\1 \2", text)))


def _field_words(field: dict[str, Any]) -> str:
    name = re.sub(r"([a-z])([A-Z])", r"\1 \2", field.get("name") or "")
    return _words(f"{name} {field.get('title') or ''}")


OWNER_WORDS = ("attribuant", "coll", "collectivite", "organisme", "producteur", "publicateur")


def organization_constants(entry: Any, organization: dict[str, Any] | None, fields: list[str]) -> dict[str, str]:
    """Values the organisation gives for ``fields``: its name, its SIREN (or SIRET when it has one).

    Only fields that name the publisher ("nomAttribuant", "COLL_NOM", "COLL_SIRET"...) are filled;
    a SIRET is never made up from a SIREN.
    """
    if not organization:
        return {}
    siren = re.sub(r"\D", "", str(organization.get("siren") or ""))
    siret = re.sub(r"\D", "", str(organization.get("siret") or ""))
    by_name = {f.get("name"): f for f in entry.fields}
    values: dict[str, str] = {}
    for name in fields:
        words = _field_words(by_name.get(name) or {"name": name}).split()
        if not any(w in OWNER_WORDS for w in words):
            continue
        if "siret" in words or "id" in words:
            if len(siret) == 14:
                values[name] = siret
        elif "siren" in words:
            if len(siren) == 9:
                values[name] = siren
        elif "nom" in words or "name" in words:
            values[name] = organization.get("title") or organization.get("name") or ""
    return {k: v for k, v in values.items() if v}


def convert(table: Any, entry: Any, mapping: Any, constants: dict[str, str]) -> Any:
    try:
        return core.convert(table, entry.descriptor, mapping, constants={k: v for k, v in constants.items() if v})
    except core.ConvertError as exc:
        raise failure(exc, "columns") from exc


def make_recipe(entry: Any, mapping: Any, constants: dict[str, str]) -> Any:
    return core.Recipe.from_mapping(mapping, constants={k: v for k, v in constants.items() if v},
                                    schema_name=entry.name, schema_version=entry.version)


# --------------------------------------------------------------------------- recipes

def stored_recipe(package_id: str | None, owner_org: str | None, schema_name: str) -> tuple[str, Any] | None:
    """The recipe to replay: the dataset's for this schema, else its organisation's."""
    for owner_type, owner_id in ((DATASET, package_id), (ORGANIZATION, owner_org)):
        row = ConvertRecipe.get(owner_type, owner_id, schema_name) if owner_id else None
        if row is not None:
            return owner_type, core.Recipe.from_json(row.recipe)
    return None


def replay(recipe: Any, table: Any, entry: Any) -> tuple[Any, dict[str, Any]]:
    try:
        mapping, diff = core.apply_recipe(recipe, table, entry.descriptor)
    except core.ConvertError as exc:
        raise failure(exc, "recipe") from exc
    return mapping, diff.to_dict()


def parse_recipe(value: Any) -> Any:
    try:
        return core.Recipe.from_json(value if isinstance(value, str) else json.dumps(value))
    except (core.ConvertError, ValueError, TypeError, KeyError) as exc:
        raise ConvertFailure("recipe", tk._("The recipe is not a valid conversion recipe.")) from exc


# --------------------------------------------------------------------------- publishing

def _upload(data: bytes, filename: str, mimetype: str) -> Any:
    from werkzeug.datastructures import FileStorage

    return FileStorage(stream=io.BytesIO(data), filename=filename, content_type=mimetype)


def _format(filename: str) -> str:
    return FORMATS.get(filename.rsplit(".", 1)[-1].lower(), "") if "." in filename else ""


def new_dataset(context: dict[str, Any], entry: Any, owner_org: str) -> dict[str, Any]:
    """A dataset for a conversion started from the schema's guided page, filled as the guided form is."""
    from ckanext.opendatalocale.scdl import guided

    organization = tk.get_action("organization_show")(dict(context), {"id": owner_org, "include_datasets": False})
    guide = guided.guide(entry)
    title = f"{pick(guide.title)} – {organization.get('title') or organization['name']}"
    base = re.sub(r"[^a-z0-9]+", "-", _words(title))[:90].strip("-") or "donnees"
    name, n = base, 1
    while model.Package.get(name) is not None:
        n += 1
        name = f"{base}-{n}"
    values: dict[str, Any] = {"name": name, "title": title, "owner_org": organization["id"],
                              "frequency": guide.frequency, "tag_string": ", ".join(guide.keywords)}
    if guide.themes:
        values["themes"] = list(guide.themes)
    if model.Package.get_license_register().get(guided.DEFAULT_LICENSE) is not None:
        values["license_id"] = guided.DEFAULT_LICENSE
    return tk.get_action("package_create")(dict(context), values)


def publish(context: dict[str, Any], *, dataset: dict[str, Any], entry: Any, conversion: Any, recipe: Any,
            original: tuple[bytes, str] | None, source_resource_id: str | None,
            replace_resource_id: str | None = None, name: str | None = None,
            organization_recipe: bool = False) -> dict[str, Any]:
    """The converted CSV as a resource declaring the schema, the original kept beside it, the recipe saved.

    ``original`` is the uploaded file (a new resource); a file picked among the
    dataset's resources stays as it is, only no longer declaring the schema it
    does not conform to.
    """
    user_id = getattr(model.User.get(context.get("user") or ""), "id", None)
    label = schema_label(entry)
    stem = (original[1] if original else name or label).rsplit(".", 1)[0]
    if original is not None:
        data, filename = original
        kept = tk.get_action("resource_create")(dict(context), {
            "package_id": dataset["id"], "name": tk._("{name} (original file)").format(name=filename),
            "description": tk._("The file as it was before its conversion to the {schema} schema.").format(
                schema=entry.name),
            "format": _format(filename), "upload": _upload(data, filename, "application/octet-stream"),
        })
    else:
        kept = tk.get_action("resource_show")(dict(context), {"id": source_resource_id})
        if kept.get("schema_name"):
            kept = tk.get_action("resource_patch")(dict(context), {
                "id": kept["id"], "schema_name": "", "schema_version": "", "schema_url": ""})
    fields = {
        "name": name or tk._("{label} (SCDL format)").format(label=label),
        "description": tk._("Converted from {file} to the {schema} schema, version {version}.").format(
            file=kept.get("name") or stem, schema=entry.name, version=entry.version),
        "format": "CSV", "schema_name": entry.name, "schema_version": entry.version,
        "upload": _upload(conversion.csv_bytes, f"{_words(stem).replace(' ', '-') or 'scdl'}-scdl.csv", "text/csv"),
    }
    if replace_resource_id:
        converted = tk.get_action("resource_patch")(dict(context), {"id": replace_resource_id, **fields})
    else:
        converted = tk.get_action("resource_create")(dict(context), {"package_id": dataset["id"], **fields})
    text = recipe.to_json()
    ConvertRecipe.put(DATASET, dataset["id"], entry.name, text, user_id, resource_id=converted["id"])
    if organization_recipe and dataset.get("owner_org"):
        ConvertRecipe.put(ORGANIZATION, dataset["owner_org"], entry.name, text, user_id)
    model.Session.commit()
    return {"package_id": dataset["id"], "resource_id": converted["id"], "original_resource_id": kept["id"]}


def previous_resource(package_id: str | None, schema_name: str) -> dict[str, Any] | None:
    """The resource the dataset's recipe last published, while it still declares the schema."""
    row = ConvertRecipe.get(DATASET, package_id, schema_name) if package_id else None
    resource = model.Resource.get(row.resource_id) if row is not None and row.resource_id else None
    if resource is None or resource.state != "active" or resource.package_id != package_id:
        return None
    if (resource.extras or {}).get("schema_name") != schema_name:
        return None
    return {"id": resource.id, "name": resource.name}
