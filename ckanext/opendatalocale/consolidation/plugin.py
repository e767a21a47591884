"""Plugin ``opendatalocale_consolidation``: per territory and SCDL schema, the consolidated set
of the territory's public resources, published as a dataset (and in the DataStore).

::

    ckan.plugins = ... opendatalocale_dashboard opendatalocale_consolidation [datastore]

Runs are background jobs (``ckan jobs worker``) or ``ckan opendatalocale consolidate``; the
tables come from ``ckan db upgrade -p opendatalocale_consolidation``.
"""
from __future__ import annotations

from typing import Any

import ckan.plugins as p
import ckan.plugins.toolkit as tk

from ckanext.opendatalocale.declarations import declarations
from ckanext.opendatalocale.translation import SuiteTranslation


@tk.blanket.actions
@tk.blanket.auth_functions
@tk.blanket.config_declarations(declarations("config_declaration.yaml"))
class ConsolidationPlugin(SuiteTranslation, p.SingletonPlugin):
    p.implements(p.IConfigurer)
    p.implements(p.IPackageController, inherit=True)
    p.implements(p.ITranslation)
    p.implements(p.IClick)

    # IConfigurer

    def update_config(self, config: Any) -> None:
        from . import jobs

        jobs.pending_run.install()

    # IPackageController: a dataset with a schema changed, went private or away.

    def after_dataset_create(self, context: Any, pkg_dict: dict[str, Any]) -> None:
        self._changed(context, pkg_dict)

    def after_dataset_update(self, context: Any, pkg_dict: dict[str, Any]) -> None:
        self._changed(context, pkg_dict)

    def after_dataset_delete(self, context: Any, pkg_dict: dict[str, Any]) -> None:
        self._changed(context, pkg_dict, deleted=True)

    def _changed(self, context: Any, pkg_dict: dict[str, Any], deleted: bool = False) -> None:
        from . import jobs

        if not context.get(jobs.CONTEXT_FLAG):
            jobs.note_change(pkg_dict, deleted)

    # IClick

    def get_commands(self) -> list:
        from ckanext.opendatalocale.cli import suite_group

        from . import cli

        return [suite_group(*cli.COMMANDS)]
