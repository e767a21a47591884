"""How one search runs: the plan built from CKAN's Solr parameters, executed in SQL.

No CKAN import.
"""
from __future__ import annotations

import collections
import re
from typing import Any, Iterable

import sqlalchemy as sa

from .ddl import FACET_TABLE, FROM_CLAUSE, GENERATION_TABLE, HOT_FACET_TABLE, HOT_WORD_TABLE, TERM_TABLE
from .fields import DEFAULT_FACET_FIELDS, SCALAR_COLUMNS, document_column
from .translate import (
    QueryError, SqlQuery, base_filter, translate_filter, translate_main_query, translate_sort,
)


DEFAULT_SORT = "score desc, metadata_modified desc"
_SPLIT_FL = re.compile(r"[\s,]+")
_MAX_FACET_LIMIT = 10_000


def _refuse_nul(q: Any, params: dict[str, Any]) -> None:
    """PostgreSQL text cannot hold NUL: a search asking for one is refused (Solr matches nothing)."""
    values = [q, *params.values()]
    while values:
        value = values.pop()
        if isinstance(value, (list, tuple)):
            values.extend(value)
        elif isinstance(value, str) and "\x00" in value:
            raise QueryError("A search parameter contains a NUL character")


class SearchPlan:
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
              counted_fields: frozenset[str] = frozenset(DEFAULT_FACET_FIELDS)) -> "SearchPlan":
        plan = cls()
        plan.counted_fields = counted_fields
        _refuse_nul(q, params)
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
            # fl=score alone still needs a column to select.
            return ", ".join(f"{_ROW_COLUMNS[w]} AS {w}" for w in dict.fromkeys(wanted)
                             if w in _ROW_COLUMNS) or "d.index_id AS _index_id"
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

