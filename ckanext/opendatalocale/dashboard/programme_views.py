"""Pages of the ATD's programme: reminders to collectivités, contacts, exclusion and the action
log on the collectivité page, the annual report (HTML and PDF) and the link-check button."""
from __future__ import annotations

import datetime as dt
from typing import Any

import ckan.plugins as p
import ckan.plugins.toolkit as tk
from flask import Blueprint, Response, request

from ckanext.opendatalocale.csrf import check_csrf

from ckanext.opendatalocale.web import action_context as _context

from .views import _common

programme = Blueprint("opendatalocale_atd_programme", __name__, url_prefix="/territoire")


def _run(action: str, data: dict[str, Any]) -> Any:
    try:
        return tk.get_action(action)(_context(), data)
    except tk.ObjectNotFound as error:
        return tk.abort(404, str(error) or tk._("Territory not found"))
    except tk.NotAuthorized:
        return tk.abort(403, tk._("Not authorised to see this page"))


def _back(slug: str, siren: str):
    return tk.redirect_to("opendatalocale_dashboard.collectivite", slug=slug, siren=siren)


def _post_and_back(slug: str, siren: str, action: str, data: dict[str, Any]):
    check_csrf()
    try:
        tk.get_action(action)(_context(), {"id": slug, "siren": siren, **data})
        tk.h.flash_success(tk._("Saved."))
    except tk.NotAuthorized:
        return tk.abort(403, tk._("Not authorised to see this page"))
    except tk.ObjectNotFound as error:
        return tk.abort(404, str(error))
    except tk.ValidationError as error:
        tk.h.flash_error(tk._("Not saved: {errors}").format(errors=error.error_summary))
    return _back(slug, siren)


def contacts(slug: str, siren: str):
    form = request.form
    if form.get("op") == "delete":
        return _post_and_back(slug, siren, "dashboard_contact_delete", {"contact_id": form.get("contact_id")})
    return _post_and_back(slug, siren, "dashboard_contact_create",
                          {k: form.get(k, "") for k in ("name", "email", "role")})


def exclusion(slug: str, siren: str):
    return _post_and_back(slug, siren, "dashboard_reminder_exclude",
                          {"exclude": request.form.get("exclude", "true"), "reason": request.form.get("reason", "")})


def action_log(slug: str, siren: str):
    form = request.form
    return _post_and_back(slug, siren, "dashboard_note_create",
                          {"text": form.get("text", ""), "kind": form.get("kind", ""),
                           "occurred": form.get("occurred", "")})


def reminders(slug: str):
    """Step 1 (GET): the collectivités matching the table's filters, to tick, and the common
    text. Step 2 (POST preview): each message. Step 3 (POST send): sent once per token."""
    if request.method == "POST":
        check_csrf()  # first: a forged post learns nothing, not even whether the territory exists
    data = _common(slug)
    territory = data["territory"]
    if not territory["is_admin"]:
        return tk.abort(403, tk._("Only administrators of the territory's organisations can send reminders."))
    form = request.form
    step = form.get("step") if request.method == "POST" else None
    payload = {"id": slug, **data["filters"], "subject": form.get("subject", ""), "intro": form.get("intro", "")}
    if step in ("preview", "send"):
        payload["sirens"] = form.getlist("siren")
        if not payload["sirens"]:
            tk.h.flash_error(tk._("Choose at least one collectivité."))
            step = None
    if step == "send":
        result = _run("dashboard_reminder_send", {**payload, "token": form.get("token", "")})
        if result["duplicate"]:
            tk.h.flash_notice(tk._("These reminders were already sent: nothing was sent again."))
        else:
            tk.h.flash_success(tk._("{count} reminders are being sent.").format(count=result["queued"]))
        return tk.redirect_to("opendatalocale_atd_programme.reminders", slug=slug, **data["filters"])
    if step == "preview":
        previewed = _run("dashboard_reminder_preview", payload)
        return tk.render("dashboard/reminders.html", {**data, "step": "preview", "preview": previewed,
                                                     "subject": form.get("subject", ""), "intro": form.get("intro", "")})
    # The selection: every matching collectivité with what it would get, ticked unless left out.
    previewed = _run("dashboard_reminder_preview", {k: v for k, v in payload.items() if k != "sirens"})
    chosen = set(form.getlist("siren")) if request.method == "POST" else None
    sent = {m["siren"]: m for m in reversed(_run("dashboard_reminder_list", {"id": slug}))}
    from . import reminders as texts
    from .logic.programme import _lang

    return tk.render("dashboard/reminders.html", {
        **data, "step": "select", "preview": previewed, "chosen": chosen, "last_sent": sent,
        "subject": form.get("subject") or texts.default_subject(territory["name"], _lang()),
        "intro": form.get("intro") or texts.default_intro(_lang())})


# The report's print palette for levels (the legend in report.html uses the same classes).
REPORT_LEVEL_CLASSES = {"gold": "c-best", "silver": "c-good", "bronze": "c-mid", "none": "c-none"}


def _year(text: str) -> int:
    """The year of a report URL; anything else is a page that does not exist (never a 500)."""
    if not (len(text) == 4 and text.isdigit()):
        return tk.abort(404, tk._("No report for this year."))
    return int(text)


def _report(slug: str, year_text: str) -> tuple[dict[str, Any], dict[str, Any]]:
    year = _year(year_text)
    from ckanext.opendatalocale.territories import store
    from ckanext.opendatalocale.territories.reference import geometry_to_svg_paths
    from ckan import model

    data = _common(slug)
    report = _run("dashboard_report_show", {"id": slug, "year": year})
    shapes = []
    if not report.get("empty"):
        outlines = store.geometries(model.Session.connection(), [r["siren"] for r in report["map_rows"]])
        paths = geometry_to_svg_paths(outlines, 800, 600, padding=5) if outlines else {}
        shapes = [{"row": r, "d": paths[r["insee"]], "css": REPORT_LEVEL_CLASSES.get(r["level"], "c-none")}
                  for r in report["map_rows"] if r["insee"] in paths]
    return data, {**data, "report": report, "shapes": shapes, "year": year,
                  "pdf_enabled": tk.asbool(tk.config.get("ckanext.opendatalocale.dashboard.report_pdf", True))}


def report_page(slug: str, year: str):
    _data, context = _report(slug, year)
    return tk.render("dashboard/report.html", {**context, "for_pdf": False})


def report_pdf(slug: str, year: str):
    _data, context = _report(slug, year)
    if not context["pdf_enabled"]:
        return tk.abort(404, tk._("The PDF report is not enabled on this portal."))
    from .report_pdf import html_to_pdf

    html = tk.render("dashboard/report.html", {**context, "for_pdf": True})
    return Response(html_to_pdf(html), mimetype="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="rapport-{slug}-{year}.pdf"'})


def report_index(slug: str):
    return tk.redirect_to("opendatalocale_atd_programme.report", slug=slug, year=dt.date.today().year)


def check_links(slug: str):
    check_csrf()
    if not p.plugin_loaded("opendatalocale_linkcheck"):
        return tk.abort(404, tk._("The link checker is not enabled on this portal."))
    _run("opendatalocale_links_check", {"id": slug})
    tk.h.flash_success(tk._("Link check queued: the figures update at the next refresh."))
    return tk.redirect_to("opendatalocale_dashboard.overview", slug=slug)


programme.add_url_rule("/<slug>/relances", view_func=reminders, endpoint="reminders", methods=["GET", "POST"])
programme.add_url_rule("/<slug>/collectivite/<siren>/contacts", view_func=contacts, endpoint="contacts",
                       methods=["POST"])
programme.add_url_rule("/<slug>/collectivite/<siren>/exclusion", view_func=exclusion, endpoint="exclusion",
                       methods=["POST"])
programme.add_url_rule("/<slug>/collectivite/<siren>/actions", view_func=action_log, endpoint="action_log",
                       methods=["POST"])
programme.add_url_rule("/<slug>/rapport", view_func=report_index, endpoint="report_index")
programme.add_url_rule("/<slug>/rapport/<year>", view_func=report_page, endpoint="report")
programme.add_url_rule("/<slug>/rapport/<year>.pdf", view_func=report_pdf, endpoint="report_pdf")
programme.add_url_rule("/<slug>/liens/verifier", view_func=check_links, endpoint="check_links", methods=["POST"])
