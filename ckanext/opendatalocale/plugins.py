"""The suite's CKAN plugins; each is a thin, declarative entry point."""
from __future__ import annotations

import ckan.plugins as p
import ckan.plugins.toolkit as tk


@tk.blanket.config_declarations
class SearchPlugin(p.SingletonPlugin):
    """CKAN without Solr: the search index lives in PostgreSQL."""

    p.implements(p.IConfigurer)

    def update_config(self, config):
        from .search import backend

        backend.install()
