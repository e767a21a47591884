"""Which shipped schema a schema URL points at.

Publishers and harvested portals name a schema by many URLs: schema.data.gouv.fr's
pages and files, raw files on GitHub or GitLab at a tag or a branch. Pure Python.
"""
from __future__ import annotations

import os
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from .naming import normalize_version, short_slug

if TYPE_CHECKING:
    from .registry import Registry, SchemaEntry

# Git refs that mean "whatever the branch holds today".
_BRANCH_REFS = {"master", "main", "head", "latest", "develop", "dev"}


def looks_like_url(text: str) -> bool:
    return "://" in text or text.startswith("//") or _looks_like_host(text)


class UrlResolver:
    """Resolves schema URLs against one registry."""

    def __init__(self, registry: "Registry"):
        self._registry = registry
        self._repos = _RepoIndex(registry)

    def _pick(self, name: str, version: str | None) -> "SchemaEntry | None":
        return self._registry._pick(name, version)

    def resolve(self, text: str) -> "SchemaEntry | None":
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
            return self._site(segments)
        if host in ("raw.githubusercontent.com", "github.com"):
            return self._forge(host, segments)
        if host in ("gitlab.com", "git.opendatafrance.net") or host.startswith("gitlab."):
            return self._forge(host, segments)
        return None

    def _site(self, segments: list[str]) -> "SchemaEntry | None":
        # /schemas/<org>/<name>/<version>/<file>  (files)
        # /<org>/<name>/[<version>/][page]        (documentation pages)
        if segments and segments[0] == "schemas":
            segments = segments[1:]
        if len(segments) < 2:
            return None
        name = f"{segments[0]}/{segments[1]}"
        if self._registry._canonical_name(name) is None:
            return None
        rest = segments[2:]
        if not rest or rest[0].lower() == "latest" or rest[0].endswith((".html", ".json", ".md", ".yml")):
            return self._pick(name, None)
        return self._pick(name, rest[0]) if normalize_version(rest[0]) else None

    def _forge(self, host: str, segments: list[str]) -> "SchemaEntry | None":
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
