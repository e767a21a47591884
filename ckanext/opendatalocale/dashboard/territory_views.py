"""Pages that define territories: the list, the creation and edit form (perimeter picker with
a no-JavaScript search), deletion and the history of changes. They call the territory actions."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
from flask import Blueprint, request

from ckanext.opendatalocale.csrf import check_csrf
from ckanext.opendatalocale.territories import editing

from ckanext.opendatalocale.web import action_context

from .logic.schema import KINDS
from .views import _call
from .settings import PREFIX, indicator_settings

territories = Blueprint("opendatalocale_territories", __name__, url_prefix="/territoire")


def _context() -> dict[str, Any]:
    return {**action_context(), "odl_origin": "web"}  # the audit tells the web from the API


def _allowed(auth: str, data: dict[str, Any]) -> bool:
    try:
        tk.check_access(auth, _context(), data)
        return True
    except tk.NotAuthorized:
        return False


def _organizations(linked: list[str]) -> list[dict[str, Any]]:
    """Organisations the user may link: those they administer, and those already linked."""
    user = _context()["user"]
    mine = tk.get_action("organization_list_for_user")(
        {"user": user, "ignore_auth": True}, {"id": user, "permission": "admin"}) if user else []
    choices = {org["id"]: {"id": org["id"], "name": org["name"], "title": org["title"] or org["name"]}
               for org in mine}
    for org_id in linked:
        if org_id not in choices:
            org = tk.get_action("organization_show")({"ignore_auth": True}, {"id": org_id})
            choices[org_id] = {"id": org["id"], "name": org["name"], "title": org["title"] or org["name"]}
    return sorted(choices.values(), key=lambda org: org["title"].lower())


def _site_expected(kind: str) -> list[str]:
    return str(tk.config.get(f"{PREFIX}expected_schemas.{kind}") or "").split()


def _expected(territory: dict[str, Any] | None) -> dict[str, list[str]]:
    chosen = ((territory or {}).get("settings") or {}).get("expected_schemas") or {}
    return {kind: chosen.get(kind, _site_expected(kind)) for kind in KINDS}


def _form_values(territory: dict[str, Any] | None) -> dict[str, Any]:
    """What the form shows: the posted values, else the territory's, else the defaults."""
    settings = (territory or {}).get("settings") or {}
    horizons = {**indicator_settings(tk.config).schema_horizons, **(settings.get("schema_horizons") or {})}
    if request.method == "POST":
        return {"name": request.form.get("name", ""), "slug": request.form.get("slug", ""),
                "description": request.form.get("description", ""),
                "perimeter": request.form.getlist("perimeter"),
                "organizations": request.form.getlist("organizations"),
                # None when the form did not show the boxes (a client posting only some fields).
                "expected": ({kind: request.form.getlist(f"expected_{kind}") for kind in KINDS}
                             if request.form.get("expected_shown") else None),
                "horizons": {key[len("horizon__"):]: value for key, value in request.form.items()
                             if key.startswith("horizon__")}}
    territory = territory or {}
    return {"name": territory.get("name", ""), "slug": territory.get("slug", ""),
            "description": territory.get("description", ""),
            "perimeter": [item["value"] for item in territory.get("perimeter") or ()],
            "organizations": territory.get("organization_ids") or [],
            "expected": _expected(territory),
            "horizons": {name: str(days) for name, days in horizons.items()}}


def _payload(values: dict[str, Any]) -> dict[str, Any]:
    """The action's parameters from the form; settings equal to the site's are not stored."""
    try:
        rules = editing.rules_of(values["perimeter"])
    except ValueError as error:
        raise tk.ValidationError({"perimeter": [tk._("Unknown item: {value}").format(value=error)]})
    site_horizons = indicator_settings(tk.config).schema_horizons
    expected = {kind: names for kind, names in (values["expected"] or {}).items() if names != _site_expected(kind)}
    horizons = {name: days for name, days in values["horizons"].items()
                if str(days).strip() and str(site_horizons.get(name)) != str(days).strip()}
    return {"name": values["name"], "slug": values["slug"] or None, "description": values["description"],
            **rules, "organizations": values["organizations"], "schema_horizons": horizons,
            **({"expected_schemas": expected} if values["expected"] is not None else {})}


def _schema_names() -> list[str]:
    from ckanext.opendatalocale.scdl.registry import get_registry

    return sorted(get_registry().names())


def _render_form(territory: dict[str, Any] | None, values: dict[str, Any], errors: dict[str, Any] | None = None,
                 results: list[dict[str, Any]] | None = None, status: int = 200):
    labels = {item["value"]: item for item in (territory or {}).get("perimeter") or ()}
    missing = [value for value in values["perimeter"] if value not in labels]
    if missing:
        labels.update((item["value"], item) for item in editing.perimeter_items(
            _connection(), editing.rules_of([v for v in missing if v.partition(":")[0] in editing.PICKED_KINDS])))
    selected = [labels.get(value) or {"value": value, "name": value, "kind": value.partition(":")[0]}
                for value in values["perimeter"]]
    return tk.render("dashboard/territory_form.html", {
        "territory": territory, "values": {**values, "expected": values["expected"] or _expected(territory)}, "errors": errors or {}, "selected": selected,
        "results": results, "query": request.form.get("perimeter_q", ""), "kinds": KINDS,
        "schema_names": _schema_names(), "organizations": _organizations(values["organizations"]),
    }), status


def _connection():
    from ckan import model

    return model.Session.connection()


def _save(action: str, territory: dict[str, Any] | None):
    """POST of the form: search the reference (no JavaScript), or save."""
    check_csrf()
    values = _form_values(territory)
    if request.form.get("do") == "search":
        query = request.form.get("perimeter_q", "").strip()
        results = _call("territory_reference_search", {"q": query}) if query else []
        return _render_form(territory, values, results=results)
    try:
        payload = _payload(values)
        if territory:
            payload["id"] = territory["id"]
        saved = tk.get_action(action)(_context(), payload)
    except tk.NotAuthorized:
        return tk.abort(403, tk._("Not authorised to see this page"))
    except tk.ValidationError as error:
        return _render_form(territory, values, errors=error.error_dict, status=400)
    _refresh(saved["slug"])
    tk.h.flash_success(tk._("Territory saved."))
    return tk.redirect_to("opendatalocale_dashboard.overview", slug=saved["slug"])


def _refresh(slug: str) -> None:
    """Figures for the new perimeter right away (a département takes a few seconds)."""
    tk.get_action("dashboard_refresh")({**_context(), "ignore_auth": True}, {"id": slug, "inline": True})


def index():
    listing = _call("territory_list", {})
    can_create = bool(_context()["user"]) and (tk.current_user.sysadmin or bool(_organizations([])))
    return tk.render("dashboard/territories.html", {"territories": listing, "can_create": can_create})


def new():
    if not _context()["user"] or not (tk.current_user.sysadmin or _organizations([])):
        return tk.abort(403, tk._("Only administrators of an organisation can create a territory, and only "
                                  "for the organisations they administer."))
    if request.method == "POST":
        return _save("territory_create", None)
    return _render_form(None, _form_values(None))


def edit(slug: str):
    if request.method == "POST":
        check_csrf()  # first: a forged post learns nothing, not even whether the territory exists
    territory = _call("territory_show", {"id": slug})
    if not _allowed("territory_update", {"id": territory["id"]}):
        return tk.abort(403, tk._("Only administrators of the territory's organisations can change it."))
    if request.method == "POST":
        return _save("territory_update", territory)
    return _render_form(territory, _form_values(territory))


def delete(slug: str):
    check_csrf()  # first: a forged post learns nothing, not even whether the territory exists
    territory = _call("territory_show", {"id": slug})
    if not _allowed("territory_delete", {"id": territory["id"]}):
        return tk.abort(403, tk._("Only administrators of the territory's organisations can change it."))
    tk.get_action("territory_delete")(_context(), {"id": territory["id"]})
    tk.h.flash_success(tk._("Territory {name} deleted.").format(name=territory["name"]))
    return tk.redirect_to("opendatalocale_territories.index")


def history(slug: str):
    territory = _call("dashboard_territory_show", {"id": slug})
    rows = _call("territory_audit_list", {"id": territory["id"], "limit": 200})
    return tk.render("dashboard/territory_history.html", {"territory": territory, "rows": rows})


territories.add_url_rule("/", view_func=index, endpoint="index")
territories.add_url_rule("/nouveau", view_func=new, endpoint="new", methods=["GET", "POST"])
territories.add_url_rule("/<slug>/modifier", view_func=edit, endpoint="edit", methods=["GET", "POST"])
territories.add_url_rule("/<slug>/supprimer", view_func=delete, endpoint="delete", methods=["POST"])
territories.add_url_rule("/<slug>/historique", view_func=history, endpoint="history")
