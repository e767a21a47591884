"""One version of one SCDL schema, its fields' examples and its changes from another version.

Pure Python.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping


def normalize_examples(raw: Any) -> list[dict[str, str]]:
    """Catalogue ``examples`` come as ``[{title, path}]`` or as bare URL strings."""
    examples: list[dict[str, str]] = []
    for item in raw or []:
        if isinstance(item, str):
            examples.append({"title": item.rsplit("/", 1)[-1], "url": item})
        elif isinstance(item, Mapping):
            url = item.get("path") or item.get("url")
            if url:
                examples.append({"title": str(item.get("title") or url), "url": str(url)})
    return examples


def field_examples(field_descriptor: Mapping[str, Any]) -> list[str]:
    """The example values of a field, whether upstream wrote ``example`` or ``examples``.

    ``examples`` is non-standard and usually a single string (sometimes a JSON
    array literal for ``array`` fields, which is itself one example).
    """
    values: list[str] = []
    for key in ("example", "examples"):
        raw = field_descriptor.get(key)
        if raw is None:
            continue
        if isinstance(raw, list):
            values.extend(_example_text(v) for v in raw)
        else:
            values.append(_example_text(raw))
    return [v for v in values if v != ""]


def _example_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@dataclass(frozen=True)
class FieldChange:
    name: str
    # attribute -> (before, after); constraints are compared key by key ("constraints.enum").
    changes: dict[str, tuple[Any, Any]]


@dataclass(frozen=True)
class SchemaChanges:
    """What changed between two versions of one schema."""

    name: str
    from_version: str
    to_version: str
    added: list[str]
    removed: list[str]
    changed: list[FieldChange]
    checks_added: list[dict]
    checks_removed: list[dict]

    @property
    def is_empty(self) -> bool:
        return not (self.added or self.removed or self.changed or self.checks_added or self.checks_removed)

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "from_version": self.from_version,
            "to_version": self.to_version,
            "added": self.added,
            "removed": self.removed,
            "changed": [
                {"name": c.name, "changes": {k: {"before": b, "after": a} for k, (b, a) in c.changes.items()}}
                for c in self.changed
            ],
            "checks_added": self.checks_added,
            "checks_removed": self.checks_removed,
        }


_COMPARED_FIELD_KEYS = ("type", "format", "title", "description", "trueValues", "falseValues", "arrayItem")


@dataclass(frozen=True)
class SchemaEntry:
    """One version of one schema. ``descriptor`` is the upstream Table Schema: treat it as read-only."""

    name: str
    version: str
    title: str
    description: str
    descriptor: dict = field(repr=False, compare=False)
    url: str = ""
    slug: str = ""
    path: Path | None = None
    custom_checks: list[dict] = field(default_factory=list, repr=False, compare=False)
    field_names: list[str] = field(default_factory=list, repr=False, compare=False)
    required_fields: list[str] = field(default_factory=list, repr=False, compare=False)
    is_latest: bool = False
    label: dict[str, str] = field(default_factory=dict, repr=False, compare=False)
    declared_version: str | None = None
    homepage: str | None = None
    contact: str | None = None
    external_doc: str | None = None
    examples: list[dict[str, str]] = field(default_factory=list, repr=False, compare=False)
    labels: list[str] = field(default_factory=list, repr=False, compare=False)
    is_scdl: bool = True
    source: str = "shipped"  # "shipped" or "store"

    @property
    def ref(self) -> str:
        return f"{self.name}@{self.version}"

    @property
    def fields(self) -> list[dict]:
        return list(self.descriptor.get("fields") or [])

    def documentation(self) -> list[dict[str, Any]]:
        """One plain dict per field, for documentation pages and the API."""
        docs = []
        for fd in self.fields:
            constraints = dict(fd.get("constraints") or {})
            required = bool(constraints.pop("required", False))
            docs.append(
                {
                    "name": fd.get("name"),
                    "title": fd.get("title") or "",
                    "type": fd.get("type") or "any",
                    "format": fd.get("format"),
                    "description": fd.get("description") or "",
                    "required": required,
                    "constraints": constraints,
                    "examples": field_examples(fd),
                    "array_item": fd.get("arrayItem"),
                    "true_values": fd.get("trueValues"),
                    "false_values": fd.get("falseValues"),
                }
            )
        return docs

    def changes_from(self, previous: "SchemaEntry") -> SchemaChanges:
        """Fields added, removed and changed since ``previous`` (another version of this schema)."""
        before = {f.get("name"): f for f in previous.fields}
        after = {f.get("name"): f for f in self.fields}
        changed = []
        for name in (n for n in after if n in before):
            diff = _field_diff(before[name], after[name])
            if diff:
                changed.append(FieldChange(name=name, changes=diff))
        old_checks, new_checks = previous.custom_checks, self.custom_checks
        return SchemaChanges(
            name=self.name,
            from_version=previous.version,
            to_version=self.version,
            added=[n for n in after if n not in before],
            removed=[n for n in before if n not in after],
            changed=changed,
            checks_added=[c for c in new_checks if c not in old_checks],
            checks_removed=[c for c in old_checks if c not in new_checks],
        )

    def frictionless_schema(self):
        """The descriptor as a ``frictionless.Schema`` (frictionless imported lazily)."""
        from frictionless import Schema

        return Schema.from_descriptor(json.loads(json.dumps(self.descriptor)))

    def as_dict(self, with_descriptor: bool = False) -> dict[str, Any]:
        data = {
            "name": self.name,
            "version": self.version,
            "slug": self.slug,
            "title": self.title,
            "label": dict(self.label),
            "description": self.description,
            "url": self.url,
            "is_latest": self.is_latest,
            "declared_version": self.declared_version,
            "homepage": self.homepage,
            "contact": self.contact,
            "external_doc": self.external_doc,
            "examples": list(self.examples),
            "labels": list(self.labels),
            "is_scdl": self.is_scdl,
            "field_names": list(self.field_names),
            "required_fields": list(self.required_fields),
            "custom_checks": list(self.custom_checks),
        }
        if with_descriptor:
            data["descriptor"] = self.descriptor
        return data


def _field_diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, tuple[Any, Any]]:
    diff: dict[str, tuple[Any, Any]] = {}
    for key in _COMPARED_FIELD_KEYS:
        if before.get(key) != after.get(key):
            diff[key] = (before.get(key), after.get(key))
    old_c = before.get("constraints") or {}
    new_c = after.get("constraints") or {}
    for key in sorted(set(old_c) | set(new_c)):
        old_v, new_v = old_c.get(key), new_c.get(key)
        if key == "required":
            old_v, new_v = bool(old_v), bool(new_v)
        if old_v != new_v:
            diff[f"constraints.{key}"] = (old_v, new_v)
    if field_examples(before) != field_examples(after):
        diff["examples"] = (field_examples(before), field_examples(after))
    return diff
