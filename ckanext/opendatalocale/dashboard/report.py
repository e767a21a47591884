"""The annual report of a territory: the year's progress from the monthly snapshots, a table
per EPCI, newly opened and most improved collectivités, what remains, and the ATD's action
log (no CKAN import: the view, the action and the benchmark call :func:`build`)."""
from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from . import programme
from .indicators import LEVELS, ratio
from .model import snapshot, territory_kpi

TOP = 15


def _month_rows(conn: sa.engine.Connection, territory_id: str, month: dt.date) -> dict[str, dict[str, Any]]:
    s = snapshot.c
    return {siren: row for siren, row in conn.execute(
        sa.select(s.siren, s.indicators).where(s.territory_id == territory_id, s.month == month))}


def progress_figures(kpis: Mapping[str, Any]) -> dict[str, Any]:
    """The report's headline figures of one monthly KPI row (what the overview's cards show)."""
    availability = kpis.get("availability") or {}
    return {
        "collectivites": kpis["collectivites"], "open": kpis["open"],
        "obligation": {k: kpis["obligation"][k] for k in ("num", "den", "rate")},
        "scdl_coverage": kpis["scdl_coverage"]["mean"],
        "conformity": {k: kpis["conformity"][k] for k in ("num", "den", "rate")},
        "freshness": {k: kpis["freshness"][k] for k in ("num", "den", "rate")},
        "availability": {k: availability.get(k) for k in ("num", "den", "rate")} if availability.get("enabled") else None,
        "levels": kpis["levels"], "datasets": kpis["datasets"],
    }


def epci_table(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """One line per EPCI: its communes' figures (communes with no EPCI grouped last)."""
    names = {r["siren"]: r["name"] for r in rows if r["kind"] == "epci"}
    epci_open = {r["siren"]: r["open"] for r in rows if r["kind"] == "epci"}
    groups: dict[str | None, list[Mapping[str, Any]]] = {}
    for r in rows:
        if r["kind"] == "commune":
            groups.setdefault(r["epci_siren"] if r["epci_siren"] in names else None, []).append(r)
    table = []
    for siren, communes in groups.items():
        obliged = [r for r in communes if r["obliged"]]
        coverage = [r["scdl"]["coverage"]["rate"] for r in communes if r["scdl"]["coverage"]["den"]]
        table.append({
            "siren": siren, "name": names.get(siren) if siren else None, "epci_open": epci_open.get(siren),
            "communes": len(communes), "open": sum(r["open"] for r in communes),
            "obligation": ratio(sum(r["open"] for r in obliged), len(obliged)),
            "scdl_coverage": round(statistics.fmean(coverage), 4) if coverage else None,
            "conformity": ratio(sum(r["conformity"]["num"] for r in communes),
                                 sum(r["conformity"]["den"] for r in communes)),
            "broken_links": sum((r.get("availability") or {}).get("broken") or 0 for r in communes),
            "levels": dict(Counter(r["level"] for r in communes)),
        })
    table.sort(key=lambda e: (e["siren"] is None, e["name"] or ""))
    return table


def _gain(before: Mapping[str, Any] | None, after: Mapping[str, Any]) -> tuple[int, int, int]:
    def facts(row: Mapping[str, Any] | None) -> tuple[int, int, int]:
        if not row:
            return 0, 0, 0
        return LEVELS.index(row["level"]), row["scdl"]["valid"], row["scdl"]["present"]
    b, a = facts(before), facts(after)
    return a[0] - b[0], a[1] - b[1], a[2] - b[2]


def build(conn: sa.engine.Connection, territory: Mapping[str, Any], year: int) -> dict[str, Any]:
    """Everything the report shows, as JSON-ready data."""
    k = territory_kpi.c
    start_of_year, end_of_year = dt.date(year, 1, 1), dt.date(year + 1, 1, 1)
    history = conn.execute(sa.select(k.month, k.kpis).where(
        k.territory_id == territory["id"], k.month >= start_of_year, k.month < end_of_year)
        .order_by(k.month)).all()
    baseline = conn.execute(sa.select(k.month, k.kpis).where(
        k.territory_id == territory["id"], k.month < start_of_year).order_by(k.month.desc()).limit(1)).first()
    report: dict[str, Any] = {"territory": {key: territory[key] for key in ("id", "slug", "name")},
                              "year": year, "months": [m.isoformat() for m, _ in history]}
    actions = programme.actions(conn, territory["id"], start_of_year, end_of_year)
    report["actions"] = actions
    report["actions_by_kind"] = dict(Counter(a["kind"] for a in actions))
    if not history:
        report["empty"] = True
        return report
    first_month, first_kpis = baseline if baseline else history[0]
    last_month, last_kpis = history[-1]
    report.update({
        "empty": False, "start_month": first_month.isoformat(), "end_month": last_month.isoformat(),
        "start": progress_figures(first_kpis), "end": progress_figures(last_kpis),
        "series": [{"month": m.isoformat(), **progress_figures(kpis)} for m, kpis in history],
    })
    before = _month_rows(conn, territory["id"], first_month)
    after = _month_rows(conn, territory["id"], last_month)
    rows = sorted(after.values(), key=lambda r: r["name"])
    names = {r["siren"]: r["name"] for r in rows}
    for action in actions:
        action["name"] = names.get(action["siren"], action["siren"])
    report["epci"] = epci_table(rows)

    def brief(row: Mapping[str, Any]) -> dict[str, Any]:
        return {"siren": row["siren"], "name": row["name"], "kind": row["kind"], "level": row["level"],
                "first_publication": row["first_publication"], "scdl_present": row["scdl"]["present"],
                "scdl_valid": row["scdl"]["valid"], "scdl_expected": len(row["scdl"]["expected"])}
    in_year = str(year)
    report["newly_open"] = [brief(r) for r in rows if r["open"] and (
        not (before.get(r["siren"]) or {}).get("open") or (r["first_publication"] or "").startswith(in_year))]
    improved = []
    for r in rows:
        gain = _gain(before.get(r["siren"]), r)
        if gain > (0, 0, 0):  # better level first, then more valid, then more present SCDL
            old = before.get(r["siren"])
            improved.append({**brief(r), "gain": list(gain), "level_before": old["level"] if old else None,
                             "scdl_valid_before": old["scdl"]["valid"] if old else 0})
    improved.sort(key=lambda e: ([-g for g in e["gain"]], e["name"]))
    report["most_improved"] = improved[:TOP]
    missing, invalid, stale = Counter(), Counter(), Counter()
    for r in rows:
        for schema, cell in r["scdl"]["cells"].items():
            if cell["state"] == "absent":
                missing[schema] += 1
            elif cell["state"] == "invalid":
                invalid[schema] += 1
            elif cell["state"] == "stale":
                stale[schema] += 1
    obliged_closed = [brief(r) for r in rows if r["obliged"] and not r["open"]]
    report["remains"] = {
        "obliged_not_open": obliged_closed, "obliged_not_open_count": len(obliged_closed),
        "missing": dict(sorted(missing.items())), "invalid": dict(sorted(invalid.items())),
        "stale": dict(sorted(stale.items())),
        "broken_links": sum((r.get("availability") or {}).get("broken") or 0 for r in rows),
        "levels": last_kpis["levels"],
    }
    report["map_rows"] = [{"siren": r["siren"], "insee": r["insee"], "name": r["name"], "level": r["level"]}
                          for r in rows if r["kind"] == "commune"]
    return report
