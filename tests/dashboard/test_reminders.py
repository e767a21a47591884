"""Reminders to collectivités, sent through CKAN's mailer to a real SMTP server on 127.0.0.1."""
from __future__ import annotations

import email
import email.policy
import socket

import pytest
from bs4 import BeautifulSoup
from ckan import model
from ckan.lib import jobs as ckan_jobs
from ckan.tests import factories

from ckanext.opendatalocale.dashboard import programme, refresh

from .conftest import ALLAIRE, AMBON, PLUGINS

VANNES_AGGLO = "200067932"
pytestmark = [pytest.mark.ckan_config("ckan.plugins", PLUGINS),
              pytest.mark.ckan_config("ckan.site_url", "http://portail.example"),
              pytest.mark.usefixtures("with_plugins")]
URL = "/territoire/morbihan/relances"


class Inbox:
    """aiosmtpd handler keeping every message it receives."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((envelope.rcpt_tos, message))
        return "250 OK"

    def to(self, address):
        return [m for rcpt, m in self.messages if address in rcpt]


@pytest.fixture
def smtp(ckan_config, monkeypatch):
    from aiosmtpd.controller import Controller

    with socket.socket() as probe:  # a free port
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setitem(ckan_config, "smtp.server", f"127.0.0.1:{port}")
    monkeypatch.setitem(ckan_config, "smtp.test_server", f"127.0.0.1:{port}")
    monkeypatch.setitem(ckan_config, "smtp.mail_from", "atd@portail.example")
    yield inbox
    controller.stop()


def _auth(user):
    return {"Authorization": factories.APIToken(user=user["name"])["token"]}


def _soup(response):
    return BeautifulSoup(response.body, "html.parser")


def _run_jobs():
    ckan_jobs.Worker(["default"]).work(burst=True)


def _body(message):
    return message.get_body(preferencelist=("plain",)).get_content()


def test_select_preview_send_once_and_log(app, refreshed, smtp):
    ckan_jobs.get_queue("default").empty()
    admin = _auth(refreshed["atd_admin"])
    base = "/territoire/morbihan/collectivite"
    app.post(f"{base}/{ALLAIRE}/contacts", data={"name": "Mairie d'Allaire", "email": "mairie@allaire.example",
                                                  "role": "DGS"}, headers=admin)
    for address in ("dgs@ambon.example", "elu@ambon.example"):
        app.post(f"{base}/{AMBON}/contacts", data={"email": address}, headers=admin)
    app.post(f"{base}/{VANNES_AGGLO}/contacts", data={"email": "contact@gmvagglo.example"}, headers=admin)
    app.post(f"{base}/{VANNES_AGGLO}/exclusion", data={"exclude": "true", "reason": "suivi direct"}, headers=admin)
    # A contact without a valid address is refused, nothing stored.
    page = app.post(f"{base}/{ALLAIRE}/contacts", data={"email": "pas une adresse"}, headers=admin,
                    follow_redirects=True)
    assert "valid e-mail" in page.body or "adresse" in page.body
    assert len(programme.contacts(model.Session.connection(), refreshed["morbihan"]["id"], [ALLAIRE])[ALLAIRE]) == 1

    # Step 1: the table's filters choose the collectivités; the excluded one cannot be ticked.
    selection = _soup(app.get(f"{URL}?q=a&kind=commune", headers=admin))
    boxes = {box["value"]: box for box in selection.select("input[name=siren]")}
    assert ALLAIRE in boxes and AMBON in boxes and boxes[ALLAIRE].has_attr("checked")
    assert not boxes[AMBON].has_attr("disabled")
    selection = _soup(app.get(f"{URL}?epci={VANNES_AGGLO}", headers=admin))
    assert selection.select_one(f"input[value='{VANNES_AGGLO}']").has_attr("disabled")

    # Step 2: preview with an edited common text.
    form = {"step": "preview", "siren": [ALLAIRE, AMBON, VANNES_AGGLO],
            "subject": "Open data : où en est {collectivite} ?", "intro": "Bonjour {collectivite},"}
    preview = _soup(app.post(URL, data=form, headers=admin))
    token = preview.select_one("input[name=token]")["value"]
    sections = preview.select(".odl-reminder")
    assert len(sections) == 3
    assert [i["value"] for i in preview.select(".odl-reminder-preview input[name=siren]")] == [ALLAIRE, AMBON]
    assert "Open data : où en est Ambon ?" in preview.text

    # Step 3: send; the job sends through the SMTP server.
    app.post(URL, data={**form, "step": "send", "token": token, "siren": [ALLAIRE, AMBON]}, headers=admin)
    _run_jobs()
    assert len(smtp.messages) == 3  # Allaire's contact, Ambon's two
    conn = model.Session.connection()
    territory_id = refreshed["morbihan"]["id"]
    for siren, addresses in ((ALLAIRE, ["mairie@allaire.example"]), (AMBON, ["dgs@ambon.example", "elu@ambon.example"])):
        row = refresh.snapshot_row(conn, territory_id, siren)
        for address in addresses:
            (message,) = smtp.to(address)
            assert message["Subject"] == f"Open data : où en est {row['name']} ?"
            body = _body(message)
            assert body.startswith(f"Bonjour {row['name']},")
            # The message's figures are the dashboard's.
            cells = row["scdl"]["cells"]
            absent = [s for s in row["scdl"]["expected"] if cells[s]["state"] == "absent"]
            assert f"Données SCDL attendues non publiées ({len(absent)})" in body
            for schema in absent:
                short = schema.rsplit("/", 1)[1]
                assert f"- {schema} : à publier. Parcours guidé et convertisseur : " \
                       f"http://portail.example/scdl/{short}/publier" in body
            assert f"{row['dataset_count']} jeu(x) de données publié(s), {row['scdl']['present']} sur " \
                   f"{len(row['scdl']['expected'])} données SCDL attendues" in body
            assert f"http://portail.example/territoire/morbihan/collectivite/{siren}" in body
    ambon = _body(smtp.to("dgs@ambon.example")[0])
    # Ambon's budget is invalid with 3 errors; its dataset has not been updated since January 2025.
    assert "Fichiers non conformes au schéma (1)" in ambon and "- scdl/budget : 3 erreur(s) à corriger" in ambon
    assert "Données à mettre à jour (1)" in ambon and "2025-01-10" in ambon
    assert "Fichiers non conformes" not in _body(smtp.to("mairie@allaire.example")[0])

    # The same form posted again (double click, reload): nothing sent twice.
    again = app.post(URL, data={**form, "step": "send", "token": token, "siren": [ALLAIRE, AMBON]},
                     headers=admin, follow_redirects=True)
    assert "already sent" in again.body or "déjà" in again.body
    _run_jobs()
    assert len(smtp.messages) == 3
    log = programme.messages(model.Session.connection(), territory_id)
    assert sorted((m["siren"], m["status"], len(m["recipients"])) for m in log) == [(ALLAIRE, "sent", 1), (AMBON, "sent", 2)]

    # Logged on the collectivité page, for members.
    page = _soup(app.get(f"{base}/{AMBON}", headers=_auth(refreshed["atd_member"])))
    (entry,) = page.select(".odl-reminders li")
    assert "dgs@ambon.example" in entry.text and "Open data : où en est Ambon ?" in entry.text
    assert not _soup(app.get(f"{base}/{AMBON}")).select(".odl-reminders")


def test_only_the_territory_admins_reach_any_step(app, refreshed, smtp):
    ckan_jobs.get_queue("default").empty()
    conn = model.Session.connection()
    programme.add_contact(conn, refreshed["morbihan"]["id"], ALLAIRE, "", "mairie@allaire.example", "", "t")
    model.Session.commit()
    form = {"step": "send", "token": "t0k3n", "siren": [ALLAIRE]}
    for headers in ({}, _auth(refreshed["atd_member"]), _auth(refreshed["other_member"])):
        app.get(URL, headers=headers, status=403)
        app.post(URL, data={"step": "preview", "siren": [ALLAIRE]}, headers=headers, status=403)
        app.post(URL, data=form, headers=headers, status=403)
        app.post(f"/territoire/morbihan/collectivite/{ALLAIRE}/exclusion", data={"exclude": "true"},
                 headers=headers, status=403)
    for headers in ({}, _auth(refreshed["other_member"])):
        app.post(f"/territoire/morbihan/collectivite/{ALLAIRE}/contacts", data={"email": "x@y.example"},
                 headers=headers, status=403)
    _run_jobs()
    assert smtp.messages == [] and programme.messages(model.Session.connection(), refreshed["morbihan"]["id"]) == []
    # The table links to the reminders for admins only.
    assert _soup(app.get("/territoire/morbihan/collectivites", headers=_auth(refreshed["atd_admin"]))).select("a.odl-remind")
    assert not _soup(app.get("/territoire/morbihan/collectivites", headers=_auth(refreshed["atd_member"]))).select("a.odl-remind")


@pytest.mark.ckan_config("WTF_CSRF_ENABLED", "true")
def test_browser_session_posts_need_the_csrf_token(app, refreshed, smtp):
    password = "Correct-Horse-Battery-9"
    admin = factories.Sysadmin(password=password)
    browser = app.test_client()
    token = _soup(browser.get("/user/login")).select_one('input[name="_csrf_token"]')["value"]
    browser.post("/user/login", data={"login": admin["name"], "password": password, "_csrf_token": token})
    base = f"/territoire/morbihan/collectivite/{ALLAIRE}"
    for path, data in ((f"{base}/contacts", {"email": "a@b.example"}), (f"{base}/exclusion", {"exclude": "true"}),
                       (f"{base}/actions", {"kind": "meeting", "text": "x"}),
                       (URL, {"step": "send", "token": "abc", "siren": ALLAIRE}),
                       ("/territoire/morbihan/liens/verifier", {})):
        assert browser.post(path, data=data).status_code == 400, path
    conn = model.Session.connection()
    assert programme.contacts(conn, refreshed["morbihan"]["id"], [ALLAIRE]) == {}
    csrf = _soup(browser.get(base)).select_one('form.odl-contact-form input[name="_csrf_token"]')["value"]
    response = browser.post(f"{base}/contacts", data={"email": "a@b.example", "_csrf_token": csrf},
                            follow_redirects=False)
    assert response.status_code == 302
    assert len(programme.contacts(model.Session.connection(), refreshed["morbihan"]["id"], [ALLAIRE])[ALLAIRE]) == 1
