"""Entry points of the suite's CKAN plugins.

Each feature keeps its plugin class in its own folder (``<feature>/plugin.py``)
next to the actions, views, CLI and config declarations that CKAN's
``toolkit.blanket`` decorators find there; this module only lists them.
"""
from ckanext.opendatalocale.scdl.plugin import ScdlPlugin
from ckanext.opendatalocale.search.plugin import SearchPlugin

__all__ = ["ScdlPlugin", "SearchPlugin"]
