"""Database side of the consolidation: the read interface the observatory and the exports use
(:func:`rows`, :func:`summary`), and the writes of the job. Works on any SQLAlchemy
connection (no CKAN import).

Rows are stored as the cell texts the conformity engine accepted, in the latest version's
field order; :func:`rows` gives them typed (numbers as Decimal or float, dates as dates) with
the provenance keys of :data:`PROVENANCE_KEYS`."""
from __future__ import annotations

import datetime as dt
import io
import json
import uuid
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from typing import Any, Callable

import sqlalchemy as sa

from ckanext.opendatalocale.scdl.registry import UnknownSchema
from ckanext.opendatalocale.territories import store as territories

from .carry import SourceRows, line_cells
from .model import consolidation_set, read_log, reject, row, source

PROVENANCE_KEYS = ("_siren", "_collectivite", "_dataset_id", "_resource_id", "_schema_version", "_read_at")
# Per statement (conn.execution_options() would change the caller's connection for good).
STREAM = {"stream_results": True, "yield_per": 2000}

__all__ = ["PROVENANCE_KEYS", "rows", "summary", "get_set", "sets_of"]


# --------------------------------------------------------------------------- reading

def _registry():
    """The portal's registry (shipped and synced schemas)."""
    from ckanext.opendatalocale.scdl.utils import registry

    return registry()


@lru_cache(maxsize=64)
def _typers(name: str, version: str) -> tuple[tuple[str, Callable[[str], Any]], ...]:
    """(field, text -> typed value) for each field of a schema version, frictionless's rules."""
    from ckanext.opendatalocale.conformity.engine import SchemaPlan
    from ckanext.opendatalocale.conformity.fields import compile_reader

    entry = _registry().get(name, version)
    plan = SchemaPlan(entry.descriptor)
    typers = []
    for name_ in entry.field_names:
        reader = compile_reader(plan.fields[name_], plan.missing_values[name_])
        typers.append((name_, lambda cell, read=reader: read(cell)[0] if cell != "" else None))
    return tuple(typers)


def typed(schema_name: str, version: str, cells: Sequence[str]) -> dict[str, Any]:
    """``{field: typed value}`` of one stored row."""
    return {name: read(cell) for (name, read), cell in zip(_typers(schema_name, version), cells)}


def get_set(conn: sa.engine.Connection, territory_id: str, schema_name: str) -> dict[str, Any] | None:
    found = conn.execute(sa.select(consolidation_set).where(
        consolidation_set.c.territory_id == territory_id,
        consolidation_set.c.schema_name == schema_name)).mappings().first()
    return dict(found) if found else None


def sets_of(conn: sa.engine.Connection, territory_id: str) -> list[dict[str, Any]]:
    return [dict(r) for r in conn.execute(sa.select(consolidation_set).where(
        consolidation_set.c.territory_id == territory_id).order_by(consolidation_set.c.schema_name)).mappings()]


def _canonical(schema_name: str) -> str:
    try:
        return _registry().get(schema_name).name
    except UnknownSchema:
        return schema_name


WINNERS_SQL = """
SELECT r.line, r.resource_id, r.row_number, s.package_id, s.siren, s.collectivite, s.source_version,
       s.read_at
FROM odl_consolidation_row r
JOIN odl_consolidation_source s ON s.set_id = r.set_id AND s.resource_id = r.resource_id
WHERE r.set_id = :set_id AND r.winner
ORDER BY r.resource_id, r.row_number
"""


def rows(conn: sa.engine.Connection, territory_slug: str, schema_name: str) -> Iterator[dict[str, Any]]:
    """The consolidated rows of a territory and schema, duplicates removed: latest-version field
    names to typed values, plus the provenance keys. Nothing if never consolidated."""
    territory = territories.get_territory(conn, territory_slug)
    if territory is None:
        return
    found = get_set(conn, territory["id"], _canonical(schema_name))
    if found is None:
        return
    name, version = found["schema_name"], found["latest_version"]
    result = conn.execute(sa.text(WINNERS_SQL), {"set_id": found["id"]}, execution_options=STREAM)
    for item in result.mappings():
        values = typed(name, version, line_cells(item["line"]))
        values.update({"_siren": item["siren"], "_collectivite": item["collectivite"],
                       "_dataset_id": item["package_id"], "_resource_id": item["resource_id"],
                       "_schema_version": item["source_version"], "_read_at": item["read_at"]})
        yield values


def summary(conn: sa.engine.Connection, territory_slug: str) -> list[dict[str, Any]]:
    """One dict per consolidated schema of the territory: rows, rejects, resources,
    collectivités (SIRENs), period (min/max of the schema's first date field), last run and the
    name of the published dataset (None until published)."""
    territory = territories.get_territory(conn, territory_slug)
    if territory is None:
        return []
    return [{
        "schema_name": s["schema_name"], "schema_version": s["latest_version"], "rows": s["rows"],
        "rejects": s["rejects"], "duplicates": s["duplicates"], "resources": s["resources"],
        "collectivites": list(s["sirens"]), "period_start": s["period_start"], "period_end": s["period_end"],
        "last_run": s["last_run"], "last_full_run": s["last_full_run"], "dataset_name": s["dataset_name"],
        "dataset_id": s["dataset_id"], "notes": list(s["notes"]),
    } for s in sets_of(conn, territory["id"])]


def read_log_of(conn: sa.engine.Connection, set_id: str, run_id: str | None = None) -> list[dict[str, Any]]:
    query = sa.select(read_log).where(read_log.c.set_id == set_id).order_by(read_log.c.id)
    if run_id is not None:
        query = query.where(read_log.c.run_id == run_id)
    return [dict(r) for r in conn.execute(query).mappings()]


# --------------------------------------------------------------------------- writing

def ensure_set(conn: sa.engine.Connection, territory_id: str, schema_name: str, latest: str) -> dict[str, Any]:
    found = get_set(conn, territory_id, schema_name)
    if found is None:
        conn.execute(consolidation_set.insert().values(
            id=str(uuid.uuid4()), territory_id=territory_id, schema_name=schema_name, latest_version=latest))
        found = get_set(conn, territory_id, schema_name)
    return found


def sources_of(conn: sa.engine.Connection, set_id: str) -> dict[str, dict[str, Any]]:
    return {r["resource_id"]: dict(r) for r in conn.execute(
        sa.select(source).where(source.c.set_id == set_id)).mappings()}


def drop_sources(conn: sa.engine.Connection, set_id: str, resource_ids: Sequence[str],
                 keep_source: bool = False) -> set[str]:
    """Forget the rows of these sources (and the sources, unless ``keep_source``); returns
    the keys of the rows that were kept, whose place another row may take."""
    if not resource_ids:
        return set()
    deleted = conn.execute(sa.delete(row).where(
        row.c.set_id == set_id, row.c.resource_id.in_(resource_ids)).returning(row.c.key, row.c.winner))
    keys = {key for key, winner in deleted if winner}
    for table in (reject,) if keep_source else (reject, source):
        conn.execute(table.delete().where(table.c.set_id == set_id, table.c.resource_id.in_(resource_ids)))
    return keys


def is_empty(conn: sa.engine.Connection, set_id: str) -> bool:
    return not conn.execute(sa.text("SELECT EXISTS (SELECT 1 FROM odl_consolidation_row WHERE set_id = :s)"),
                            {"s": set_id}).scalar()


def clear_rows(conn: sa.engine.Connection, set_id: str) -> None:
    """A full run stores every source again from scratch."""
    for table in (row, reject):
        conn.execute(table.delete().where(table.c.set_id == set_id))


def _copy(conn: sa.engine.Connection, table: str, columns: Sequence[str], records: Iterable[Sequence[Any]]) -> None:
    """COPY rows in (tab-separated text): far faster than INSERTs for a few hundred thousand rows."""
    buffer = io.StringIO()
    for record in records:
        buffer.write("\t".join(_copy_text(v) for v in record))
        buffer.write("\n")
    buffer.seek(0)
    raw = conn.connection.dbapi_connection if hasattr(conn.connection, "dbapi_connection") else conn.connection
    with raw.cursor() as cursor:
        cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buffer)


def _copy_text(value: Any) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if not isinstance(value, str):
        value = str(value)
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


STAGE = "CREATE TEMP TABLE IF NOT EXISTS odl_consolidation_stage (row_number int, key text, line text)"
# A staged row is kept when it is the first of its key in its file and no kept row holds the key.
INSERT_STAGED = """
INSERT INTO odl_consolidation_row (set_id, resource_id, row_number, key, winner, line)
SELECT :set_id, :resource_id, st.row_number, st.key,
       st.first AND NOT EXISTS (SELECT 1 FROM odl_consolidation_row w
                                WHERE w.set_id = :set_id AND w.key = st.key AND w.winner),
       st.line
FROM (SELECT *, row_number() OVER (PARTITION BY key ORDER BY row_number) = 1 AS first
      FROM odl_consolidation_stage) st
"""


def store_source(conn: sa.engine.Connection, set_id: str, member: dict[str, Any], content_key: str,
                 content_hash: str | None, result: SourceRows, run_id: str, reason: str,
                 now: dt.datetime, kept_keys: set[str] | None = None) -> set[str]:
    """Replace what one source gives the set; log the read. Returns the keys whose kept row
    left with the source's previous content.

    ``kept_keys``: the keys of every kept row of the set, when the caller knows them (a set
    filled from empty): rows are then marked here and written in one COPY, instead of being
    staged and checked against the table."""
    resource_id = member["resource_id"]
    keys = drop_sources(conn, set_id, [resource_id])
    if kept_keys is not None:
        def marked():
            for number, line, key in result.kept:
                first = key not in kept_keys
                kept_keys.add(key)
                yield set_id, resource_id, number, key, first, line
        _copy(conn, "odl_consolidation_row", ("set_id", "resource_id", "row_number", "key", "winner", "line"),
              marked())
    else:
        conn.execute(sa.text(STAGE))
        conn.execute(sa.text("DELETE FROM odl_consolidation_stage"))
        _copy(conn, "odl_consolidation_stage", ("row_number", "line", "key"), result.kept)
        conn.execute(sa.text(INSERT_STAGED), {"set_id": set_id, "resource_id": resource_id})
    _copy(conn, "odl_consolidation_reject", ("set_id", "resource_id", "row_number", "data", "reason"),
          ((set_id, resource_id, r.row_number, json.dumps(r.data, ensure_ascii=False),
            json.dumps(r.reason, ensure_ascii=False)) for r in result.rejects))
    status = "error" if result.failed else "read"
    conn.execute(source.insert().values(
        set_id=set_id, resource_id=resource_id, package_id=member["package_id"], siren=member.get("siren"),
        collectivite=member.get("collectivite"), content_key=content_key, content_hash=content_hash,
        source_version=member.get("version"), read_at=now, rows=len(result.kept),
        rejects=result.rejected_rows, status=status, notes=result.notes,
        period_start=dt.date.fromisoformat(result.period[0]) if result.period else None,
        period_end=dt.date.fromisoformat(result.period[1]) if result.period else None))
    conn.execute(read_log.insert().values(
        set_id=set_id, resource_id=resource_id, run_id=run_id, reason=reason, read_at=now,
        rows=len(result.kept), rejects=result.rejected_rows, status=status))
    return keys


def update_member(conn: sa.engine.Connection, set_id: str, member: dict[str, Any]) -> None:
    """Same content, new attribution (the dataset moved to another collectivité)."""
    conn.execute(source.update().where(source.c.set_id == set_id, source.c.resource_id == member["resource_id"])
                 .values(package_id=member["package_id"], siren=member.get("siren"),
                         collectivite=member.get("collectivite")))


PROMOTE_SQL = """
UPDATE odl_consolidation_row SET winner = true WHERE ctid IN (
    SELECT DISTINCT ON (key) ctid FROM odl_consolidation_row r
    WHERE set_id = :set_id AND key = ANY(:keys) AND NOT EXISTS (
        SELECT 1 FROM odl_consolidation_row w WHERE w.set_id = :set_id AND w.key = r.key AND w.winner)
    ORDER BY key, resource_id, row_number)
RETURNING resource_id, row_number
"""


def promote(conn: sa.engine.Connection, set_id: str, keys: set[str]) -> set[tuple[str, int]]:
    """Keys whose kept row left: the first remaining row (by resource id, row number) takes
    the place. Returns those (resource id, row number) pairs, for the DataStore."""
    if not keys:
        return set()
    return {tuple(r) for r in conn.execute(sa.text(PROMOTE_SQL), {"set_id": set_id, "keys": sorted(keys)})}


def finish_set(conn: sa.engine.Connection, set_id: str, *, latest: str, now: dt.datetime, full: bool,
               notes: list[dict[str, str]]) -> dict[str, Any]:
    """Counts, collectivités and period of the set after a run."""
    counts = conn.execute(sa.text(
        "SELECT count(*) FILTER (WHERE winner), count(*) FROM odl_consolidation_row WHERE set_id = :s"),
        {"s": set_id}).first()
    totals = conn.execute(sa.text(
        "SELECT coalesce(sum(rejects), 0), count(*), "
        "coalesce(jsonb_agg(DISTINCT siren) FILTER (WHERE siren IS NOT NULL), '[]'::jsonb), "
        "min(period_start), max(period_end) FROM odl_consolidation_source WHERE set_id = :s"), {"s": set_id}).first()
    values = {"rows": counts[0], "duplicates": counts[1] - counts[0], "rejects": int(totals[0]),
              "resources": totals[1], "sirens": sorted(totals[2]), "latest_version": latest,
              "period_start": totals[3], "period_end": totals[4], "last_run": now, "notes": notes}
    if full:
        values["last_full_run"] = now
    conn.execute(consolidation_set.update().where(consolidation_set.c.id == set_id).values(**values))
    return get_set(conn, *_set_key(conn, set_id))


def _set_key(conn: sa.engine.Connection, set_id: str) -> tuple[str, str]:
    found = conn.execute(sa.select(consolidation_set.c.territory_id, consolidation_set.c.schema_name)
                         .where(consolidation_set.c.id == set_id)).first()
    return found[0], found[1]


def set_publication(conn: sa.engine.Connection, set_id: str, **values: Any) -> None:
    conn.execute(consolidation_set.update().where(consolidation_set.c.id == set_id).values(**values))


def write_winners_csv(conn: sa.engine.Connection, set_id: str, out: Any) -> int:
    """Write the kept rows with their provenance columns (CSV, UTF-8, CRLF); returns the count."""
    from .carry import LineWriter

    provenance: dict[str, tuple[str, str]] = {}
    to_line = LineWriter()
    for item in conn.execute(sa.select(source).where(source.c.set_id == set_id)).mappings():
        read_at = item["read_at"].replace(microsecond=0).isoformat()
        provenance[item["resource_id"]] = (
            to_line([item["siren"] or "", item["collectivite"] or "", item["package_id"], item["resource_id"]]),
            to_line([item["source_version"] or "", read_at]))
    count = 0
    query = sa.text("SELECT resource_id, row_number, line FROM odl_consolidation_row "
                    "WHERE set_id = :s AND winner ORDER BY resource_id, row_number")
    write = out.write
    for resource_id, number, line in conn.execute(query, {"s": set_id}, execution_options=STREAM):
        before, after = provenance[resource_id]
        write(f"{line},{before},{number},{after}\r\n".encode("utf-8"))
        count += 1
    return count


def rejects_of(conn: sa.engine.Connection, set_id: str) -> Iterator[dict[str, Any]]:
    query = sa.text(
        "SELECT j.resource_id, j.row_number, j.data, j.reason, s.package_id, s.siren, s.collectivite, "
        "s.source_version FROM odl_consolidation_reject j JOIN odl_consolidation_source s "
        "ON s.set_id = j.set_id AND s.resource_id = j.resource_id WHERE j.set_id = :s "
        "ORDER BY s.siren NULLS LAST, j.resource_id, j.row_number NULLS FIRST")
    yield from (dict(r) for r in conn.execute(query, {"s": set_id}, execution_options=STREAM).mappings())


def winners_of(conn: sa.engine.Connection, set_id: str, pairs: Iterable[tuple[str, int]] | None = None,
               resource_ids: Iterable[str] | None = None) -> Iterator[dict[str, Any]]:
    """Kept rows with provenance: all, those (resource id, row number) pairs, or those of
    some sources."""
    params: dict[str, Any] = {"set_id": set_id}
    sql = WINNERS_SQL
    where = "WHERE r.set_id = :set_id AND r.winner"
    if pairs is not None:
        pairs = list(pairs)
        if not pairs:
            return
        params["ids"] = [p[0] for p in pairs]
        params["numbers"] = [p[1] for p in pairs]
        sql = sql.replace(where, "JOIN unnest(CAST(:ids AS text[]), CAST(:numbers AS int[])) AS p(rid, n) "
                                 "ON p.rid = r.resource_id AND p.n = r.row_number " + where)
    elif resource_ids is not None:
        params["rids"] = sorted(resource_ids)
        if not params["rids"]:
            return
        sql = sql.replace(where, where + " AND r.resource_id = ANY(:rids)")
    yield from (dict(r) for r in conn.execute(sa.text(sql), params, execution_options=STREAM).mappings())
