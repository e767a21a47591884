"""Plugin ``opendatalocale_convert``: from a commune's own spreadsheet to a conformant SCDL resource.

List it before the plugins whose pages it adds its buttons to (CKAN 2.10+: the
plugins listed first win template overrides)::

    ckan.plugins = opendatalocale_search opendatalocale_convert opendatalocale_scdl
        scheming_datasets scheming_organizations opendatalocale_conformity ...

Needs ``opendatalocale_scdl`` (schemas, guided page) and ``opendatalocale_conformity``
(the check that marks the published file conformant); its tables come from
``ckan db upgrade -p opendatalocale_convert``.
"""
from __future__ import annotations

from typing import Any

import ckan.plugins as p
import ckan.plugins.toolkit as tk

from ckanext.opendatalocale.plugin_order import warn_if_listed_after
from ckanext.opendatalocale.translation import SuiteTranslation


@tk.blanket.actions
@tk.blanket.auth_functions
@tk.blanket.helpers
@tk.blanket.blueprints
@tk.blanket.config_declarations
class ConvertPlugin(SuiteTranslation, p.SingletonPlugin):
    p.implements(p.IConfigurer)
    p.implements(p.ITranslation)
    p.implements(p.IClick)

    # IConfigurer

    def update_config(self, config: Any) -> None:
        tk.add_template_directory(config, "templates")
        for theirs in ("opendatalocale_scdl", "scheming_datasets", "opendatalocale_conformity"):
            warn_if_listed_after(config, "opendatalocale_convert", theirs,
                                 "the conversion buttons are missing from its pages")

    # IClick

    def get_commands(self) -> list:
        from ckanext.opendatalocale.cli import suite_group

        from . import cli

        return [suite_group(*cli.COMMANDS)]
