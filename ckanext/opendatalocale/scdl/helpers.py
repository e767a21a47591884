"""Template helpers of the SCDL pages and of the scheming form and display snippets."""
from __future__ import annotations

import json
from typing import Any

import ckan.plugins.toolkit as tk

from . import utils
from .registry import SchemaEntry, UnknownSchema

__all__ = [
    "odl_scdl_schema_choices",
    "odl_scdl_version_choices",
    "odl_scdl_entry",
    "odl_scdl_label",
    "odl_scdl_doc_url",
    "odl_code_list",
]

def odl_scdl_schema_choices(field: dict[str, Any] | None = None) -> list[dict[str, str]]:
    """Scheming ``choices_helper``: every registry schema, SCDL ones first, labelled in the request language."""
    registry = utils.registry()
    entries = [registry.get(name) for name in registry.names()]
    entries.sort(key=lambda e: (not e.is_scdl, utils.label(e).lower()))
    return [{"value": e.name, "label": f"{utils.label(e)} ({e.name})"} for e in entries]


def odl_scdl_version_choices() -> list[dict[str, Any]]:
    """Versions grouped by schema, newest first, for the version select."""
    registry = utils.registry()
    return [
        {"name": name, "label": utils.label(registry.get(name)), "versions": list(reversed(registry.versions(name)))}
        for name in registry.names()
    ]


def odl_scdl_entry(name: str | None, version: str | None = None) -> SchemaEntry | None:
    if not name:
        return None
    try:
        return utils.registry().get(name, version or None)
    except UnknownSchema:
        return None


def odl_scdl_label(name: str | None) -> str:
    entry = odl_scdl_entry(name)
    return utils.label(entry) if entry else (name or "")


def odl_scdl_doc_url(name: str | None, version: str | None = None) -> str | None:
    """URL of this portal's documentation page of a schema (and version)."""
    entry = odl_scdl_entry(name, version)
    if entry is None:
        return None
    if version:
        return tk.h.url_for("scdl.schema_version", slug=entry.slug, version=entry.version)
    return tk.h.url_for("scdl.schema", slug=entry.slug)


def odl_code_list(value: Any) -> list[str]:
    """A stored code list (JSON list string, list or comma-separated text) as a list."""
    if value in (None, ""):
        return []
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    text = str(value).strip()
    if text.startswith("["):
        try:
            return [str(v) for v in json.loads(text)]
        except ValueError:
            pass
    return [part.strip() for part in text.split(",") if part.strip()]
