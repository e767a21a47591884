"""Plugin ``opendatalocale_dashboard``: the ATD dashboard of a territory's collectivités."""
from __future__ import annotations

import ckan.plugins as p
import ckan.plugins.toolkit as tk

from ckanext.opendatalocale import guard
from ckanext.opendatalocale.translation import SuiteTranslation


def _members(*modules) -> dict:
    return {name: getattr(module, name) for module in modules for name in module.__all__}


def _actions() -> dict:
    from .logic import action, programme, territory

    return _members(action, programme, territory)


def _auth_functions() -> dict:
    from .logic import auth, programme_auth, territory_auth

    return _members(auth, programme_auth, territory_auth)


def _blueprints() -> list:
    from . import territory_views, views
    from .programme_views import programme

    return [views.dashboard, territory_views.territories, programme]


@guard.checked_actions
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
    p.implements(p.IMiddleware, inherit=True)

    def update_config(self, config):
        tk.add_template_directory(config, "templates")
        tk.add_resource("assets", "opendatalocale_dashboard")

    def get_commands(self):
        from ckanext.opendatalocale.cli import suite_group

        from . import cli

        return [suite_group(*cli.COMMANDS)]

    # IMiddleware

    def make_middleware(self, app, config):
        from ckanext.opendatalocale import guard

        return guard.install(app)
