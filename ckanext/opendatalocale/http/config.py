"""Building a client from CKAN's ``ckanext.opendatalocale.http.*`` options,
declared in ``config_declaration.yaml`` beside this module."""
from __future__ import annotations

from typing import Any, Callable, Mapping

from .client import HttpClient

CONFIG_PREFIX = "ckanext.opendatalocale.http."


def _as_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("1", "true", "yes", "on", "y", "t")


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [item for item in value.replace(",", " ").split() if item]
    return [str(item) for item in value]


# key suffix -> (HttpClient argument, converter)
CONFIG_KEYS: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "timeout.connect": ("connect_timeout", float),
    "timeout.read": ("read_timeout", float),
    "timeout.total": ("total_timeout", float),
    "max_bytes": ("max_bytes", int),
    "retries": ("retries", int),
    "backoff": ("backoff", float),
    "max_retry_wait": ("max_retry_wait", float),
    "max_redirects": ("max_redirects", int),
    "allow_private": ("allow_private", _as_bool),
    "allowed_hosts": ("allowed_hosts", _as_list),
    "user_agent_contact": ("contact", str),
    "per_host_concurrency": ("per_host_concurrency", int),
    "per_host_interval": ("per_host_interval", float),
}


def from_ckan_config(config: Mapping[str, Any], **overrides: Any) -> HttpClient:
    """Build a client from ``ckanext.opendatalocale.http.*`` keys.

    ``config`` is any mapping (CKAN's ``toolkit.config`` in the glue); values
    may be strings as read from the ini file. Missing keys keep the defaults.
    """
    kwargs: dict[str, Any] = {}
    for suffix, (argument, convert) in CONFIG_KEYS.items():
        value = config.get(CONFIG_PREFIX + suffix)
        if value is None or (isinstance(value, str) and not value.strip() and argument != "contact"):
            continue
        kwargs[argument] = convert(value)
    if not kwargs.get("contact"):
        kwargs.pop("contact", None)
    kwargs.update(overrides)
    return HttpClient(**kwargs)
