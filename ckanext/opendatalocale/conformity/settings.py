"""The conformity feature's configuration, read from CKAN's config."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk

from .readers import Limits

PREFIX = "ckanext.opendatalocale.conformity."
STRICT_ORG_EXTRA = "conformity_strict"


def option(name: str) -> Any:
    return tk.config.get(PREFIX + name)


def queue() -> str:
    return option("queue") or "default"


def keep_results() -> int:
    return max(1, int(option("keep_results") or 5))


def max_errors() -> int:
    return int(option("max_errors") or 100)


def limits() -> Limits:
    return Limits(
        max_bytes=int(option("max_bytes") or Limits.max_bytes),
        max_rows=int(option("max_rows") or Limits.max_rows),
        max_seconds=float(option("max_seconds") or Limits.max_seconds),
        max_shared_strings_bytes=int(option("max_shared_strings_bytes") or Limits.max_shared_strings_bytes),
    )


def suggest() -> bool:
    return tk.asbool(option("suggest"))


def suggest_min_confidence() -> float:
    return float(option("suggest_min_confidence") or 0.8)


def stale_days() -> int:
    return int(option("stale_days") or 30)


def badge_max_age() -> int:
    return int(option("badge_max_age") or 0)


def strict_for(organization: dict[str, Any] | None) -> bool:
    """Strict mode for the site, or for an organisation that opted in."""
    if tk.asbool(option("strict")):
        return True
    if not organization:
        return False
    value = organization.get(STRICT_ORG_EXTRA)
    if value is None:
        for extra in organization.get("extras") or []:
            if extra.get("key") == STRICT_ORG_EXTRA:
                value = extra.get("value")
    return tk.asbool(value)
