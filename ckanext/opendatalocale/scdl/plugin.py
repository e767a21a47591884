"""Plugin ``opendatalocale_scdl``: SCDL schemas in CKAN's forms, pages, search and API.

List it before ckanext-scheming: since CKAN 2.10 the plugins listed first win
template overrides, and ours extend scheming's form and CKAN's resource page::

    ckan.plugins = opendatalocale_search opendatalocale_scdl scheming_datasets scheming_organizations
    scheming.dataset_schemas = ckanext.opendatalocale.schemas:dataset.yaml
    scheming.organization_schemas = ckanext.opendatalocale.schemas:organization.yaml
    scheming.presets = ckanext.scheming:presets.json ckanext.opendatalocale.schemas:presets.yaml

Licences: unless ``licenses_group_url`` is set, the list shipped in
``schemas/licenses.json`` is used: Licence Ouverte 2.0 is ``lo-2.0`` (1.0 is
``lo-1.0``), ODbL ``odc-odbl``, CC-BY 4.0 ``cc-by-4.0``, plus every id of CKAN's
default list so existing and harvested datasets keep theirs.
"""
from __future__ import annotations

import json
from typing import Any

import ckan.plugins as p
import ckan.plugins.toolkit as tk

from ckanext.opendatalocale.declarations import HTTP_CLIENT, declarations
from ckanext.opendatalocale.plugin_order import warn_if_listed_after
from ckanext.opendatalocale.resources import data_dir
from ckanext.opendatalocale import guard
from ckanext.opendatalocale.translation import SuiteTranslation

from . import utils


LICENSES_FILE = str(data_dir("schemas") / "licenses.json")
SCHEMA_FACET = "scdl_schema"
VERSION_FACET = "scdl_schema_ref"


def schema_refs(dataset: dict[str, Any]) -> tuple[list[str], list[str]]:
    """Schema names and ``name@version`` refs the dataset's resources declare."""
    names: list[str] = []
    refs: list[str] = []
    for resource in dataset.get("resources") or []:
        name = resource.get("schema_name")
        if not name:
            continue
        if name not in names:
            names.append(name)
        version = resource.get("schema_version")
        if version and f"{name}@{version}" not in refs:
            refs.append(f"{name}@{version}")
    return names, refs


@guard.checked_actions
@tk.blanket.actions
@tk.blanket.auth_functions
@tk.blanket.validators
@tk.blanket.helpers
@tk.blanket.blueprints
@tk.blanket.config_declarations(declarations("config_declaration.yaml", HTTP_CLIENT))
class ScdlPlugin(SuiteTranslation, p.SingletonPlugin):
    p.implements(p.IConfigurer)
    p.implements(p.IFacets, inherit=True)
    p.implements(p.IPackageController, inherit=True)
    p.implements(p.ITranslation)
    p.implements(p.IClick)
    p.implements(p.IMiddleware, inherit=True)

    # IConfigurer

    def update_config(self, config: Any) -> None:
        tk.add_template_directory(config, "templates")
        tk.add_resource("assets", "opendatalocale_scdl")
        warn_if_listed_after(config, "opendatalocale_scdl", "scheming_datasets",
                             "the SCDL form guide and resource schema box are hidden by scheming's templates")
        if not config.get("licenses_group_url") and tk.asbool(
            config.get("ckanext.opendatalocale.scdl.shipped_licenses", True)
        ):
            config["licenses_group_url"] = "file://" + LICENSES_FILE
            from ckan import model

            # The licence register is built once, on first use: rebuild it with ours.
            if "_license_register" in vars(model.Package):
                del model.Package._license_register

    # IFacets

    def dataset_facets(self, facets_dict: dict, package_type: str) -> dict:
        facets_dict[SCHEMA_FACET] = tk._("SCDL schema")
        return facets_dict

    def organization_facets(self, facets_dict: dict, organization_type: str, package_type: str) -> dict:
        facets_dict[SCHEMA_FACET] = tk._("SCDL schema")
        return facets_dict

    # IPackageController

    def before_dataset_index(self, pkg_dict: dict[str, Any]) -> dict[str, Any]:
        source = pkg_dict.get("validated_data_dict") or pkg_dict.get("data_dict")
        try:
            dataset = json.loads(source) if isinstance(source, str) else {}
        except ValueError:
            dataset = {}
        names, refs = schema_refs(dataset)
        if names:
            pkg_dict[SCHEMA_FACET] = names
            pkg_dict[VERSION_FACET] = refs
        # Scheming stores code lists as JSON strings: index the codes themselves.
        for key in ("territorial_coverage", "collectivites_siren", "themes"):
            value = pkg_dict.get(key)
            if isinstance(value, str) and value.startswith("["):
                try:
                    pkg_dict[key] = json.loads(value)
                except ValueError:
                    pass
        return pkg_dict

    def after_dataset_search(self, search_results: dict[str, Any], search_params: dict[str, Any]) -> dict[str, Any]:
        # Facet items show the schema's label, not its catalogue name.
        facet = (search_results.get("search_facets") or {}).get(SCHEMA_FACET)
        if facet:
            from .helpers import odl_scdl_label

            for item in facet.get("items") or []:
                item["display_name"] = odl_scdl_label(item.get("name"))
        return search_results

    # IMiddleware

    def make_middleware(self, app: Any, config: Any) -> Any:
        from .guided import carry_to_resource_form

        app.after_request(carry_to_resource_form)
        return guard.install(app)

    # IClick

    def get_commands(self) -> list:
        from ckanext.opendatalocale.cli import suite_group

        from . import cli

        return [suite_group(*cli.COMMANDS)]
