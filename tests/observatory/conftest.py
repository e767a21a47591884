"""The constructed territory on a real portal: the reference of ``territory.py`` in the
database, organisations with SIRENs, SCDL files uploaded as resources (one dataset private),
the consolidation run inline, and the observatory's figures computed from its store."""
from __future__ import annotations

import pytest
from ckan import model
from ckan.tests import factories

from ckanext.opendatalocale.consolidation import model as consolidation_model, samples
from ckanext.opendatalocale.consolidation.cli import consolidate
from ckanext.opendatalocale.dashboard import model as dashboard_model
from ckanext.opendatalocale.observatory.logic.action import cache
from ckanext.opendatalocale.territories import store

from . import territory as t

PLUGINS = ("opendatalocale_search opendatalocale_scdl opendatalocale_dashboard opendatalocale_consolidation "
           "opendatalocale_observatory")
GRANTS = {  # siren -> (date, amount) rows, as in the pure tests
    t.ARZON: [("2024-03-01", "6000"), ("2024-09-01", "4000"), ("2023-05-01", "5000")],
    t.BADEN: [("2024-02-01", "12000")], t.CARNAC: [("2024-04-01", "8000")],
    t.DAMGAN: [("2024-01-15", "30000")], t.FOUESNANT: [("2024-06-01", "40000")],
}


def subventions_csv(siren: str, grants: list[tuple[str, str]]) -> bytes:
    rows = samples.subventions(t.NAMES[siren], siren, len(grants), version="2.1.1", seed=1)
    header = rows[0]
    for row, (day, amount) in zip(rows[1:], grants):
        row[header.index("dateConvention")] = day
        row[header.index("montant")] = amount
    return samples.to_csv(rows)


def deliberations_csv(siren: str, count: int) -> bytes:
    return samples.to_csv(samples.deliberations(t.NAMES[siren], siren, count, seed=2, year=2025))


@pytest.fixture
def portal(odl_db, create_with_upload, cli):
    conn = model.Session.connection()
    # CKAN's clean_db empties only its own tables.
    for metadata in (consolidation_model.metadata, dashboard_model.metadata):
        for table in reversed(metadata.sorted_tables):
            conn.execute(table.delete())
    store.import_reference(conn, t.REFERENCE + t.OTHER_REFERENCE, "test")
    model.Session.commit()
    atd = factories.Organization(name="atd-golfe")
    orgs = {siren: factories.Organization(name=f"commune-{siren}", extras=[{"key": "siren", "value": siren}])
            for siren in GRANTS}
    resources = {}
    for siren, grants in GRANTS.items():
        dataset = factories.Dataset(owner_org=orgs[siren]["id"], name=f"subventions-{siren}")
        resources[siren] = create_with_upload(subventions_csv(siren, grants), f"subventions-{siren}.csv",
                                              package_id=dataset["id"], schema_name="scdl/subventions",
                                              schema_version="2.1.1", format="CSV")
    delib = factories.Dataset(owner_org=orgs[t.ARZON]["id"], name="deliberations-arzon")
    resources["delib"] = create_with_upload(deliberations_csv(t.ARZON, 8), "deliberations.csv",
                                            package_id=delib["id"], schema_name="scdl/deliberations",
                                            schema_version="2.1.5", format="CSV")
    # Private: a grant of 99,999 € that no public figure may count.
    secret = factories.Dataset(owner_org=orgs[t.BADEN]["id"], name="secret-baden", private=True)
    resources["private"] = create_with_upload(subventions_csv(t.BADEN, [("2024-02-02", "99999")]), "secret.csv",
                                              package_id=secret["id"], schema_name="scdl/subventions",
                                              schema_version="2.1.1", format="CSV")
    conn = model.Session.connection()
    store.define_territory(conn, "Golfe", departements=["56"], organization_ids=[atd["id"]], slug="golfe")
    store.define_territory(conn, "Finistère sud", departements=["29"], slug="finistere-sud")
    model.Session.commit()
    # The operator's command: consolidate (reading the uploads) and publish. One call per set:
    # a territory with two sets in one call closes its connection (left to the consolidation).
    output = ""
    for slug in ("golfe", "finistere-sud"):
        for schema in ("scdl/subventions", "scdl/deliberations"):
            result = cli.invoke(consolidate, ["--territory", slug, "--schema", schema])
            assert result.exit_code == 0, result.output
            output += result.output
    results = [line for line in output.splitlines() if line.startswith(("golfe", "finistere-sud"))]
    cache().clear()
    return {"resources": resources, "results": results, "orgs": orgs}
