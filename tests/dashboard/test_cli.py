"""``ckan opendatalocale territories import/define`` and ``dashboard refresh``; the job."""
from __future__ import annotations

import csv
import shutil

import pytest
import sqlalchemy as sa
from ckan import model
from ckan.tests import factories
from click.testing import CliRunner

from ckanext.opendatalocale.cli import suite_group
from ckanext.opendatalocale.dashboard import cli as feature_cli
from ckanext.opendatalocale.dashboard import jobs, refresh
from ckanext.opendatalocale.territories.model import collectivite
from tests.helpers import fixture_path
from ckanext.opendatalocale.territories import store

from .conftest import ALLAIRE, PLUGINS

opendatalocale = suite_group(*feature_cli.COMMANDS)

pytestmark = [pytest.mark.ckan_config("ckan.plugins", PLUGINS),
              pytest.mark.usefixtures("with_plugins")]
EXTRACT = fixture_path("reference", "territories")


def _run(*args):
    result = CliRunner().invoke(opendatalocale, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def _population(siren):
    return model.Session.connection().execute(
        sa.select(collectivite.c.population_totale, collectivite.c.population_vintage,
                  collectivite.c.geometry.isnot(None)).where(collectivite.c.siren == siren)).one()


@pytest.mark.usefixtures("with_plugins", "dashboard_db")
def test_import_define_refresh_and_reimport(tmp_path):
    org = factories.Organization()
    output = _run("territories", "import", "--file", str(EXTRACT), "--population-vintage", "2023",
                  "--geometry", str(EXTRACT / "communes_56.geojson"))
    assert "266" in output and "249" in output
    assert _population(ALLAIRE) == (4040, 2023, True)

    output = _run("territories", "define", "Golfe", "--slug", "golfe", "--epci", "200067932",
                  "--org", org["name"])
    # The 34 communes of Golfe du Morbihan - Vannes agglomération, the EPCI, département, région.
    assert "golfe" in output and "37" in output
    assert "0 of 37" in _run("dashboard", "refresh", "--territory", "golfe")
    territory = store.get_territory(model.Session.connection(), "golfe")
    assert len(refresh.current_rows(model.Session.connection(), territory["id"])[1]) == 37

    # A new vintage re-imported in place: same SIREN, new figures, geometry and links kept.
    newer = tmp_path / "extract"
    shutil.copytree(EXTRACT, newer)
    path = newer / "communes_56.csv"
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    for row in rows:
        if row["siren"] == ALLAIRE:
            row["population_totale"] = "4100"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    _run("territories", "import", "--file", str(newer), "--population-vintage", "2024", "--dep", "56")
    assert _population(ALLAIRE) == (4100, 2024, True)
    assert "249 commune outlines" in _run("territories", "import", "--file", str(newer), "--shipped-outlines")
    assert store.get_territory(model.Session.connection(), "golfe")["organization_ids"] == [org["id"]]


@pytest.mark.usefixtures("with_plugins", "dashboard_db")
def test_unknown_territory_and_org():
    result = CliRunner().invoke(opendatalocale, ["dashboard", "refresh", "--territory", "nowhere"])
    assert result.exit_code != 0 and "nowhere" in result.output
    result = CliRunner().invoke(opendatalocale, ["territories", "define", "X", "--dep", "56", "--org", "nope"])
    assert result.exit_code != 0 and "nope" in result.output


def test_refresh_button_queues_a_job(refreshed, monkeypatch):
    queued = []
    monkeypatch.setattr("ckan.plugins.toolkit.enqueue_job",
                        lambda fn, args, **kw: queued.append((fn, args)) or type("Job", (), {"id": "j1"})())
    import ckan.plugins.toolkit as tk
    result = tk.get_action("dashboard_refresh")({"user": refreshed["atd_admin"]["name"]}, {"id": "morbihan"})
    assert result == {"queued": True, "job_id": "j1"}
    assert queued == [(jobs.refresh_job, [refreshed["morbihan"]["id"]])]
    jobs.refresh_job(refreshed["morbihan"]["id"])
    assert refresh.kpi_history(model.Session.connection(), refreshed["morbihan"]["id"])[-1]["kpis"]["open"] == 2
