"""Schema names, and versions as schema.data.gouv.fr's catalogue writes them (``v2.1.1``, ``2.1``, ``1.0.0-rc.1``).

Pure Python.
"""
from __future__ import annotations

import re
from typing import Iterable

_VERSION_RE = re.compile(r"^[vV]?(\d+(?:\.\d+)*)(?:[-+]([0-9A-Za-z.+-]+))?$")


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
