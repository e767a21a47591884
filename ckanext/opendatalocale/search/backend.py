"""Put the PostgreSQL index behind CKAN's ``make_connection()``.

``ckan.lib.search.common.make_connection`` builds ``pysolr.Solr(...)`` through
its module's ``pysolr`` name. We replace that one name with a proxy whose
``Solr`` returns :class:`PostgresSolr` while the backend is selected, and the
real class otherwise, so switching ``ckanext.opendatalocale.search.backend`` to
``solr`` gives CKAN its Solr back untouched. The proxy stays in place when the
plugin is unloaded (CKAN's test runner unloads plugins between tests): it then
follows the configuration, never a stale state.
"""
from __future__ import annotations

import logging
import threading
import types
from typing import Any

import pysolr
import sqlalchemy as sa

import ckan.lib.search as ckan_search
import ckan.lib.search.common as search_common
import ckan.model as model
from ckan.common import config

from .connection import PostgresSolr, ensure_schema
from .fields import DEFAULT_FACET_FIELDS

log = logging.getLogger(__name__)

BACKEND_KEY = "ckanext.opendatalocale.search.backend"
URL_KEY = "ckanext.opendatalocale.search.sqlalchemy_url"
TIMEOUT_KEY = "ckanext.opendatalocale.search.statement_timeout"
FACET_FIELDS_KEY = "ckanext.opendatalocale.search.facet_fields"
HOT_WORDS_KEY = "ckanext.opendatalocale.search.hot_words"
HOT_WORD_MIN_KEY = "ckanext.opendatalocale.search.hot_word_min_documents"

_engines: dict[str, sa.engine.Engine] = {}
_engines_lock = threading.Lock()
_original_schema_check = ckan_search.check_solr_schema_version


def postgres_selected() -> bool:
    return (config.get(BACKEND_KEY, None) or "postgresql") == "postgresql"


def get_engine() -> sa.engine.Engine:
    url = config.get(URL_KEY, None)
    if not url:
        if model.meta.engine is not None:
            return model.meta.engine
        # CKAN checks its search backend before it creates its own engine.
        url = config["sqlalchemy.url"]
    with _engines_lock:
        if url not in _engines:
            _engines[url] = sa.create_engine(url, pool_pre_ping=True)
        return _engines[url]


def _connection_factory(url: str = "", *args: Any, **kwargs: Any) -> Any:
    if postgres_selected():
        timeout = config.get(TIMEOUT_KEY, None) or 10_000
        facet_fields = config.get(FACET_FIELDS_KEY, None) or DEFAULT_FACET_FIELDS
        if isinstance(facet_fields, str):
            facet_fields = facet_fields.split()
        return PostgresSolr(get_engine, statement_timeout_ms=int(timeout), facet_fields=facet_fields,
                            hot_words=_int_option(HOT_WORDS_KEY, 100),
                            hot_word_min_documents=_int_option(HOT_WORD_MIN_KEY, 500), **kwargs)
    return pysolr.Solr(url, *args, **kwargs)


def _int_option(key: str, default: int) -> int:
    value = config.get(key, None)
    return default if value in (None, "") else int(value)


class _PysolrProxy(types.ModuleType):
    """``pysolr`` as seen from ``ckan.lib.search.common``."""

    def __init__(self) -> None:
        super().__init__("pysolr")
        self.Solr = _connection_factory

    def __getattr__(self, name: str) -> Any:
        return getattr(pysolr, name)


def _check_schema_version(schema_file: str | None = None) -> bool:
    if not postgres_selected():
        return _original_schema_check(schema_file)
    ensure_schema(get_engine())
    log.info("Search index: PostgreSQL backend (ckanext-opendatalocale)")
    return True


def install() -> None:
    """Idempotent; safe to call at every plugin load."""
    if not isinstance(search_common.pysolr, _PysolrProxy):
        search_common.pysolr = _PysolrProxy()
    ckan_search.check_solr_schema_version = _check_schema_version
