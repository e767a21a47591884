"""The territorial consolidated file of a schema."""
from __future__ import annotations

import csv
import io

import pytest
from ckan import model
from ckan.tests import factories

from ckanext.opendatalocale.dashboard.consolidate import consolidated_rows, to_csv
from ckanext.opendatalocale.territories import reference, store
from tests.helpers import fixture_path

from .conftest import ALLAIRE, AMBON, PLUGINS

FIELDS = ["nomAttribuant", "idAttribuant", "dateConvention", "montant"]
SUBVENTIONS_SAMPLES = ("samples", "scdl-examples", "subventions")


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
    store.import_reference(conn, reference.load_extract(fixture_path("reference", "territories")), "test")
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


@pytest.mark.ckan_config("ckan.plugins", PLUGINS)
@pytest.mark.usefixtures("with_plugins", "dashboard_db")
def test_consolidated_file_is_valid_against_its_schema(app, create_with_upload):
    """The official valid example of scdl/subventions, split between two collectivités (the
    second half with its columns reordered, semicolons and cp1252, as spreadsheets write
    them), comes back as one file the conformity engine finds valid, every row kept."""
    from ckanext.opendatalocale.conformity import validate
    from ckanext.opendatalocale.scdl.registry import get_registry

    entry = get_registry().get("scdl/subventions")
    example = fixture_path(*SUBVENTIONS_SAMPLES, "exemple_valide.csv").read_text(encoding="utf-8")
    header, *rows = list(csv.reader(io.StringIO(example)))
    assert validate(example.encode("utf-8"), entry.descriptor).valid  # the input is valid to begin with
    half = len(rows) // 2

    first = io.StringIO()
    csv.writer(first).writerows([header, *rows[:half]])
    reordered = list(reversed(range(len(header))))
    second = io.StringIO()
    csv.writer(second, delimiter=";").writerows([[line[i] for i in reordered] for line in [header, *rows[half:]]])

    allaire = factories.Organization(extras=[{"key": "siren", "value": ALLAIRE}])
    atd = factories.Organization()
    conn = model.Session.connection()
    store.import_reference(conn, reference.load_extract(fixture_path("reference", "territories")), "test")
    store.define_territory(conn, "Morbihan", departements=["56"], organization_ids=[atd["id"]], slug="morbihan")
    model.Session.commit()
    for data, dataset, status in (
            (first.getvalue().encode("utf-8"), factories.Dataset(owner_org=allaire["id"]), "valid"),
            (second.getvalue().encode("cp1252"),
             factories.Dataset(owner_org=atd["id"], extras=[{"key": "collectivites_siren", "value": AMBON}]),
             "valid"),
            (fixture_path(*SUBVENTIONS_SAMPLES, "exemple_invalide_erreurs_cellules.csv").read_bytes(),
             factories.Dataset(owner_org=allaire["id"]), "invalid")):
        create_with_upload(data, "subventions.csv", package_id=dataset["id"], schema_name=entry.name,
                           schema_version=entry.version, conformity_status=status)

    consolidated = app.get("/territoire/morbihan/consolide/subventions.csv").data
    report = validate(consolidated, entry.descriptor, schema_name=entry.name, schema_version=entry.version)
    assert report.valid, [(f.type, f.row, f.column) for f in report.errors[:5]]
    assert report.rows_checked == len(rows)
    assert report.header == entry.field_names
