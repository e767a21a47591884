"""Public pages under ``/observatoire``: the territories, a territory, a collectivité's
portrait, the CSV of every table and an embeddable card per indicator. They read the actions,
which read cached figures: nothing is downloaded or recomputed from files on a request."""
from __future__ import annotations

import re
from typing import Any

import ckan.plugins.toolkit as tk
from flask import Blueprint, Response, request

from ckanext.opendatalocale.dashboard.table import to_csv
from ckanext.opendatalocale.web import action_context

from . import charts, pages
from .definitions import BY_KEY

observatory = Blueprint("observatory", __name__, url_prefix="/observatoire")

TABLE_ID = re.compile(r"^[a-z]+-[a-z]+$")
MAX_QUERY = 100


def _call(action: str, data: dict[str, Any]) -> Any:
    try:
        return tk.get_action(action)(action_context(), data)
    except tk.ObjectNotFound as error:
        return tk.abort(404, str(error.message) if getattr(error, "message", None) else tk._("Not found"))
    except tk.ValidationError as error:
        return tk.abort(400, "; ".join(f"{k}: {' '.join(map(str, v))}" for k, v in error.error_dict.items()))
    except tk.NotAuthorized:
        return tk.abort(403, tk._("Not authorised to see this page"))


def _siren(siren: str) -> str:
    if not re.match(r"^\d{9}$", siren):
        tk.abort(404, tk._("A SIREN is 9 digits"))
    return siren


def index():
    return tk.render("observatory/index.html", {"territories": _call("observatory_territory_list", {})})


def territory(slug: str):
    show = _call("observatory_territory_show", {"id": slug})
    return tk.render("observatory/territory.html", {"show": show, "sections": pages.territory_sections(show)})


def collectivites(slug: str):
    show = _call("observatory_territory_show", {"id": slug})
    query = (request.args.get("q") or "").strip()[:MAX_QUERY].lower()
    ranked = {item["key"]: {r["siren"] for r in item.get("ranking") or []} for item in show["indicators"]}
    rows = []
    for siren in show["publishing"]:
        name = show["names"][siren]
        if query and query not in name.lower():
            continue
        rows.append({"siren": siren, "name": name, "indicators": [k for k, sirens in ranked.items() if siren in sirens]})
    return tk.render("observatory/collectivites.html", {"show": show, "rows": rows, "q": query})


def portrait(slug: str, siren: str):
    show = _call("observatory_collectivite_show", {"id": slug, "siren": _siren(siren)})
    return tk.render("observatory/portrait.html", {"show": show, "sections": pages.portrait_sections(show)})


def _csv(table: dict[str, Any] | None, filename: str) -> Response:
    if table is None:
        return tk.abort(404, tk._("No such table"))
    columns = [(key, lambda row, k=key: row.get(k)) for key, _label, _decimals in table["columns"]]
    delimiter = ";" if request.args.get("sep") == "semicolon" else ","
    return Response(to_csv(table["rows"], columns, delimiter).encode("utf-8"), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}.csv"'})


def territory_table(slug: str, table: str):
    if not TABLE_ID.match(table):
        return tk.abort(404, tk._("No such table"))
    show = _call("observatory_territory_show", {"id": slug})
    return _csv(pages.find_table(pages.territory_sections(show), table), f"{slug}-{table}")


def portrait_table(slug: str, siren: str, table: str):
    if not TABLE_ID.match(table):
        return tk.abort(404, tk._("No such table"))
    show = _call("observatory_collectivite_show", {"id": slug, "siren": _siren(siren)})
    return _csv(pages.find_table(pages.portrait_sections(show), table), f"{siren}-{table}")


def _card(slug: str, siren: str, indicator: str) -> tuple[dict[str, Any], dict[str, Any], str]:
    if indicator not in BY_KEY:
        tk.abort(404, tk._("Unknown indicator"))
    show = _call("observatory_collectivite_show", {"id": slug, "siren": _siren(siren)})
    section = next(s for s in pages.portrait_sections(show) if s["key"] == indicator)
    lines = []
    comparison = section.get("comparison")
    if not section["publishes"]:
        value = "—"
        lines.append(tk._("Not published yet in the SCDL format"))
    elif section["value"] is None:
        value = "—"
    else:
        value = pages.number(section["value"], section["decimals"])
        if section.get("year"):
            lines.append(tk._("In {year}").format(year=section["year"]))
        if comparison and comparison["departement"].get("median") is not None:
            lines.append(tk._("Median of the same band: {value}").format(
                value=pages.number(comparison["departement"]["median"], section["decimals"])))
    source = tk._("Source: {site}, observatory").format(site=tk.config.get("ckan.site_title") or "CKAN")
    svg = charts.card(f"{section['label']} — {show['name']}", value, section["unit"], lines, source)
    return show, section, svg


def card_svg(slug: str, siren: str, indicator: str):
    _show, _section, svg = _card(slug, siren, indicator)
    return Response(svg, mimetype="image/svg+xml", headers={"Cache-Control": "public, max-age=3600"})


def card_html(slug: str, siren: str, indicator: str):
    show, section, svg = _card(slug, siren, indicator)
    page = tk.render("observatory/embed.html", {"show": show, "section": section, "svg": svg})
    # Made to be framed by the collectivité's own site.
    return Response(page, headers={"Content-Security-Policy": "frame-ancestors *"})


observatory.add_url_rule("/", view_func=index, endpoint="index")
observatory.add_url_rule("/<slug>", view_func=territory, endpoint="territory")
observatory.add_url_rule("/<slug>/collectivites", view_func=collectivites, endpoint="collectivites")
observatory.add_url_rule("/<slug>/tableau/<table>.csv", view_func=territory_table, endpoint="territory_table")
observatory.add_url_rule("/<slug>/<siren>", view_func=portrait, endpoint="portrait")
observatory.add_url_rule("/<slug>/<siren>/tableau/<table>.csv", view_func=portrait_table, endpoint="portrait_table")
observatory.add_url_rule("/<slug>/<siren>/vignette/<indicator>.svg", view_func=card_svg, endpoint="card_svg")
observatory.add_url_rule("/<slug>/<siren>/vignette/<indicator>", view_func=card_html, endpoint="card")


def get_blueprints():
    return [observatory]
