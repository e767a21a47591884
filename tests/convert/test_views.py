"""The wizard through CKAN's test app: every step, the recipe replayed next month, 403s, CSRF."""
from __future__ import annotations

import io
import re

import pytest

from ckan.lib import jobs as ckan_jobs
from ckan.tests import factories, helpers

from ckanext.opendatalocale.convert.model import ConvertSession

from .glue import CKAN_MARKS, QUEUE, SCHEMA, XLSX, clean_queue, editor_and_dataset, fixture_bytes, soup  # noqa: F401
from .glue import token_headers

pytestmark = CKAN_MARKS


def _upload(app, dataset, headers, data=None, name=XLSX, **form):
    return app.post(f"/dataset/{dataset['name']}/convertir", headers=headers, follow_redirects=False,
                    data={"schema_name": SCHEMA, "upload": (io.BytesIO(fixture_bytes() if data is None else data), name), **form})


def _sid(response) -> str:
    return re.search(r"/convertir/([0-9a-f-]{36})/", response.headers["Location"]).group(1)


def _mapping_form(page) -> dict:
    form = {}
    for select in page.select("form.odl-convert-mapping select"):
        chosen = select.select_one("option[selected]")
        form[select["name"]] = chosen["value"] if chosen else ""
    for field in page.select("form.odl-convert-mapping input[name^=constant-]"):
        form[field["name"]] = field.get("value", "")
    return form


def _column_select(page, header: str) -> str:
    row = page.select_one(f'tr[data-column="{header}"]')
    return row.select_one("select")["name"]


def test_an_editor_converts_adjusts_previews_and_publishes(app):
    user, _other, org, dataset = editor_and_dataset()
    headers = token_headers(user)

    first = soup(app.get(f"/dataset/{dataset['name']}/convertir", headers=headers))
    assert first.select_one("form.odl-convert-start input[type=file][name=upload]")
    response = _upload(app, dataset, headers)
    assert response.status_code == 302 and response.headers["Location"].endswith("/colonnes")
    sid = _sid(response)

    page = soup(app.get(f"/convertir/{sid}/colonnes", headers=headers))
    form = _mapping_form(page)
    assert form[_column_select(page, "Objet")] == "objet"
    assert form[_column_select(page, "Commentaire interne")] == ""
    confidence = page.select_one('tr[data-column="Objet"] td:nth-of-type(3)').get_text(strip=True)
    assert confidence.endswith("%") and int(confidence[:-1].strip()) > 0
    # The editor leaves the deliberation numbers out.
    form[_column_select(page, "N° délibération")] = ""
    response = app.post(f"/convertir/{sid}/colonnes", data=form, headers=headers, follow_redirects=False)
    assert response.status_code == 302 and response.headers["Location"].endswith("/apercu")

    preview = soup(app.get(f"/convertir/{sid}/apercu", headers=headers))
    assert preview.select_one(".odl-convert-verdict")["data-conforms"] == "true"
    changed = {row["data-field"]: int(row.select("td")[1].get_text()) for row in preview.select(".odl-convert-changes tr[data-field]")}
    assert changed["notificationUE"] == 76  # Oui/Non → oui/non
    before_after = preview.select_one('.odl-convert-changes tr[data-field="notificationUE"] td:nth-of-type(3)')
    assert "Non" in before_after.get_text() and "non" in before_after.get_text()
    assert preview.select_one("form.odl-convert-publish")

    response = app.post(f"/convertir/{sid}/publier", data={"organization_recipe": "1"}, headers=headers,
                        follow_redirects=False)
    assert response.status_code == 302
    assert ConvertSession.get(sid) is None

    resources = helpers.call_action("package_show", id=dataset["id"])["resources"]
    converted = [r for r in resources if r.get("schema_name") == SCHEMA]
    original = [r for r in resources if r.get("format") == "XLSX"]
    assert len(converted) == 1 and len(original) == 1
    assert converted[0]["schema_version"] and converted[0]["url_type"] == "upload"
    assert not original[0].get("schema_name")
    csv_text = app.get(converted[0]["url"]).body
    header, first_row = csv_text.splitlines()[:2]
    assert header.startswith("nomAttribuant,idAttribuant,dateConvention")
    assert first_row.split(",")[header.split(",").index("referenceDecision")] == ""
    assert "DCM-2024-142" not in csv_text

    recipe = helpers.call_action("scdl_convert_recipe_show", {"user": user["name"]},
                                 package_id=dataset["id"], schema_name=SCHEMA)
    assert recipe["resource_id"] == converted[0]["id"]
    assert recipe["recipe"]["columns"]["N° délibération"] is None
    assert helpers.call_action("scdl_convert_recipe_show", {"user": user["name"]},
                               organization_id=org["id"], schema_name=SCHEMA)["recipe"] == recipe["recipe"]

    # The conformity job, run by a real worker, marks the converted file conformant.
    ckan_jobs.Worker([QUEUE]).work(burst=True)
    report = helpers.call_action("conformity_report_show", id=converted[0]["id"])
    assert report["status"] == "valid", report["result"]


def test_next_month_the_saved_recipe_is_replayed_with_its_changes(app):
    user, _other, _org, dataset = editor_and_dataset()
    headers = token_headers(user)
    sid = _sid(_upload(app, dataset, headers))
    app.post(f"/convertir/{sid}/colonnes", data=_mapping_form(soup(app.get(f"/convertir/{sid}/colonnes",
                                                                               headers=headers))), headers=headers)
    app.post(f"/convertir/{sid}/publier", headers=headers)
    first = [r for r in helpers.call_action("package_show", id=dataset["id"])["resources"] if r.get("schema_name")]

    # The resource form offers the recipe.
    form = soup(app.get(f"/dataset/{dataset['name']}/resource/new", headers=headers))
    assert "recette" in form.select_one(".odl-convert-offer").get_text() or "recipe" in form.select_one(
        ".odl-convert-offer").get_text()

    response = _upload(app, dataset, headers)
    assert response.headers["Location"].endswith("/apercu")  # straight to the preview
    preview = soup(app.get(response.headers["Location"], headers=headers))
    assert preview.select_one(".odl-convert-diff")
    assert preview.select_one("#field-replace")["checked"] is not None
    app.post(response.headers["Location"].replace("/apercu", "/publier"), data={"replace": "1"}, headers=headers)
    after = [r for r in helpers.call_action("package_show", id=dataset["id"])["resources"] if r.get("schema_name")]
    assert [r["id"] for r in after] == [r["id"] for r in first]


def test_fix_this_file_starts_from_the_non_conformant_resource(app, create_with_upload):
    user, _other, _org, dataset = editor_and_dataset()
    headers = token_headers(user)
    resource = create_with_upload(fixture_bytes(), XLSX, package_id=dataset["id"], format="XLSX",
                                  schema_name=SCHEMA)
    ckan_jobs.Worker([QUEUE]).work(burst=True)
    report = soup(app.get(f"/conformite/resource/{resource['id']}", headers=headers))
    link = report.select_one(".odl-convert-offer a")["href"]
    assert f"resource_id={resource['id']}" in link
    start = soup(app.get(link, headers=headers))
    assert start.select_one(f"input[name=resource_id][value='{resource['id']}']").has_attr("checked")
    response = app.post(f"/dataset/{dataset['name']}/convertir", headers=headers, follow_redirects=False,
                        data={"schema_name": SCHEMA, "resource_id": resource["id"]})
    sid = _sid(response)
    page = soup(app.get(f"/convertir/{sid}/colonnes", headers=headers))
    app.post(f"/convertir/{sid}/colonnes", data=_mapping_form(page), headers=headers)
    app.post(f"/convertir/{sid}/publier", headers=headers)
    resources = helpers.call_action("package_show", id=dataset["id"])["resources"]
    assert len(resources) == 2
    kept = next(r for r in resources if r["id"] == resource["id"])
    assert not kept.get("schema_name")  # the original stays, no longer judged against the schema
    # Anonymous visitors see no button.
    assert soup(app.get(f"/conformite/resource/{resource['id']}")).select_one(".odl-convert-offer") is None


def test_the_guided_path_creates_the_dataset_when_publishing(app):
    user, _other, org, _dataset = editor_and_dataset()
    headers = token_headers(user)
    schema_page = soup(app.get("/scdl/subventions", headers=headers))
    assert schema_page.select_one("a.odl-convert-offer")["href"] == "/scdl/subventions/convertir"
    guided = app.get("/scdl/subventions/publier", headers=headers, follow_redirects=True)
    assert soup(guided).select_one(".odl-convert-offer a")["href"] == "/scdl/subventions/convertir"

    response = app.post("/scdl/subventions/convertir", headers=headers, follow_redirects=False,
                        data={"upload": (io.BytesIO(fixture_bytes()), XLSX)})
    sid = _sid(response)
    page = soup(app.get(f"/convertir/{sid}/colonnes", headers=headers))
    app.post(f"/convertir/{sid}/colonnes", data=_mapping_form(page), headers=headers)
    response = app.post(f"/convertir/{sid}/publier", headers=headers, follow_redirects=False)
    created = helpers.call_action("package_search", fq=f"owner_org:{org['id']}", include_private=True)["results"]
    new = next(d for d in created if d["name"] != "subventions-lorient")
    assert new["title"] in ("Subventions accordées – Ville de Lorient", "Grants awarded – Ville de Lorient")
    assert response.headers["Location"].endswith(f"/dataset/{new['name']}")
    assert {r.get("schema_name") or "" for r in new["resources"]} == {SCHEMA, ""}


def test_the_organisation_fills_the_required_fields_no_column_holds(app):
    user, _other, _org, dataset = editor_and_dataset()
    headers = token_headers(user)
    csv = "Bénéficiaire;Objet;Montant (€);Date convention\nClub;Stage;1 200,50;25/08/2024\n".encode("cp1252")
    sid = _sid(_upload(app, dataset, headers, data=csv, name="subventions.csv"))
    page = soup(app.get(f"/convertir/{sid}/colonnes", headers=headers))
    assert page.select_one("#constant-nomAttribuant")["value"] == "Ville de Lorient"
    # A SIRET is never made up from the SIREN.
    assert page.select_one("#constant-idAttribuant")["value"] == ""


def test_remaining_errors_are_listed_and_publishing_them_needs_consent(app):
    user, _other, _org, dataset = editor_and_dataset()
    headers = token_headers(user)
    sid = _sid(_upload(app, dataset, headers))
    page = soup(app.get(f"/convertir/{sid}/colonnes", headers=headers))
    form = _mapping_form(page)
    form[_column_select(page, "N° RNA")] = ""  # some beneficiaries then have neither SIRET nor RNA
    app.post(f"/convertir/{sid}/colonnes", data=form, headers=headers)
    preview = soup(app.get(f"/convertir/{sid}/apercu", headers=headers))
    assert preview.select_one(".odl-convert-verdict")["data-conforms"] == "false"
    row, column, _value, message, hint = (td.get_text(strip=True) for td in
                                          preview.select(".odl-convert-errors tbody tr")[0].select("td"))
    assert int(row) > 1 and column == "idBeneficiaire" and "rnaBeneficiaire" in message and hint
    app.post(f"/convertir/{sid}/publier", headers=headers)
    assert helpers.call_action("package_show", id=dataset["id"])["resources"] == []
    app.post(f"/convertir/{sid}/publier", data={"accept_errors": "1"}, headers=headers)
    assert len(helpers.call_action("package_show", id=dataset["id"])["resources"]) == 2


def test_bad_files_get_a_clear_message_and_leave_nothing(app):
    from ckan import model

    user, _other, _org, dataset = editor_and_dataset()
    headers = token_headers(user)
    runs = model.Session.query(ConvertSession).count()
    for data, name in ((b"", "vide.csv"), (b"\x00\x01\x02" * 200, "binaire.csv")):
        response = _upload(app, dataset, headers, data=data, name=name)
        assert response.status_code == 200
        assert soup(response).select_one(".odl-convert-error").get_text(strip=True)
    assert app.post(f"/dataset/{dataset['name']}/convertir", headers=headers,
                    data={"schema_name": SCHEMA}).status_code == 200
    assert model.Session.query(ConvertSession).count() == runs
    assert helpers.call_action("package_show", id=dataset["id"])["resources"] == []


def test_two_columns_for_one_field_are_refused(app):
    user, _other, _org, dataset = editor_and_dataset()
    headers = token_headers(user)
    sid = _sid(_upload(app, dataset, headers))
    page = soup(app.get(f"/convertir/{sid}/colonnes", headers=headers))
    form = _mapping_form(page)
    form[_column_select(page, "Commentaire interne")] = "objet"
    response = app.post(f"/convertir/{sid}/colonnes", data=form, headers=headers)
    assert response.status_code == 200 and "objet" in soup(response).select_one(".odl-convert-error").get_text()


def test_anonymous_users_and_other_editors_get_403_on_every_step(app):
    user, other, org, dataset = editor_and_dataset()
    sid = _sid(_upload(app, dataset, token_headers(user)))
    for headers in ({}, token_headers(other)):
        assert app.get(f"/dataset/{dataset['name']}/convertir", headers=headers).status_code == 403
        assert _upload(app, dataset, headers).status_code == 403
        assert app.get(f"/convertir/{sid}/colonnes", headers=headers).status_code == 403
        assert app.post(f"/convertir/{sid}/colonnes", data={}, headers=headers).status_code == 403
        assert app.get(f"/convertir/{sid}/apercu", headers=headers).status_code == 403
        assert app.post(f"/convertir/{sid}/publier", headers=headers).status_code == 403
    assert app.get("/scdl/subventions/convertir").status_code == 403
    assert app.post("/scdl/subventions/convertir", data={"owner_org": org["id"]},
                    headers=token_headers(other)).status_code == 403
    assert helpers.call_action("package_show", id=dataset["id"])["resources"] == []


@pytest.mark.ckan_config("WTF_CSRF_ENABLED", "true")
def test_a_browser_session_must_send_the_csrf_token(app):
    user, _other, _org, dataset = editor_and_dataset()
    browser = app.test_client()
    token = soup(browser.get("/user/login")).select_one('input[name="_csrf_token"]')["value"]
    browser.post("/user/login", data={"login": user["name"], "password": "Correct-horse-42", "_csrf_token": token})
    url = f"/dataset/{dataset['name']}/convertir"
    data = {"schema_name": SCHEMA, "upload": (io.BytesIO(fixture_bytes()), XLSX)}
    assert browser.post(url, data=data, follow_redirects=False).status_code == 400
    form = soup(browser.get(url)).select_one("form.odl-convert-start")
    data = {"schema_name": SCHEMA, "upload": (io.BytesIO(fixture_bytes()), XLSX),
            "_csrf_token": form.select_one("input[name=_csrf_token]")["value"]}
    response = browser.post(url, data=data, follow_redirects=False)
    assert response.status_code == 302
    sid = _sid(response)
    assert browser.post(f"/convertir/{sid}/publier", follow_redirects=False).status_code == 400
    assert helpers.call_action("package_show", id=dataset["id"])["resources"] == []
