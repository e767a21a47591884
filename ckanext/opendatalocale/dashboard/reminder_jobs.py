"""Background job sending a batch of reminders through CKAN's mailer; every message, sent or
not, is logged on the collectivité's page."""
from __future__ import annotations

import logging

import ckan.plugins.toolkit as tk
from ckan import model
from ckan.lib import mailer

from ckanext.opendatalocale.territories import store

from . import programme

log = logging.getLogger(__name__)


def send_job(token: str, sirens: list[str]) -> dict[str, int]:
    from .logic.programme import preview

    conn = model.Session.connection()
    batch = programme.batch(conn, token)
    territory = store.get_territory(conn, batch["territory_id"]) if batch else None
    if territory is None:
        return {}
    already = {m["siren"] for m in programme.messages(conn, territory["id"], token=token)}
    counts = {"sent": 0, "failed": 0, "no_contact": 0, "excluded": 0}
    for item in preview(territory, {"sirens": sirens, "subject": batch["subject"], "intro": batch["intro"]}):
        if item["siren"] in already:  # a retried job does not send twice
            continue
        if item["excluded"]:
            counts["excluded"] += 1
            continue
        recipients = [c["email"] for c in item["recipients"]]
        status, error = ("sent", None) if recipients else ("no_contact", None)
        if not tk.config.get("smtp.server") and recipients:
            status, error = "failed", "smtp.server is not configured"
        for person in item["recipients"] if status == "sent" else ():
            try:
                mailer.mail_recipient(person["name"] or item["name"], person["email"], item["subject"], item["body"],
                                      headers={"Auto-Submitted": "auto-generated"})
            except mailer.MailerException as exc:
                log.warning("reminder to %s failed: %s", person["email"], exc)
                status, error = "failed", str(exc)
        # A fresh connection each time: the commit below returns the session's to the pool.
        programme.log_message(model.Session.connection(), token=token, territory_id=territory["id"], siren=item["siren"],
                              recipients=recipients, subject=item["subject"], body=item["body"],
                              status=status, error=error, author=batch["author"])
        model.Session.commit()
        counts[status] += 1
    return counts
