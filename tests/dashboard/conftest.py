"""A constructed territory: the Morbihan extract, two ATD organisations and a few datasets
with conformity summaries, computed with the clock frozen on 2026-06-15."""
from __future__ import annotations

import json

import pytest
from ckan import model
from ckan.tests import factories
from freezegun import freeze_time

from ckanext.opendatalocale.dashboard import model as dashboard_model, refresh
from ckanext.opendatalocale.dashboard.indicators import Settings
from tests.helpers import fixture_path
from ckanext.opendatalocale.territories import reference, store

ALLAIRE, AMBON, VANNES = "215600016", "215600024", "215602608"
NOW = "2026-06-15 12:00:00"
LATEST = {"scdl/deliberations": "2.1.5", "scdl/budget": "1.3.0"}
PLUGINS = "opendatalocale_search opendatalocale_dashboard"


def settings() -> Settings:
    return Settings(latest_versions=LATEST)


def _resource(schema, version, status, errors=None, fmt="CSV", modified="2026-06-01T10:00:00", **extra):
    # last_modified is explicit: CKAN's column defaults read the real clock, not freezegun's.
    resource = {"url": "http://example.org/data.csv", "format": fmt, "schema_name": schema,
                "last_modified": modified,
                "schema_version": version, "conformity_status": status, **extra}
    if errors is not None:
        resource["conformity_error_count"] = str(errors)
    if status != "unchecked":
        resource["conformity_validated_at"] = "2026-06-10T08:00:00"
    return resource


@pytest.fixture
def dashboard_db(odl_db):
    """``odl_db`` with the dashboard tables emptied too (CKAN's clean_db only empties the
    tables of its own metadata)."""
    conn = model.Session.connection()
    for table in reversed(dashboard_model.metadata.sorted_tables):
        conn.execute(table.delete())
    model.Session.commit()


@pytest.fixture
def territory_data(dashboard_db):
    """Users, organisations, datasets and two territories; returns names and objects."""
    conn = model.Session.connection()
    ref = reference.load_extract(fixture_path("reference", "territories"), population_vintage=2023,
                                 epci_population_vintage=2023)
    store.import_reference(conn, ref, "test")
    store.import_outlines(conn, reference.load_outlines(fixture_path("reference", "territories",
                                                                    "communes_56.geojson")))
    model.Session.commit()

    sysadmin = factories.Sysadmin()
    atd_admin, atd_member, other_member = factories.User(), factories.User(), factories.User()
    atd = factories.Organization(users=[{"name": atd_admin["name"], "capacity": "admin"},
                                        {"name": atd_member["name"], "capacity": "editor"}])
    other = factories.Organization(users=[{"name": other_member["name"], "capacity": "admin"}])
    with freeze_time("2026-06-01 10:00:00"):
        allaire = factories.Organization(extras=[{"key": "siren", "value": ALLAIRE}])
        factories.Dataset(
            owner_org=allaire["id"], license_id="lo-2.0", tags=[{"name": "deliberations"}],
            notes="Délibérations du conseil municipal d'Allaire, publiées chaque mois au format SCDL "
                  "pour la transparence de l'action publique.",
            maintainer_email="mairie@allaire.example",
            extras=[{"key": "frequency", "value": "monthly"}, {"key": "themes", "value": '["GOVE"]'},
                    {"key": "territorial_coverage", "value": '["56001"]'},
                    {"key": "temporal_coverage_start", "value": "2026-01-01"}],
            resources=[_resource("scdl/deliberations", "2.1.5", "valid", 0)])
        # Private: counted for members only, never in the public figures.
        factories.Dataset(owner_org=allaire["id"], private=True,
                          resources=[_resource("scdl/budget", "1.3.0", "valid", 0)])
    with freeze_time("2025-01-10 10:00:00"):
        # Published by the ATD on Ambon's behalf, harvested from a data.gouv.fr mirror.
        factories.Dataset(owner_org=atd["id"],
                          extras=[{"key": "collectivites_siren", "value": json.dumps([AMBON])},
                                  {"key": "harvest_source_type", "value": "datagouv"}],
                          resources=[_resource("scdl/budget", "1.2.0", "invalid", 3, fmt="PDF",
                                               modified="2025-01-10T10:00:00")])
    conn = model.Session.connection()
    morbihan = store.define_territory(conn, "Morbihan", departements=["56"],
                                      organization_ids=[atd["id"]], slug="morbihan")
    elsewhere = store.define_territory(conn, "Ailleurs", sirens=[VANNES],
                                       organization_ids=[other["id"]], slug="ailleurs")
    with freeze_time("2026-05-20"):
        store.add_override(conn, AMBON, "exempt", "first look", "someone", territory_id=morbihan["id"])
    with freeze_time("2026-06-02"):
        store.add_override(conn, AMBON, "obliged", "convention with the ATD", atd_admin["name"],
                           territory_id=morbihan["id"])
    model.Session.commit()
    return {"sysadmin": sysadmin, "atd_admin": atd_admin, "atd_member": atd_member,
            "other_member": other_member, "atd": atd, "other": other, "allaire": allaire,
            "morbihan": morbihan, "elsewhere": elsewhere}


@pytest.fixture
def refreshed(territory_data):
    """The constructed territory with its snapshot computed on 2026-06-15."""
    with freeze_time(NOW):
        conn = model.Session.connection()
        kpis = refresh.refresh_territory(conn, territory_data["morbihan"], settings())
        refresh.refresh_territory(conn, territory_data["elsewhere"], settings())
        model.Session.commit()
    return {**territory_data, "kpis": kpis}
