"""What the SCDL glue shares: the portal's registry, labels in the request language."""
from __future__ import annotations

import os
from functools import lru_cache
from typing import Any

import ckan.plugins.toolkit as tk

from ckanext.opendatalocale.web import pick

from .registry import Registry, SchemaEntry, get_registry

STORE_DIR_OPTION = "ckanext.opendatalocale.scdl.store_dir"


def store_dir() -> str | None:
    """Where ``schemas sync`` writes: the configured directory, else ``<ckan.storage_path>/opendatalocale/scdl``."""
    configured = tk.config.get(STORE_DIR_OPTION)
    if configured:
        return configured
    storage = tk.config.get("ckan.storage_path")
    return os.path.join(storage, "opendatalocale", "scdl") if storage else None


def registry() -> Registry:
    """The registry the portal uses: shipped schemas plus those synced into the store."""
    return get_registry(store_dir())


@lru_cache(maxsize=1)
def commune_codes() -> frozenset[str]:
    from ckanext.opendatalocale.territories.reference import load_national

    return load_national().commune_codes()




def label(entry: SchemaEntry) -> str:
    return pick(entry.label) or entry.title


def find(name_or_slug: str, version: str | None = None) -> SchemaEntry:
    """The entry for a URL segment; aborts with 404 when unknown."""
    from .registry import UnknownSchema

    try:
        return registry().get(name_or_slug, version)
    except UnknownSchema as exc:
        return tk.abort(404, pick(exc.message))


def schema_summary(entry: SchemaEntry) -> dict[str, Any]:
    return {
        "name": entry.name,
        "slug": entry.slug,
        "label": label(entry),
        "version": entry.version,
        "url": entry.url,
    }
