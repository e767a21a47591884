"""The publisher's path through CKAN's UI in French, and the /scdl pages."""
from __future__ import annotations

import csv
import io
import re

import openpyxl
import pytest
from bs4 import BeautifulSoup
from ckan.tests import factories, helpers

from ckanext.opendatalocale.scdl import templates_csv
from ckanext.opendatalocale.scdl.registry import get_registry

from .glue import CKAN_MARKS, GMVA_SIREN, VANNES_INSEE, VANNES_SIREN

pytestmark = CKAN_MARKS


@pytest.fixture
def publisher():
    user = factories.UserWithToken()
    org = factories.Organization(
        title="Golfe du Morbihan - Vannes agglomération", siren=GMVA_SIREN,
        users=[{"name": user["name"], "capacity": "editor"}],
    )
    return {"user": user, "org": org, "headers": {"Authorization": user["token"]}}


def _soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def _csv_bytes() -> bytes:
    return templates_csv.example_csv(get_registry().get("scdl/deliberations")).encode("utf-8")


def test_publisher_publishes_deliberations_in_french(app, publisher):
    headers = publisher["headers"]
    latest = get_registry().latest("scdl/deliberations")

    # The guided path opens a pre-filled dataset form.
    response = app.get("/fr/scdl/deliberations/publier", headers=headers, follow_redirects=False)
    assert response.status_code == 302
    location = response.headers["Location"]
    assert "/fr/dataset/new" in location
    form_page = app.get(location, headers=headers)
    soup = _soup(form_page)
    assert soup.find("input", {"name": "title"})["value"] == "Délibérations – Golfe du Morbihan - Vannes agglomération"
    assert soup.find("select", {"name": "frequency"}).find("option", selected=True)["value"] == "monthly"
    assert soup.find("input", {"name": "themes", "value": "GOVE"}).has_attr("checked")
    assert "délibérations" in soup.find("input", {"name": "tag_string"})["value"]
    assert soup.find("select", {"name": "owner_org"}).find("option", selected=True)["value"] == publisher["org"]["id"]
    assert soup.find("select", {"name": "license_id"}).find("option", selected=True)["value"] == "lo-2.0"
    assert "Vous publiez des données suivant le schéma" in soup.select_one(".scdl-guide").get_text()
    assert soup.find("label", {"for": "field-frequency"}).get_text(strip=True).startswith("Fréquence de mise à jour")

    # Stage 1: the dataset (the form posts to its own URL, guided parameters included).
    response = app.post(location, headers=headers, data={
        "_ckan_phase": "dataset_new_1", "save": "continue",
        "name": "deliberations-gmva", "title": "Délibérations – GMVA", "owner_org": publisher["org"]["id"],
        "license_id": "lo-2.0", "themes": "GOVE", "frequency": "monthly", "tag_string": "délibérations",
        "territorial_coverage": VANNES_INSEE, "collectivites_siren": f"{GMVA_SIREN}, {VANNES_SIREN}",
        "notes": "Délibérations du conseil communautaire",
    }, follow_redirects=False)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    resource_form_url = response.headers["Location"]
    assert "/dataset/deliberations-gmva/resource/new?schema_name=scdl%2Fdeliberations" in resource_form_url

    # Stage 2: the resource form pre-selects the schema and shows its documentation.
    soup = _soup(app.get(resource_form_url, headers=headers))
    assert soup.find("select", {"name": "schema_name"}).find("option", selected=True)["value"] == "scdl/deliberations"
    script = soup.find("script", src=re.compile(r"scdl\.js"))
    assert "odl-scdl-schema-doc" in app.get(script["src"]).get_data(as_text=True)
    doc = soup.select_one(".scdl-resource-doc")
    assert "Lire la documentation du schéma" in doc.get_text()
    assert doc.find("a", href=re.compile(rf"/fr/scdl/deliberations/{re.escape(latest)}$"))

    response = app.post(f"/fr/dataset/deliberations-gmva/resource/new", headers=headers, data={
        "id": "", "save": "go-metadata", "url": "", "name": "Délibérations 2025", "format": "CSV",
        "schema_name": "scdl/deliberations", "schema_version": "",
        "upload": (io.BytesIO(_csv_bytes()), "deliberations.csv"),
    }, follow_redirects=False)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]

    dataset = helpers.call_action("package_show", id="deliberations-gmva")
    assert dataset["state"] == "active"
    resource = dataset["resources"][0]
    assert (resource["schema_name"], resource["schema_version"]) == ("scdl/deliberations", latest)
    assert resource["url_type"] == "upload"

    # The dataset page shows the local-data metadata, in French.
    dataset_page = _soup(app.get("/fr/dataset/deliberations-gmva")).get_text(" ")
    assert "Couverture territoriale (codes INSEE)" in dataset_page and VANNES_INSEE in dataset_page
    assert f"{GMVA_SIREN}, {VANNES_SIREN}" in dataset_page
    assert "Gouvernement et secteur public" in dataset_page and "Mensuelle" in dataset_page

    # The resource page shows the schema, its version and the documentation link.
    page = app.get(f"/fr/dataset/deliberations-gmva/resource/{resource['id']}")
    box = _soup(page).select_one(".scdl-resource-schema")
    assert "Schéma de données" in box.get_text()
    assert "Délibérations" in box.get_text() and latest in box.get_text()
    link = box.find("a", href=f"/fr/scdl/deliberations/{latest}")
    assert link.get_text(strip=True) == "Documentation du schéma"
    assert app.get(link["href"]).status_code == 200

    # The dataset shows under the "Schéma SCDL" facet, labelled with the schema's French title.
    search = _soup(app.get("/fr/dataset/"))
    facet = next(s for s in search.select("section.module") if "Schéma SCDL" in s.get_text())
    assert "Délibérations" in facet.get_text()
    filtered = _soup(app.get("/fr/dataset/", query_string={"scdl_schema": "scdl/deliberations"}))
    assert filtered.find("a", href="/fr/dataset/deliberations-gmva")
    other = _soup(app.get("/fr/dataset/", query_string={"scdl_schema": "scdl/budget"}))
    assert not other.find("a", href="/fr/dataset/deliberations-gmva")
    # And on the organisation page.
    org_page = app.get(f"/fr/organization/{publisher['org']['name']}")
    assert "Schéma SCDL" in org_page.get_data(as_text=True)


def test_invalid_siren_and_insee_give_french_field_errors(app, publisher):
    response = app.post("/fr/dataset/new", headers=publisher["headers"], data={
        "_ckan_phase": "dataset_new_1", "save": "continue",
        "name": "mauvais-codes", "title": "Mauvais codes", "owner_org": publisher["org"]["id"],
        "territorial_coverage": "56999", "collectivites_siren": "215602609",
    })
    text = _soup(response).get_text(" ")
    assert "Numéro(s) SIREN invalide(s) : 215602609" in text
    assert "Code(s) commune INSEE inconnu(s) : 56999" in text


def test_unknown_schema_version_gives_a_french_error(app, publisher):
    dataset = factories.Dataset(owner_org=publisher["org"]["id"], user=publisher["user"])
    response = app.post(f"/fr/dataset/{dataset['name']}/resource/new", headers=publisher["headers"], data={
        "id": "", "save": "go-metadata", "url": "http://example.com/d.csv",
        "schema_name": "scdl/deliberations", "schema_version": "9.9.9",
    })
    text = _soup(response).get_text(" ")
    assert "Version 9.9.9 inconnue du schéma scdl/deliberations" in text


def test_organisation_form_validates_siren_in_french(app):
    sysadmin = factories.SysadminWithToken()
    response = app.post("/fr/organization/new", headers={"Authorization": sysadmin["token"]}, data={
        "name": "commune-test", "title": "Commune test", "siren": "123456789", "save": "",
    })
    assert "Numéro SIREN invalide : 123456789" in _soup(response).get_text(" ")


def test_schema_index_lists_versions_and_counts_only_visible_datasets(app):
    org = factories.Organization()
    resource = {"url": "http://example.com/s.csv", "schema_name": "scdl/subventions", "schema_version": "2.1.0"}
    factories.Dataset(owner_org=org["id"], resources=[resource])
    factories.Dataset(owner_org=org["id"], resources=[resource], private=True)
    soup = _soup(app.get("/fr/scdl/"))
    assert soup.find("h1").get_text(strip=True) == "Schémas de données"
    rows = {tr["data-schema"]: tr for tr in soup.select("tr[data-schema]")}
    assert set(rows) == set(get_registry().names())
    assert rows["scdl/subventions"].select_one(".scdl-count").get_text(strip=True) == "1 jeu de données"
    assert "2.1.0 (1)" in rows["scdl/subventions"].get_text(" ", strip=True)
    assert rows["scdl/budget"].select_one(".scdl-count").get_text(strip=True) == "0"
    sysadmin = factories.SysadminWithToken()
    soup = _soup(app.get("/fr/scdl/", headers={"Authorization": sysadmin["token"]}))
    row = soup.select_one('tr[data-schema="scdl/subventions"]')
    assert row.select_one(".scdl-count").get_text(strip=True) == "2 jeux de données"


@pytest.mark.parametrize("name", get_registry().names())
def test_every_schema_page_renders(app, name):
    registry = get_registry()
    latest = registry.get(name)
    soup = _soup(app.get(f"/fr/scdl/{latest.slug}"))
    assert soup.find("h1").get_text(" ", strip=True).startswith(latest.label["fr"])
    names = [code.get_text() for code in soup.select("table.scdl-fields tbody tr td:first-child code")]
    assert names == latest.field_names
    if latest.custom_checks:
        assert len(soup.select("ul.scdl-checks li")) == len(latest.custom_checks)
    versions = registry.versions(name)
    if len(versions) > 1:
        assert "Évolutions entre versions" in soup.get_text()
    for version in versions:
        assert app.get(f"/fr/scdl/{latest.slug}/{version}").status_code == 200


def test_schema_page_explains_checks_and_changes_in_french(app):
    soup = _soup(app.get("/fr/scdl/deliberations/2.1.0"))
    checks = [li.get_text(" ", strip=True) for li in soup.select("ul.scdl-checks li")]
    assert any("nomenclature ACTES" in c for c in checks)
    assert any("est supérieur ou égal à" in c for c in checks)
    assert "Une version plus récente existe" in soup.get_text()
    assert app.get("/fr/scdl/deliberations/7.0.0").status_code == 404
    assert app.get("/fr/scdl/inconnu").status_code == 404


def test_template_downloads(app):
    entry = get_registry().get("scdl/deliberations")
    base = f"/scdl/deliberations/{entry.version}"
    header = app.get(f"{base}/modele.csv")
    assert header.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in header.headers["Content-Disposition"]
    assert next(csv.reader(io.StringIO(header.get_data(as_text=True)))) == entry.field_names
    example = list(csv.reader(io.StringIO(app.get(f"{base}/exemple.csv").get_data(as_text=True))))
    assert example[0] == entry.field_names and len(example) == 2
    assert example[1][entry.field_names.index("DELIB_ID")]
    workbook = openpyxl.load_workbook(io.BytesIO(app.get(f"{base}/modele.xlsx").data))
    first_row = [c.value for c in next(workbook.worksheets[0].iter_rows(max_row=1))]
    assert first_row[: len(entry.field_names)] == entry.field_names


def test_pages_default_to_english(app):
    text = _soup(app.get("/scdl/deliberations")).get_text(" ")
    assert "Council deliberations" in text
    assert "Additional checks" in text and "Changes between versions" in text
    assert "Data schemas" in _soup(app.get("/scdl/")).get_text(" ")


def test_plain_dataset_form_does_not_preselect_a_schema(app, publisher):
    response = app.post("/fr/dataset/new", headers=publisher["headers"], data={
        "_ckan_phase": "dataset_new_1", "save": "continue",
        "name": "sans-schema", "title": "Sans schéma", "owner_org": publisher["org"]["id"],
    }, follow_redirects=False)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/dataset/sans-schema/resource/new")
    soup = _soup(app.get(response.headers["Location"], headers=publisher["headers"]))
    assert soup.find("select", {"name": "schema_name"}).find("option", selected=True)["value"] == ""
    assert soup.select_one(".scdl-resource-doc") is None
