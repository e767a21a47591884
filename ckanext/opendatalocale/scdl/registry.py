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
import re
import threading
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterable, Mapping
from urllib.parse import urlsplit

from ckanext.opendatalocale.resources import data_dir

SHIPPED_DIR = data_dir("schemas") / "scdl"
CATALOG_FILE = "catalog.json"
CATALOG_FORMAT = "opendatalocale-scdl-catalog/1"
SCHEMA_SITE = "https://schema.data.gouv.fr"
SCDL_LABEL = "Socle Commun des Données Locales"

# Git refs that mean "whatever the branch holds today".
_BRANCH_REFS = {"master", "main", "head", "latest", "develop", "dev"}
_VERSION_RE = re.compile(r"^[vV]?(\d+(?:\.\d+)*)(?:[-+]([0-9A-Za-z.+-]+))?$")


# --------------------------------------------------------------------------- versions


def normalize_version(raw: str | None) -> str | None:
    """Return the canonical ``X.Y.Z`` form of a version string, or None.

    ``v1.1.6`` -> ``1.1.6``; ``0.7`` -> ``0.7.0`` (older schema paths use short
    tags); pre-release suffixes are kept (``1.0.0-rc.1``). ``latest`` and branch
    names are not versions and give None.
    """
    if raw is None:
        return None
    text = str(raw).strip()
    match = _VERSION_RE.match(text)
    if not match:
        return None
    parts = match.group(1).split(".")
    while len(parts) < 3:
        parts.append("0")
    core = ".".join(str(int(p)) for p in parts)
    return f"{core}-{match.group(2)}" if match.group(2) else core


def version_key(version: str) -> tuple:
    """Sort key ordering versions the semver way (1.10.0 after 1.9.0, 1.0.0-rc before 1.0.0)."""
    normal = normalize_version(version)
    if normal is None:
        return ((-1,), (0, version))
    core, _, pre = normal.partition("-")
    numbers = tuple(int(p) for p in core.split("."))
    if not pre:
        return (numbers, (1,))
    pre_parts = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in pre.split("."))
    return (numbers, (0, pre_parts))


def sort_versions(versions: Iterable[str]) -> list[str]:
    return sorted(set(versions), key=version_key)


def short_slug(name: str) -> str:
    """``scdl/deliberations`` -> ``deliberations``, ``etalab/schema-irve-statique`` -> ``irve-statique``."""
    last = name.rstrip("/").rsplit("/", 1)[-1]
    for prefix in ("schema-", "schema_"):
        if last.lower().startswith(prefix) and len(last) > len(prefix):
            return last[len(prefix):]
    return last


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


# --------------------------------------------------------------------------- entries


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
        self._repos = _RepoIndex(self)

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
        if "://" in text or text.startswith("//") or _looks_like_host(text):
            return self._resolve_url(text)
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

    def _resolve_url(self, text: str) -> SchemaEntry | None:
        if text.startswith("//"):
            text = "https:" + text
        elif "://" not in text:
            text = "https://" + text
        parts = urlsplit(text)
        host = (parts.hostname or "").lower()
        if host.startswith("www."):
            host = host[4:]
        segments = [s for s in parts.path.split("/") if s]
        if host == "schema.data.gouv.fr":
            return self._resolve_site(segments)
        if host in ("raw.githubusercontent.com", "github.com"):
            return self._resolve_forge_path(host, segments)
        if host in ("gitlab.com", "git.opendatafrance.net") or host.startswith("gitlab."):
            return self._resolve_forge_path(host, segments)
        return None

    def _resolve_site(self, segments: list[str]) -> SchemaEntry | None:
        # /schemas/<org>/<name>/<version>/<file>  (files)
        # /<org>/<name>/[<version>/][page]        (documentation pages)
        if segments and segments[0] == "schemas":
            segments = segments[1:]
        if len(segments) < 2:
            return None
        name = f"{segments[0]}/{segments[1]}"
        if self._canonical_name(name) is None:
            return None
        rest = segments[2:]
        if not rest or rest[0].lower() == "latest" or rest[0].endswith((".html", ".json", ".md", ".yml")):
            return self._pick(name, None)
        return self._pick(name, rest[0]) if normalize_version(rest[0]) else None

    def _resolve_forge_path(self, host: str, segments: list[str]) -> SchemaEntry | None:
        repo, ref, file_path = _split_forge_path(host, segments)
        if repo is None:
            return None
        name = self._repos.find(repo, file_path)
        if name is None:
            return None
        if ref is None or ref.lower() in _BRANCH_REFS:
            return self._pick(name, None)
        if normalize_version(ref) is None:
            return self._pick(name, None) if ref.lower().startswith("heads/") else None
        return self._pick(name, ref)


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


def _looks_like_host(text: str) -> bool:
    head = text.split("/", 1)[0].lower()
    return "." in head and head.rsplit(".", 1)[-1] in ("fr", "com", "net", "org", "io")


# --------------------------------------------------------------------------- forge URLs


def _repo_key(host: str, path_segments: list[str]) -> str:
    host = host.lower()
    if host in ("raw.githubusercontent.com", "github.com"):
        host = "github.com"
    segments = [s for s in path_segments if s]
    if segments and segments[-1].endswith(".git"):
        segments[-1] = segments[-1][: -len(".git")]
    if host == "git.opendatafrance.net" and segments[:1] == ["scdl"]:
        # The OpenDataFrance forge moved to gitlab.com/opendatafrance in 2023.
        host, segments = "gitlab.com", ["opendatafrance", *segments]
    return "/".join([host, *segments]).lower()


def _split_forge_path(host: str, segments: list[str]) -> tuple[str | None, str | None, str]:
    """(repository key, git ref or None, path inside the repository)."""
    if host == "raw.githubusercontent.com":
        if len(segments) < 3:
            return None, None, ""
        owner, repo, rest = segments[0], segments[1], segments[2:]
        ref, file_parts = _take_ref(rest)
        return _repo_key(host, [owner, repo]), ref, "/".join(file_parts)
    if host == "github.com":
        if len(segments) < 2:
            return None, None, ""
        owner, repo, rest = segments[0], segments[1], segments[2:]
        if rest and rest[0] in ("raw", "blob", "tree"):
            ref, file_parts = _take_ref(rest[1:])
            return _repo_key(host, [owner, repo]), ref, "/".join(file_parts)
        return _repo_key(host, [owner, repo]), None, "/".join(rest)
    # GitLab: <group>/<subgroup>/.../<project>[/-]/(raw|blob|tree)/<ref>/<path>
    for index, segment in enumerate(segments):
        if segment in ("raw", "blob", "tree"):
            project = segments[:index]
            if project and project[-1] == "-":
                project = project[:-1]
            if not project:
                return None, None, ""
            ref, file_parts = _take_ref(segments[index + 1:])
            return _repo_key(host, project), ref, "/".join(file_parts)
    project = segments[: segments.index("-")] if "-" in segments else segments
    return (_repo_key(host, project), None, "") if project else (None, None, "")


def _take_ref(rest: list[str]) -> tuple[str | None, list[str]]:
    if not rest:
        return None, []
    if rest[0] == "refs" and len(rest) >= 3:
        kind, ref = rest[1], rest[2]
        return (f"heads/{ref}" if kind == "heads" else ref), rest[3:]
    return rest[0], rest[1:]


class _RepoIndex:
    """Maps forge repositories (and files in them) to catalogue names.

    Built from each schema's ``homepage`` and from the ``path``/``homepage``
    written inside every version's descriptor, so old forge locations resolve too.
    """

    def __init__(self, registry: Registry):
        self._names: dict[str, set[str]] = {}
        self._files: dict[tuple[str, str], set[str]] = {}
        for name, schema in registry._schemas.items():
            urls = [schema.meta.get("homepage")]
            for entry in schema.entries.values():
                urls += [entry.homepage, entry.descriptor.get("homepage"), entry.descriptor.get("path")]
            for url in filter(None, urls):
                self._add(name, str(url))

    def _add(self, name: str, url: str) -> None:
        parts = urlsplit(url if "://" in url else "https://" + url)
        host = (parts.hostname or "").lower()
        if host not in ("raw.githubusercontent.com", "github.com", "gitlab.com", "git.opendatafrance.net"):
            return
        repo, _, file_path = _split_forge_path(host, [s for s in parts.path.split("/") if s])
        if repo is None:
            return
        self._names.setdefault(repo, set()).add(name)
        if file_path:
            self._files.setdefault((repo, file_path.lower()), set()).add(name)

    def find(self, repo: str, file_path: str) -> str | None:
        candidates = self._names.get(repo, set())
        if len(candidates) == 1:
            return next(iter(candidates))
        if not candidates:
            return None
        exact = self._files.get((repo, file_path.lower()), set()) & candidates
        if len(exact) == 1:
            return next(iter(exact))
        # One repository, several schemas (schema-irve: statique/ and dynamique/):
        # the distinctive part of the slug shows up in the file path.
        lowered = file_path.lower()
        common = _common_prefix([short_slug(n) for n in candidates])
        hits = [n for n in candidates if short_slug(n)[len(common):].strip("-_") and short_slug(n)[len(common):].strip("-_") in lowered]
        return hits[0] if len(hits) == 1 else None


def _common_prefix(words: list[str]) -> str:
    prefix = os.path.commonprefix(words)
    # Cut at a word boundary: "irve-statique"/"irve-dynamique" -> "irve-".
    cut = max(prefix.rfind("-"), prefix.rfind("_"))
    return prefix[: cut + 1] if cut >= 0 else ""


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
