"""API actions of the dashboard; every one reads the snapshots written by ``refresh``, and
validates its parameters with its schema in ``schema``."""
from __future__ import annotations

import datetime as dt
from typing import Any

import ckan.plugins.toolkit as tk
from ckan import model

from ckanext.opendatalocale.dashboard import refresh
from ckanext.opendatalocale.dashboard.model import followup_note, snapshot
from ckanext.opendatalocale.territories import access, store

import sqlalchemy as sa

from . import schema


def _conn():
    return model.Session.connection()


def _territory(data: dict[str, Any]) -> dict[str, Any]:
    """The territory of validated parameters (``id``: slug or id)."""
    territory = store.get_territory(_conn(), data["id"])
    if territory is None:
        raise tk.ObjectNotFound(tk._("Territory not found"))
    return territory


def _public_territory(territory: dict[str, Any]) -> dict[str, Any]:
    return {"id": territory["id"], "slug": territory["slug"], "name": territory["name"],
            "description": territory["description"], "rules": territory["rules"],
            "organization_ids": territory["organization_ids"], "settings": territory.get("settings") or {}}


def _strip_kpis(kpis: dict[str, Any] | None, member: bool) -> dict[str, Any] | None:
    if kpis is None or member:
        return kpis
    return {k: v for k, v in kpis.items() if k != "private_datasets"}


def strip_row(row: dict[str, Any], member: bool) -> dict[str, Any]:
    if member:
        return row
    return {k: v for k, v in row.items() if k != "private_dataset_count"}


@tk.side_effect_free
def dashboard_territory_list(context, data_dict):
    """Territories with their latest key figures."""
    tk.check_access("dashboard_territory_list", context, data_dict)
    result = []
    for territory in store.list_territories(_conn()):
        history = refresh.kpi_history(_conn(), territory["id"], 1)
        member = access.is_member(context.get("user"), territory)
        result.append({**_public_territory(territory),
                       "kpis": _strip_kpis(history[-1]["kpis"], member) if history else None})
    return result


@tk.side_effect_free
def dashboard_territory_show(context, data_dict):
    """A territory, its latest KPIs and 12 months of history.

    :param id: territory slug or id
    """
    tk.check_access("dashboard_territory_show", context, data_dict)
    data = schema.validate(data_dict, schema.dashboard_territory_show_schema(), context)
    territory = _territory(data)
    member = access.is_member(context.get("user"), territory)
    history = refresh.kpi_history(_conn(), territory["id"], 12)
    for entry in history:
        entry["kpis"] = _strip_kpis(entry["kpis"], member)
    return {**_public_territory(territory), "kpis": history[-1]["kpis"] if history else None,
            "computed": history[-1]["computed"] if history else None, "history": history,
            "is_member": member, "is_admin": access.is_admin(context.get("user"), territory)}


def filter_arguments(data: dict[str, Any]) -> dict[str, Any]:
    """``refresh.list_rows``'s filters and sort from validated parameters (``filters_schema``)."""
    return {"epci": data.get("epci") or None, "kind": data.get("kind") or None,
            "band": data.get("band") or None, "obliged_only": bool(data.get("obliged_only")),
            "schema": data.get("schema") or None, "q": data.get("q") or None,
            "sort": data.get("sort") or "name", "descending": data.get("order") == "desc"}


def filters_of(params: dict[str, Any]) -> dict[str, Any]:
    """The filters and sort of a page's query string, validated (a ValidationError: a 400)."""
    return filter_arguments(schema.validate(params, schema.filters_schema(), {}))


@tk.side_effect_free
def dashboard_collectivite_list(context, data_dict):
    """Collectivités of a territory with their indicators.

    :param id: territory slug or id
    :param epci, kind, band, schema, q: filters; ``obliged_only``: boolean
    :param sort: name, population, datasets, scdl, conformity, freshness, metadata,
        last_publication or level; ``order``: asc or desc
    :param offset, limit: paging (limit ≤ 1000)
    """
    tk.check_access("dashboard_collectivite_list", context, data_dict)
    data = schema.validate(data_dict, schema.dashboard_collectivite_list_schema(), context)
    territory = _territory(data)
    member = access.is_member(context.get("user"), territory)
    count, rows = refresh.list_rows(_conn(), territory["id"], **filter_arguments(data),
                                    offset=data["offset"], limit=data["limit"])
    return {"count": count, "results": [strip_row(row, member) for row in rows]}


@tk.side_effect_free
def dashboard_collectivite_show(context, data_dict):
    """One collectivité of a territory: indicators, and for members overrides and notes.

    :param id: territory slug or id
    :param siren: the collectivité's SIREN
    """
    tk.check_access("dashboard_collectivite_show", context, data_dict)
    data = schema.validate(data_dict, schema.dashboard_collectivite_show_schema(), context)
    territory = _territory(data)
    siren = data["siren"]
    row = refresh.snapshot_row(_conn(), territory["id"], siren)
    if row is None:
        raise tk.ObjectNotFound(tk._("Collectivité not found in this territory"))
    member = access.is_member(context.get("user"), territory)
    result = {"territory": _public_territory(territory), "collectivite": strip_row(row, member),
              "is_member": member, "is_admin": access.is_admin(context.get("user"), territory)}
    if member:
        from ckanext.opendatalocale.dashboard import programme

        result["override_history"] = [_jsonable(o) for o in store.override_history(_conn(), territory["id"], siren)]
        result["notes"] = _notes(territory["id"], siren)
        result["contacts"] = programme.contacts(_conn(), territory["id"], [siren]).get(siren, [])
        result["reminders"] = programme.messages(_conn(), territory["id"], siren)
        result["excluded"] = programme.excluded(_conn(), territory["id"]).get(siren)
    return result


def matrix_data(territory_id: str, filters: dict[str, Any], offset: int = 0,
                limit: int | None = None) -> dict[str, Any]:
    """Rows (paged) and column totals (over every matching row) of the matrix; the CSV export
    calls it unpaged."""
    # The snapshot's small matrix column, not the whole indicators: a région has thousands of rows.
    s = snapshot.c
    part = sa.func.jsonb_build_object("siren", s.siren, "kind", s.kind, "row", s.matrix)
    count, found = refresh.list_rows(_conn(), territory_id, **filters, part=part, offset=offset, limit=limit)
    rows = []
    for item in found:
        matrix = item["row"] or {"name": "", "insee": None, "cells": []}
        rows.append({"siren": item["siren"], "kind": item["kind"], "name": matrix["name"],
                     "insee": matrix["insee"], "broken": matrix.get("broken"),
                     "cells": {schema: {"state": state, "version": version, "validated_at": validated_at,
                                        "error_count": error_count}
                               for schema, state, version, validated_at, error_count in matrix["cells"]}})
    row_filters = {k: v for k, v in filters.items() if k not in ("sort", "descending")}
    totals = {}
    for total in refresh.matrix_totals(_conn(), territory_id, **row_filters):
        totals[total["schema"]] = {
            "publishing": total["publishing"], "valid": total["valid"], "expected": total["expected"],
            "valid_rate": round(total["valid"] / total["publishing"], 4) if total["publishing"] else None}
    return {"schemas": list(totals), "totals": totals, "count": count, "rows": rows}


@tk.side_effect_free
def dashboard_matrix(context, data_dict):
    """Collectivités × expected SCDL schemas with cell states and column totals.

    :param id: territory slug or id (plus the filters and sort of dashboard_collectivite_list)
    :param offset, limit: paging of the rows (limit ≤ 1000, default 100); ``count`` and the
        totals always cover every row matching the filters
    """
    tk.check_access("dashboard_matrix", context, data_dict)
    data = schema.validate(data_dict, schema.dashboard_matrix_schema(), context)
    territory = _territory(data)
    return matrix_data(territory["id"], filter_arguments(data), data["offset"], data["limit"])


def dashboard_refresh(context, data_dict):
    """Recompute a territory's indicators (queued as a background job unless ``inline``).

    :param id: territory slug or id
    :param inline: true to compute now instead (boolean, default false)
    """
    tk.check_access("dashboard_refresh", context, data_dict)
    data = schema.validate(data_dict, schema.dashboard_refresh_schema(), context)
    territory = _territory(data)
    if data["inline"]:
        return {"queued": False, "kpis": _refresh_inline(territory)}
    from ckanext.opendatalocale.dashboard.jobs import refresh_job

    job = tk.enqueue_job(refresh_job, [territory["id"]],
                         title=f"opendatalocale dashboard refresh {territory['slug']}")
    return {"queued": True, "job_id": job.id}


def _member_siren(territory: dict[str, Any], siren: str) -> str:
    members = store.territory_reference(_conn(), territory["rules"])
    if not siren or members.get(siren) is None:
        raise tk.ValidationError({"siren": [tk._("Not a collectivité of this territory")]})
    return siren


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat(timespec="seconds") if isinstance(v, dt.datetime) else v) for k, v in row.items()}


def dashboard_override_create(context, data_dict):
    """Record a territory's obligation decision (history kept; the territory's latest decision
    applies, at once: its figures are computed again).

    :param id: territory slug or id
    :param siren: collectivité SIREN
    :param status: obliged, exempt or unknown
    :param reason: why (required)
    """
    tk.check_access("dashboard_override_create", context, data_dict)
    data = schema.validate(data_dict, schema.dashboard_override_create_schema(), context)
    territory = _territory(data)
    siren = _member_siren(territory, data["siren"])
    row = store.add_override(_conn(), siren, data["status"], data["reason"], context.get("user") or "",
                             territory_id=territory["id"])
    _refresh_inline(territory)
    return _jsonable(row)


def _refresh_inline(territory: dict[str, Any]) -> dict[str, Any]:
    """Compute the territory's figures now and commit (a decision shows on the pages at once)."""
    from ckanext.opendatalocale.dashboard.settings import indicator_settings, obligation_rules

    kpis = refresh.refresh_territory(_conn(), territory, indicator_settings(tk.config),
                                     obligation_rules(tk.config))
    model.Session.commit()
    return kpis


def _notes(territory_id: str, siren: str) -> list[dict[str, Any]]:
    n = followup_note.c
    rows = _conn().execute(sa.select(followup_note).where(n.territory_id == territory_id, n.siren == siren)
                           .order_by(n.created.desc(), n.id.desc())).mappings()
    return [_jsonable({**row, "occurred": row["occurred"].isoformat() if row["occurred"] else None})
            for row in rows]


def dashboard_note_create(context, data_dict):
    """Add a follow-up note on a collectivité (visible to the territory's members only).

    :param id: territory slug or id
    :param siren: collectivité SIREN
    :param text: the note
    :param kind: ``note`` (default), or an entry of the ATD's action log: training, meeting,
        call, email, seminar, visit or other
    :param occurred: the date it took place (YYYY-MM-DD; default: today for the action log)
    """
    tk.check_access("dashboard_note_create", context, data_dict)
    data = schema.validate(data_dict, schema.dashboard_note_create_schema(), context)
    territory = _territory(data)
    siren = _member_siren(territory, data["siren"])
    kind = data["kind"]
    occurred = data.get("occurred") or (dt.date.today() if kind != "note" else None)
    values = {"territory_id": territory["id"], "siren": siren, "author": context.get("user") or "",
              "text": data["text"], "created": dt.datetime.utcnow(), "kind": kind, "occurred": occurred}
    new_id = _conn().execute(followup_note.insert().values(**values).returning(followup_note.c.id)).scalar_one()
    model.Session.commit()
    return _jsonable({"id": new_id, **values, "occurred": values["occurred"] and values["occurred"].isoformat()})


@tk.side_effect_free
def dashboard_note_list(context, data_dict):
    """Follow-up notes on a collectivité, newest first.

    :param id: territory slug or id
    :param siren: collectivité SIREN
    """
    tk.check_access("dashboard_note_list", context, data_dict)
    data = schema.validate(data_dict, schema.dashboard_note_list_schema(), context)
    territory = _territory(data)
    return _notes(territory["id"], data["siren"])


# Explicit, so the helpers above (filters_of, strip_row, matrix_data...) are not registered as actions.
__all__ = ["dashboard_territory_list", "dashboard_territory_show", "dashboard_collectivite_list",
           "dashboard_collectivite_show", "dashboard_matrix", "dashboard_refresh",
           "dashboard_override_create", "dashboard_note_create", "dashboard_note_list"]
