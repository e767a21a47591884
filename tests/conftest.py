"""Fixtures shared by every test of the suite."""
from __future__ import annotations

from typing import Iterator

import pytest

from tests.core_contract import _seeded_factories  # noqa: F401 - same data at every run
from tests.helpers import fixture_path  # noqa: F401 - re-exported for tests
from tests.http_server import FaultServer


@pytest.fixture
def fault_server() -> Iterator[FaultServer]:
    """A real HTTP server on 127.0.0.1 whose routes and faults each test sets."""
    with FaultServer() as server:
        yield server


@pytest.fixture
def odl_db(clean_db, clean_index, migrate_db_for):
    """An empty CKAN database with the suite's tables.

    CKAN's first ``clean_db`` of a session drops every table, the plugins'
    included, so the suite's migrations are applied again here.
    """
    import ckan.model as model
    import ckan.plugins as plugins

    # ckanext-harvest's models hang off CKAN's own metadata once imported (a
    # dataset purge then queries harvest_object), and whether an earlier test
    # imported them depends on the order: import them always, create their
    # tables always. Take the tables from the models' own metadata: CKAN's
    # first clean_db replaces ``model.meta.metadata`` with a reflection of what
    # the database held then, which lacks them on a fresh database.
    from ckanext.harvest import model as harvest_model

    harvest_tables = [table for name, table in harvest_model.HarvestObject.metadata.tables.items()
                      if name.startswith("harvest")]
    harvest_model.HarvestObject.metadata.create_all(model.meta.engine, tables=harvest_tables, checkfirst=True)

    for plugin in ("opendatalocale_search", "opendatalocale_dashboard", "opendatalocale_conformity",
                   "opendatalocale_linkcheck", "opendatalocale_convert", "opendatalocale_consolidation"):
        # CKAN finds a plugin's migrations through the loaded plugin object.
        if plugins.plugin_loaded(plugin):
            migrate_db_for(plugin)


_CKAN_FIXTURES = {
    "with_plugins", "odl_db", "app", "clean_db", "ckan_config", "non_clean_db", "migrate_db_for",
    "with_request_context", "test_request_context", "cli", "clean_index", "reset_db",
}


def pytest_configure(config):
    config.addinivalue_line("markers", "ckan_level: runs CKAN (database, plugins or web app)")


def pytest_collection_modifyitems(config, items):
    """Mark the tests that run CKAN itself.

    The others test pure modules and give the same result on every CKAN line,
    so the run on the previous CKAN line (make test-211) selects only these.
    """
    for item in items:
        if _CKAN_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.ckan_level)
