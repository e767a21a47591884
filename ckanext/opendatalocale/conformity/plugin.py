"""Plugin ``opendatalocale_conformity``: SCDL conformity checks, reports and badges.

::

    ckan.plugins = ... opendatalocale_conformity

Checks run as background jobs (``ckan jobs worker``); the tables come from
``ckan db upgrade -p opendatalocale_conformity``.
"""
from __future__ import annotations

import json
from typing import Any

import ckan.plugins as p
import ckan.plugins.toolkit as tk

from ckanext.opendatalocale.declarations import HTTP_CLIENT, declarations
from ckanext.opendatalocale import guard
from ckanext.opendatalocale.translation import SuiteTranslation

from . import jobs
from .status import SUGGESTION_FIELD, SUMMARY_FIELDS, dataset_status

FACET = "conformity"
# Changing one of these means the old summary no longer describes the file.
TRIGGER_FIELDS = ("url", "schema_name", "schema_version")


def _same_file(current: dict[str, Any], new: dict[str, Any]) -> bool:
    if new.get("upload"):
        return False
    if (current.get("url_type") or "") == "upload" and new.get("url_type", "upload") == "upload":
        # An uploaded file's URL is shown in full but saved as its file name.
        same_url = (current.get("url") or "").rsplit("/", 1)[-1] == (new.get("url") or "").rsplit("/", 1)[-1]
    else:
        same_url = (current.get("url") or "") == (new.get("url") or "")
    return same_url and all((current.get(f) or "") == (new.get(f) or "") for f in TRIGGER_FIELDS[1:])


class BadgeCacheHeaders:
    """WSGI wrapper: a view's own caching (``X-Odl-Cache-Control``) wins over CKAN's default."""

    def __init__(self, app: Any):
        self.app = app

    def __call__(self, environ: dict, start_response: Any) -> Any:
        from .views import CACHE_HEADER

        marker = CACHE_HEADER.lower()

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            wanted = next((v for k, v in headers if k.lower() == marker), None)
            if wanted is not None:
                headers = [(k, v) for k, v in headers if k.lower() not in (marker, "cache-control")]
                headers.append(("Cache-Control", wanted))
            return start_response(status, headers, exc_info)

        return self.app(environ, start)


@guard.checked_actions
@tk.blanket.actions
@tk.blanket.auth_functions
@tk.blanket.helpers
@tk.blanket.blueprints
@tk.blanket.config_declarations(declarations("config_declaration.yaml", HTTP_CLIENT))
class ConformityPlugin(SuiteTranslation, p.SingletonPlugin):
    p.implements(p.IConfigurer)
    p.implements(p.IPackageController, inherit=True)
    p.implements(p.IResourceController, inherit=True)
    p.implements(p.IFacets, inherit=True)
    p.implements(p.ITranslation)
    p.implements(p.IClick)
    p.implements(p.IMiddleware, inherit=True)

    # IConfigurer

    def update_config(self, config: Any) -> None:
        tk.add_template_directory(config, "templates")
        jobs.pending_checks.install()

    # IMiddleware

    def make_middleware(self, app: Any, config: Any) -> Any:
        app.wsgi_app = BadgeCacheHeaders(app.wsgi_app)
        return guard.install(app)

    # IPackageController: every resource change goes through package_update.

    def after_dataset_create(self, context: Any, pkg_dict: dict[str, Any]) -> None:
        if pkg_dict.get("id"):
            jobs.note_changes(pkg_dict["id"])

    def after_dataset_update(self, context: Any, pkg_dict: dict[str, Any]) -> None:
        if pkg_dict.get("id"):
            jobs.note_changes(pkg_dict["id"])

    def before_dataset_index(self, pkg_dict: dict[str, Any]) -> dict[str, Any]:
        source = pkg_dict.get("validated_data_dict") or pkg_dict.get("data_dict")
        try:
            dataset = json.loads(source) if isinstance(source, str) else {}
        except ValueError:
            dataset = {}
        status = dataset_status(dataset)
        if status:
            pkg_dict[FACET] = status
        return pkg_dict

    def after_dataset_search(self, search_results: dict[str, Any], search_params: dict[str, Any]) -> dict[str, Any]:
        facet = (search_results.get("search_facets") or {}).get(FACET)
        if facet:
            from .helpers import odl_conformity_label

            for item in facet.get("items") or []:
                item["display_name"] = odl_conformity_label(item.get("name"))
        return search_results

    # IResourceController

    def before_resource_update(self, context: Any, current: dict[str, Any], resource: dict[str, Any]) -> None:
        """The resource form does not send our fields back: keep them while the file is the same."""
        if not _same_file(current, resource):
            return
        for key in (*SUMMARY_FIELDS, SUGGESTION_FIELD):
            if key not in resource and current.get(key) not in (None, ""):
                resource[key] = current[key]

    # IFacets

    def dataset_facets(self, facets_dict: dict, package_type: str) -> dict:
        facets_dict[FACET] = tk._("Conformity")
        return facets_dict

    def organization_facets(self, facets_dict: dict, organization_type: str, package_type: str) -> dict:
        facets_dict[FACET] = tk._("Conformity")
        return facets_dict

    # IClick

    def get_commands(self) -> list:
        from ckanext.opendatalocale.cli import suite_group

        from . import cli

        return [suite_group(*cli.COMMANDS)]
