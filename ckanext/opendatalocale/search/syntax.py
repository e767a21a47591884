"""Read Solr/Lucene query syntax, as CKAN and extensions send it (no SQL text here).

Pure module: no CKAN import. Parses a query with ``luqum`` (a real Lucene
grammar) under a length cap, drops the facet-tagging local params, reads the
values of a term (quotes, escapes, numbers, range bounds, and the LIKE or
regular-expression pattern a wildcard term stands for, bound as a parameter) and
recognises the visibility filters whose facet counts are kept up to date.
Turning the parsed tree into SQL is :mod:`.translate`'s job.
"""
from __future__ import annotations

import math
import re

from luqum import tree
from luqum.exceptions import ParseError
from luqum.parser import parser as lucene_parser

from .fields import BASE_FIELDS

_LOCAL_PARAMS_RE = re.compile(r"^\s*\{!([^}]*)\}")
# Local params that only tag a filter for facet exclusion: harmless to drop.
_IGNORABLE_LOCAL_PARAMS = re.compile(r"^(tag|ex)=[\w,\-]+$")
MAX_QUERY_LENGTH = 10_000


class QueryError(ValueError):
    """A query the backend cannot run; shown to the user as a search error."""


def parse_lucene(text: str) -> tree.Item:
    if len(text) > MAX_QUERY_LENGTH:
        raise QueryError("Query too long")
    try:
        return lucene_parser.parse(text)
    except (ParseError, TypeError, ValueError) as exc:
        raise QueryError(f"Cannot parse query {text!r}: {exc}") from exc
    except RecursionError as exc:
        raise QueryError("Query too deeply nested") from exc


def strip_local_params(text: str) -> str:
    """Drop ``{!tag=..}``/``{!ex=..}`` prefixes; refuse other query parsers."""
    match = _LOCAL_PARAMS_RE.match(text)
    if not match:
        return text
    params = match.group(1).split()
    if all(_IGNORABLE_LOCAL_PARAMS.match(p) for p in params):
        return text[match.end():]
    raise QueryError(f"Unsupported local parameters: {{!{match.group(1)}}}")


def base_filter(text: str) -> dict[str, set[str]] | None:
    """The values a ``fq`` allows for CKAN's visibility fields, or None.

    Recognises filters such as ``+site_id:"x" +state:active`` or
    ``+permission_labels:("public" OR "member-1")``: the ones whose facet
    counts are kept up to date. Anything else returns None.
    """
    try:
        node = parse_lucene(strip_local_params(text).strip())
    except QueryError:
        return None
    allowed: dict[str, set[str]] = {}
    clauses = node.children if isinstance(node, (tree.UnknownOperation, tree.AndOperation)) else [node]
    for clause in clauses:
        if isinstance(clause, tree.Plus):
            clause = clause.a
        if not isinstance(clause, tree.SearchField) or clause.name not in BASE_FIELDS:
            return None
        values = _plain_values(clause.expr)
        if values is None:
            return None
        allowed[clause.name] = allowed[clause.name] & values if clause.name in allowed else values
    return allowed


def _plain_values(node: tree.Item) -> set[str] | None:
    if isinstance(node, tree.FieldGroup):
        node = node.expr
    if isinstance(node, tree.Group):
        node = node.expr
    items = node.children if isinstance(node, tree.OrOperation) else [node]
    values = set()
    for item in items:
        if isinstance(item, tree.Phrase):
            values.add(unquote(item.value))
        elif isinstance(item, tree.Word) and not has_unescaped_wildcard(item.value):
            values.add(unescape(item.value))
        else:
            return None
    return values


# -- term values ---------------------------------------------------------------

def unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1]
    return unescape(value)


def unescape(value: str) -> str:
    return re.sub(r"\\(.)", r"\1", value)


def has_unescaped_wildcard(raw: str) -> bool:
    return bool(re.search(r"(?<!\\)[*?]", raw))


def like_pattern(raw: str) -> str:
    """The LIKE pattern of a wildcard term: ``*`` is ``%``, ``?`` is ``_``."""
    out = []
    escaped = False
    for char in raw:
        if escaped:
            out.append("\\" + char if char in "%_\\" else char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "*":
            out.append("%")
        elif char == "?":
            out.append("_")
        elif char in "%_":
            out.append("\\" + char)
        else:
            out.append(char)
    return "".join(out)


def regex_pattern(raw: str) -> str:
    """The PostgreSQL regular expression of a wildcard term, whole words only."""
    out = []
    escaped = False
    for char in raw:
        if escaped:
            out.append(re.escape(char))
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "*":
            out.append(r"\w*")
        elif char == "?":
            out.append(r"\w")
        else:
            out.append(re.escape(char))
    return r"\m" + "".join(out) + r"\M"


def range_bound(node: tree.Item) -> str | None:
    value = node.value if isinstance(node, (tree.Word, tree.Phrase)) else str(node)
    value = unquote(value) if isinstance(node, tree.Phrase) else unescape(value)
    return None if value == "*" else value


def maybe_number(value: str) -> int | float | None:
    try:
        number = float(value)
    except ValueError:
        return None
    if not math.isfinite(number):
        return None
    return int(number) if number.is_integer() and re.fullmatch(r"-?\d+", value) else number


def parse_number(value: str) -> float:
    parsed = maybe_number(value)
    if parsed is None:
        raise QueryError(f"Invalid number: {value!r}")
    return parsed


def is_numeric_range(low: str | None, high: str | None) -> bool:
    bounds = [b for b in (low, high) if b is not None]
    return bool(bounds) and all(maybe_number(b) is not None for b in bounds)
