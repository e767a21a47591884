"""Top conformity errors (I5): error types from the latest full report of each resource when
the conformity feature's results table holds one, the summaries' error counts otherwise."""
from __future__ import annotations

import datetime as dt
import json

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup
from ckan import model
from freezegun import freeze_time

from ckanext.opendatalocale.dashboard import refresh

from .conftest import AMBON, NOW, PLUGINS, settings

pytestmark = [pytest.mark.ckan_config("ckan.plugins", PLUGINS),
              pytest.mark.usefixtures("with_plugins")]


@pytest.fixture
def results_table():
    """``odl_conformity_result`` as the conformity plugin's migration creates it (created here
    when that plugin's migrations did not run in this session, dropped again afterwards)."""
    from ckanext.opendatalocale.conformity.model import result_table

    engine = model.Session.get_bind()
    existed = sa.inspect(engine).has_table(result_table.name)
    result_table.create(engine, checkfirst=True)
    yield result_table
    model.Session.rollback()
    if existed:
        with engine.begin() as conn:
            conn.execute(result_table.delete().where(result_table.c.engine_version == "test-top-errors"))
    else:
        result_table.drop(engine)


def _report(by_type: dict[str, int], fatal: str | None = None) -> str:
    return json.dumps({"status": "error" if fatal else "invalid", "error_count": sum(by_type.values()),
                       "counts": {"by_type": by_type, "by_column": {}, "by_check": {}},
                       "fatal": {"type": fatal, "code": fatal} if fatal else None})


def _refresh(territory):
    with freeze_time(NOW):
        kpis = refresh.refresh_territory(model.Session.connection(), territory, settings())
        model.Session.commit()
    return kpis


def test_error_types_come_from_the_latest_report(app, refreshed, results_table):
    ambon = refresh.snapshot_row(model.Session.connection(), refreshed["morbihan"]["id"], AMBON)
    resource_id = ambon["scdl"]["cells"]["scdl/budget"]["resource_id"]
    # Without reports, the summaries' counts: no error type, the worst resource is listed.
    assert ambon["conformity"]["top_errors"] == []
    assert refreshed["kpis"]["conformity"]["top_errors"] == []
    assert refreshed["kpis"]["conformity"]["worst"] == [
        {"siren": AMBON, "resource_id": resource_id, "schema": "scdl/budget", "error_count": 3}]
    overview = BeautifulSoup(app.get("/territoire/morbihan").body, "html.parser")
    assert not overview.select(".odl-top-errors") and overview.select(".odl-worst li")

    conn = model.Session.connection()
    common = {"resource_id": resource_id, "package_id": "p", "schema_name": "scdl/budget",
              "schema_version": "1.2.0", "status": "invalid", "engine_version": "test-top-errors"}
    conn.execute(results_table.insert(), [
        # An older check found other errors: only the latest report counts.
        {**common, "id": "old", "error_count": 9, "report": _report({"enum-error": 9}),
         "created": dt.datetime(2026, 5, 1), "checked": dt.datetime(2026, 5, 1)},
        {**common, "id": "new", "error_count": 3, "report": _report({"type-error": 2, "required-error": 1}),
         "created": dt.datetime(2026, 6, 10), "checked": dt.datetime(2026, 6, 10)},
        # A resource that is not in the territory.
        {**common, "id": "elsewhere", "resource_id": "not-ours", "error_count": 4,
         "report": _report({"pattern-error": 4}), "created": dt.datetime(2026, 6, 10),
         "checked": dt.datetime(2026, 6, 10)},
    ])
    model.Session.commit()
    kpis = _refresh(refreshed["morbihan"])

    ambon = refresh.snapshot_row(model.Session.connection(), refreshed["morbihan"]["id"], AMBON)
    assert ambon["conformity"]["top_errors"] == [{"type": "type-error", "count": 2, "resources": 1},
                                                 {"type": "required-error", "count": 1, "resources": 1}]
    top = kpis["conformity"]["top_errors"]
    assert [(e["type"], e["count"], e["resources"]) for e in top] == [("type-error", 2, 1),
                                                                      ("required-error", 1, 1)]
    assert top[0]["hint"]["fr"] and top[0]["hint"]["en"]
    overview = BeautifulSoup(app.get("/territoire/morbihan").body, "html.parser")
    cells = [tr.select("td")[:3] for tr in overview.select(".odl-top-errors tbody tr")]
    assert [[td.text for td in row] for row in cells] == [["type-error", "2", "1"], ["required-error", "1", "1"]]


def test_a_failed_check_counts_its_fatal_error(refreshed, results_table):
    ambon = refresh.snapshot_row(model.Session.connection(), refreshed["morbihan"]["id"], AMBON)
    resource_id = ambon["scdl"]["cells"]["scdl/budget"]["resource_id"]
    model.Session.connection().execute(results_table.insert().values(
        id="fatal", resource_id=resource_id, package_id="p", status="error", error_count=0,
        report=_report({}, fatal="encoding-error"), engine_version="test-top-errors",
        created=dt.datetime(2026, 6, 12), checked=dt.datetime(2026, 6, 12)))
    model.Session.commit()
    kpis = _refresh(refreshed["morbihan"])
    assert [(e["type"], e["count"]) for e in kpis["conformity"]["top_errors"]] == [("encoding-error", 1)]
