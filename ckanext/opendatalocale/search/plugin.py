"""Plugin ``opendatalocale_search``: CKAN without Solr."""
from __future__ import annotations

import ckan.plugins as p
import ckan.plugins.toolkit as tk


@tk.blanket.config_declarations
class SearchPlugin(p.SingletonPlugin):
    """The search index lives in PostgreSQL (see ``search/backend.py``)."""

    p.implements(p.IConfigurer)

    def update_config(self, config):
        from . import backend

        backend.install()
