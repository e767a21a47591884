"""What an import writes into CKAN besides the dataset's own fields: a free
name, the resource ids kept across updates, the source's organisation and
the portal's scheming fields."""
from __future__ import annotations

import re
import uuid
from typing import Any

from ckan import model
from ckan.lib.munge import munge_title_to_name
from ckan.model.package import PACKAGE_NAME_MAX_LENGTH
from ckan.plugins import toolkit as tk

def unique_name(title: str) -> str:
    """A free dataset name from the title: ``name``, then ``name1``, ``name2``...
    as ckanext-harvest's ``_gen_new_name`` does, but looked up by exact names
    (the unique index) instead of an ILIKE prefix scan of every dataset, whose
    cost grew with the portal (tens of ms per dataset at 10,000 datasets)."""
    ideal = re.sub("-+", "-", munge_title_to_name(title))[:PACKAGE_NAME_MAX_LENGTH]
    candidates = [ideal] + [ideal[:PACKAGE_NAME_MAX_LENGTH - len(str(n))] + str(n) for n in range(1, 1000)]
    taken = {name for (name,) in model.Session.query(model.Package.name)
             .filter(model.Package.name.in_(candidates))}
    free = next((name for name in candidates if name not in taken), None)
    return free or f"{ideal[:PACKAGE_NAME_MAX_LENGTH - 9]}-{uuid.uuid4().hex[:8]}"


def keep_resource_ids(new: list[dict[str, Any]], old: list[dict[str, Any]]) -> None:
    """A resource still at the same URL keeps its id, and with it its page, views
    and conformity results: package_update would otherwise replace every
    resource by a new one, and queue every file for a new check."""
    free: dict[str, list[str]] = {}
    for resource in old:
        if resource.get("url") and resource.get("id"):
            free.setdefault(resource["url"], []).append(resource["id"])
    for resource in new:
        ids = free.get(resource.get("url") or "")
        if ids:
            resource["id"] = ids.pop(0)


def source_owner(source: Any) -> str | None:
    """The organisation of the harvest source (a dataset of type "harvest")."""
    package = model.Package.get(source.id)
    return package.owner_org if package is not None else None


def scheming_fields() -> set[str]:
    """Field names of the scheming dataset schema, when scheming is enabled."""
    try:
        schema = tk.get_action("scheming_dataset_schema_show")({"ignore_auth": True}, {"type": "dataset"})
    except (KeyError, tk.ObjectNotFound):
        return set()
    return {f["field_name"] for f in schema.get("dataset_fields", [])}
