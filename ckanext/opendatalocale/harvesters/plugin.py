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

import json
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
    p.implements(p.IPackageController, inherit=True)
    p.implements(p.IMiddleware, inherit=True)

    def update_config(self, config: Any) -> None:
        tk.add_template_directory(config, "templates")
        tk.add_resource("assets", "opendatalocale_harvest")
        warn_if_listed_after(config, "opendatalocale_harvest", "harvest",
                             "ckanext-harvest's source form hides the preview button")
        from . import redis_queue

        redis_queue.install()  # consumers survive an idle queue; an object is handled once

    def get_commands(self) -> list:
        from ckanext.opendatalocale.cli import suite_group

        from . import cli

        return [suite_group(*cli.COMMANDS)]

    # IPackageController

    def before_dataset_index(self, pkg_dict: dict[str, Any]) -> dict[str, Any]:
        """A harvest source is indexed with its show schema applied.

        ckanext-harvest's ``harvest_source_reindex`` (run when a job ends)
        indexes the source unvalidated: its type, frequency and config stay in
        the extras, and CKAN 2.12 serves ``package_show`` from that index, so
        ``harvest_source_show`` and ``ckan harvester run-test`` lose them.
        """
        if pkg_dict.get("type") == "harvest" and "source_type" not in json.loads(
                pkg_dict.get("validated_data_dict") or "{}"):
            from ckan.lib.navl.dictization_functions import MissingNullEncoder

            shown = tk.get_action("package_show")({"ignore_auth": True, "use_cache": False},
                                                  {"id": pkg_dict["id"]})
            pkg_dict["validated_data_dict"] = json.dumps(shown, cls=MissingNullEncoder)
        return pkg_dict

    def after_dataset_show(self, context: Any, pkg_dict: dict[str, Any]) -> dict[str, Any]:
        """A harvest source being created is visible to ckanext-harvest's own hook.

        ckanext-harvest adds the source object to the session without a flush
        and looks it up without autoflush: when package_create shows the new
        source (to index it), the lookup misses it and logs "Harvest source not
        found for dataset". Flushing that pending object (ours runs first) lets
        the hook find it; a source really missing is still reported.
        """
        if pkg_dict.get("type") == "harvest":
            from ckan import model
            from ckanext.harvest.model import HarvestSource

            if any(isinstance(obj, HarvestSource) and obj.id == pkg_dict.get("id") for obj in model.Session.new):
                model.Session.flush()
        return pkg_dict
    # IMiddleware

    def make_middleware(self, app, config):
        from ckanext.opendatalocale import guard

        return guard.install(app)
