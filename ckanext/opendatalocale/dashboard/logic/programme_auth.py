"""Auth functions of the programme actions: contacts and logs for the territory's members,
reminders for its administrators (sysadmins pass every check in CKAN)."""
from __future__ import annotations

from ckanext.opendatalocale.territories import access
from ckanext.opendatalocale.territories.access import N_
from ckanext.opendatalocale.dashboard.logic.auth import _members_only

_admins_only = access.admins_only(N_("Only administrators of the territory's organisations can send reminders."))


dashboard_contact_list = _members_only
dashboard_contact_create = _members_only
dashboard_contact_delete = _members_only
dashboard_reminder_list = _members_only
dashboard_action_list = _members_only
dashboard_report_show = _members_only
dashboard_reminder_exclude = _admins_only
dashboard_reminder_preview = _admins_only
dashboard_reminder_send = _admins_only

__all__ = ["dashboard_contact_list", "dashboard_contact_create", "dashboard_contact_delete",
           "dashboard_reminder_list", "dashboard_action_list", "dashboard_report_show",
           "dashboard_reminder_exclude", "dashboard_reminder_preview", "dashboard_reminder_send"]
