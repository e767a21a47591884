"""Refresh the schema store from a schema.data.gouv.fr-format catalogue.

The catalogue (``schemas-scdl.json`` or ``schemas.json``, format
https://opendataschema.frama.io/catalog/schema-catalog.json) lists schemas and
their versions with one URL per version. New versions are downloaded into the
store directory; versions that disappeared upstream are reported and kept.

Everything is fetched and checked before anything is written, then files are
moved into place from a staging directory and ``catalog.json`` is replaced last
(``os.replace``), so a failed or malformed catalogue leaves the current set
exactly as it was.
"""
from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from .registry import (
    CATALOG_FILE,
    CATALOG_FORMAT,
    SCDL_LABEL,
    Registry,
    clear_cache,
    normalize_examples,
    normalize_version,
    read_catalog,
    short_slug,
    sort_versions,
)

DEFAULT_CATALOG_URL = "https://schema.data.gouv.fr/schemas-scdl.json"

# schema.data.gouv.fr titles are French only; these are the English labels.
ENGLISH_TITLES = {
    "scdl/budget": "Budgets of local authorities and local public bodies",
    "scdl/catalogue": "Simplified data catalogue",
    "scdl/deliberations": "Council deliberations",
    "scdl/equipements": "Public facilities",
    "scdl/menus-collectifs": "Institutional catering menus",
    "scdl/plats-menus-collectifs": "Composition of institutional catering dishes",
    "scdl/prenoms": "First names of newborns",
    "scdl/subventions": "Grants",
    "etalab/schema-irve-statique": "Electric vehicle charging points (static data)",
    "etalab/schema-irve-dynamique": "Electric vehicle charging points (real-time status)",
    "etalab/schema-irve": "Electric vehicle charging infrastructure (data package)",
    "atlasante/schema-dae": "Automated external defibrillators (AED)",
    "etalab/schema-bal": "Local address base (BAL)",
    "etalab/schema-amenagements-cyclables": "Cycling infrastructure",
}

# Upstream French titles that are too terse to stand alone in a form.
FRENCH_LABELS = {
    "atlasante/schema-dae": "Défibrillateurs automatisés externes (DAE)",
}

Fetch = Callable[[str], bytes]


# --------------------------------------------------------------------------- catalogue format


class CatalogError(ValueError):
    """The upstream catalogue could not be used; ``message`` is bilingual."""

    def __init__(self, code: str, message: dict[str, str]):
        self.code = code
        self.message = message
        super().__init__(message["en"])


def parse_catalog(content: bytes) -> list[dict[str, Any]]:
    """The ``schemas`` list of a schema-catalog document, checked for shape."""
    head = content[:512].lstrip().lower()
    if head.startswith((b"<!doctype", b"<html", b"<?xml", b"<")):
        raise CatalogError(
            "catalog-not-json",
            {
                "fr": "Le catalogue reçu est une page HTML et non un fichier JSON : vérifiez l'URL du catalogue.",
                "en": "The catalogue received is an HTML page, not a JSON file: check the catalogue URL.",
            },
        )
    try:
        data = json.loads(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise CatalogError(
            "catalog-not-json",
            {
                "fr": f"Le catalogue n'est pas un JSON valide ({exc}).",
                "en": f"The catalogue is not valid JSON ({exc}).",
            },
        ) from exc
    schemas = data.get("schemas") if isinstance(data, dict) else None
    if not isinstance(schemas, list) or not all(isinstance(s, dict) and s.get("name") for s in schemas):
        raise CatalogError(
            "catalog-bad-format",
            {
                "fr": "Le catalogue ne suit pas le format schema.data.gouv.fr (liste « schemas » avec des noms attendue).",
                "en": "The catalogue does not follow the schema.data.gouv.fr format (a 'schemas' list with names).",
            },
        )
    return schemas


def catalog_versions(entry: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(normalised version, schema URL) pairs of a catalogue entry, oldest first.

    Skips ``latest`` and version names that are not versions; keeps the first
    URL when upstream lists a version twice (``v1.1.6`` and ``1.1.6``).
    """
    found: dict[str, str] = {}
    for item in entry.get("versions") or []:
        if not isinstance(item, Mapping):
            continue
        version = normalize_version(item.get("version_name") or item.get("version"))
        url = item.get("schema_url")
        if version and url and version not in found:
            found[version] = str(url)
    return [(v, found[v]) for v in sort_versions(found)]


def local_metadata(entry: Mapping[str, Any]) -> dict[str, Any]:
    """The metadata of an upstream catalogue entry, in the shipped catalogue's shape (no versions)."""
    name = str(entry["name"])
    title = str(entry.get("title") or name)
    return {
        "name": name,
        "slug": short_slug(name),
        "title": title,
        "label": {"fr": FRENCH_LABELS.get(name, title), "en": ENGLISH_TITLES.get(name, title)},
        "description": entry.get("description") or "",
        "schema_type": entry.get("schema_type") or "tableschema",
        "labels": list(entry.get("labels") or []),
        "homepage": entry.get("homepage"),
        "contact": entry.get("contact"),
        "external_doc": entry.get("external_doc"),
        "examples": normalize_examples(entry.get("examples")),
        "schema_url": entry.get("schema_url"),
    }


def is_selected(entry: Mapping[str, Any], include_non_scdl: bool | Iterable[str] = False) -> bool:
    if (entry.get("schema_type") or "tableschema") != "tableschema":
        return False
    if SCDL_LABEL in (entry.get("labels") or []) or include_non_scdl is True:
        return True
    if include_non_scdl and not isinstance(include_non_scdl, (bool, str)):
        return entry.get("name") in set(include_non_scdl)
    return False


def check_table_schema(descriptor: Any) -> None:
    """Raise ValueError unless ``descriptor`` loads as a frictionless 5 Table Schema."""
    from frictionless import FrictionlessException, Schema

    if not isinstance(descriptor, dict) or not isinstance(descriptor.get("fields"), list):
        raise ValueError("not a Table Schema (no 'fields' list)")
    try:
        Schema.from_descriptor(json.loads(json.dumps(descriptor)))
    except FrictionlessException as exc:
        raise ValueError(str(exc)) from exc


# --------------------------------------------------------------------------- report


@dataclass(frozen=True)
class SyncError:
    code: str
    message: dict[str, str]
    url: str | None = None
    name: str | None = None
    version: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "url": self.url, "name": self.name, "version": self.version}


@dataclass
class SyncReport:
    catalog_url: str
    added: list[tuple[str, str]] = field(default_factory=list)
    removed: list[tuple[str, str]] = field(default_factory=list)  # gone upstream, kept locally
    unchanged: list[tuple[str, str]] = field(default_factory=list)
    errors: list[SyncError] = field(default_factory=list)
    catalog_failed: bool = False  # True: nothing was changed at all

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def changed(self) -> bool:
        return bool(self.added)

    def as_dict(self) -> dict[str, Any]:
        return {
            "catalog_url": self.catalog_url,
            "ok": self.ok,
            "catalog_failed": self.catalog_failed,
            "added": [f"{n}@{v}" for n, v in self.added],
            "removed": [f"{n}@{v}" for n, v in self.removed],
            "unchanged": [f"{n}@{v}" for n, v in self.unchanged],
            "errors": [e.as_dict() for e in self.errors],
        }


def _default_fetch(url: str) -> bytes:
    from ckanext.opendatalocale.http import HttpClient

    return HttpClient().get(url).content


def _fetch_error(exc: Exception, url: str, what_fr: str, what_en: str, **ids: str) -> SyncError:
    detail = getattr(exc, "message", None)
    if isinstance(detail, Mapping) and "fr" in detail and "en" in detail:
        fr, en = detail["fr"], detail["en"]
    else:
        fr = en = f"{type(exc).__name__}: {exc}"
    return SyncError(
        code=str(getattr(exc, "code", None) or "fetch-failed"),
        message={"fr": f"Impossible de télécharger {what_fr} {url} : {fr}", "en": f"Could not download {what_en} {url}: {en}"},
        url=url,
        **ids,
    )


# --------------------------------------------------------------------------- sync


def sync_catalog(
    catalog_url: str,
    store_dir: str | os.PathLike,
    fetch: Fetch | None = None,
    include_non_scdl: bool | Iterable[str] = False,
) -> SyncReport:
    """Bring ``store_dir`` up to date with the catalogue at ``catalog_url``.

    Only versions unknown to the shipped set and the store are downloaded. Each
    must parse as JSON and load in frictionless 5, otherwise it is reported in
    ``errors`` and skipped. If the catalogue itself cannot be fetched or parsed,
    nothing is written and ``catalog_failed`` is set.
    """
    fetch = fetch or _default_fetch
    store = Path(store_dir)
    report = SyncReport(catalog_url=catalog_url)
    if include_non_scdl and not isinstance(include_non_scdl, bool):
        include_non_scdl = frozenset(include_non_scdl)

    try:
        upstream = parse_catalog(fetch(catalog_url))
    except CatalogError as exc:
        report.errors.append(SyncError(exc.code, _catalog_message(catalog_url, exc.message), url=catalog_url))
        report.catalog_failed = True
        return report
    except Exception as exc:  # any transport failure: keep the current set
        error = _fetch_error(exc, catalog_url, "le catalogue", "the catalogue")
        report.errors.append(SyncError(error.code, _catalog_message(catalog_url, error.message), url=catalog_url))
        report.catalog_failed = True
        return report

    store.mkdir(parents=True, exist_ok=True)
    with _locked(store):
        known = Registry(store_dir=store)
        stored = read_catalog(store) if known.store_error is None else None
        known_names = set(known.names())
        stored_meta = {m["name"]: m for m in (stored or {}).get("schemas", [])}
        staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=store))
        try:
            staged: list[str] = []
            upstream_names = set()
            for entry in upstream:
                if not is_selected(entry, include_non_scdl):
                    continue
                name = str(entry["name"])
                upstream_names.add(name)
                meta = stored_meta.setdefault(name, {"versions": []})
                versions_meta = {v["version"]: v for v in meta.get("versions") or []}
                meta.update(local_metadata(entry))
                local_versions = set(known.versions(name)) if name in known_names else set()
                upstream_versions = catalog_versions(entry)
                for version, url in upstream_versions:
                    if version in local_versions:
                        report.unchanged.append((name, version))
                        continue
                    relative = f"{name}/{version}/schema.json"
                    try:
                        raw = fetch(url)
                    except Exception as exc:
                        report.errors.append(
                            _fetch_error(exc, url, "le schéma", "the schema", name=name, version=version)
                        )
                        continue
                    try:
                        descriptor = json.loads(raw.decode("utf-8-sig"))
                        check_table_schema(descriptor)
                    except (UnicodeDecodeError, ValueError) as exc:
                        report.errors.append(_invalid_schema(url, name, version, exc))
                        continue
                    target = staging / relative
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(raw)
                    staged.append(relative)
                    versions_meta[version] = {"version": version, "schema_url": url, "path": relative}
                    report.added.append((name, version))
                gone = local_versions - {v for v, _ in upstream_versions}
                report.removed.extend((name, v) for v in sort_versions(gone))
                meta["versions"] = [versions_meta[v] for v in sort_versions(versions_meta)]
            # Schemas that vanished from the catalogue entirely: reported, kept.
            for name in known.names():
                if name not in upstream_names and _was_selectable(known, name, include_non_scdl):
                    report.removed.extend((name, v) for v in known.versions(name))

            catalog = {
                "format": CATALOG_FORMAT,
                "catalog_url": catalog_url,
                "schemas": list(stored_meta.values()),
            }
            (staging / CATALOG_FILE).write_text(json.dumps(catalog, ensure_ascii=False, indent=1), encoding="utf-8")
            # Commit: schema files first (not yet referenced), the catalogue last.
            for relative in staged:
                destination = store / relative
                destination.parent.mkdir(parents=True, exist_ok=True)
                os.replace(staging / relative, destination)
            os.replace(staging / CATALOG_FILE, store / CATALOG_FILE)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    clear_cache()
    return report


def _was_selectable(registry: Registry, name: str, include_non_scdl: bool | Iterable[str]) -> bool:
    entry = registry.get(name)
    if entry.is_scdl or include_non_scdl is True:
        return True
    return bool(include_non_scdl) and name in include_non_scdl  # type: ignore[operator]


def _catalog_message(url: str, message: dict[str, str]) -> dict[str, str]:
    return {
        "fr": f"Catalogue {url} inutilisable, les schémas actuels sont conservés. {message['fr']}",
        "en": f"Catalogue {url} unusable, the current schemas are kept. {message['en']}",
    }


def _invalid_schema(url: str, name: str, version: str, exc: Exception) -> SyncError:
    return SyncError(
        code="schema-invalid",
        message={
            "fr": f"Le schéma {name} {version} ({url}) n'est pas un Table Schema lisible, il est ignoré : {exc}",
            "en": f"Schema {name} {version} ({url}) is not a readable Table Schema and is skipped: {exc}",
        },
        url=url,
        name=name,
        version=version,
    )


@contextlib.contextmanager
def _locked(store: Path):
    """Serialise concurrent syncs of one store (two workers, cron + CLI)."""
    with open(store / ".sync.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
