"""Plugin ``opendatalocale_search``: CKAN without Solr."""
from __future__ import annotations

import ckan.plugins as p
import ckan.plugins.toolkit as tk


@tk.blanket.config_declarations
class SearchPlugin(p.SingletonPlugin):
    """The search index lives in PostgreSQL (see ``search/backend.py``)."""

    p.implements(p.IConfigurer)
    p.implements(p.IClick)
    p.implements(p.IMiddleware, inherit=True)

    def update_config(self, config):
        from . import backend

        backend.install()

    def get_commands(self) -> list:
        from ckanext.opendatalocale.cli import suite_group

        from . import cli

        return [suite_group(*cli.COMMANDS)]

    # IMiddleware

    def make_middleware(self, app, config):
        from ckanext.opendatalocale import guard

        return guard.install(app)
