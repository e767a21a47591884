"""Plugin ``opendatalocale_dashboard``: the ATD dashboard of a territory's collectivités."""
from __future__ import annotations

import ckan.plugins as p
import ckan.plugins.toolkit as tk

from ckanext.opendatalocale.translation import SuiteTranslation


def _public(*modules) -> dict:
    return {name: getattr(module, name) for module in modules for name in module.__all__}


def _actions() -> dict:
    from .logic import action, territory

    return _public(action, territory)


def _auth_functions() -> dict:
    from .logic import auth, territory_auth

    return _public(auth, territory_auth)


def _blueprints() -> list:
    from . import territory_views, views

    return [views.dashboard, territory_views.territories]


@tk.blanket.config_declarations
@tk.blanket.actions(_actions)
@tk.blanket.auth_functions(_auth_functions)
@tk.blanket.blueprints(_blueprints)
@tk.blanket.helpers
class DashboardPlugin(SuiteTranslation, p.SingletonPlugin):
    """Territories, indicators in monthly snapshots, views and exports (issue 6)."""

    p.implements(p.IConfigurer)
    p.implements(p.IClick)
    p.implements(p.ITranslation)

    def update_config(self, config):
        tk.add_template_directory(config, "templates")
        tk.add_resource("assets", "opendatalocale_dashboard")

    def get_commands(self):
        from ckanext.opendatalocale.cli import suite_group

        from . import cli

        return [suite_group(*cli.COMMANDS)]
