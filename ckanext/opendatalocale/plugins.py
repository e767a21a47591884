"""Entry points of the suite's CKAN plugins.

Each feature keeps its plugin class in its own folder (``<feature>/plugin.py``)
next to the actions, views, CLI and config declarations that CKAN's
``toolkit.blanket`` decorators find there; this module only lists them.
"""
from ckanext.opendatalocale.harvesters.ckan import CkanHarvester
from ckanext.opendatalocale.harvesters.datagouv import DatagouvHarvester
from ckanext.opendatalocale.harvesters.dcat import DcatHarvester
from ckanext.opendatalocale.harvesters.files import FileHarvester
from ckanext.opendatalocale.harvesters.ods import OdsHarvester
from ckanext.opendatalocale.harvesters.plugin import HarvestPlugin
from ckanext.opendatalocale.scdl.plugin import ScdlPlugin
from ckanext.opendatalocale.search.plugin import SearchPlugin

__all__ = [
    "CkanHarvester", "DatagouvHarvester", "DcatHarvester", "FileHarvester", "HarvestPlugin", "OdsHarvester",
    "ScdlPlugin", "SearchPlugin"]
