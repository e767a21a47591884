"""Compute a territory's indicators and store them as this month's snapshot (no CKAN import:
the CLI runs it inline, the background job and the tests call it the same way)."""
from __future__ import annotations

import datetime as dt
import unicodedata
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

from ckanext.opendatalocale.publications import reader
from ckanext.opendatalocale.territories import store
from ckanext.opendatalocale.territories.obligation import DEFAULT_RULES, ObligationRules, compute_all

from . import availability, indicators, usage
from .model import snapshot, territory_kpi
from .settings import with_territory_settings


def month_of(now: dt.datetime) -> dt.date:
    return dt.date(now.year, now.month, 1)


def refresh_territory(conn: sa.engine.Connection, territory: dict[str, Any],
                      settings: indicators.Settings, rules: ObligationRules = DEFAULT_RULES,
                      now: dt.datetime | None = None) -> dict[str, Any]:
    """Recompute every indicator of ``territory``; rewrite this month's rows (earlier months
    stay as history). Returns the territory KPIs."""
    now = now or dt.datetime.utcnow()
    month = month_of(now)
    settings = with_territory_settings(settings, territory.get("settings"))
    reference = store.territory_reference(conn, territory["rules"])
    sirens = [record.siren for record in reference]
    overrides = store.current_overrides(conn, territory["id"], sirens)
    obligations = compute_all(list(reference), rules, overrides)
    datasets = reader.fetch_datasets(conn, sirens)
    rows = [indicators.collectivite_indicators(record, obligations[record.siren],
                                               datasets.get(record.siren, []), settings, now)
            for record in reference]
    # I9 and I13, each resource and dataset once at territory level.
    unique = list({d.id: d for items in datasets.values() for d in items}.values())
    checks = availability.fetch_checks(conn, unique)
    hits = usage.fetch_usage(conn, unique, settings.usage_tracking, now)
    for row in rows:
        own = datasets.get(row["siren"], [])
        row["availability"] = availability.availability(own, checks)
        row["usage"] = usage.usage(own, hits, now)
    s = snapshot.c
    previous_month = conn.execute(sa.select(sa.func.max(s.month)).where(
        s.territory_id == territory["id"], s.month < month)).scalar()
    previous = {}
    if previous_month:
        previous = {siren: values for siren, values in conn.execute(
            sa.select(s.siren, s.indicators).where(s.territory_id == territory["id"],
                                                   s.month == previous_month))}
    # Public resources of the whole territory, each once (a dataset can concern several
    # collectivités), for the territory's most frequent error types.
    public_resources = (r for items in datasets.values() for d in items if not d.private for r in d.resources)
    kpis = indicators.territory_kpis(rows, previous, indicators.top_error_types(public_resources))
    kpis["availability"] = {k: v for k, v in availability.availability(unique, checks).items()
                            if k != "broken_links"}
    kpis["usage"] = {k: v for k, v in usage.usage(unique, hits, now).items() if k != "datasets"}
    kpis["vintage"] = sorted({r.population_vintage for r in reference if r.population_vintage})

    conn.execute(snapshot.delete().where(s.territory_id == territory["id"], s.month == month))
    for start in range(0, len(rows), 1000):
        conn.execute(snapshot.insert(), [
            {"territory_id": territory["id"], "siren": row["siren"], "month": month,
             "indicators": row, "computed": now, **sort_columns(row)} for row in rows[start:start + 1000]])
    statement = insert(territory_kpi).values(territory_id=territory["id"], month=month,
                                             kpis=kpis, computed=now)
    conn.execute(statement.on_conflict_do_update(
        index_elements=[territory_kpi.c.territory_id, territory_kpi.c.month],
        set_={"kpis": statement.excluded.kpis, "computed": statement.excluded.computed}))
    return kpis


def _fold(text: str | None) -> str:
    return unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode().lower()


def sort_columns(row: dict[str, Any]) -> dict[str, Any]:
    """The snapshot's copies of the figures pages filter and sort on."""
    return {
        "kind": row["kind"], "search": " ".join(filter(None, (_fold(row["name"]), row["insee"], row["siren"]))),
        "name_key": _fold(row["name"]), "epci_siren": row["epci_siren"],
        "population": row["population_totale"], "band": row["population_band"],
        "obliged": row["obliged"], "is_open": row["open"],
        "level": indicators.LEVELS.index(row["level"]), "schemas": row["scdl"]["published"],
        "dataset_count": row["dataset_count"], "scdl_rate": row["scdl"]["coverage"]["rate"],
        "conformity_rate": row["conformity"]["rate"], "freshness_rate": row["freshness"]["rate"],
        "metadata_score": row["metadata"]["score"], "last_publication": row["last_publication"],
        "matrix": matrix_row(row),
    }


def matrix_row(row: dict[str, Any]) -> dict[str, Any]:
    """The matrix's view of a row: its cells as short lists in the expected order."""
    cells = row["scdl"]["cells"]
    return {"name": row["name"], "insee": row["insee"],
            "broken": (row.get("availability") or {}).get("broken"),
            "cells": [[schema, cells[schema]["state"], cells[schema].get("version"),
                       cells[schema].get("validated_at"), cells[schema].get("error_count")]
                      for schema in row["scdl"]["expected"]]}


SORTS = {"name": "name_key", "population": "population", "datasets": "dataset_count",
         "scdl": "scdl_rate", "conformity": "conformity_rate", "freshness": "freshness_rate",
         "metadata": "metadata_score", "last_publication": "last_publication", "level": "level"}


def latest_month(conn: sa.engine.Connection, territory_id: str) -> dt.date | None:
    return conn.execute(sa.select(sa.func.max(snapshot.c.month))
                        .where(snapshot.c.territory_id == territory_id)).scalar()


def _clauses(conn: sa.engine.Connection, territory_id: str, *, epci: str | None = None,
             kind: str | None = None, band: str | None = None, obliged_only: bool = False,
             schema: str | None = None, q: str | None = None) -> list[Any] | None:
    """WHERE clauses of the latest snapshot's rows matching the filters (None: no snapshot)."""
    s = snapshot.c
    month = latest_month(conn, territory_id)
    if month is None:
        return None
    clauses = [s.territory_id == territory_id, s.month == month]
    if epci:
        clauses.append(sa.or_(s.epci_siren == epci, s.siren == epci))
    if kind:
        clauses.append(s.kind == kind)
    if band:
        clauses.append(s.band == band)
    if obliged_only:
        clauses.append(s.obliged.is_(True))
    if schema:
        clauses.append(s.schemas.any(schema))
    if q and _fold(q).strip():
        clauses.append(s.search.contains(_fold(q).strip(), autoescape=True))
    return clauses


def list_rows(conn: sa.engine.Connection, territory_id: str, *, sort: str = "name",
              descending: bool = False, offset: int = 0, limit: int | None = None,
              part: Any = None, **filters: Any) -> tuple[int, list[dict[str, Any]]]:
    """(count, rows) of the latest snapshot, filtered (epci, kind, band, obliged_only, schema,
    q), sorted and paged in SQL; ``part`` is a column expression to fetch instead of the whole
    indicators (e.g. only the matrix cells)."""
    s = snapshot.c
    clauses = _clauses(conn, territory_id, **filters)
    if clauses is None:
        return 0, []
    count = conn.execute(sa.select(sa.func.count()).select_from(snapshot).where(*clauses)).scalar()
    column = getattr(s, SORTS.get(sort, "name_key"))
    order = column.desc().nulls_last() if descending else column.asc().nulls_first()
    query = (sa.select(part if part is not None else s.indicators).where(*clauses)
             .order_by(order, s.siren).offset(offset))
    if limit is not None:
        query = query.limit(limit)
    return count, list(conn.execute(query).scalars())


def matrix_totals(conn: sa.engine.Connection, territory_id: str, **filters: Any) -> list[dict[str, Any]]:
    """Per expected schema, in the expected order, over every row matching the filters: how
    many collectivités expect it, publish it (any state but absent) and publish it valid."""
    clauses = _clauses(conn, territory_id, **filters)
    if clauses is None:
        return []
    cell = sa.func.jsonb_array_elements(snapshot.c.matrix["cells"]).table_valued(
        "value", with_ordinality="n").render_derived("cell")
    schema, state = cell.c.value.op("->>")(0), cell.c.value.op("->>")(1)
    query = (sa.select(schema.label("schema"), sa.func.min(cell.c.n).label("position"),
                       sa.func.count().label("expected"),
                       sa.func.count().filter(state != "absent").label("publishing"),
                       sa.func.count().filter(state == "valid").label("valid"))
             .select_from(snapshot).join(cell, sa.true()).where(*clauses)
             .group_by(schema).order_by("position", "schema"))
    return [dict(row) for row in conn.execute(query).mappings()]


def snapshot_row(conn: sa.engine.Connection, territory_id: str, siren: str) -> dict[str, Any] | None:
    s = snapshot.c
    month = latest_month(conn, territory_id)
    return conn.execute(sa.select(s.indicators).where(
        s.territory_id == territory_id, s.month == month, s.siren == siren)).scalar()


def current_rows(conn: sa.engine.Connection, territory_id: str) -> tuple[dt.date | None, list[dict[str, Any]]]:
    """The latest snapshot of every collectivité of the territory."""
    s = snapshot.c
    month = conn.execute(sa.select(sa.func.max(s.month)).where(s.territory_id == territory_id)).scalar()
    if month is None:
        return None, []
    rows = conn.execute(sa.select(s.indicators).where(s.territory_id == territory_id, s.month == month)
                        .order_by(s.siren)).scalars()
    return month, list(rows)


def kpi_history(conn: sa.engine.Connection, territory_id: str, months: int = 12) -> list[dict[str, Any]]:
    """The last ``months`` monthly KPI rows, oldest first."""
    k = territory_kpi.c
    rows = conn.execute(sa.select(k.month, k.kpis, k.computed).where(k.territory_id == territory_id)
                        .order_by(k.month.desc()).limit(months)).mappings().all()
    return [{"month": row["month"].isoformat(), "computed": row["computed"].isoformat(timespec="seconds"),
             "kpis": row["kpis"]} for row in reversed(rows)]


def drop_figures(conn: sa.engine.Connection, territory_id: str) -> None:
    """Forget every month computed for a territory (it is being deleted)."""
    conn.execute(snapshot.delete().where(snapshot.c.territory_id == territory_id))
    conn.execute(territory_kpi.delete().where(territory_kpi.c.territory_id == territory_id))
