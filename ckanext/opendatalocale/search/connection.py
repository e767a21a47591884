"""A ``pysolr.Solr`` look-alike that stores and searches CKAN's index in PostgreSQL.

CKAN core and extensions (ckanext-harvest included) reach Solr only through
``ckan.lib.search.common.make_connection()``, which returns a ``pysolr.Solr``.
Giving them this object instead keeps every one of their code paths unchanged:
document building, permission labels, ``before_dataset_index`` plugins, facet
restructuring, error mapping.

This module does not import CKAN: it is given an SQLAlchemy engine.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import re
import time
from typing import Any, Callable, Iterable

import pysolr
import sqlalchemy as sa
from sqlalchemy import exc as sa_exc

from . import ddl
from .fields import (
    STORED_ONLY_FIELDS, FieldKind, document_column, in_catch_all,
    kind_of, weight_of,
)
from .translate import (
    QueryError, SqlQuery, translate_filter, translate_main_query, translate_sort,
)

log = logging.getLogger(__name__)

TABLE = ddl.TABLE
DEFAULT_SORT = "score desc, metadata_modified desc"
_UNDEFINED_OBJECT_CODES = {"42P01", "42883", "42704"}  # table, function, ts config
_SPLIT_FL = re.compile(r"[\s,]+")
_MAX_FACET_LIMIT = 10_000


class PostgresSolr:
    """The subset of the ``pysolr.Solr`` API that CKAN and extensions use."""

    def __init__(self, engine_getter: Callable[[], sa.engine.Engine], *,
                 url: str = "postgresql://ckan-search-index",
                 statement_timeout_ms: int = 10_000,
                 decoder: Any = None, timeout: Any = None, **_ignored: Any) -> None:
        self._engine_getter = engine_getter
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
        rows = [_row_from_doc(doc) for doc in docs]
        if not rows:
            return ""
        statement = sa.text(
            f"""
            INSERT INTO {TABLE} (index_id, id, name, site_id, entity_type, state, dataset_type,
                                 capacity, permission_labels, fields, texts,
                                 data_dict, validated_data_dict, search_text, search_vector, indexed_at)
            VALUES (:index_id, :id, :name, :site_id, :entity_type, :state, :dataset_type,
                    :capacity, :permission_labels, CAST(:fields AS jsonb), CAST(:texts AS jsonb),
                    :data_dict, :validated_data_dict, :search_text,
                    setweight(to_tsvector('odl_fr', :text_a) || to_tsvector('odl_simple', :text_a), 'A') ||
                    setweight(to_tsvector('odl_fr', :text_b) || to_tsvector('odl_simple', :text_b), 'B') ||
                    setweight(to_tsvector('odl_fr', :text_c) || to_tsvector('odl_simple', :text_c), 'C') ||
                    setweight(to_tsvector('odl_fr', :text_d) || to_tsvector('odl_simple', :text_d), 'D'),
                    now())
            ON CONFLICT (index_id) DO UPDATE SET
              id = EXCLUDED.id, name = EXCLUDED.name, site_id = EXCLUDED.site_id,
              entity_type = EXCLUDED.entity_type, state = EXCLUDED.state,
              dataset_type = EXCLUDED.dataset_type, capacity = EXCLUDED.capacity,
              permission_labels = EXCLUDED.permission_labels,
              fields = EXCLUDED.fields, texts = EXCLUDED.texts,
              data_dict = EXCLUDED.data_dict, validated_data_dict = EXCLUDED.validated_data_dict,
              search_text = EXCLUDED.search_text, search_vector = EXCLUDED.search_vector,
              indexed_at = EXCLUDED.indexed_at
            """
        )
        self._run(lambda conn: conn.execute(statement, rows))
        return ""

    def delete(self, id: Any = None, q: str | None = None, commit: bool | None = None,
               softCommit: bool = False, waitFlush: Any = None, waitSearcher: Any = None,
               handler: str = "update") -> str:
        if id is None and q is None:
            raise ValueError('You must specify "id" or "q".')
        if id is not None:
            ids = list(id) if isinstance(id, (list, tuple, set)) else [id]
            statement = sa.text(f"DELETE FROM {TABLE} WHERE index_id = ANY(:ids)")
            self._run(lambda conn: conn.execute(statement, {"ids": [str(i) for i in ids]}))
            return ""
        sql = SqlQuery()
        try:
            condition = translate_filter(q or "", sql)
        except QueryError as exc:
            raise pysolr.SolrError(str(exc)) from exc
        statement = sa.text(f"DELETE FROM {TABLE} AS d WHERE {condition}")
        self._run(lambda conn: conn.execute(statement, sql.params))
        return ""

    def commit(self, *args: Any, **kwargs: Any) -> str:
        # Every write is committed at once, like a Solr soft commit.
        return ""

    def optimize(self, *args: Any, **kwargs: Any) -> str:
        self._run(lambda conn: conn.execute(sa.text(f"ANALYZE {TABLE}")))
        return ""

    def ping(self, handler: str = "admin/ping", **kwargs: Any) -> str:
        self._run(lambda conn: conn.execute(sa.text(f"SELECT 1 FROM {TABLE} LIMIT 1")))
        return '{"status": "OK"}'

    # -- reads ------------------------------------------------------------
    def search(self, q: str | None = None, search_handler: str | None = None,
               **params: Any) -> pysolr.Results:
        started = time.perf_counter()
        try:
            plan = _SearchPlan.build(q, params)
        except QueryError as exc:
            raise pysolr.SolrError(f"Solr responded with an error (HTTP 400): {exc}") from exc

        def run(conn: sa.Connection) -> dict[str, Any]:
            conn.execute(sa.text(f"SET LOCAL statement_timeout = {int(self.statement_timeout_ms)}"))
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
            "SELECT to_regclass(:table) IS NOT NULL AND to_regproc('odl_values') IS NOT NULL"
        ), {"table": TABLE}).scalar()
        if present:
            return
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(hashtext(:name))"), {"name": TABLE})
        for statement in ddl.STATEMENTS:
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

    @classmethod
    def build(cls, q: str | None, params: dict[str, Any]) -> "_SearchPlan":
        plan = cls()
        sql = plan.sql
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
        plan.where = " AND ".join(f"COALESCE({c}, FALSE)" for c in conditions)
        if sql.rank_terms:
            plan.rank = f"ts_rank(d.search_vector, {' || '.join(sql.rank_terms)})"
        plan.order_by = translate_sort(params.get("sort") or DEFAULT_SORT, sql, plan.rank)
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
        params = self.sql.params
        count = conn.execute(
            sa.text(f"SELECT count(*) FROM {TABLE} AS d WHERE {self.where}"), params
        ).scalar_one()
        docs: list[dict[str, Any]] = []
        if self.rows > 0 and count > self.start:
            docs = self._fetch_docs(conn)
        facets = self._fetch_facets(conn) if self.facet_fields and count else {
            f: [] for f in self.facet_fields}
        return {
            "response": {"numFound": count, "start": self.start, "docs": docs},
            "facet_counts": {"facet_fields": facets},
        }

    def _fetch_docs(self, conn: sa.Connection) -> list[dict[str, Any]]:
        wanted = self.field_list
        extra_columns = []
        for column in ("data_dict", "validated_data_dict"):
            if wanted is None or column in wanted:
                extra_columns.append(f"d.{column}")
        columns = ", ".join(["d.fields", "d.texts", f"{self.rank} AS score"] + extra_columns)
        order = ", ".join(self.order_by + ["d.index_id"])
        statement = sa.text(
            f"SELECT {columns} FROM {TABLE} AS d WHERE {self.where} "
            f"ORDER BY {order} LIMIT :_rows OFFSET :_start"
        )
        rows = conn.execute(statement, {**self.sql.params, "_rows": self.rows,
                                        "_start": self.start}).mappings()
        docs = []
        for row in rows:
            doc = {**row["fields"], **row["texts"]}
            for column in ("data_dict", "validated_data_dict"):
                if column in row and row[column] is not None:
                    doc[column] = row[column]
            doc["score"] = float(row["score"] or 0)
            if wanted is not None:
                doc = {k: v for k, v in doc.items() if _selected(k, wanted)}
            docs.append(doc)
        return docs

    def _fetch_facets(self, conn: sa.Connection) -> dict[str, list[Any]]:
        names = list(dict.fromkeys(self.facet_fields))
        # One pass over the matching rows for every facet: each row yields the
        # distinct (field, value) pairs of the requested fields.
        pairs = " UNION ".join(
            f"SELECT {self.sql.bind(name)} AS field, v AS value "
            f"FROM odl_values({document_column(name)} -> {self.sql.bind(name)}) AS v"
            for name in names
        )
        statement = sa.text(
            f"""
            SELECT x.field, x.value, count(*) AS hits
            FROM {TABLE} AS d
            CROSS JOIN LATERAL ({pairs}) AS x
            WHERE {self.where}
            GROUP BY x.field, x.value
            HAVING count(*) >= :_mincount
            """
        )
        by_field: dict[str, list[tuple[str, int]]] = {name: [] for name in names}
        for field, value, hits in conn.execute(
                statement, {**self.sql.params, "_mincount": max(self.facet_mincount, 1)}):
            by_field[field].append((value, hits))
        result = {}
        for name in self.facet_fields:
            ranked = sorted(by_field[name], key=lambda item: (-item[1], item[0]))
            flat: list[Any] = []
            for value, hits in ranked[: self.facet_limit]:
                flat += [value, hits]
            result[name] = flat
        return result


# -- document preparation ---------------------------------------------------------

def _row_from_doc(doc: dict[str, Any]) -> dict[str, Any]:
    indexed = {k: _jsonable(v) for k, v in doc.items() if k not in STORED_ONLY_FIELDS}
    indexed.setdefault("indexed_ts", dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))
    fields = {k: v for k, v in indexed.items() if document_column(k) == "d.fields"}
    texts = {k: v for k, v in indexed.items() if document_column(k) == "d.texts"}
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
        "data_dict": _strip_nul(doc.get("data_dict")),
        "validated_data_dict": _strip_nul(doc.get("validated_data_dict")),
        "search_text": _strip_nul(" ".join(catch_all)),
        "text_a": _strip_nul(" ".join(groups["A"])),
        "text_b": _strip_nul(" ".join(groups["B"])),
        "text_c": _strip_nul(" ".join(groups["C"])),
        "text_d": _strip_nul(" ".join(groups["D"])),
    }


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
