"""Plugin ``opendatalocale_observatory``: the public observatory of a territory's SCDL data
(``/observatoire``), its API actions, the ``scdl_chart`` resource view and the portal's links
to it. Reads what ``opendatalocale_consolidation`` stores::

    ckan.plugins = ... opendatalocale_consolidation opendatalocale_observatory
    ckan.views.default_views = ... scdl_chart
"""
from __future__ import annotations

import logging
from typing import Any

import ckan.plugins as p
import ckan.plugins.toolkit as tk

from ckanext.opendatalocale.translation import SuiteTranslation

log = logging.getLogger(__name__)


@tk.blanket.actions
@tk.blanket.auth_functions
@tk.blanket.blueprints
@tk.blanket.helpers
@tk.blanket.config_declarations
class ObservatoryPlugin(SuiteTranslation, p.SingletonPlugin):
    p.implements(p.IConfigurer)
    p.implements(p.IResourceView, inherit=True)
    p.implements(p.ITranslation)
    p.implements(p.IClick)

    # IConfigurer

    def update_config(self, config: Any) -> None:
        tk.add_template_directory(config, "templates")
        if "opendatalocale_consolidation" not in (config.get("ckan.plugins") or ""):
            # Without it there is no consolidated data: every page says nobody publishes.
            log.warning("opendatalocale_observatory: enable opendatalocale_consolidation too")

    # IResourceView

    def info(self) -> dict[str, Any]:
        return {"name": "scdl_chart", "title": tk._("SCDL charts"), "icon": "chart-bar",
                "default_title": tk._("Charts"), "iframed": False, "always_available": False,
                "preview_enabled": True}

    def can_view(self, data_dict: dict[str, Any]) -> bool:
        from .views_resource import chart_schema

        return chart_schema(data_dict.get("resource") or {}) is not None

    def setup_template_variables(self, context: Any, data_dict: dict[str, Any]) -> dict[str, Any]:
        from .views_resource import template_variables

        return template_variables(context, data_dict["resource"])

    def view_template(self, context: Any, data_dict: dict[str, Any]) -> str:
        return "observatory/scdl_chart_view.html"

    # IClick

    def get_commands(self) -> list:
        from ckanext.opendatalocale.cli import opendatalocale

        from . import cli  # noqa: F401 - attaches "observatory" to the group

        return [opendatalocale]
