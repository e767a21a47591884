"""Plugin ``opendatalocale_harvest``: the preview action, CLI and translations
shared by the harvesters. Enable it with ``harvest`` and the harvester plugins::

    ckan.plugins = ... harvest opendatalocale_harvest opendatalocale_ods_harvester
        opendatalocale_datagouv_harvester opendatalocale_ckan_harvester
        opendatalocale_dcat_harvester opendatalocale_file_harvester
"""
from __future__ import annotations

import ckan.plugins as p
import ckan.plugins.toolkit as tk

from ckanext.opendatalocale.declarations import HTTP_CLIENT, declarations
from ckanext.opendatalocale.translation import SuiteTranslation


@tk.blanket.actions
@tk.blanket.auth_functions
# The harvesters' HTTP client reads ckanext.opendatalocale.http.*: declared here
# too, so that they are known when no other feature of the suite is enabled.
@tk.blanket.config_declarations(declarations(HTTP_CLIENT))
class HarvestPlugin(SuiteTranslation, p.SingletonPlugin):
    p.implements(p.ITranslation)
    p.implements(p.IClick)

    def get_commands(self) -> list:
        from ckanext.opendatalocale.cli import opendatalocale

        from . import cli  # noqa: F401 - attaches `harvest` to the group

        return [opendatalocale]
