"""Validators of the OpenDataLocale scheming schemas (``schemas/*.yaml``).

Code lists (SIREN, INSEE) are stored as JSON list strings, the convention of
scheming's ``multiple_text`` preset, so ``scheming_load_json`` gives lists back.
"""
from __future__ import annotations

import json
import re
from typing import Any

import ckan.plugins.toolkit as tk
from ckan.lib.navl.dictization_functions import Missing, StopOnError

from ckanext.opendatalocale.territories import codes

from ..registry import UnknownSchema, normalize_version
from .. import utils

__all__ = [
    "odl_siren",
    "odl_siren_list",
    "odl_insee_list",
    "odl_after_start",
    "odl_scdl_schema_name",
    "odl_scdl_schema_version",
    "odl_scdl_schema_url",
]

_SEPARATORS = re.compile(r"[,;\n\r\t]+")


def _is_empty(value: Any) -> bool:
    return value is None or isinstance(value, Missing) or value == "" or value == []


def _split_codes(value: Any) -> list[str]:
    """A list from a list, a JSON list string or a comma/semicolon/newline-separated string."""
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                value = json.loads(text)
            except ValueError:
                raise tk.Invalid(tk._("Expected a list of codes separated by commas."))
        else:
            value = _SEPARATORS.split(text)
    if not isinstance(value, (list, tuple)):
        raise tk.Invalid(tk._("Expected a list of codes separated by commas."))
    result: list[str] = []
    for item in value:
        code = codes.normalize_code(item)
        if code and code not in result:
            result.append(code)
    return result


def odl_siren(value: Any, context: dict) -> Any:
    """One SIREN: nine digits and a correct Luhn key (spaces are dropped)."""
    if _is_empty(value):
        return value
    if not codes.is_valid_siren(value):
        raise tk.Invalid(
            tk._("Invalid SIREN number: {code} (nine digits with a valid check key expected).").format(code=value)
        )
    return codes.normalize_code(value)


def odl_siren_list(value: Any, context: dict) -> Any:
    if _is_empty(value):
        return value
    items = _split_codes(value)
    wrong = [c for c in items if not codes.is_valid_siren(c)]
    if wrong:
        raise tk.Invalid(
            tk._("Invalid SIREN number(s): {codes} (nine digits with a valid check key expected).").format(
                codes=", ".join(wrong)
            )
        )
    return json.dumps(items) if items else ""


def odl_insee_list(value: Any, context: dict) -> Any:
    """INSEE commune codes that exist in the shipped national reference."""
    if _is_empty(value):
        return value
    items = _split_codes(value)
    known = utils.commune_codes()
    wrong = [c for c in items if not codes.is_valid_insee_commune(c, known)]
    if wrong:
        raise tk.Invalid(
            tk._("Unknown INSEE commune code(s): {codes}.").format(codes=", ".join(wrong))
        )
    return json.dumps(items) if items else ""


def odl_after_start(key: tuple, data: dict, errors: dict, context: dict) -> None:
    """The end of the temporal coverage is not before its start."""
    end = data.get(key)
    start = data.get(key[:-1] + ("temporal_coverage_start",))
    if _is_empty(end) or _is_empty(start) or errors.get(key):
        return
    try:
        if str(end)[:10] < str(start)[:10]:
            errors[key].append(tk._("The end of the temporal coverage is before its start."))
    except TypeError:
        return


# --------------------------------------------------------------------------- resource schema
#
# navl validates the keys of one resource in sorted order: schema_name, then
# schema_url, then schema_version. The name validator therefore settles both name
# and (when the value carried one) version; the URL and version validators each
# recompute what they need from the registry.


def _drop(key: tuple, data: dict) -> None:
    """No value: store nothing rather than an empty string (like ``ignore_missing``)."""
    data.pop(key, None)
    raise StopOnError


def _sibling(key: tuple, name: str) -> tuple:
    return key[:-1] + (name,)


def odl_scdl_schema_name(key: tuple, data: dict, errors: dict, context: dict) -> None:
    """A registry schema name; a slug, ``name@version`` or schema URL is accepted and canonicalised.

    Without a name, a ``schema_url`` the registry knows gives both name and version.
    """
    value = data.get(key)
    if _is_empty(value):
        # An API client (or harvester) may give only the schema URL: take the name from it.
        url = data.get(_sibling(key, "schema_url"))
        entry = None if _is_empty(url) else utils.registry().resolve(str(url))
        if entry is None:
            _drop(key, data)
        value = str(url)
    text = str(value).strip()
    registry = utils.registry()
    version_key = _sibling(key, "schema_version")
    explicit_version = not _is_empty(data.get(version_key))
    if "://" in text or "@" in text:
        entry = registry.resolve(text)
        # The version a URL or name@version carries, unless the publisher chose one.
        # A "latest"-style URL carries none: the version validator's default applies.
        if entry is not None and not explicit_version and ("@" in text or entry.version in text):
            data[version_key] = entry.version
    else:
        entry = None
    if entry is None:
        name, _, version = text.partition("@")
        try:
            entry = registry.get(name.strip(), None)
        except UnknownSchema:
            errors[key].append(tk._("Unknown data schema: {name}. Choose one of the schemas listed on /scdl.").format(name=text))
            return
        if version.strip() and not explicit_version:
            # name@version with an unknown version: reported on the version field.
            data[version_key] = version.strip()
    data[key] = entry.name


def _wanted_version(key: tuple, data: dict) -> tuple[str | None, str | None]:
    name = data.get(_sibling(key, "schema_name"))
    version = data.get(_sibling(key, "schema_version"))
    name = None if _is_empty(name) else str(name)
    version = None if _is_empty(version) else str(version).strip()
    return name, version


def odl_scdl_schema_version(key: tuple, data: dict, errors: dict, context: dict) -> None:
    """A version of the chosen schema (default: its latest), stored as ``X.Y.Z``."""
    name, version = _wanted_version(key, data)
    if name is None:
        if version:
            errors[key].append(tk._("A schema version needs a data schema: choose the schema first."))
            return
        _drop(key, data)
    if errors.get(_sibling(key, "schema_name")):
        return
    try:
        entry = utils.registry().get(name, version)
    except UnknownSchema as exc:
        versions = ", ".join(exc.known_versions) or "-"
        errors[key].append(
            tk._("Unknown version {version} of schema {name} (known versions: {versions}).").format(
                version=version, name=name, versions=versions
            )
        )
        return
    data[key] = entry.version


def odl_scdl_schema_url(key: tuple, data: dict, errors: dict, context: dict) -> None:
    """Derived: the canonical schema.data.gouv.fr URL of the chosen name and version.

    Without a registry schema, a URL given by the publisher (a schema from
    elsewhere) is kept as it is.
    """
    name, version = _wanted_version(key, data)
    if name is None:
        if _is_empty(data.get(key)):
            _drop(key, data)
        return
    try:
        entry = utils.registry().get(name, normalize_version(version) or version)
    except UnknownSchema:
        return  # the name or version validator reports it
    data[key] = entry.url
