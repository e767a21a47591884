"""Link checker settings read from CKAN's config (glue)."""
from __future__ import annotations

from typing import Any, Mapping

from ckanext.opendatalocale import http

PREFIX = "ckanext.opendatalocale.linkcheck."


def option(config: Mapping[str, Any], name: str, default: Any) -> Any:
    value = config.get(PREFIX + name)
    return default if value in (None, "") else value


def workers(config: Mapping[str, Any]) -> int:
    return max(1, int(option(config, "workers", 8)))


def queue(config: Mapping[str, Any]) -> str:
    return str(option(config, "queue", "default"))


def client(config: Mapping[str, Any]) -> http.HttpClient:
    """The suite's HTTP client (its SSRF guard and allowed hosts from ``...http.*``) with the
    checker's own politeness and time limits."""
    timeout = float(option(config, "timeout", 15))
    return http.from_ckan_config(
        config,
        per_host_concurrency=int(option(config, "per_host_concurrency", 2)),
        per_host_interval=float(option(config, "per_host_interval", 0.5)),
        connect_timeout=min(timeout, 10.0), read_timeout=timeout, total_timeout=timeout * 3,
        retries=int(option(config, "retries", 1)),
        max_retry_wait=float(option(config, "max_retry_wait", 30)))
