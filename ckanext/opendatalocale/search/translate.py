"""Translate Solr/Lucene queries, as CKAN and extensions send them, into SQL.

Pure module: no CKAN import. Queries are parsed by :mod:`.syntax` (``luqum``,
a real Lucene grammar) and turned here into a boolean SQL expression over the
index table (alias ``d``). Every user value travels as a bind parameter; field
names are checked against a strict pattern and also travel as parameters, so
nothing a user types is ever spliced into SQL text.
"""
from __future__ import annotations

import dataclasses
import json
import math
import re
from typing import Any

from luqum import tree

from . import datemath
from .ddl import TERM_TABLE
from .fields import (
    ARRAY_COLUMNS, DATE_COLUMNS, SCALAR_COLUMNS, FieldKind, document_column, is_valid_field_name,
    kind_of, ngram_source, weight_of,
)
# QueryError, parse_lucene, strip_local_params, base_filter and MAX_QUERY_LENGTH
# were defined here first: still importable from this module.
from .syntax import (
    MAX_QUERY_LENGTH, QueryError, base_filter, has_unescaped_wildcard, is_numeric_range,
    like_pattern, maybe_number, parse_lucene, parse_number, range_bound, regex_pattern,
    strip_local_params, unescape, unquote,
)

__all__ = [
    "FR", "MAX_CLAUSES", "MAX_QUERY_LENGTH", "QueryError", "SIMPLE", "SqlQuery", "Translator",
    "base_filter", "date_expression", "parse_lucene", "strip_local_params", "translate_filter",
    "translate_main_query", "translate_sort",
]

FR = "odl_fr"
SIMPLE = "odl_simple"
_WORD_RE = re.compile(r"\w+", re.UNICODE)
_SORT_RE = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_\-.]*)\s+(asc|desc)\s*$", re.IGNORECASE)
MAX_CLAUSES = 1024


@dataclasses.dataclass
class SqlQuery:
    """Accumulates SQL fragments and their bind parameters."""

    params: dict[str, Any] = dataclasses.field(default_factory=dict)
    rank_terms: list[str] = dataclasses.field(default_factory=list)
    clauses: int = 0
    # Fields whose values are also kept as facet term ids (see ddl.TERM_TABLE).
    term_fields: frozenset[str] = frozenset()
    # The tsquery expression of a ``q`` that is one free-text word and nothing
    # else (see ddl.HOT_WORD_TABLE); None otherwise.
    word_query: str | None = None
    # How many rank terms are one plain word (letters only) of the free text:
    # each stands for a single lexeme, French stem or as written.
    plain_rank_terms: int = 0

    def bind(self, value: Any) -> str:
        name = f"p{len(self.params)}"
        self.params[name] = value
        return f":{name}"

    def count_clause(self) -> None:
        self.clauses += 1
        if self.clauses > MAX_CLAUSES:
            raise QueryError("Too many clauses in query")


class Translator:
    """Turns one luqum tree into SQL, given the default field and matching mode."""

    def __init__(self, sql: SqlQuery, *, default_field: str = "text",
                 min_should_match: bool = False) -> None:
        self.sql = sql
        self.default_field = default_field
        # dismax-like behaviour for ``q`` without operators: CKAN's "mm"
        # (2<-1 5<80%) lets long free-text queries match with a missing word.
        self.min_should_match = min_should_match

    # -- tree walking ----------------------------------------------------
    def translate(self, node: tree.Item, field: str | None = None) -> str:
        self.sql.count_clause()
        if isinstance(node, tree.SearchField):
            name = node.name
            if name == "*" and _is_match_all(node.expr):
                return "TRUE"
            if not is_valid_field_name(name):
                raise QueryError(f"Invalid field name {name!r}")
            return self.translate(node.expr, name)
        if isinstance(node, (tree.Group, tree.FieldGroup)):
            return f"({self.translate(node.expr, field)})"
        if isinstance(node, tree.AndOperation):
            return self._join(node.children, "AND", field)
        if isinstance(node, tree.OrOperation):
            return self._join(node.children, "OR", field)
        if isinstance(node, tree.UnknownOperation):
            return self._implicit(node.children, field)
        if isinstance(node, (tree.Plus, tree.Prohibit)) and isinstance(node.a, (tree.Plus, tree.Prohibit)):
            # Lucene rejects doubled prefix operators such as "--x" or "+-x".
            raise QueryError("Cannot parse query: doubled + or - operator")
        if isinstance(node, tree.Plus):
            return self.translate(node.a, field)
        if isinstance(node, (tree.Not, tree.Prohibit)):
            return f"(NOT COALESCE({self.translate(node.a, field)}, FALSE))"
        if isinstance(node, tree.Boost):
            return self.translate(node.expr, field)
        if isinstance(node, tree.Fuzzy):
            return self.translate(node.term, field)
        if isinstance(node, tree.Proximity):
            return self._phrase(field or self.default_field, unquote(node.term.value))
        if isinstance(node, tree.Phrase):
            return self._phrase(field or self.default_field, unquote(node.value))
        if isinstance(node, tree.Regex):
            raise QueryError("Regular expressions are not supported in queries")
        if isinstance(node, tree.Range):
            return self._range(field or self.default_field, node)
        if isinstance(node, tree.Word):
            return self._word(field or self.default_field, node.value)
        raise QueryError(f"Unsupported query element: {node!r}")

    def _join(self, children: Any, operator: str, field: str | None) -> str:
        parts = [self.translate(child, field) for child in children]
        return "(" + f" {operator} ".join(parts) + ")"

    def _implicit(self, children: Any, field: str | None) -> str:
        required, prohibited, optional = [], [], []
        for child in children:
            if isinstance(child, (tree.Not, tree.Prohibit)):
                prohibited.append(self.translate(child, field))
            elif isinstance(child, tree.Plus):
                required.append(self.translate(child, field))
            else:
                optional.append(self.translate(child, field))
        parts = required + prohibited
        if optional:
            needed = _min_should_match(len(optional)) if self.min_should_match else len(optional)
            if needed >= len(optional):
                parts.extend(optional)
            else:
                matched = " + ".join(f"(COALESCE({o}, FALSE))::int" for o in optional)
                parts.append(f"(({matched}) >= {int(needed)})")
        return "(" + " AND ".join(parts) + ")"

    # -- leaves ----------------------------------------------------------
    def _word(self, field: str, raw: str) -> str:
        value = unescape(raw)
        kind = kind_of(field)
        if raw == "*":
            return self._exists(field)
        has_wildcard = has_unescaped_wildcard(raw)
        if kind is FieldKind.NGRAM:
            return self._substring(field, value)
        if kind is FieldKind.TEXT:
            if has_wildcard:
                return self._text_wildcard(field, raw)
            return self._text_match(field, _WORD_RE.findall(value), phrase=False)
        if has_wildcard:
            return self._string_wildcard(field, raw)
        if kind is FieldKind.DATE:
            moment = self._date(value)
            return f"({date_expression(field, self.sql)} = {self.sql.bind(moment)})"
        if kind is FieldKind.NUMBER:
            number = parse_number(value)
            return f"(odl_num(d.fields ->> {self.sql.bind(field)}) = {self.sql.bind(number)})"
        return self._string_equals(field, value)

    def _phrase(self, field: str, value: str) -> str:
        kind = kind_of(field)
        if kind is FieldKind.TEXT:
            return self._text_match(field, _WORD_RE.findall(value), phrase=True)
        if kind is FieldKind.DATE:
            return self._word(field, value)
        if kind is FieldKind.NGRAM:
            return self._substring(field, value)
        return self._string_equals(field, value)

    def _substring(self, field: str, value: str) -> str:
        pattern = "%" + like_pattern(value.replace("*", "\\*").replace("?", "\\?")) + "%"
        source_field = ngram_source(field)
        source = self.sql.bind(source_field)
        return (f"(unaccent(lower(odl_text({document_column(source_field)} -> {source}))) "
                f"LIKE unaccent(lower({self.sql.bind(pattern)})))")

    def _string_equals(self, field: str, value: str) -> str:
        if field in SCALAR_COLUMNS:
            return f"(d.{field} = {self.sql.bind(value)})"
        if field in ARRAY_COLUMNS:
            return f"({self.sql.bind(value)} = ANY(d.{field}))"
        number = maybe_number(value)
        if field in self.sql.term_fields and number is None and value not in ("", "true", "false"):
            # Served by the index on the row's term ids, without opening the
            # field document; a term no dataset has gives NULL: no match.
            return (f"(d.facet_ids @> ARRAY[(SELECT term_id FROM {TERM_TABLE} "
                    f"WHERE field = {self.sql.bind(field)} AND value = {self.sql.bind(value)})])")
        candidates = [{field: value}, {field: [value]}]
        if number is not None:
            candidates += [{field: number}, {field: [number]}]
        if value in ("true", "false"):
            candidates += [{field: value == "true"}, {field: [value == "true"]}]
        checks = [f"d.fields @> CAST({self.sql.bind(json.dumps(c))} AS jsonb)" for c in candidates]
        return "(" + " OR ".join(checks) + ")"

    def _exists(self, field: str) -> str:
        if field in ("*", "text"):
            # Solr's text copies the name and title, which every dataset has.
            return "TRUE"
        bound = self.sql.bind(field)
        column = document_column(field)
        return (f"({column} ? {bound} AND jsonb_typeof({column} -> {bound}) <> 'null' "
                f"AND {column} -> {bound} <> '[]'::jsonb AND {column} -> {bound} <> '\"\"'::jsonb)")

    def _string_wildcard(self, field: str, raw: str) -> str:
        pattern = like_pattern(raw)
        return (f"EXISTS (SELECT 1 FROM odl_values(d.fields -> {self.sql.bind(field)}) AS v "
                f"WHERE v LIKE {self.sql.bind(pattern)})")

    def _text_wildcard(self, field: str, raw: str) -> str:
        body = raw[:-1] if raw.endswith("*") else None
        if body and not has_unescaped_wildcard(body) and _WORD_RE.fullmatch(unescape(body)):
            # A trailing '*' is a prefix query: served by the vector's index.
            word = unescape(body).lower()
            weight = "" if field == "text" else weight_of(field)
            query = self.sql.bind(f"'{word}':*{weight}")
            tsquery = f"to_tsquery('{SIMPLE}', {query})"
            self.sql.rank_terms.append(tsquery)
            condition = f"(d.search_vector @@ {tsquery})"
            if field != "text":
                prefix_query = self.sql.bind(f"'{word}':*")
                condition += (f" AND (to_tsvector('{SIMPLE}', odl_text(x.texts -> {self.sql.bind(field)}))"
                              f" @@ to_tsquery('{SIMPLE}', {prefix_query}))")
            return f"({condition})"
        regex = regex_pattern(raw)
        target = ("x.search_text" if field == "text"
                  else f"odl_text(x.texts -> {self.sql.bind(field)})")
        return f"(unaccent({target}) ~* unaccent({self.sql.bind(regex)}))"

    def _text_match(self, field: str, words: list[str], *, phrase: bool) -> str:
        if not words:
            # Only punctuation: Solr's analyser leaves no token, nothing matches.
            return "FALSE"
        joiner = " <-> " if phrase else " & "
        weight = "" if field == "text" else weight_of(field)
        plain = joiner.join(f"'{w.lower()}'" for w in words)
        weighted = joiner.join(f"'{w.lower()}':{weight}" for w in words) if weight else plain
        weighted_param = self.sql.bind(weighted)
        tsquery = (f"(to_tsquery('{FR}', {weighted_param}) || "
                   f"to_tsquery('{SIMPLE}', {weighted_param}))")
        self.sql.rank_terms.append(tsquery)
        if field == "text" and len(words) == 1 and words[0].isalpha():
            self.sql.plain_rank_terms += 1
        condition = f"d.search_vector @@ {tsquery}"
        if field != "text":
            plain_param = self.sql.bind(plain)
            field_param = self.sql.bind(field)
            condition += (
                f" AND ((to_tsvector('{FR}', odl_text(x.texts -> {field_param})) || "
                f"to_tsvector('{SIMPLE}', odl_text(x.texts -> {field_param}))) @@ "
                f"(to_tsquery('{FR}', {plain_param}) || to_tsquery('{SIMPLE}', {plain_param})))"
            )
        return f"({condition})"

    def _range(self, field: str, node: tree.Range) -> str:
        low, high = range_bound(node.low), range_bound(node.high)
        kind = kind_of(field)
        bound_field = self.sql.bind(field)
        column = document_column(field)
        if kind is FieldKind.DATE:
            target = date_expression(field, self.sql)
            convert = self._date
        elif kind is FieldKind.NUMBER or is_numeric_range(low, high):
            target = f"odl_num(d.fields ->> {bound_field})"
            convert = parse_number
        else:
            target = f"({column} ->> {bound_field}) COLLATE \"C\""
            convert = str
        conditions = []
        if low is not None:
            operator = ">=" if node.include_low else ">"
            conditions.append(f"{target} {operator} {self.sql.bind(convert(low))}")
        if high is not None:
            operator = "<=" if node.include_high else "<"
            conditions.append(f"{target} {operator} {self.sql.bind(convert(high))}")
        if not conditions:
            return self._exists(field)
        return "(" + " AND ".join(conditions) + ")"

    @staticmethod
    def _date(value: str):
        try:
            return datemath.parse_date(value)
        except datemath.DateMathError as exc:
            raise QueryError(str(exc)) from exc


# -- public entry points -------------------------------------------------------

def translate_filter(text: str, sql: SqlQuery) -> str:
    """A ``fq`` value: standard Lucene syntax, default field ``text``, AND."""
    text = strip_local_params(text).strip()
    if not text:
        return "TRUE"
    return Translator(sql).translate(parse_lucene(text))


def translate_main_query(text: str, sql: SqlQuery, *, fielded: bool) -> str:
    """The ``q`` value.

    CKAN sends a ``q`` without a colon to Solr's dismax parser and one with a
    colon to the standard parser. Both are parsed with the Lucene grammar here;
    free text keeps dismax's "minimum should match". A query Solr cannot parse
    (``--x``, unbalanced quotes or parentheses) is an error, as with Solr.
    """
    text = strip_local_params(text).strip()
    if not text or text in ("*:*", "*"):
        return "TRUE"
    translator = Translator(sql, min_should_match=not fielded)
    condition = translator.translate(parse_lucene(text))
    if len(sql.rank_terms) == 1 and _bare(condition) == _bare(f"d.search_vector @@ {sql.rank_terms[0]}"):
        # The word's own match and nothing else (no field, no other clause).
        sql.word_query = sql.rank_terms[0]
    return condition


def _bare(sql_text: str) -> str:
    return re.sub(r"[()\s]", "", sql_text)


def translate_sort(text: str, sql: SqlQuery, rank_expression: str) -> list[str]:
    """``score desc, metadata_modified desc`` → ORDER BY items."""
    items = []
    for part in (text or "").split(","):
        if not part.strip():
            continue
        match = _SORT_RE.match(part)
        if not match:
            raise QueryError(f"Can't determine a Sort Order (asc or desc) in sort spec '{part.strip()}'")
        field, direction = match.group(1), match.group(2).upper()
        if field == "score":
            expression = rank_expression
        else:
            bound = sql.bind(field)
            kind = kind_of(field)
            if kind is FieldKind.DATE:
                expression = date_expression(field, sql)
            elif kind is FieldKind.NUMBER:
                expression = f"odl_num(d.fields ->> {bound})"
            else:
                expression = f"({document_column(field)} ->> {bound}) COLLATE \"C\""
        items.append(f"{expression} {direction} NULLS LAST")
    return items


def date_expression(field: str, sql: SqlQuery) -> str:
    if field in DATE_COLUMNS:
        return f"d.{field}"
    return f"odl_ts(d.fields ->> {sql.bind(field)})"


# -- helpers -----------------------------------------------------------------

def _is_match_all(expr: tree.Item) -> bool:
    return isinstance(expr, tree.Word) and expr.value == "*"


def _min_should_match(count: int) -> int:
    # CKAN's default mm "2<-1 5<80%": all of 1-2 clauses, all but one of 3-5,
    # 80 % (rounded down) beyond.
    if count <= 2:
        return count
    if count <= 5:
        return count - 1
    return max(1, math.floor(count * 0.8))
