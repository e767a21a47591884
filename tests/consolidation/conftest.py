"""A constructed territory for the consolidation: Morbihan (shipped reference), the ATD
organisation that publishes the consolidated sets, and subventions resources of several
collectivités in three schema versions, one of them an XLSX, one linked from a web server."""
from __future__ import annotations

import json

import pytest
from ckan import model
from ckan.lib import jobs as ckan_jobs
from ckan.tests import factories

from ckanext.opendatalocale.consolidation import model as consolidation_model
from ckanext.opendatalocale.consolidation import samples
from ckanext.opendatalocale.dashboard import model as dashboard_model
from ckanext.opendatalocale.territories import reference, store

ALLAIRE, AMBON, ARRADON, AURAY = "215600016", "215600024", "215600032", "215600073"
QUEUE = "odl_consolidation_test"
PLUGINS = "opendatalocale_search opendatalocale_dashboard opendatalocale_consolidation datastore datatables_view"
SCHEMA = "scdl/subventions"

CKAN_MARKS = [
    pytest.mark.ckan_config("ckan.plugins", PLUGINS),
    pytest.mark.ckan_config("ckanext.opendatalocale.consolidation.queue", QUEUE),
    pytest.mark.ckan_config("ckanext.opendatalocale.consolidation.on_change", "false"),
    pytest.mark.ckan_config("ckanext.opendatalocale.http.allowed_hosts", "127.0.0.1"),
    pytest.mark.usefixtures("with_plugins", "consolidation_db", "with_request_context"),
]


def queue():
    return ckan_jobs.get_queue(QUEUE)


def run_jobs() -> None:
    """Run the queued jobs with CKAN's rq worker, here (the test worker does not fork)."""
    ckan_jobs.Worker([QUEUE]).work(burst=True)


def bad_rows(rows: list[list[str]], numbers: tuple[int, ...]) -> list[list[str]]:
    """Break rows (spreadsheet numbers: the header is row 1) three different ways."""
    header = rows[0]
    breakers = [("montant", "12 500,00"), ("dateConvention", "15/03/2024"), ("nature", "Aide")]
    for number, (column, value) in zip(numbers, breakers):
        rows[number - 1][header.index(column)] = value
    return rows


@pytest.fixture
def consolidation_db(odl_db):
    conn = model.Session.connection()
    for metadata in (consolidation_model.metadata, dashboard_model.metadata):
        for table in reversed(metadata.sorted_tables):
            conn.execute(table.delete())
    model.Session.commit()
    queue().empty()
    yield
    queue().empty()


@pytest.fixture
def territory(create_with_upload, fault_server):
    """Organisations, datasets and the Morbihan territory; returns what the tests look at."""
    conn = model.Session.connection()
    store.import_reference(conn, reference.load_national().filter(dep={"56"}), "test")
    model.Session.commit()
    admin = factories.User()
    atd = factories.Organization(name="atd-morbihan", users=[{"name": admin["name"], "capacity": "admin"}])
    allaire = factories.Organization(extras=[{"key": "siren", "value": ALLAIRE}])
    arradon = factories.Organization(extras=[{"key": "siren", "value": ARRADON}])

    def upload(dataset, data, filename, version):
        return create_with_upload(data, filename, package_id=dataset["id"], schema_name=SCHEMA,
                                  schema_version=version)

    v1 = upload(factories.Dataset(owner_org=allaire["id"]),
                samples.to_csv(samples.subventions("Allaire", ALLAIRE, 20, version="1.1.0", seed=1)),
                "subventions-2019.csv", "1.1.0")
    v2 = upload(factories.Dataset(owner_org=allaire["id"]),
                samples.to_xlsx(samples.subventions("Allaire", ALLAIRE, 30, version="2.0.2", seed=2)),
                "subventions-2021.xlsx", "2.0.2")
    # Published by the ATD on Ambon's behalf: 3 bad rows out of 50.
    ambon_rows = bad_rows(samples.subventions("Ambon", AMBON, 50, seed=3), (5, 17, 40))
    v3 = upload(factories.Dataset(owner_org=atd["id"],
                                  extras=[{"key": "collectivites_siren", "value": json.dumps([AMBON])}]),
                samples.to_csv(ambon_rows, delimiter=";"), "subventions-ambon.csv", "2.1.1")
    private = upload(factories.Dataset(owner_org=allaire["id"], private=True),
                     samples.to_csv(samples.subventions("Allaire", ALLAIRE, 10, seed=4)), "prive.csv", "2.1.1")
    # A harvested-like link, fetched through the suite's HTTP client.
    from tests.http_server import Reply

    fault_server.route("/arradon.csv", Reply(samples.to_csv(samples.subventions("Arradon", ARRADON, 15, seed=5)),
                                             content_type="text/csv"))
    linked_dataset = factories.Dataset(owner_org=arradon["id"], resources=[{
        "url": fault_server.url("/arradon.csv"), "format": "CSV", "schema_name": SCHEMA,
        "schema_version": "2.1.1", "last_modified": "2026-05-01T10:00:00"}])
    morbihan = store.define_territory(model.Session.connection(), "Morbihan", departements=["56"], organization_ids=[atd["id"]],
                                      slug="morbihan")
    model.Session.commit()
    return {"admin": admin, "atd": atd, "territory": morbihan, "v1": v1, "v2": v2, "v3": v3,
            "private": private, "linked_dataset": linked_dataset, "ambon_rows": ambon_rows,
            "server": fault_server}
