"""Report page, JSON download, SVG badges and the one-click actions of conformity."""
from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from typing import Any

from flask import Blueprint, Response, request

import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.opendatalocale.csrf import check_csrf
from ckanext.opendatalocale.web import action_context, language, pick

from . import badges, settings
from .status import STATUS_UNCHECKED, dataset_status, has_schema, resource_status

conformity = Blueprint("opendatalocale_conformity", __name__)
CACHE_HEADER = "X-Odl-Cache-Control"


def _report_or_404(resource_id: str) -> dict[str, Any]:
    try:
        return tk.get_action("conformity_report_show")(action_context(), {"id": resource_id, "history": True})
    except (tk.ObjectNotFound, tk.NotAuthorized):
        return tk.abort(404, tk._("Resource not found"))


def _svg_response(status: str, private: bool) -> Response:
    lang = request.args.get("lang") or ("fr" if language() == "fr" else "en")
    svg = badges.render(status, "fr" if lang == "fr" else "en")
    etag = hashlib.sha256(svg.encode("utf-8")).hexdigest()[:32]
    if etag in request.if_none_match:
        response = Response(status=304)
    else:
        response = Response(svg, mimetype="image/svg+xml")
    response.set_etag(etag)
    # CKAN rewrites Cache-Control after every view (ckan.cache_expires): the
    # plugin's middleware puts this value back (see plugin.BadgeCacheHeaders).
    # A private dataset's badge answers an authorised request only: no shared
    # cache may keep it for others (nor the browser, after a log out).
    response.headers[CACHE_HEADER] = ("private, no-store" if private
                                      else f"public, max-age={settings.badge_max_age()}")
    # Embeddable anywhere, but never able to run script.
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def resource_badge(id: str) -> Response:
    report = _report_or_404(id)
    dataset = model.Package.get(report["package_id"])
    return _svg_response(report["status"], dataset is None or bool(dataset.private))


def dataset_badge(id: str) -> Response:
    try:
        dataset = tk.get_action("package_show")(action_context(), {"id": id})
    except (tk.ObjectNotFound, tk.NotAuthorized):
        return tk.abort(404, tk._("Dataset not found"))
    return _svg_response(dataset_status(dataset) or STATUS_UNCHECKED, bool(dataset.get("private")))


def report_json(id: str) -> Response:
    report = _report_or_404(id)
    body = json.dumps(report, ensure_ascii=False, indent=2)
    response = Response(body, mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="conformite-{id}.json"'
    return response


def _group_errors(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The first errors grouped by type then column, for the report table."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for error in errors:
        groups[(error.get("type", ""), error.get("column") or "")].append(error)
    return [{"type": t, "column": c, "errors": e} for (t, c), e in groups.items()]


def _schema_page(name: str | None) -> str | None:
    if not name:
        return None
    try:
        from ckanext.opendatalocale.scdl.utils import registry

        entry = registry().get(name)
    except Exception:
        return None
    try:
        return tk.url_for("scdl.schema", slug=entry.slug)
    except Exception:  # the SCDL pages are not enabled: link to schema.data.gouv.fr
        return entry.url


def report(id: str) -> str:
    data = _report_or_404(id)
    context = action_context()
    resource = tk.get_action("resource_show")(context, {"id": id})
    dataset = tk.get_action("package_show")(context, {"id": resource["package_id"]})
    result = data.get("result") or {}
    full = result.get("report") or {}
    try:
        can_edit = bool(context["user"]) and tk.check_access("conformity_resource_validate", dict(context), {"id": id})
    except tk.NotAuthorized:
        can_edit = False
    return tk.render("conformity/report.html", {
        "res": resource,
        "pkg": dataset,
        "pkg_dict": dataset,
        "conformity": data,
        "status": data["status"],
        "result": result,
        "report": full,
        "summary": pick(full.get("summary")),
        "fatal": pick((full.get("fatal") or {}).get("message")),
        "by_type": sorted((full.get("counts") or {}).get("by_type", {}).items(), key=lambda i: -i[1]),
        "by_column": sorted((full.get("counts") or {}).get("by_column", {}).items(), key=lambda i: -i[1]),
        "groups": _group_errors(full.get("errors") or []),
        "hints": {k: pick(v) for k, v in (full.get("hints") or {}).items()},
        "warnings": [pick(w.get("message")) for w in full.get("warnings") or []],
        "pick": pick,
        "schema_page": _schema_page(data.get("schema_name")),
        "can_edit": can_edit,
        "stale": has_schema(resource) and resource_status(resource) == STATUS_UNCHECKED and bool(result),
    })


def validate_now(id: str) -> Any:
    check_csrf()
    try:
        tk.get_action("conformity_resource_validate")(action_context(), {"id": id, "force": True})
    except tk.NotAuthorized:
        return tk.abort(403, tk._("Unauthorized to check this resource"))
    except tk.ObjectNotFound:
        return tk.abort(404, tk._("Resource not found"))
    tk.h.flash_success(tk._("The check is queued; reload this page in a moment."))
    return tk.redirect_to("opendatalocale_conformity.report", id=id)


def accept_suggestion(id: str) -> Any:
    check_csrf()
    try:
        resource = tk.get_action("conformity_suggestion_accept")(action_context(), {"id": id})
    except tk.NotAuthorized:
        return tk.abort(403, tk._("Unauthorized to edit this resource"))
    except tk.ObjectNotFound:
        return tk.abort(404, tk._("Resource not found"))
    except tk.ValidationError as exc:
        tk.h.flash_error("; ".join(str(m) for msgs in exc.error_dict.values() for m in msgs))
        return tk.redirect_to("opendatalocale_conformity.report", id=id)
    tk.h.flash_success(tk._("Schema declared; the file will be checked against it."))
    return tk.redirect_to("resource.read", id=resource["package_id"], resource_id=id)


conformity.add_url_rule("/conformite/resource/<id>.svg", view_func=resource_badge, endpoint="resource_badge")
conformity.add_url_rule("/conformite/dataset/<id>.svg", view_func=dataset_badge, endpoint="dataset_badge")
conformity.add_url_rule("/conformite/resource/<id>.json", view_func=report_json, endpoint="report_json")
conformity.add_url_rule("/conformite/resource/<id>", view_func=report, endpoint="report")
conformity.add_url_rule("/conformite/resource/<id>/verifier", view_func=validate_now, endpoint="validate",
                        methods=["POST"])
conformity.add_url_rule("/conformite/resource/<id>/schema-detecte", view_func=accept_suggestion,
                        endpoint="accept_suggestion", methods=["POST"])
