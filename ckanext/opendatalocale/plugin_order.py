"""Warn when a suite plugin is listed after the one whose templates it extends.

Since CKAN 2.10 the plugins listed first in ``ckan.plugins`` win template
overrides: ours must come before the extension they extend.
"""
from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)


def warn_if_listed_after(config: Any, ours: str, theirs: str, consequence: str) -> None:
    plugins = config.get("ckan.plugins") or []
    plugins = plugins.split() if isinstance(plugins, str) else list(plugins)
    if theirs in plugins and ours in plugins and plugins.index(theirs) < plugins.index(ours):
        log.warning("ckan.plugins: list %s before %s, otherwise %s", ours, theirs, consequence)
