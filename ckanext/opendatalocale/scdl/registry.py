"""Registry of the SCDL Table Schemas: shipped with the package, extended by syncs.

Pure Python, no CKAN import. Schemas are keyed by their schema.data.gouv.fr
catalogue name (``scdl/deliberations``, ``etalab/schema-irve-statique``) and by
the catalogue version, never by the ``version`` string written inside the JSON
(upstream leaves ``v1.1.6`` or a stale ``v2.3.0`` there).

Two sources are merged:

* the shipped set, ``schemas/scdl/catalog.json`` (package ``ckanext.opendatalocale.schemas``) plus
  ``<slug>/<version>/schema.json`` files (always present, never removed);
* an optional store directory written by :mod:`.sync`, same ``catalog.json``
  format, adding versions (and schemas) published after the package was built.
"""
from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Iterable, Mapping

from ckanext.opendatalocale.resources import data_dir

# Names, versions and entries are part of the registry's API.
from .entry import FieldChange, SchemaChanges, SchemaEntry, field_examples, normalize_examples  # noqa: F401
from .naming import normalize_version, short_slug, sort_versions, version_key  # noqa: F401
from .resolve import UrlResolver, looks_like_url

SHIPPED_DIR = data_dir("schemas") / "scdl"
CATALOG_FILE = "catalog.json"
CATALOG_FORMAT = "opendatalocale-scdl-catalog/1"
SCHEMA_SITE = "https://schema.data.gouv.fr"
SCDL_LABEL = "Socle Commun des Données Locales"

# --------------------------------------------------------------------------- errors


class UnknownSchema(LookupError):
    """No schema (or no such version of it) in the registry."""

    def __init__(self, name: str, version: str | None = None, known_versions: Iterable[str] = ()):
        self.name = name
        self.version = version
        self.known_versions = list(known_versions)
        if version is None or not self.known_versions:
            self.code = "unknown-schema"
            self.message = {
                "fr": f"Schéma inconnu : « {name} ».",
                "en": f"Unknown schema: '{name}'.",
            }
        else:
            known = ", ".join(self.known_versions)
            self.code = "unknown-schema-version"
            self.message = {
                "fr": f"Version inconnue du schéma « {name} » : « {version} » (versions connues : {known}).",
                "en": f"Unknown version of schema '{name}': '{version}' (known versions: {known}).",
            }
        super().__init__(self.message["en"])


# --------------------------------------------------------------------------- loading


def read_catalog(directory: Path) -> dict[str, Any] | None:
    """The ``catalog.json`` of a shipped or store directory, or None if absent."""
    path = Path(directory) / CATALOG_FILE
    if not path.is_file():
        return None
    with path.open(encoding="utf-8") as handle:
        data = json.load(handle)
    if not isinstance(data, dict) or not isinstance(data.get("schemas"), list):
        raise ValueError(f"{path}: not an OpenDataLocale SCDL catalogue")
    return data


def _entry_from(meta: Mapping[str, Any], version_meta: Mapping[str, Any], base: Path, source: str) -> SchemaEntry:
    path = base / version_meta["path"]
    with path.open(encoding="utf-8") as handle:
        descriptor = json.load(handle)
    fields = descriptor.get("fields") or []
    name = meta["name"]
    version = version_meta["version"]
    title = meta.get("title") or descriptor.get("title") or name
    label = dict(meta.get("label") or {})
    label.setdefault("fr", title)
    label.setdefault("en", label["fr"])
    declared = descriptor.get("version")
    return SchemaEntry(
        name=name,
        version=version,
        title=title,
        description=meta.get("description") or descriptor.get("description") or "",
        descriptor=descriptor,
        url=version_meta.get("schema_url") or canonical_url(name, version),
        slug=meta.get("slug") or short_slug(name),
        path=path,
        custom_checks=[c for c in descriptor.get("custom_checks") or [] if isinstance(c, dict)],
        field_names=[f.get("name") for f in fields],
        required_fields=[f.get("name") for f in fields if (f.get("constraints") or {}).get("required")],
        label=label,
        declared_version=str(declared) if declared is not None else None,
        homepage=meta.get("homepage"),
        contact=meta.get("contact"),
        external_doc=meta.get("external_doc"),
        examples=normalize_examples(meta.get("examples")),
        labels=list(meta.get("labels") or []),
        is_scdl=SCDL_LABEL in (meta.get("labels") or []),
        source=source,
    )


def canonical_url(name: str, version: str, filename: str = "schema.json") -> str:
    return f"{SCHEMA_SITE}/schemas/{name}/{version}/{filename}"


@dataclass
class _Schema:
    meta: dict[str, Any]
    entries: dict[str, SchemaEntry]  # version -> entry
    latest: str = ""


class Registry:
    """All known schemas and versions. Build it with :func:`get_registry`."""

    def __init__(self, shipped_dir: Path = SHIPPED_DIR, store_dir: Path | None = None):
        self.shipped_dir = Path(shipped_dir)
        self.store_dir = Path(store_dir) if store_dir else None
        self._schemas: dict[str, _Schema] = {}
        self.not_shipped: list[dict[str, Any]] = []
        self.store_error: str | None = None
        self._load(self.shipped_dir, "shipped")
        if self.store_dir is not None:
            try:
                self._load(self.store_dir, "store")
            except (OSError, ValueError, KeyError) as exc:
                # A damaged store must not take the shipped set down with it.
                self.store_error = f"{type(exc).__name__}: {exc}"
        self._finalise()

    # -- building

    def _load(self, directory: Path, source: str) -> None:
        catalog = read_catalog(directory)
        if catalog is None:
            return
        if source == "shipped":
            self.not_shipped = list(catalog.get("not_shipped") or [])
        for meta in catalog["schemas"]:
            name = meta["name"]
            current = self._schemas.get(name)
            if current is None:
                current = self._schemas[name] = _Schema(meta=dict(meta), entries={})
            elif source == "store":
                # Newer catalogue metadata (title, description, examples) wins.
                current.meta.update({k: v for k, v in meta.items() if k != "versions"})
            for version_meta in meta.get("versions") or []:
                version = version_meta["version"]
                if version in current.entries and current.entries[version].source == "shipped":
                    continue  # the shipped copy is the tested one
                current.entries[version] = _entry_from(current.meta, version_meta, Path(directory), source)

    def _finalise(self) -> None:
        for name in list(self._schemas):
            schema = self._schemas[name]
            if not schema.entries:
                del self._schemas[name]
                continue
            ordered = sort_versions(schema.entries)
            schema.latest = ordered[-1]
            schema.entries = {
                v: _replace(schema.entries[v], schema.meta, is_latest=(v == schema.latest)) for v in ordered
            }
        self._by_key: dict[str, str] = {}
        # Full names first so a slug never shadows a real name; SCDL first among slugs.
        for name in self._schemas:
            self._by_key[name.lower()] = name
        ordered_names = sorted(self._schemas, key=lambda n: (not self._schemas[n].entries[self._schemas[n].latest].is_scdl, n))
        for name in ordered_names:
            for key in {short_slug(name).lower(), name.rsplit("/", 1)[-1].lower()}:
                self._by_key.setdefault(key, name)
        self._urls = UrlResolver(self)

    # -- queries

    def names(self, scdl_only: bool = False) -> list[str]:
        return sorted(
            n for n, s in self._schemas.items() if not scdl_only or s.entries[s.latest].is_scdl
        )

    def __contains__(self, name: str) -> bool:
        return self._canonical_name(name) is not None

    def __len__(self) -> int:
        return len(self._schemas)

    def versions(self, name: str) -> list[str]:
        return list(self._schema(name).entries)

    def latest(self, name: str) -> str:
        return self._schema(name).latest

    def entries(self, latest_only: bool = False) -> list[SchemaEntry]:
        result = []
        for name in self.names():
            schema = self._schemas[name]
            result.extend([schema.entries[schema.latest]] if latest_only else schema.entries.values())
        return result

    def get(self, name: str, version: str | None = None) -> SchemaEntry:
        """The entry for ``name`` (catalogue name or short slug) at ``version`` (default: latest)."""
        schema = self._schema(name)
        if version is None or str(version).strip().lower() in ("", "latest"):
            return schema.entries[schema.latest]
        wanted = normalize_version(version)
        if wanted not in schema.entries:
            raise UnknownSchema(schema.meta["name"], str(version), schema.entries)
        return schema.entries[wanted]

    def resolve(self, ref: str) -> SchemaEntry | None:
        """Find the entry a name, ``name@version`` or schema URL points at; None if unknown."""
        if not ref or not str(ref).strip():
            return None
        text = str(ref).strip()
        if looks_like_url(text):
            return self._urls.resolve(text)
        name, _, version = text.partition("@")
        try:
            return self.get(name.strip(), version.strip() or None)
        except UnknownSchema:
            return None

    # -- internals

    def _canonical_name(self, name: str) -> str | None:
        return self._by_key.get(str(name).strip().strip("/").lower())

    def _schema(self, name: str) -> _Schema:
        canonical = self._canonical_name(name)
        if canonical is None:
            raise UnknownSchema(str(name))
        return self._schemas[canonical]

    def _pick(self, name: str, version: str | None) -> SchemaEntry | None:
        try:
            return self.get(name, version)
        except UnknownSchema:
            return None

def _replace(entry: SchemaEntry, meta: Mapping[str, Any], is_latest: bool) -> SchemaEntry:
    title = meta.get("title") or entry.title
    label = dict(meta.get("label") or entry.label)
    label.setdefault("fr", title)
    label.setdefault("en", label["fr"])
    return replace(
        entry,
        is_latest=is_latest,
        title=title,
        label=label,
        description=meta.get("description") or entry.description,
        homepage=meta.get("homepage") or entry.homepage,
        contact=meta.get("contact") or entry.contact,
        external_doc=meta.get("external_doc") or entry.external_doc,
        examples=normalize_examples(meta.get("examples")) or entry.examples,
        labels=list(meta.get("labels") or entry.labels),
        is_scdl=SCDL_LABEL in (meta.get("labels") or entry.labels),
    )


# --------------------------------------------------------------------------- cache

_cache: dict[Any, Registry] = {}
_cache_lock = threading.Lock()


def _store_stamp(store_dir: Path | None) -> Any:
    if store_dir is None:
        return None
    try:
        return (Path(store_dir) / CATALOG_FILE).stat().st_mtime_ns
    except OSError:
        return None


def get_registry(store_dir: str | os.PathLike | None = None) -> Registry:
    """The registry of shipped schemas plus those synced into ``store_dir``.

    Cached; a new sync (which rewrites the store's catalog.json) is picked up
    on the next call.
    """
    store = Path(store_dir).resolve() if store_dir else None
    key = (store, _store_stamp(store))
    with _cache_lock:
        registry = _cache.get(key)
        if registry is None:
            for stale in [k for k in _cache if k[0] == store]:
                del _cache[stale]
            registry = _cache[key] = Registry(SHIPPED_DIR, store)
        return registry


def clear_cache() -> None:
    with _cache_lock:
        _cache.clear()
