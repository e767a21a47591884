"""The suite's CKAN plugins, one per feature folder.

Entry points (setup.py) name each class in its feature module directly, so
enabling one plugin imports only that feature: ``opendatalocale_search`` alone
never imports ckanext-harvest's models, for instance. Names are also reachable
here, imported on first access.
"""
from __future__ import annotations

from importlib import import_module
from typing import Any

PLUGINS = {
    "opendatalocale_search": "ckanext.opendatalocale.search.plugin:SearchPlugin",
    "opendatalocale_scdl": "ckanext.opendatalocale.scdl.plugin:ScdlPlugin",
    "opendatalocale_conformity": "ckanext.opendatalocale.conformity.plugin:ConformityPlugin",
    "opendatalocale_dashboard": "ckanext.opendatalocale.dashboard.plugin:DashboardPlugin",
    "opendatalocale_harvest": "ckanext.opendatalocale.harvesters.plugin:HarvestPlugin",
    "opendatalocale_ods_harvester": "ckanext.opendatalocale.harvesters.ods:OdsHarvester",
    "opendatalocale_datagouv_harvester": "ckanext.opendatalocale.harvesters.datagouv:DatagouvHarvester",
    "opendatalocale_ckan_harvester": "ckanext.opendatalocale.harvesters.ckan:CkanHarvester",
    "opendatalocale_dcat_harvester": "ckanext.opendatalocale.harvesters.dcat:DcatHarvester",
    "opendatalocale_file_harvester": "ckanext.opendatalocale.harvesters.files:FileHarvester",
}
_BY_CLASS = {target.rsplit(":", 1)[1]: target for target in PLUGINS.values()}


def __getattr__(name: str) -> Any:
    if name not in _BY_CLASS:
        raise AttributeError(name)
    module, _, attribute = _BY_CLASS[name].partition(":")
    return getattr(import_module(module), attribute)
