"""The territorial consolidated file of a schema."""
from __future__ import annotations

import csv
import io

import pytest
from ckan import model
from ckan.tests import factories

from ckanext.opendatalocale.dashboard.consolidate import consolidated_rows, to_csv
from ckanext.opendatalocale.territories import reference, store
from ckanext.opendatalocale.tests.helpers import shared_path

from .conftest import ALLAIRE, AMBON, PLUGINS

FIELDS = ["nomAttribuant", "idAttribuant", "dateConvention", "montant"]


def test_rows_are_mapped_by_header_and_deduplicated():
    first = "nomAttribuant,idAttribuant,dateConvention,montant\r\nAllaire,21560001600019,2026-01-02,100\r\n"
    second = ("montant;IDATTRIBUANT;autre;nomAttribuant\n250;21560002400012;x;Ambon\n\n;;;\n"
              "250;21560002400012;x;Ambon\n").encode("cp1252")
    unrelated = b"a,b\n1,2\n"
    rows = list(consolidated_rows([first.encode("utf-8-sig"), second, unrelated], FIELDS))
    assert rows == [["Allaire", "21560001600019", "2026-01-02", "100"],
                    ["Ambon", "21560002400012", "", "250"]]
    assert to_csv(rows, FIELDS).splitlines()[0] == ",".join(FIELDS)


@pytest.mark.ckan_config("ckan.plugins", PLUGINS)
@pytest.mark.usefixtures("with_plugins", "dashboard_db")
def test_consolidated_file_has_conformant_public_resources_only(app, create_with_upload):
    allaire = factories.Organization(extras=[{"key": "siren", "value": ALLAIRE}])
    atd = factories.Organization()
    conn = model.Session.connection()
    store.import_reference(conn, reference.load_extract(shared_path("reference", "territories")), "test")
    store.define_territory(conn, "Morbihan", departements=["56"], organization_ids=[atd["id"]],
                           slug="morbihan")
    model.Session.commit()

    def upload(text, dataset, status):
        create_with_upload(text.encode("utf-8"), "subventions.csv", package_id=dataset["id"],
                           schema_name="scdl/subventions", schema_version="2.1.0",
                           conformity_status=status)
    upload("nomAttribuant,idAttribuant,montant\nAllaire,21560001600019,100\n",
           factories.Dataset(owner_org=allaire["id"]), "valid")
    upload("nomAttribuant,idAttribuant,montant\nAmbon,21560002400012,250\n",
           factories.Dataset(owner_org=atd["id"], extras=[{"key": "collectivites_siren", "value": AMBON}]),
           "valid")
    upload("nomAttribuant,idAttribuant,montant\nInvalide,1,x\n",
           factories.Dataset(owner_org=allaire["id"]), "invalid")
    upload("nomAttribuant,idAttribuant,montant\nPrivé,21560001600019,5\n",
           factories.Dataset(owner_org=allaire["id"], private=True), "valid")

    response = app.get("/territoire/morbihan/consolide/subventions.csv")
    rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8"))))
    assert sorted((r["nomAttribuant"], r["montant"]) for r in rows) == [("Allaire", "100"), ("Ambon", "250")]
    assert app.get("/territoire/morbihan/consolide/nope.csv", status=404)
