"""API actions of the ATD's programme: contacts, reminders, action log and annual report."""
from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import ckan.plugins.toolkit as tk
from ckan import model

from ckanext.opendatalocale import guard
from ckanext.opendatalocale.dashboard import programme, refresh, reminders
from ckanext.opendatalocale.dashboard.logic import schema
from ckanext.opendatalocale.dashboard.logic.action import _conn, _member_siren, _territory, filter_arguments
from ckanext.opendatalocale.dashboard.logic.schema import MAX_REMINDERS


def _lang() -> str:
    """Reminders go to French collectivités: French unless the portal says otherwise."""
    return "en" if str(tk.config.get("ckanext.opendatalocale.dashboard.reminder_language") or "fr") == "en" else "fr"


@tk.side_effect_free
def dashboard_contact_list(context, data_dict):
    """Contacts recorded for a collectivité (members of the territory only).

    :param id: territory slug or id
    :param siren: collectivité SIREN
    """
    tk.check_access("dashboard_contact_list", context, data_dict)
    data = schema.validate(data_dict, schema.dashboard_contact_list_schema(), context)
    territory = _territory(data)
    siren = data["siren"]
    return programme.contacts(_conn(), territory["id"], [siren]).get(siren, [])


def dashboard_contact_create(context, data_dict):
    """Record a contact (who receives the reminders) for a collectivité.

    :param id: territory slug or id
    :param siren: collectivité SIREN
    :param email: e-mail address (required)
    :param name, role: optional
    """
    tk.check_access("dashboard_contact_create", context, data_dict)
    data = schema.validate(data_dict, schema.dashboard_contact_create_schema(), context)
    territory = _territory(data)
    siren = _member_siren(territory, data["siren"])
    row = programme.add_contact(_conn(), territory["id"], siren, data["name"], data["email"],
                                data["role"], context.get("user") or "")
    model.Session.commit()
    return row


def dashboard_contact_delete(context, data_dict):
    """Remove a contact of a collectivité.

    :param id: territory slug or id
    :param siren: collectivité SIREN
    :param contact_id: the contact's id
    """
    tk.check_access("dashboard_contact_delete", context, data_dict)
    data = schema.validate(data_dict, schema.dashboard_contact_delete_schema(), context)
    territory = _territory(data)
    contact_id = data["contact_id"]
    if not programme.delete_contact(_conn(), territory["id"], data["siren"], contact_id):
        raise tk.ObjectNotFound(tk._("Contact not found"))
    model.Session.commit()
    return {"deleted": contact_id}


def dashboard_reminder_exclude(context, data_dict):
    """Leave a collectivité out of reminders, or take it back.

    :param id: territory slug or id
    :param siren: collectivité SIREN
    :param exclude: true to leave it out, false to take it back
    :param reason: why (optional)
    """
    tk.check_access("dashboard_reminder_exclude", context, data_dict)
    data = schema.validate(data_dict, schema.dashboard_reminder_exclude_schema(), context)
    territory = _territory(data)
    siren = _member_siren(territory, data["siren"])
    exclude = data["exclude"]
    programme.set_excluded(_conn(), territory["id"], siren, exclude, data["reason"],
                           context.get("user") or "")
    model.Session.commit()
    return {"siren": siren, "excluded": exclude}


def _sirens(territory: dict[str, Any], data: dict[str, Any]) -> list[str]:
    """The chosen SIRENs, or every collectivité matching the table's filters."""
    chosen = data.get("sirens")
    if chosen:
        return list(chosen)
    _count, rows = refresh.list_rows(_conn(), territory["id"], **filter_arguments(data), limit=MAX_REMINDERS,
                                     part=refresh.snapshot.c.siren)
    return list(rows)


def preview(territory: dict[str, Any], data: dict[str, Any]) -> list[dict[str, Any]]:
    """The message of each chosen collectivité from its current snapshot, with its recipients
    and whether it is left out (excluded, or no contact). ``data``: validated parameters of
    dashboard_reminder_preview (the send job gives the batch's SIRENs, subject and intro)."""
    conn = _conn()
    lang = _lang()
    subject = data.get("subject") or reminders.default_subject(territory["name"], lang)
    intro = data.get("intro") or reminders.default_intro(lang)
    sirens = _sirens(territory, data)
    people = programme.contacts(conn, territory["id"], sirens)
    left_out = programme.excluded(conn, territory["id"])
    site_url = str(tk.config.get("ckan.site_url") or "").rstrip("/")
    result = []
    for siren in sirens:
        row = refresh.snapshot_row(conn, territory["id"], siren)
        if row is None:
            continue
        # Built by hand: the send job has no request to build URLs from.
        page = f"{site_url}/territoire/{territory['slug']}/collectivite/{siren}"
        final_subject, body = reminders.compose(row, subject=subject, intro=intro, territory=territory["name"],
                                                site_url=site_url, page_url=page, lang=lang)
        result.append({"siren": siren, "name": row["name"], "recipients": people.get(siren, []),
                       "excluded": left_out.get(siren), "subject": final_subject, "body": body,
                       "todo": reminders.todo(row, site_url, lang)})
    return result


@tk.side_effect_free
@guard.structured("sirens")
def dashboard_reminder_preview(context, data_dict):
    """The reminder each collectivité would receive, and a fresh token to send them once.

    :param id: territory slug or id
    :param sirens: SIRENs (list or space-separated); default: every collectivité matching the
        filters of dashboard_collectivite_list (at most 1000)
    :param subject, intro: the common text (``{collectivite}`` is replaced by its name)
    """
    tk.check_access("dashboard_reminder_preview", context, data_dict)
    data = schema.validate(data_dict, schema.dashboard_reminder_preview_schema(), context)
    territory = _territory(data)
    return {"token": uuid.uuid4().hex, "messages": preview(territory, data)}


@guard.structured("sirens")
def dashboard_reminder_send(context, data_dict):
    """Send the reminders by e-mail (background job), once per token.

    :param id: territory slug or id
    :param token: the token of the preview; a second call with it sends nothing
    :param sirens, subject, intro: as for dashboard_reminder_preview
    """
    tk.check_access("dashboard_reminder_send", context, data_dict)
    data = schema.validate(data_dict, schema.dashboard_reminder_send_schema(), context)
    territory = _territory(data)
    token = data["token"]
    lang = _lang()
    subject = data["subject"] or reminders.default_subject(territory["name"], lang)
    intro = data["intro"] or reminders.default_intro(lang)
    sirens = _sirens(territory, data)
    if not programme.claim_batch(_conn(), token, territory["id"], context.get("user") or "", subject, intro):
        model.Session.rollback()
        return {"duplicate": True, "queued": 0}
    model.Session.commit()
    from ckanext.opendatalocale.dashboard.reminder_jobs import send_job

    job = tk.enqueue_job(send_job, [token, sirens], title=f"opendatalocale reminders {territory['slug']}")
    return {"duplicate": False, "queued": len(sirens), "job_id": job.id}


@tk.side_effect_free
def dashboard_reminder_list(context, data_dict):
    """Reminders sent in a territory, newest first (members only).

    :param id: territory slug or id
    :param siren: only this collectivité (optional)
    :param token: only this send (optional)
    """
    tk.check_access("dashboard_reminder_list", context, data_dict)
    data = schema.validate(data_dict, schema.dashboard_reminder_list_schema(), context)
    territory = _territory(data)
    return programme.messages(_conn(), territory["id"], data.get("siren") or None, data.get("token") or None)


@tk.side_effect_free
def dashboard_action_list(context, data_dict):
    """The ATD's action log of a year (trainings, meetings...; members only).

    :param id: territory slug or id
    :param year: the year (default: this year)
    """
    tk.check_access("dashboard_action_list", context, data_dict)
    data = schema.validate(data_dict, schema.dashboard_action_list_schema(), context)
    territory = _territory(data)
    year = data["year"]
    return programme.actions(_conn(), territory["id"], dt.date(year, 1, 1), dt.date(year + 1, 1, 1))


@tk.side_effect_free
def dashboard_report_show(context, data_dict):
    """The annual report's figures for a territory and a year, from the monthly snapshots.

    :param id: territory slug or id
    :param year: the year (default: this year)
    """
    tk.check_access("dashboard_report_show", context, data_dict)
    from ckanext.opendatalocale.dashboard import report

    data = schema.validate(data_dict, schema.dashboard_report_show_schema(), context)
    territory = _territory(data)
    return report.build(_conn(), territory, data["year"])


__all__ = ["dashboard_contact_list", "dashboard_contact_create", "dashboard_contact_delete",
           "dashboard_reminder_exclude", "dashboard_reminder_preview", "dashboard_reminder_send",
           "dashboard_reminder_list", "dashboard_action_list", "dashboard_report_show"]
