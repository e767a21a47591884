"""A ``pysolr.Solr`` look-alike that stores and searches CKAN's index in PostgreSQL.

CKAN core and extensions (ckanext-harvest included) reach Solr only through
``ckan.lib.search.common.make_connection()``, which returns a ``pysolr.Solr``.
Giving them this object instead keeps every one of their code paths unchanged:
document building, permission labels, ``before_dataset_index`` plugins, facet
restructuring, error mapping.

This module does not import CKAN: it is given an SQLAlchemy engine.
"""
from __future__ import annotations

import collections
import datetime as dt
import json
import logging
import re
import time
from typing import Any, Callable, Iterable

import pysolr
from dateutil.parser import isoparse
import sqlalchemy as sa
from sqlalchemy import exc as sa_exc

from . import ddl
from .fields import (
    DEFAULT_FACET_FIELDS, SCALAR_COLUMNS, STORED_ONLY_FIELDS, FieldKind, document_column, in_catch_all,
    kind_of, weight_of,
)
from .translate import (
    QueryError, SqlQuery, base_filter, translate_filter, translate_main_query, translate_sort,
)

log = logging.getLogger(__name__)

TABLE = ddl.TABLE
DOCUMENT_TABLE = ddl.DOCUMENT_TABLE
FROM_CLAUSE = ddl.FROM_CLAUSE
FACET_TABLE = ddl.FACET_TABLE
TERM_TABLE = ddl.TERM_TABLE
HOT_WORD_TABLE = ddl.HOT_WORD_TABLE
HOT_FACET_TABLE = ddl.HOT_FACET_TABLE
GENERATION_TABLE = ddl.GENERATION_TABLE
_NEW_GENERATION = f"UPDATE {GENERATION_TABLE} SET n = n + 1"
SEPARATOR = ddl.TERM_SEPARATOR
DEFAULT_SORT = "score desc, metadata_modified desc"
_UNDEFINED_OBJECT_CODES = {"42P01", "42703", "42883", "42704"}  # table, column, function, ts config
_SPLIT_FL = re.compile(r"[\s,]+")
_MAX_FACET_LIMIT = 10_000


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
        rows = [_row_from_doc(doc, self.facet_fields) for doc in docs]
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
                f"SELECT {_COUNTED_COLUMNS} FROM {TABLE} WHERE index_id = ANY(:ids)"), {"ids": ids}).all()
            _resolve_term_ids(conn, rows)
            conn.execute(statement, rows)
            conn.execute(document_statement, rows)
            deltas: collections.Counter = collections.Counter()
            for old in previous:
                _count_terms(deltas, old, -1)
            for row in rows:
                _count_terms(deltas, row, +1)
            _apply_facet_deltas(conn, deltas)
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
            f"RETURNING {_COUNTED_COLUMNS}")

        def remove(conn: sa.Connection) -> None:
            deltas: collections.Counter = collections.Counter()
            for old in conn.execute(statement, params):
                _count_terms(deltas, old, -1)
            if deltas:
                _apply_facet_deltas(conn, deltas)
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
            plan = _SearchPlan.build(q, params, self.facet_fields)
        except QueryError as exc:
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
                raise pysolr.SolrError(f"Search index error: {_first_line(exc)}") from exc
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


class _SearchPlan:
    """One search request turned into SQL."""

    def __init__(self) -> None:
        self.sql = SqlQuery()
        self.where = "TRUE"
        self.order_by: list[str] = []
        self.rank = "CAST(0 AS real)"
        self.rows = 10
        self.start = 0
        self.field_list: list[str] | None = None
        self.facet_fields: list[str] = []
        self.facet_limit = 50
        self.facet_mincount = 1
        self.base: dict[str, set[str]] | None = None
        # CKAN's visibility filters when they are the only filters (q aside).
        self.filter_base: dict[str, set[str]] | None = None
        self.counted_fields: frozenset[str] = frozenset()
        # The OR of the query's words, which ranking scores against.
        self.rank_query = ""
        # Every word plain: a dataset scores above zero exactly when its small
        # vector matches rank_query.
        self.plain_words = False

    @classmethod
    def build(cls, q: str | None, params: dict[str, Any],
              counted_fields: frozenset[str] = frozenset(DEFAULT_FACET_FIELDS)) -> "_SearchPlan":
        plan = cls()
        plan.counted_fields = counted_fields
        sql = plan.sql
        sql.term_fields = counted_fields
        q = q if q is not None else params.get("q", "*:*")
        if not isinstance(q, str):
            raise QueryError("Invalid q parameter")
        conditions = [translate_main_query(q, sql, fielded=":" in q or params.get("defType") == "lucene")]
        filters = params.get("fq") or []
        if isinstance(filters, str):
            filters = [filters]
        filters = list(filters) + list(params.get("fq_list") or [])
        for value in filters:
            if not isinstance(value, str):
                raise QueryError("Invalid fq parameter")
            conditions.append(translate_filter(value, sql))
        # No COALESCE here: at the top of a WHERE clause NULL already counts as
        # false, and a bare predicate lets PostgreSQL use the indexes.
        plan.where = " AND ".join(f"({c})" for c in conditions)
        plan.base = _base_only(q, filters)
        plan.filter_base = _base_only("*:*", filters)
        if sql.rank_terms:
            # Relevance from the title, name, tags, groups and organisation: a
            # small vector of French stems kept in the row, where ranking on
            # the whole text would read every matching row's long vector.
            plan.rank_query = " || ".join(sql.rank_terms)
            plan.rank = f"ts_rank(d.rank_vector, {plan.rank_query})"
            plan.plain_words = sql.plain_rank_terms == len(sql.rank_terms)
        sort = params.get("sort") or DEFAULT_SORT
        plan.order_by = translate_sort(sort, sql, plan.rank)
        if not sql.rank_terms:
            # Without words to rank, every score is equal: leaving it out lets
            # an index serve the order (e.g. metadata_modified).
            plan.order_by = [o for o in plan.order_by if not o.startswith(plan.rank)]
        plan.rows = _non_negative_int(params.get("rows", 10), "rows")
        plan.start = _non_negative_int(params.get("start", 0), "start")
        fl = params.get("fl")
        if fl and fl.strip() != "*":
            plan.field_list = [f for f in _SPLIT_FL.split(fl) if f]
        if str(params.get("facet", "false")).lower() == "true":
            facet_fields = params.get("facet.field") or []
            if isinstance(facet_fields, str):
                facet_fields = [facet_fields]
            for field in facet_fields:
                field = str(field).strip()
                field = re.sub(r"^\{![^}]*\}", "", field)
                if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_\-.]*", field):
                    raise QueryError(f"Invalid facet field {field!r}")
                plan.facet_fields.append(field)
            limit = int(_int_param(params.get("facet.limit", 50), "facet.limit"))
            plan.facet_limit = _MAX_FACET_LIMIT if limit < 0 else min(limit, _MAX_FACET_LIMIT)
            plan.facet_mincount = _int_param(params.get("facet.mincount", 1), "facet.mincount")
        return plan

    def execute(self, conn: sa.Connection) -> dict[str, Any]:
        names = list(dict.fromkeys(self.facet_fields))
        wants_docs = self.rows > 0
        kept_fields = all(n in self.counted_fields for n in names)
        if self.base is not None and kept_fields:
            # A listing: the count and facets are read from the kept counts.
            count, counts = self._read_counts(conn, names)
            docs = self._fetch_docs(conn) if wants_docs and count > self.start else []
        elif (self.sql.word_query and self.filter_base is not None and kept_fields
              and (hot := self._read_hot_counts(conn, names)) is not None):
            # One frequent word: count and facets counted by ``optimize``.
            count, counts = hot
            docs = self._word_page(conn) if wants_docs and count > self.start else []
        elif self.plain_words and kept_fields and (stat := self._stat_counts(conn, names)) is not None:
            # Plain words: ts_stat() counts the matches and their facet values,
            # and the page ranks only the datasets whose small vector holds a word.
            count, counts = stat
            docs = self._word_page(conn) if wants_docs and count > self.start else []
        else:
            count, counts, page = self._scan_once(conn, names)
            docs = self._fetch_page(conn, page)
        facets = {}
        for name in self.facet_fields:
            ranked = sorted(((v, n) for v, n in counts.get(name, {}).items()
                             if n >= max(self.facet_mincount, 1)), key=lambda item: (-item[1], item[0]))
            facets[name] = [x for value, hits in ranked[: self.facet_limit] for x in (value, hits)]
        return {
            "response": {"numFound": count, "start": self.start, "docs": docs},
            "facet_counts": {"facet_fields": facets},
        }

    def _read_counts(self, conn: sa.Connection, names: list[str]) -> tuple[int, dict[str, dict[str, int]]]:
        conditions, params = _base_conditions(self.base)
        conditions.append("field = ANY(:_fields)")
        params["_fields"] = names + [""]
        statement = sa.text(f"SELECT field, value, sum(n) FROM {FACET_TABLE} "
                            f"WHERE {' AND '.join(conditions)} GROUP BY field, value")
        return _tally(conn.execute(statement, params))

    def _read_hot_counts(self, conn: sa.Connection,
                         names: list[str]) -> tuple[int, dict[str, dict[str, int]]] | None:
        """Count and facets of a one-word query from the hot word counts, or
        None when the word is not hot or its counts predate the last write.

        The generation check and the counts are one statement: one snapshot.
        """
        conditions, params = _base_conditions(self.filter_base, "f.")
        conditions.append("(f.term_id = 0 OR s.field = ANY(:_fields))")
        params.update(self.sql.params, _fields=names)
        statement = sa.text(
            f"""
            WITH hot AS (
              SELECT h.word_key FROM {HOT_WORD_TABLE} AS h
              JOIN {GENERATION_TABLE} AS g ON g.n = h.generation
              WHERE h.query_text = CAST({self.sql.word_query} AS text)
            )
            SELECT 0 AS part, NULL AS field, NULL AS value, count(*) AS n FROM hot
            UNION ALL
            SELECT 1, s.field, s.value, sum(f.n)
            FROM hot JOIN {HOT_FACET_TABLE} AS f ON f.word_key = hot.word_key
            LEFT JOIN {TERM_TABLE} AS s ON s.term_id = f.term_id
            WHERE {' AND '.join(conditions)}
            GROUP BY s.field, s.value
            """)
        rows = conn.execute(statement, params).all()
        if not any(part == 0 and hits for part, _field, _value, hits in rows):
            return None
        return _tally((field, value, hits) for part, field, value, hits in rows if part == 1)

    def _word_page(self, conn: sa.Connection) -> list[dict[str, Any]]:
        """The page of a query of plain words without ranking every match.

        Only the rows whose rank vector holds one of the words score above
        zero; in a relevance order they come first, the others follow in the
        order of the remaining sort keys, as they would after ranking all of them.
        """
        if not self.order_by or not self.order_by[0].startswith(self.rank):
            return self._fetch_docs(conn)
        ranked_condition = f"d.rank_vector @@ ({self.rank_query})"
        wanted = self.start + self.rows
        ranked = self._page_ids(conn, ranked_condition, wanted, 0)
        page = ranked[self.start:]
        if len(ranked) < wanted:
            skip = max(0, self.start - len(ranked))
            page += self._page_ids(conn, f"NOT ({ranked_condition})", self.rows - len(page), skip)
        return self._fetch_page(conn, page)

    def _stat_counts(self, conn: sa.Connection,
                     names: list[str]) -> tuple[int, dict[str, dict[str, int]]] | None:
        """Count and facets of the matches from ts_stat() over their facet vectors.

        ts_stat() runs a query given as text: the matching query is passed
        with its values inlined by the database driver's own quoting, the one
        it applies to every statement. None if the driver cannot do that.
        """
        inner = _inline(conn, f"SELECT d.facet_vector FROM {FROM_CLAUSE} WHERE {self.where}", self.sql.params)
        if inner is None:
            return None
        statement = sa.text(
            f"SELECT s.field, s.value, t.ndoc FROM ts_stat(:_inner) AS t "
            f"LEFT JOIN {TERM_TABLE} AS s ON s.term_id = CAST(t.word AS integer) "
            f"WHERE t.word = '0' OR s.field = ANY(:_fields)")
        return _tally(conn.execute(statement, {"_inner": inner, "_fields": names}))

    def _page_ids(self, conn: sa.Connection, condition: str, rows: int, start: int) -> list[tuple[str, float]]:
        statement = sa.text(
            f"SELECT d.index_id, {self.rank} AS score FROM {FROM_CLAUSE} "
            f"WHERE ({self.where}) AND ({condition}) ORDER BY {self._order()} LIMIT :_rows OFFSET :_start")
        return [(index_id, float(score or 0)) for index_id, score in
                conn.execute(statement, {**self.sql.params, "_rows": rows, "_start": start})]

    def _scan_once(self, conn: sa.Connection,
                   names: list[str]) -> tuple[int, dict[str, dict[str, int]], list[tuple[str, float]]]:
        """The count, facet counts and page of a query, from one scan of its rows.

        The matching rows are read once into a materialised set (their id,
        facet term ids, score and sort keys); the count, the facets and the
        page are all computed from it. Counting visits every match anyway, so
        this beats a count followed by a page query even without facets.
        """
        counted = [n for n in names if n in self.counted_fields]
        others = [n for n in names if n not in self.counted_fields]
        keys = [_split_order(item) for item in self.order_by]
        columns = ["d.index_id", f"{self.rank} AS score"] + (["d.facet_ids"] if counted else [])
        # Keys are computed once per row; relevance is already the score column.
        columns += [f"{expression} AS k{i}" for i, (expression, _) in enumerate(keys) if expression != self.rank]
        # Fields whose values are not kept as term ids are read from their
        # column, or else from the field document.
        columns += [(f"to_jsonb(d.{name})" if name in SCALAR_COLUMNS
                     else f"{document_column(name)} -> {self.sql.bind(name)}") + f" AS o{i}"
                    for i, name in enumerate(others)]
        tie = "DESC" if keys and keys[-1][1] == "DESC" else "ASC"
        order = ", ".join([f"{'score' if expression == self.rank else f'k{i}'} {direction} NULLS LAST"
                           for i, (expression, direction) in enumerate(keys)] + [f"index_id {tie}"])
        parts = ["SELECT 0 AS part, NULL AS field, NULL AS value, count(*) AS n, "
                 "NULL AS index_id, NULL::real AS score FROM matched"]
        if counted:
            parts.append(
                # unnest() in the select list: a third faster than a lateral join.
                f"SELECT 1, s.field, s.value, c.n, NULL, NULL FROM "
                f"(SELECT t, count(*) AS n FROM (SELECT unnest(facet_ids) AS t FROM matched) AS u "
                f"GROUP BY t) AS c "
                f"JOIN {TERM_TABLE} AS s ON s.term_id = c.t WHERE s.field = ANY({self.sql.bind(counted)})")
        for i, name in enumerate(others):
            parts.append(
                f"SELECT 1, {self.sql.bind(name)}, v, count(*), NULL, NULL FROM matched "
                f"CROSS JOIN LATERAL (SELECT DISTINCT v FROM odl_values(matched.o{i}) AS v) AS f GROUP BY v")
        if self.rows > 0:
            # Numbered in the page's own order: UNION ALL keeps no order.
            parts.append(
                f"SELECT 2, NULL, NULL, row_number() OVER (ORDER BY {order}), index_id, score "
                f"FROM (SELECT * FROM matched ORDER BY {order} LIMIT :_rows OFFSET :_start) AS page")
        statement = sa.text(
            f"WITH matched AS MATERIALIZED (SELECT {', '.join(columns)} FROM {FROM_CLAUSE} "
            f"WHERE {self.where}) " + " UNION ALL ".join(parts))
        count = 0
        counts: dict[str, dict[str, int]] = collections.defaultdict(dict)
        page: list[tuple[int, str, float]] = []
        result = conn.execute(statement, {**self.sql.params, "_rows": self.rows, "_start": self.start})
        for part, field, value, n, index_id, score in result:
            if part == 0:
                count = int(n)
            elif part == 1:
                counts[field][value] = int(n)
            else:
                page.append((int(n), index_id, float(score or 0)))
        return count, counts, [(index_id, score) for _, index_id, score in sorted(page)]

    def _fetch_page(self, conn: sa.Connection, page: list[tuple[str, float]]) -> list[dict[str, Any]]:
        """The documents of a page whose ids and scores are already known, in order."""
        if not page:
            return []
        rows = conn.execute(sa.text(
            f"SELECT d.index_id AS _page_id, {self._document_columns()} FROM {FROM_CLAUSE} "
            f"WHERE d.index_id = ANY(:_ids)"), {"_ids": [index_id for index_id, _ in page]}).mappings()
        by_id = {row["_page_id"]: row for row in rows}
        return [self._document(by_id[index_id], score) for index_id, score in page if index_id in by_id]

    def _order(self) -> str:
        # A stable order for paging; it follows the direction of the last key
        # so that an index on (key DESC, index_id DESC) can serve it.
        tie_break = "d.index_id DESC" if self.order_by and " DESC " in self.order_by[-1] else "d.index_id"
        return ", ".join(self.order_by + [tie_break])

    def _fetch_docs(self, conn: sa.Connection) -> list[dict[str, Any]]:
        statement = sa.text(
            f"SELECT {self._document_columns()}, {self.rank} AS _score FROM {FROM_CLAUSE} "
            f"WHERE {self.where} ORDER BY {self._order()} LIMIT :_rows OFFSET :_start"
        )
        rows = conn.execute(statement, {**self.sql.params, "_rows": self.rows,
                                        "_start": self.start}).mappings()
        return [self._document(row, row["_score"]) for row in rows]

    def _document_columns(self) -> str:
        wanted = self.field_list
        if wanted is not None and all(w in _ROW_COLUMNS or w == "score" for w in wanted):
            # CKAN's own fl ("id validated_data_dict"): read from columns,
            # without opening the field document and the texts.
            return ", ".join(f"{_ROW_COLUMNS[w]} AS {w}" for w in dict.fromkeys(wanted) if w in _ROW_COLUMNS)
        columns = ["d.fields AS _fields", "x.texts AS _texts"]
        for column in ("data_dict", "validated_data_dict"):
            if wanted is None or column in wanted:
                columns.append(f"x.{column} AS {column}")
        return ", ".join(columns)

    def _document(self, row: Any, score: Any) -> dict[str, Any]:
        doc = {**(row.get("_fields") or {}), **(row.get("_texts") or {})}
        doc.update({key: value for key, value in row.items()
                    if not key.startswith("_") and value is not None})
        doc["score"] = float(score or 0)
        if self.field_list is not None:
            doc = {k: v for k, v in doc.items() if _selected(k, self.field_list)}
        return doc


# Fields CKAN asks for in ``fl`` that a row holds in a column of its own.
_ROW_COLUMNS = {"id": "d.id", "name": "d.name", "index_id": "d.index_id",
                "data_dict": "x.data_dict", "validated_data_dict": "x.validated_data_dict"}


def _tally(rows: Iterable[Any]) -> tuple[int, dict[str, dict[str, int]]]:
    """(total, {field: {value: count}}) from (field, value, count) rows, where
    the row without a field (NULL or '') holds the number of datasets."""
    total = 0
    counts: dict[str, dict[str, int]] = collections.defaultdict(dict)
    for field, value, hits in rows:
        if field:
            counts[field][value] = int(hits)
        else:
            total = int(hits)
    return total, counts


def _inline(conn: sa.Connection, statement: str, params: dict[str, Any]) -> str | None:
    """``statement`` with its bind parameters quoted in, by psycopg2."""
    raw = conn.connection.dbapi_connection
    cursor = raw.cursor()
    if not hasattr(cursor, "mogrify"):
        return None
    compiled = sa.text(statement).compile(dialect=conn.dialect)
    try:
        text = cursor.mogrify(compiled.string, compiled.construct_params(params))
    finally:
        cursor.close()
    if isinstance(text, bytes):
        from psycopg2.extensions import encodings
        text = text.decode(encodings.get(raw.encoding, "utf-8"))
    return text


def _base_conditions(base: dict[str, set[str]], prefix: str = "") -> tuple[list[str], dict[str, Any]]:
    """SQL conditions of CKAN's visibility filters on a table of kept counts."""
    conditions, params = [], {}
    for field, values in base.items():
        params[f"_{field}"] = sorted(values)
        if field == "permission_labels":
            conditions.append(f"{prefix}labels && CAST(:_permission_labels AS text[])")
        else:
            conditions.append(f"{prefix}{field} = ANY(:_{field})")
    return conditions, params


def _split_order(item: str) -> tuple[str, str]:
    """``expr DESC NULLS LAST`` (as translate_sort writes it) → (expr, DESC)."""
    expression, direction = item.removesuffix(" NULLS LAST").rsplit(" ", 1)
    return expression, direction


# -- document preparation ---------------------------------------------------------

def _row_from_doc(doc: dict[str, Any], facet_fields: frozenset[str]) -> dict[str, Any]:
    indexed = {k: _jsonable(v) for k, v in doc.items() if k not in STORED_ONLY_FIELDS}
    indexed.setdefault("indexed_ts", dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))
    fields = {k: v for k, v in indexed.items() if document_column(k) == "d.fields"}
    texts = {k: v for k, v in indexed.items() if document_column(k) == "x.texts"}
    groups: dict[str, list[str]] = {"A": [], "B": [], "C": [], "D": []}
    catch_all: list[str] = []
    for key, value in indexed.items():
        if not (in_catch_all(key) or kind_of(key) is FieldKind.TEXT or key.startswith("vocab_")):
            continue
        words = [str(v) for v in (value if isinstance(value, list) else [value])
                 if v is not None and not isinstance(v, (dict, bool))]
        groups[weight_of(key)].extend(words)
        catch_all.extend(words)
    index_id = str(doc.get("index_id") or doc.get("id"))
    return {
        "index_id": index_id,
        "id": _str_or_none(doc.get("id")),
        "name": _str_or_none(doc.get("name")),
        "site_id": _str_or_none(doc.get("site_id")),
        "entity_type": _str_or_none(doc.get("entity_type")),
        "fields": _json(fields),
        "texts": _json(texts),
        "state": _str_or_none(doc.get("state")),
        "dataset_type": _str_or_none(doc.get("dataset_type")),
        "capacity": _str_or_none(doc.get("capacity")),
        "permission_labels": [str(label) for label in doc.get("permission_labels") or []],
        "metadata_modified": _timestamp(doc.get("metadata_modified")),
        "metadata_created": _timestamp(doc.get("metadata_created")),
        "facet_terms": _facet_terms(fields, facet_fields),
        "data_dict": _strip_nul(doc.get("data_dict")),
        "validated_data_dict": _strip_nul(doc.get("validated_data_dict")),
        "search_text": _strip_nul(" ".join(catch_all)),
        "text_a": _strip_nul(" ".join(groups["A"])),
        "text_b": _strip_nul(" ".join(groups["B"])),
        "text_c": _strip_nul(" ".join(groups["C"])),
        "text_d": _strip_nul(" ".join(groups["D"])),
    }


_COUNTED_COLUMNS = "site_id, state, dataset_type, capacity, permission_labels, facet_terms"


def _facet_terms(fields: dict[str, Any], facet_fields: frozenset[str]) -> list[str]:
    terms = set()
    for name in facet_fields:
        value = fields.get(name)
        for item in value if isinstance(value, list) else [value]:
            if item is None or isinstance(item, (dict, list)) or item == "":
                continue
            text = ("true" if item else "false") if isinstance(item, bool) else str(item)
            terms.add(name + SEPARATOR + _strip_nul(text))
    return sorted(terms)


def _resolve_term_ids(conn: sa.Connection, rows: list[dict[str, Any]]) -> None:
    """Give each row the integer ids of its facet terms, creating new terms."""
    terms = sorted({term for row in rows for term in row["facet_terms"]})
    ids: dict[str, int] = {}
    if terms:
        pairs = [term.partition(SEPARATOR) for term in terms]
        params = {"fields": [p[0] for p in pairs], "values": [p[2] for p in pairs]}
        # Only missing terms are inserted: ON CONFLICT alone would draw a
        # sequence value for every term of every write.
        conn.execute(sa.text(
            f"""
            INSERT INTO {TERM_TABLE} (field, value)
            SELECT u.field, u.value
            FROM unnest(CAST(:fields AS text[]), CAST(:values AS text[])) AS u(field, value)
            WHERE NOT EXISTS (SELECT 1 FROM {TERM_TABLE} AS s WHERE s.field = u.field AND s.value = u.value)
            ON CONFLICT DO NOTHING
            """), params)
        found = conn.execute(sa.text(
            f"""
            SELECT s.term_id, s.field, s.value
            FROM unnest(CAST(:fields AS text[]), CAST(:values AS text[])) AS u(field, value)
            JOIN {TERM_TABLE} AS s ON s.field = u.field AND s.value = u.value
            """), params)
        ids = {field + SEPARATOR + value: term_id for term_id, field, value in found}
    for row in rows:
        row["facet_ids"] = sorted(ids[term] for term in row["facet_terms"])


def _count_terms(deltas: collections.Counter, row: Any, sign: int) -> None:
    """Add a document's contribution to the kept facet counts (sign -1 removes it)."""
    get = row.get if isinstance(row, dict) else row._mapping.get
    key = (get("site_id") or "", get("state") or "", get("dataset_type") or "", get("capacity") or "",
           tuple(sorted(set(get("permission_labels") or []))))
    deltas[key + ("", "")] += sign
    for term in get("facet_terms") or []:
        field, _, value = term.partition(SEPARATOR)
        deltas[key + (field, value)] += sign


def _apply_facet_deltas(conn: sa.Connection, deltas: collections.Counter) -> None:
    changes = [
        {"site_id": k[0], "state": k[1], "dataset_type": k[2], "capacity": k[3], "labels": list(k[4]),
         "field": k[5], "value": k[6], "n": n}
        for k, n in sorted(deltas.items()) if n
    ]
    if not changes:
        return
    conn.execute(sa.text(
        f"""
        INSERT INTO {FACET_TABLE} (site_id, state, dataset_type, capacity, labels, field, value, n)
        VALUES (:site_id, :state, :dataset_type, :capacity, CAST(:labels AS text[]), :field, :value, :n)
        ON CONFLICT (site_id, state, dataset_type, capacity, labels, field, value)
        DO UPDATE SET n = {FACET_TABLE}.n + EXCLUDED.n
        """), changes)
    conn.execute(sa.text(f"DELETE FROM {FACET_TABLE} WHERE n <= 0"))


def _timestamp(value: Any) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)
    if not value:
        return None
    try:
        parsed = isoparse(str(value))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.timezone.utc)


def _base_only(q: str, filters: list[str]) -> dict[str, set[str]] | None:
    """CKAN's visibility filters of a listing (no words, no other filter), merged."""
    if q.strip() not in ("", "*:*", "*"):
        return None
    merged: dict[str, set[str]] = {}
    for value in filters:
        allowed = base_filter(value)
        if allowed is None:
            return None
        for field, values in allowed.items():
            merged[field] = merged[field] & values if field in merged else set(values)
    return merged


def _json(value: dict[str, Any]) -> str:
    return json.dumps(value, default=str).replace("\\u0000", "")


def _jsonable(value: Any) -> Any:
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, (set, tuple)):
        return list(value)
    return value


def _str_or_none(value: Any) -> str | None:
    return None if value is None else str(value)


def _strip_nul(value: Any) -> Any:
    # PostgreSQL text cannot hold NUL characters; Solr silently accepts them.
    return value.replace("\x00", "") if isinstance(value, str) else value


def _selected(key: str, wanted: list[str]) -> bool:
    return any(key == w or (w.endswith("*") and key.startswith(w[:-1])) for w in wanted)


def _int_param(value: Any, name: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise QueryError(f"Invalid value for {name}: {value!r}") from exc


def _non_negative_int(value: Any, name: str) -> int:
    number = _int_param(value, name)
    if number < 0:
        raise QueryError(f"{name} must not be negative")
    return number


def _first_line(exc: Exception) -> str:
    return str(getattr(exc, "orig", exc)).strip().splitlines()[0] if str(exc) else type(exc).__name__
