"""Plugin ``opendatalocale_linkcheck``: resource availability (indicator I9).

::

    ckan.plugins = ... opendatalocale_dashboard opendatalocale_linkcheck

The table comes from ``ckan db upgrade -p opendatalocale_linkcheck``; checks run from cron
(``ckan opendatalocale links check``) or as a background job queued from the dashboard.
"""
from __future__ import annotations

import ckan.plugins as p
import ckan.plugins.toolkit as tk

from ckanext.opendatalocale.declarations import HTTP_CLIENT, declarations
from ckanext.opendatalocale.translation import SuiteTranslation


@tk.blanket.config_declarations(declarations("config_declaration.yaml", HTTP_CLIENT))
@tk.blanket.actions
@tk.blanket.auth_functions
class LinkCheckPlugin(SuiteTranslation, p.SingletonPlugin):
    p.implements(p.IClick)
    p.implements(p.ITranslation)

    def get_commands(self):
        from ckanext.opendatalocale.cli import suite_group

        from . import cli

        return [suite_group(*cli.COMMANDS)]
