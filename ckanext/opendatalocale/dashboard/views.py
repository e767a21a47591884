"""Pages of the dashboard: overview, map, collectivités table (with exports), matrix and
collectivité page. They call the actions, which read the snapshots."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
import sqlalchemy as sa
from ckan import model
from flask import Blueprint, Response, request

from ckanext.opendatalocale.csrf import check_csrf
from ckanext.opendatalocale.territories import store
from ckanext.opendatalocale.territories.bands import BANDS

from . import refresh, table
from .model import snapshot
from .settings import territory_expected_schemas
from ckanext.opendatalocale.web import action_context

dashboard = Blueprint("opendatalocale_dashboard", __name__, url_prefix="/territoire")

FILTERS = ("epci", "kind", "band", "obliged_only", "schema", "q", "sort", "order")


def _call(action: str, data: dict[str, Any]) -> Any:
    try:
        return tk.get_action(action)(action_context(), data)
    except tk.ObjectNotFound:
        return tk.abort(404, tk._("Territory not found"))
    except tk.NotAuthorized:
        return tk.abort(403, tk._("Not authorised to see this page"))


def _filters() -> dict[str, str]:
    return {k: request.args[k] for k in FILTERS if request.args.get(k)}


def _common(slug: str) -> dict[str, Any]:
    territory = _call("dashboard_territory_show", {"id": slug})
    conn = model.Session.connection()
    month = refresh.latest_month(conn, territory["id"])
    s = snapshot.c
    epcis = [tuple(row) for row in conn.execute(
        sa.select(s.siren, s.indicators["name"].astext).where(
            s.territory_id == territory["id"], s.month == month, s.kind == "epci")
        .order_by(s.name_key))]
    return {"territory": territory, "filters": _filters(), "epcis": epcis, "bands": BANDS,
            "schemas": territory_expected_schemas(tk.config, territory)}


def overview(slug: str):
    data = _common(slug)
    history = data["territory"]["history"]
    series = {
        "obligation": [h["kpis"]["obligation"]["rate"] for h in history],
        "population": [h["kpis"]["population_coverage"]["rate"] for h in history],
        "scdl": [h["kpis"]["scdl_coverage"]["mean"] for h in history],
        "conformity": [h["kpis"]["conformity"]["rate"] for h in history],
        "freshness": [h["kpis"]["freshness"]["rate"] for h in history],
        "metadata": [h["kpis"]["metadata"]["median"] for h in history],
        "open": [h["kpis"]["open"] for h in history],
    }
    return tk.render("dashboard/overview.html", {**data, "series": series})


def map_page(slug: str):
    from . import territory_map
    from .logic.action import filters_of

    data = _common(slug)
    indicator = request.args.get("indicator", "level")
    if indicator not in territory_map.INDICATORS:
        indicator = "level"
    conn = model.Session.connection()
    _, rows = refresh.list_rows(conn, data["territory"]["id"], **filters_of({**_filters(), "kind": "commune"}))
    sirens = [r["siren"] for r in rows]
    epci_sirens = {r["epci_siren"] for r in rows if r.get("epci_siren")}
    drawing = territory_map.build(rows, store.geometries(conn, sirens), store.geometries(conn, epci_sirens, kind="epci"),
                            indicator)
    epci_names = dict(data["epcis"])
    groups = territory_map.grid(drawing["missing"], epci_names, indicator, tk._("No EPCI of the territory"))
    return tk.render("dashboard/map.html", {**data, "indicator": indicator, "rows": rows, "drawing": drawing,
                                            "groups": groups, "epci_names": epci_names,
                                            "indicators": territory_map.INDICATORS})


def collectivites(slug: str):
    data = _common(slug)
    fmt = request.args.get("format")
    if fmt in ("csv", "json", "observatoire"):
        # Exports are not paged: every collectivité matching the filters.
        from .logic.action import filters_of, strip_row

        _, rows = refresh.list_rows(model.Session.connection(), data["territory"]["id"],
                                    **filters_of(_filters()))
        rows = [strip_row(row, data["territory"]["is_member"]) for row in rows]
        name = f"collectivites-{data['territory']['slug']}"
        if fmt == "json":
            return Response(table.to_json(rows), mimetype="application/json",
                            headers={"Content-Disposition": f'attachment; filename="{name}.json"'})
        delimiter = ";" if request.args.get("sep") == "semicolon" else ","
        columns = table.OBSERVATOIRE_COLUMNS if fmt == "observatoire" else table.TABLE_COLUMNS
        if fmt == "observatoire":
            name += "-observatoire"
        return Response(table.to_csv(rows, columns, delimiter).encode("utf-8"),
                        mimetype="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
    page = _page()
    per_page = 50
    listing = _call("dashboard_collectivite_list", {"id": slug, **_filters(),
                                                    "offset": (page - 1) * per_page, "limit": per_page})
    return tk.render("dashboard/collectivites.html", {**data, "listing": listing, "page": page,
                                                      "per_page": per_page})


MATRIX_PER_PAGE = 100


MAX_PAGE = 100_000  # far past any territory's last page, and within SQL's integers


def _page() -> int:
    try:
        return min(max(int(request.args.get("page", 1)), 1), MAX_PAGE)
    except ValueError:
        return 1


def matrix(slug: str):
    data = _common(slug)
    page = _page()
    if request.args.get("format") == "csv":
        # Exports are not paged: every collectivité matching the filters.
        from .logic.action import filters_of, matrix_data

        cells = matrix_data(data["territory"]["id"], filters_of(_filters()))
        columns = [("siren", lambda r: r["siren"]), ("nom", lambda r: r["name"])] + [
            (schema, lambda r, s=schema: r["cells"][s]["state"] if s in r["cells"] else "")
            for schema in cells["schemas"]]
        delimiter = ";" if request.args.get("sep") == "semicolon" else ","
        return Response(table.to_csv(cells["rows"], columns, delimiter).encode("utf-8"),
                        mimetype="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="matrice-{slug}.csv"'})
    cells = _call("dashboard_matrix", {"id": slug, **_filters(), "offset": (page - 1) * MATRIX_PER_PAGE,
                                       "limit": MATRIX_PER_PAGE})
    return tk.render("dashboard/matrix.html", {**data, "matrix": cells, "page": page,
                                                "per_page": MATRIX_PER_PAGE})


def collectivite(slug: str, siren: str):
    if request.method == "POST":
        check_csrf()
        action = "dashboard_note_create" if request.form.get("kind") == "note" else "dashboard_override_create"
        payload = {"id": slug, "siren": siren, **{k: request.form.get(k) for k in ("text", "status", "reason")}}
        try:
            tk.get_action(action)(action_context(), payload)
            tk.h.flash_success(tk._("Saved."))
        except tk.NotAuthorized:
            return tk.abort(403, tk._("Not authorised to see this page"))
        except tk.ValidationError as error:
            tk.h.flash_error(tk._("Not saved: {errors}").format(errors=error.error_summary))
        return tk.redirect_to("opendatalocale_dashboard.collectivite", slug=slug, siren=siren)
    data = _common(slug)
    detail = _call("dashboard_collectivite_show", {"id": slug, "siren": siren})
    if request.args.get("format") == "csv":
        columns = (("nom", lambda d: d["name"]), ("titre", lambda d: d["title"]),
                   ("mise_a_jour", lambda d: d["updated"]), ("score_metadonnees", lambda d: d["score"]),
                   ("a_jour", lambda d: "" if d["fresh"] is None else int(d["fresh"])),
                   ("schemas", lambda d: " ".join(d["schemas"])), ("canal", lambda d: d["channel"]),
                   ("a_corriger", lambda d: " ".join(d["missing"])))
        delimiter = ";" if request.args.get("sep") == "semicolon" else ","
        return Response(table.to_csv(detail["collectivite"].get("datasets", []), columns, delimiter).encode("utf-8"),
                        mimetype="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="jeux-{siren}.csv"'})
    return tk.render("dashboard/collectivite.html", {**data, "detail": detail, "row": detail["collectivite"]})


def consolidated(slug: str, schema: str):
    """The territory's consolidated file of ``schema`` (short name, e.g. ``deliberations``), as
    the consolidation job stored it (feature ``opendatalocale_consolidation``)."""
    from ckanext.opendatalocale.consolidation.views import consolidated_csv

    return consolidated_csv(slug, schema)


def refresh_now(slug: str):
    check_csrf()
    result = _call("dashboard_refresh", {"id": slug})
    tk.h.flash_success(tk._("Refresh queued: the figures update in a few minutes.")
                       if result.get("queued") else tk._("Figures refreshed."))
    return tk.redirect_to("opendatalocale_dashboard.overview", slug=slug)


dashboard.add_url_rule("/<slug>", view_func=overview, endpoint="overview")
dashboard.add_url_rule("/<slug>/carte", view_func=map_page, endpoint="map")
dashboard.add_url_rule("/<slug>/collectivites", view_func=collectivites, endpoint="collectivites")
dashboard.add_url_rule("/<slug>/matrice", view_func=matrix, endpoint="matrix")
dashboard.add_url_rule("/<slug>/collectivite/<siren>", view_func=collectivite, endpoint="collectivite",
                       methods=["GET", "POST"])
dashboard.add_url_rule("/<slug>/consolide/<schema>.csv", view_func=consolidated, endpoint="consolidated")
dashboard.add_url_rule("/<slug>/actualiser", view_func=refresh_now, endpoint="refresh", methods=["POST"])

