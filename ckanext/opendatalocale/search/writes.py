"""Index writes: a CKAN index document turned into the index row, and the kept facet counts.

No CKAN import.
"""
from __future__ import annotations

import collections
import datetime as dt
import json
from typing import Any

from dateutil.parser import isoparse
import sqlalchemy as sa

from . import ddl
from .fields import (
    STORED_ONLY_FIELDS, FieldKind, document_column, in_catch_all, kind_of, weight_of,
)

FACET_TABLE = ddl.FACET_TABLE
TERM_TABLE = ddl.TERM_TABLE
SEPARATOR = ddl.TERM_SEPARATOR

# -- document preparation ---------------------------------------------------------

def row_from_doc(doc: dict[str, Any], facet_fields: frozenset[str]) -> dict[str, Any]:
    indexed = {k: jsonable(v) for k, v in doc.items() if k not in STORED_ONLY_FIELDS}
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
        "id": str_or_none(doc.get("id")),
        "name": str_or_none(doc.get("name")),
        "site_id": str_or_none(doc.get("site_id")),
        "entity_type": str_or_none(doc.get("entity_type")),
        "fields": to_json(fields),
        "texts": to_json(texts),
        "state": str_or_none(doc.get("state")),
        "dataset_type": str_or_none(doc.get("dataset_type")),
        "capacity": str_or_none(doc.get("capacity")),
        "permission_labels": [str(label) for label in doc.get("permission_labels") or []],
        "metadata_modified": timestamp(doc.get("metadata_modified")),
        "metadata_created": timestamp(doc.get("metadata_created")),
        "facet_terms": _facet_terms(fields, facet_fields),
        "data_dict": strip_nul(doc.get("data_dict")),
        "validated_data_dict": strip_nul(doc.get("validated_data_dict")),
        "search_text": strip_nul(" ".join(catch_all)),
        "text_a": strip_nul(" ".join(groups["A"])),
        "text_b": strip_nul(" ".join(groups["B"])),
        "text_c": strip_nul(" ".join(groups["C"])),
        "text_d": strip_nul(" ".join(groups["D"])),
    }


COUNTED_COLUMNS = "site_id, state, dataset_type, capacity, permission_labels, facet_terms"


def _facet_terms(fields: dict[str, Any], facet_fields: frozenset[str]) -> list[str]:
    terms = set()
    for name in facet_fields:
        value = fields.get(name)
        for item in value if isinstance(value, list) else [value]:
            if item is None or isinstance(item, (dict, list)) or item == "":
                continue
            text = ("true" if item else "false") if isinstance(item, bool) else str(item)
            terms.add(name + SEPARATOR + strip_nul(text))
    return sorted(terms)


def resolve_term_ids(conn: sa.Connection, rows: list[dict[str, Any]]) -> None:
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


def count_terms(deltas: collections.Counter, row: Any, sign: int) -> None:
    """Add a document's contribution to the kept facet counts (sign -1 removes it)."""
    get = row.get if isinstance(row, dict) else row._mapping.get
    key = (get("site_id") or "", get("state") or "", get("dataset_type") or "", get("capacity") or "",
           tuple(sorted(set(get("permission_labels") or []))))
    deltas[key + ("", "")] += sign
    for term in get("facet_terms") or []:
        field, _, value = term.partition(SEPARATOR)
        deltas[key + (field, value)] += sign


def apply_facet_deltas(conn: sa.Connection, deltas: collections.Counter) -> None:
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


def timestamp(value: Any) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)
    if not value:
        return None
    try:
        parsed = isoparse(str(value))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.timezone.utc)


def to_json(value: dict[str, Any]) -> str:
    return json.dumps(value, default=str).replace("\\u0000", "")


def jsonable(value: Any) -> Any:
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, (set, tuple)):
        return list(value)
    return value


def str_or_none(value: Any) -> str | None:
    return None if value is None else str(value)


def strip_nul(value: Any) -> Any:
    # PostgreSQL text cannot hold NUL characters; Solr silently accepts them.
    return value.replace("\x00", "") if isinstance(value, str) else value

