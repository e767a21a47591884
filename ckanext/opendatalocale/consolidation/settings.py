"""The consolidation feature's configuration, read from CKAN's config."""
from __future__ import annotations

import ckan.plugins.toolkit as tk

PREFIX = "ckanext.opendatalocale.consolidation."


def option(name: str):
    return tk.config.get(PREFIX + name)


def queue() -> str:
    return option("queue") or "default"


def on_change() -> bool:
    value = option("on_change")
    return True if value is None else tk.asbool(value)


def schemas() -> list[str]:
    """Schemas consolidated; empty: every SCDL schema some public resource declares."""
    raw = option("schemas") or ""
    if isinstance(raw, str):
        raw = raw.replace(",", " ").split()
    return [name for name in raw if name]


def datastore_batch() -> int:
    return int(option("datastore_batch") or 5000)
