"""Plugin ``opendatalocale_harvest``: the preview (action, CLI, and a panel in
ckanext-harvest's source form) and translations shared by the harvesters.
Enable it with ``harvest`` and the harvester plugins, listed before ``harvest``
(since CKAN 2.10 the plugins listed first win template overrides, and ours
extends ckanext-harvest's source form)::

    ckan.plugins = ... opendatalocale_harvest harvest opendatalocale_ods_harvester
        opendatalocale_datagouv_harvester opendatalocale_ckan_harvester
        opendatalocale_dcat_harvester opendatalocale_file_harvester
"""
from __future__ import annotations

from typing import Any

import ckan.plugins as p
import ckan.plugins.toolkit as tk

from ckanext.opendatalocale.declarations import HTTP_CLIENT, declarations
from ckanext.opendatalocale.plugin_order import warn_if_listed_after
from ckanext.opendatalocale import guard
from ckanext.opendatalocale.translation import SuiteTranslation



@guard.checked_actions
@tk.blanket.actions
@tk.blanket.auth_functions
@tk.blanket.blueprints
@tk.blanket.helpers
# The harvesters' HTTP client reads ckanext.opendatalocale.http.*: declared here
# too, so that they are known when no other feature of the suite is enabled.
@tk.blanket.config_declarations(declarations("config_declaration.yaml", HTTP_CLIENT))
class HarvestPlugin(SuiteTranslation, p.SingletonPlugin):
    p.implements(p.IConfigurer)
    p.implements(p.ITranslation)
    p.implements(p.IClick)
    p.implements(p.IMiddleware, inherit=True)

    def update_config(self, config: Any) -> None:
        tk.add_template_directory(config, "templates")
        tk.add_resource("assets", "opendatalocale_harvest")
        warn_if_listed_after(config, "opendatalocale_harvest", "harvest",
                             "ckanext-harvest's source form hides the preview button")

    def get_commands(self) -> list:
        from ckanext.opendatalocale.cli import suite_group

        from . import cli

        return [suite_group(*cli.COMMANDS)]

    # IMiddleware

    def make_middleware(self, app, config):
        from ckanext.opendatalocale import guard

        return guard.install(app)
