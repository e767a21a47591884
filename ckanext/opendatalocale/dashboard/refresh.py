"""Compute a territory's indicators and store them as this month's snapshot (no CKAN import:
the CLI runs it inline, the background job and the tests call it the same way)."""
from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

from ckanext.opendatalocale.territories import store
from ckanext.opendatalocale.territories.obligation import DEFAULT_RULES, ObligationRules, compute_all

from . import indicators
from .model import snapshot, territory_kpi


def month_of(now: dt.datetime) -> dt.date:
    return dt.date(now.year, now.month, 1)


def refresh_territory(conn: sa.engine.Connection, territory: dict[str, Any],
                      settings: indicators.Settings, rules: ObligationRules = DEFAULT_RULES,
                      now: dt.datetime | None = None) -> dict[str, Any]:
    """Recompute every indicator of ``territory``; rewrite this month's rows (earlier months
    stay as history). Returns the territory KPIs."""
    now = now or dt.datetime.utcnow()
    month = month_of(now)
    reference = store.territory_reference(conn, territory["rules"])
    sirens = [record.siren for record in reference]
    overrides = store.current_overrides(conn, sirens)
    obligations = compute_all(list(reference), rules, overrides)
    datasets = indicators.fetch_datasets(conn, sirens)
    rows = [indicators.collectivite_indicators(record, obligations[record.siren],
                                               datasets.get(record.siren, []), settings, now)
            for record in reference]
    s = snapshot.c
    previous_month = conn.execute(sa.select(sa.func.max(s.month)).where(
        s.territory_id == territory["id"], s.month < month)).scalar()
    previous = {}
    if previous_month:
        previous = {siren: values for siren, values in conn.execute(
            sa.select(s.siren, s.indicators).where(s.territory_id == territory["id"],
                                                   s.month == previous_month))}
    kpis = indicators.territory_kpis(rows, previous)
    kpis["vintage"] = sorted({r.population_vintage for r in reference if r.population_vintage})

    conn.execute(snapshot.delete().where(s.territory_id == territory["id"], s.month == month))
    for start in range(0, len(rows), 1000):
        conn.execute(snapshot.insert(), [
            {"territory_id": territory["id"], "siren": row["siren"], "month": month,
             "indicators": row, "computed": now} for row in rows[start:start + 1000]])
    statement = insert(territory_kpi).values(territory_id=territory["id"], month=month,
                                             kpis=kpis, computed=now)
    conn.execute(statement.on_conflict_do_update(
        index_elements=[territory_kpi.c.territory_id, territory_kpi.c.month],
        set_={"kpis": statement.excluded.kpis, "computed": statement.excluded.computed}))
    return kpis


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
