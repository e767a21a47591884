"""Indicators on the constructed Morbihan territory, with exact expected values."""
from __future__ import annotations

import pytest
from ckan import model

from ckanext.opendatalocale.dashboard import refresh

from .conftest import ALLAIRE, AMBON, PLUGINS

pytestmark = [pytest.mark.ckan_config("ckan.plugins", PLUGINS),
              pytest.mark.usefixtures("with_plugins")]


def _rows(territory):
    _, rows = refresh.current_rows(model.Session.connection(), territory["id"])
    return {row["siren"]: row for row in rows}


def test_territory_members(refreshed):
    rows = _rows(refreshed["morbihan"])
    kinds = {}
    for row in rows.values():
        kinds[row["kind"]] = kinds.get(row["kind"], 0) + 1
    assert kinds == {"commune": 249, "epci": 15, "departement": 1, "region": 1}


def test_own_organisation_publication(refreshed):
    allaire = _rows(refreshed["morbihan"])[ALLAIRE]
    assert allaire["open"] is True
    assert allaire["dataset_count"] == 1
    assert allaire["private_dataset_count"] == 1
    assert allaire["last_publication"] == "2026-06-01T10:00:00"
    assert allaire["obligation"]["status"] == "obliged"
    assert allaire["scdl"]["cells"]["scdl/deliberations"]["state"] == "valid"
    assert allaire["scdl"]["cells"]["scdl/budget"]["state"] == "absent"  # the private one does not count
    assert allaire["scdl"]["coverage"] == {"num": 1, "den": 5, "rate": 0.2}
    assert allaire["conformity"]["num"] == 1 and allaire["conformity"]["den"] == 1
    assert allaire["schema_up_to_date"] == {"num": 1, "den": 1, "rate": 1.0}
    assert allaire["freshness"]["rate"] == 1.0
    assert allaire["metadata"]["score"] == 100 and allaire["metadata"]["band"] == "excellent"
    assert allaire["open_formats"]["rate"] == 1.0
    assert allaire["channels"]["main"] == "own"
    assert allaire["dynamics"]["new_30"] == 1 and allaire["dynamics"]["newly_open_30"] is True
    assert allaire["level"] == "bronze"
    [dataset] = allaire["datasets"]  # the private one is not listed
    assert (dataset["score"], dataset["fresh"], dataset["schemas"], dataset["channel"], dataset["missing"]) == (
        100, True, ["scdl/deliberations"], "own", [])


def test_publication_on_behalf_and_override(refreshed):
    ambon = _rows(refreshed["morbihan"])[AMBON]
    assert ambon["open"] is True
    assert ambon["channels"]["counts"] == {"own": 0, "on_behalf": 0, "harvested:datagouv": 1}
    assert ambon["obligation"]["status"] == "obliged"
    assert ambon["obligation"]["automatic_status"] == "exempt"
    assert ambon["obligation"]["decided_by"] == "override"
    assert "convention with the ATD" in ambon["obligation"]["reasoning"]["fr"]
    cell = ambon["scdl"]["cells"]["scdl/budget"]
    assert cell["state"] == "invalid" and cell["error_count"] == 3 and cell["version"] == "1.2.0"
    assert ambon["conformity"] == {"num": 0, "den": 1, "rate": 0.0, "schema_resources": 1,
                                   "error_count": 3,
                                   "worst": [{"resource_id": cell["resource_id"], "schema": "scdl/budget",
                                              "error_count": 3}],
                                   "top_errors": []}  # no full report: see test_top_errors
    assert ambon["schema_up_to_date"]["rate"] == 0.0
    # Budget horizon 366 days + 7: 521 days old is stale; no declared frequency.
    assert ambon["freshness"] == {"num": 0, "den": 1, "rate": 0.0, "oldest_expected_days": 521}
    assert ambon["open_formats"]["rate"] == 0.0
    assert ambon["dynamics"]["gone_quiet"] is True
    assert ambon["level"] == "bronze"
    # Only the access URL (50) and the publisher (10) of 260 points: 23.
    assert ambon["metadata"]["score"] == 23.0 and ambon["metadata"]["band"] == "bad"
    fixes = [(fix["criterion"], fix["gain"]) for fix in ambon["metadata"]["fixes"]]
    assert fixes == [("open_format", 15.4), ("keywords", 11.5), ("licence", 11.5), ("themes", 11.5),
                     ("contact", 7.7), ("spatial", 7.7), ("temporal", 7.7), ("description", 3.8)]


def test_territory_kpis(refreshed):
    kpis = refreshed["kpis"]
    assert kpis["collectivites"] == 266
    assert kpis["open"] == 2
    # 58 communes by PTOT + Ambon's override, 15 EPCI presumed, the département and the région.
    assert kpis["obliged"] == 76
    assert kpis["obligation"]["num"] == 2
    assert kpis["obligation"]["by_kind"]["commune"] == {"num": 2, "den": 59, "rate": 0.0339}
    assert kpis["population_coverage"]["num"] == 4040 + 2156
    assert kpis["conformity"]["num"] == 1 and kpis["conformity"]["den"] == 2
    assert kpis["levels"] == {"none": 264, "bronze": 2, "silver": 0, "gold": 0}
    assert kpis["datasets"] == 2 and kpis["private_datasets"] == 1
    assert kpis["scdl_coverage"]["schemas"]["scdl/budget"]["states"] == {"absent": 265, "invalid": 1}
    assert kpis["dynamics"]["gone_quiet"] == 1


def test_history_is_monthly(refreshed):
    from freezegun import freeze_time

    from .conftest import settings
    with freeze_time("2026-07-03"):
        refresh.refresh_territory(model.Session.connection(), refreshed["morbihan"], settings())
    history = refresh.kpi_history(model.Session.connection(), refreshed["morbihan"]["id"])
    assert [h["month"] for h in history] == ["2026-06-01", "2026-07-01"]
