"""A ``pysolr.Solr`` look-alike that stores and searches CKAN's index in PostgreSQL.

CKAN core and extensions (ckanext-harvest included) reach Solr only through
``ckan.lib.search.common.make_connection()``, which returns a ``pysolr.Solr``.
Giving them this object instead keeps every one of their code paths unchanged:
document building, permission labels, ``before_dataset_index`` plugins, facet
restructuring, error mapping.

This module does not import CKAN: it is given an SQLAlchemy engine. How a
search runs is in :mod:`.plan`, how a document becomes an index row in
:mod:`.writes`.
"""
from __future__ import annotations

import collections
import logging
import time
from typing import Any, Callable, Iterable

import pysolr
import sqlalchemy as sa
from sqlalchemy import exc as sa_exc

from . import ddl
from .ddl import (DOCUMENT_TABLE, FACET_TABLE, FROM_CLAUSE, GENERATION_TABLE, HOT_FACET_TABLE, HOT_WORD_TABLE, TABLE,
                  TERM_TABLE)
from .fields import DEFAULT_FACET_FIELDS
from .plan import SearchPlan
from .translate import QueryError, SqlQuery, translate_filter
from .writes import COUNTED_COLUMNS, apply_facet_deltas, count_terms, resolve_term_ids, row_from_doc

log = logging.getLogger(__name__)

_NEW_GENERATION = f"UPDATE {GENERATION_TABLE} SET n = n + 1"
_UNDEFINED_OBJECT_CODES = {"42P01", "42703", "42883", "42704"}  # table, column, function, ts config


class PostgresSolr:
    """The subset of the ``pysolr.Solr`` API that CKAN and extensions use."""

    def __init__(self, engine_getter: Callable[[], sa.engine.Engine], *,
                 url: str = "postgresql://ckan-search-index",
                 statement_timeout_ms: int = 10_000,
                 facet_fields: Iterable[str] = DEFAULT_FACET_FIELDS,
                 hot_words: int = 100, hot_word_min_documents: int = 500,
                 decoder: Any = None, timeout: Any = None, **_ignored: Any) -> None:
        self._engine_getter = engine_getter
        self.facet_fields = frozenset(facet_fields)
        self.hot_words = hot_words
        self.hot_word_min_documents = hot_word_min_documents
        self.url = url
        self.statement_timeout_ms = statement_timeout_ms
        # pysolr would apply ``decoder`` to JSON; our dates already come back
        # as the ISO strings CKAN indexed, which is what CKAN expects.
        self.decoder = decoder
        self.timeout = timeout

    # -- writes -----------------------------------------------------------
    def add(self, docs: Iterable[dict[str, Any]], boost: Any = None, fieldUpdates: Any = None,
            commit: bool | None = None, softCommit: bool = False, commitWithin: Any = None,
            waitFlush: Any = None, waitSearcher: Any = None, overwrite: Any = None,
            handler: str = "update", min_rf: Any = None) -> str:
        rows = [row_from_doc(doc, self.facet_fields) for doc in docs]
        if not rows:
            return ""
        # The last document wins when a batch holds the same one twice.
        rows = list({row["index_id"]: row for row in rows}.values())
        statement = sa.text(
            f"""
            INSERT INTO {TABLE} (index_id, id, name, site_id, entity_type, state, dataset_type,
                                 capacity, permission_labels, metadata_modified, metadata_created,
                                 facet_terms, facet_ids, facet_vector, fields, search_vector, rank_vector,
                                 indexed_at)
            VALUES (:index_id, :id, :name, :site_id, :entity_type, :state, :dataset_type,
                    :capacity, :permission_labels, :metadata_modified, :metadata_created,
                    :facet_terms, :facet_ids, odl_facet_vector(CAST(:facet_ids AS integer[])),
                    CAST(:fields AS jsonb),
                    setweight(to_tsvector('odl_fr', :text_a) || to_tsvector('odl_simple', :text_a), 'A') ||
                    setweight(to_tsvector('odl_fr', :text_b) || to_tsvector('odl_simple', :text_b), 'B') ||
                    setweight(to_tsvector('odl_fr', :text_c) || to_tsvector('odl_simple', :text_c), 'C') ||
                    setweight(to_tsvector('odl_fr', :text_d) || to_tsvector('odl_simple', :text_d), 'D'),
                    setweight(to_tsvector('odl_fr', :text_a), 'A') || setweight(to_tsvector('odl_fr', :text_b), 'B'),
                    now())
            ON CONFLICT (index_id) DO UPDATE SET
              id = EXCLUDED.id, name = EXCLUDED.name, site_id = EXCLUDED.site_id,
              entity_type = EXCLUDED.entity_type, state = EXCLUDED.state,
              dataset_type = EXCLUDED.dataset_type, capacity = EXCLUDED.capacity,
              permission_labels = EXCLUDED.permission_labels,
              metadata_modified = EXCLUDED.metadata_modified,
              metadata_created = EXCLUDED.metadata_created, facet_terms = EXCLUDED.facet_terms,
              facet_ids = EXCLUDED.facet_ids, facet_vector = EXCLUDED.facet_vector,
              fields = EXCLUDED.fields, search_vector = EXCLUDED.search_vector,
              rank_vector = EXCLUDED.rank_vector,
              indexed_at = EXCLUDED.indexed_at
            """
        )
        document_statement = sa.text(
            f"""
            INSERT INTO {DOCUMENT_TABLE} (index_id, texts, data_dict, validated_data_dict, search_text)
            VALUES (:index_id, CAST(:texts AS jsonb), :data_dict, :validated_data_dict, :search_text)
            ON CONFLICT (index_id) DO UPDATE SET
              texts = EXCLUDED.texts, data_dict = EXCLUDED.data_dict,
              validated_data_dict = EXCLUDED.validated_data_dict, search_text = EXCLUDED.search_text
            """
        )

        def write(conn: sa.Connection) -> None:
            ids = sorted(row["index_id"] for row in rows)
            # Serialise writers of the same documents so facet counts stay exact.
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext(i)) FROM unnest(CAST(:ids AS text[])) AS i"),
                         {"ids": ids})
            previous = conn.execute(sa.text(
                f"SELECT {COUNTED_COLUMNS} FROM {TABLE} WHERE index_id = ANY(:ids)"), {"ids": ids}).all()
            resolve_term_ids(conn, rows)
            conn.execute(statement, rows)
            conn.execute(document_statement, rows)
            deltas: collections.Counter = collections.Counter()
            for old in previous:
                count_terms(deltas, old, -1)
            for row in rows:
                count_terms(deltas, row, +1)
            apply_facet_deltas(conn, deltas)
            conn.execute(sa.text(_NEW_GENERATION))

        self._run(write)
        return ""

    def delete(self, id: Any = None, q: str | None = None, commit: bool | None = None,
               softCommit: bool = False, waitFlush: Any = None, waitSearcher: Any = None,
               handler: str = "update") -> str:
        if id is None and q is None:
            raise ValueError('You must specify "id" or "q".')
        if id is not None:
            ids = list(id) if isinstance(id, (list, tuple, set)) else [id]
            condition, params = "d.index_id = ANY(:ids)", {"ids": [str(i) for i in ids]}
        else:
            sql = SqlQuery()
            try:
                condition = translate_filter(q or "", sql)
            except QueryError as exc:
                raise pysolr.SolrError(str(exc)) from exc
            params = sql.params
        statement = sa.text(
            f"DELETE FROM {TABLE} WHERE index_id IN (SELECT d.index_id FROM {FROM_CLAUSE} WHERE {condition}) "
            f"RETURNING {COUNTED_COLUMNS}")

        def remove(conn: sa.Connection) -> None:
            deltas: collections.Counter = collections.Counter()
            for old in conn.execute(statement, params):
                count_terms(deltas, old, -1)
            if deltas:
                apply_facet_deltas(conn, deltas)
                conn.execute(sa.text(_NEW_GENERATION))

        self._run(remove)
        return ""

    def commit(self, *args: Any, **kwargs: Any) -> str:
        # Every write is committed at once, like a Solr soft commit.
        return ""

    def optimize(self, *args: Any, **kwargs: Any) -> str:
        """Recount the facet values and term ids, then vacuum and analyse the index tables."""
        def work(conn: sa.Connection) -> None:
            for statement in ddl.RECOUNT_STATEMENTS:
                conn.execute(sa.text(statement))

        self._run(work)
        self.count_hot_words()
        # Like Solr's optimise after a bulk load: dead row versions left by a
        # rebuild are removed from the heap and the text index (searches
        # would visit them), and planner statistics are refreshed. VACUUM
        # cannot run inside a transaction.
        try:
            with self._engine_getter().connect() as conn:
                conn = conn.execution_options(isolation_level="AUTOCOMMIT")
                for table in (TABLE, DOCUMENT_TABLE, FACET_TABLE, TERM_TABLE):
                    conn.execute(sa.text(f"VACUUM (ANALYZE) {table}"))
        except sa_exc.DBAPIError as exc:
            raise pysolr.SolrError(f"Search index error: {_first_line(exc)}") from exc
        return ""

    def count_hot_words(self) -> None:
        """Choose the index's most frequent words and count their facet values.

        One-word queries for these words then read their count and facets
        instead of counting them over every match, until the next index write
        (a write bumps the index generation; counts of an older generation
        are never read). ``optimize`` calls this.
        """
        def work(conn: sa.Connection) -> None:
            # One snapshot for the generation and every count.
            conn.execute(sa.text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"))
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext(:name))"), {"name": HOT_WORD_TABLE})
            for statement in ddl.HOT_WORD_CLEAR_STATEMENTS:
                conn.execute(sa.text(statement))
            if self.hot_words <= 0:
                return
            rows = conn.execute(sa.text(f"SELECT count(*) FROM {TABLE}")).scalar() or 1
            params = {"limit": int(self.hot_words), "min_documents": max(1, int(self.hot_word_min_documents)),
                      "percent": min(100.0, round(100.0 * ddl.HOT_WORD_SAMPLE_ROWS / rows, 4))}
            for statement in ddl.HOT_WORD_STATEMENTS:
                conn.execute(sa.text(statement), params)
            for (word_key,) in conn.execute(sa.text(f"SELECT word_key FROM {HOT_WORD_TABLE}")).all():
                conn.execute(sa.text(ddl.HOT_FACET_STATEMENT), {"word_key": word_key})
            conn.execute(sa.text(ddl.HOT_WORD_DOCUMENTS_STATEMENT))

        self._run(work)

    def ping(self, handler: str = "admin/ping", **kwargs: Any) -> str:
        self._run(lambda conn: conn.execute(sa.text(f"SELECT 1 FROM {TABLE} LIMIT 1")))
        return '{"status": "OK"}'

    # -- reads ------------------------------------------------------------
    def search(self, q: str | None = None, search_handler: str | None = None,
               **params: Any) -> pysolr.Results:
        started = time.perf_counter()
        try:
            plan = SearchPlan.build(q, params, self.facet_fields)
        except QueryError as exc:
            # As Solr's 400: CKAN shows "error while searching" (API: 409 with the reason).
            raise pysolr.SolrError(f"Solr responded with an error (HTTP 400): {exc}") from exc

        def run(conn: sa.Connection) -> dict[str, Any]:
            # One round trip for the transaction's settings. PostgreSQL's
            # default page cost dates from spinning disks and makes it scan the
            # whole index table rather than use the text index for a query
            # matching a few percent of the datasets; and with words to match,
            # the text index always beats reading every row's long vector.
            # JIT compiling costs more than any search it could speed up, and
            # the cost the planner gives a disabled sequential scan (of a tiny
            # table) would trigger it.
            conn.execute(sa.text(
                "SELECT set_config('statement_timeout', :timeout, true), "
                "set_config('random_page_cost', '1.1', true), "
                "set_config('jit', 'off', true), "
                "set_config('enable_seqscan', :seqscan, true)"),
                {"timeout": str(int(self.statement_timeout_ms)),
                 "seqscan": "off" if plan.sql.rank_terms else "on"})
            return plan.execute(conn)

        decoded = self._run(run)
        decoded["responseHeader"] = {"status": 0,
                                     "QTime": int((time.perf_counter() - started) * 1000)}
        return pysolr.Results(decoded)

    # -- plumbing ---------------------------------------------------------
    def _run(self, work: Callable[[sa.Connection], Any]) -> Any:
        for attempt in (1, 2):
            try:
                with self._engine_getter().begin() as conn:
                    return work(conn)
            except sa_exc.ProgrammingError as exc:
                code = getattr(exc.orig, "pgcode", None)
                if attempt == 1 and code in _UNDEFINED_OBJECT_CODES:
                    log.info("Search index table missing: creating it")
                    ensure_schema(self._engine_getter())
                    continue
                # A bug of ours, not the user's: the details (SQL) go to the log only.
                log.exception("Search index error")
                raise pysolr.SolrError("Search index error (see the server log)") from exc
            except sa_exc.OperationalError as exc:
                code = getattr(exc.orig, "pgcode", None)
                if code == "57014":  # statement timeout
                    raise pysolr.SolrError("Search query took too long and was cancelled") from exc
                raise pysolr.SolrError(
                    f"Failed to connect to server: search index database unavailable "
                    f"({_first_line(exc)})") from exc
            except sa_exc.DataError as exc:
                raise pysolr.SolrError(f"Solr responded with an error (HTTP 400): "
                                       f"{_first_line(exc)}") from exc
        raise AssertionError("unreachable")


def ensure_schema(engine: sa.engine.Engine) -> None:
    """Create the index objects; serialised so concurrent workers don't collide."""
    with engine.begin() as conn:
        present = conn.execute(sa.text(
            "SELECT to_regclass(:table) IS NOT NULL AND to_regclass(:facets) IS NOT NULL "
            "AND to_regclass(:documents) IS NOT NULL AND to_regclass(:terms) IS NOT NULL "
            "AND to_regclass(:hot_words) IS NOT NULL AND to_regclass(:hot_facets) IS NOT NULL "
            "AND to_regclass(:generation) IS NOT NULL AND to_regclass(:rank_index) IS NOT NULL "
            "AND to_regproc('odl_sorted') IS NOT NULL "
            "AND EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass(:table) "
            "            AND attname = 'facet_vector' AND NOT attisdropped)"
        ), {"table": TABLE, "facets": FACET_TABLE, "documents": DOCUMENT_TABLE,
            "terms": TERM_TABLE, "hot_words": HOT_WORD_TABLE, "hot_facets": HOT_FACET_TABLE,
            "generation": GENERATION_TABLE, "rank_index": f"{TABLE}_rank_idx"}).scalar()
        if present:
            return
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext(:name))"), {"name": TABLE})
        for statement in ddl.STATEMENTS:
            conn.execute(sa.text(statement))
        # Counts kept beside an index that had to be re-created (or upgraded) are stale.
        for statement in ddl.RECOUNT_STATEMENTS:
            conn.execute(sa.text(statement))


def _first_line(exc: Exception) -> str:
    return str(getattr(exc, "orig", exc)).strip().splitlines()[0] if str(exc) else type(exc).__name__
