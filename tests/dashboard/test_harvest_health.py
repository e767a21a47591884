"""I12: the health of the harvest sources a collectivité's datasets come from."""
from __future__ import annotations

import datetime as dt

import pytest
from ckan import model
from freezegun import freeze_time

from ckanext.opendatalocale.dashboard import refresh

from .conftest import AMBON, NOW, PLUGINS, settings

pytestmark = [pytest.mark.ckan_config("ckan.plugins", PLUGINS),
              pytest.mark.usefixtures("with_plugins")]


def _harvest_model():
    """ckanext-harvest's models, imported here rather than at collection: once imported they
    join CKAN's metadata, which the shared odl_db fixture then create_all()s."""
    from ckanext.harvest import model as harvest_model

    engine = model.Session.get_bind()
    for cls in (harvest_model.HarvestSource, harvest_model.HarvestJob, harvest_model.HarvestObject,
                harvest_model.HarvestObjectError, harvest_model.HarvestGatherError):
        cls.__table__.create(engine, checkfirst=True)
    return harvest_model


def test_sources_with_last_success_and_errors(territory_data):
    harvest_model = _harvest_model()
    package_id = model.Session.execute(model.Package.__table__.select().where(
        model.Package.owner_org == territory_data["atd"]["id"])).first().id
    source = harvest_model.HarvestSource(url="https://www.data.gouv.fr/", type="datagouv",
                                         title="data.gouv.fr Ambon")
    ok = harvest_model.HarvestJob(source=source, status="Finished", created=dt.datetime(2026, 6, 1),
                                  finished=dt.datetime(2026, 6, 1, 1, 0))
    failing = harvest_model.HarvestJob(source=source, status="Finished", created=dt.datetime(2026, 6, 14),
                                       finished=None)
    obj = harvest_model.HarvestObject(guid="x", current=True, package_id=package_id, job=ok, source=source)
    bad = harvest_model.HarvestObject(guid="y", current=False, job=failing, source=source)
    for item in (source, ok, failing, obj, bad,
                 harvest_model.HarvestObjectError(object=bad, message="timeout"),
                 harvest_model.HarvestGatherError(job=failing, message="HTTP 502")):
        model.Session.add(item)
    failing.status = "Running"
    model.Session.commit()
    with freeze_time(NOW):
        refresh.refresh_territory(model.Session.connection(), territory_data["morbihan"], settings())
    row = refresh.snapshot_row(model.Session.connection(), territory_data["morbihan"]["id"], AMBON)
    assert row["channels"]["sources"] == [{
        "source_id": source.id, "title": "data.gouv.fr Ambon", "type": "datagouv", "active": True,
        "last_success": "2026-06-01T01:00:00", "last_status": "Running", "last_errors": 2}]
