"""Scoring rules on hand-built facts (no database): cell states, horizons, levels, dynamics."""
from __future__ import annotations

import datetime as dt

from ckanext.opendatalocale.dashboard import indicators as ind
from ckanext.opendatalocale.territories.obligation import compute_obligation
from ckanext.opendatalocale.territories.reference import Collectivite

NOW = dt.datetime(2026, 6, 15)
EXPECTED = ("scdl/deliberations", "scdl/budget")
SETTINGS = ind.Settings(expected_schemas={"commune": EXPECTED},
                        latest_versions={"scdl/deliberations": "2.1.5", "scdl/budget": "1.3.0"})
COMMUNE = Collectivite(siren="215600016", kind="commune", name="Allaire", insee="56001",
                       population_totale=4040)


def _dataset(*resources, frequency="", days_old=1, complete=True, created_days=400, private=False):
    extras = {"frequency": frequency}
    if complete:
        extras.update(themes='["GOVE"]', territorial_coverage='["56001"]', temporal_coverage_start="2026")
    updated = NOW - dt.timedelta(days=days_old)
    for resource in resources:
        resource.last_modified = updated
    return ind.DatasetFacts(
        id=f"d{len(resources)}{days_old}", name="d", title="d", private=private,
        created=NOW - dt.timedelta(days=created_days), modified=updated,
        license_id="lo-2.0" if complete else "", notes_length=150 if complete else 0,
        has_contact=complete, has_org=True, tag_count=1 if complete else 0, extras=extras, own=True,
        resources=list(resources))


def _resource(schema, version, status, fmt="CSV", errors=None):
    return ind.ResourceFacts(id=f"{schema}-{version}-{status}", package_id="p", format=fmt,
                             url="http://x", created=None, last_modified=None, schema_name=schema,
                             schema_version=version, conformity_status=status,
                             conformity_error_count=errors)


def _indicators(*datasets):
    return ind.collectivite_indicators(COMMUNE, compute_obligation(COMMUNE), list(datasets), SETTINGS, NOW)


def test_cell_states_best_resource_wins():
    row = _indicators(_dataset(_resource("scdl/deliberations", "2.1.5", "invalid", errors=4),
                               _resource("scdl/deliberations", "2.1.5", "valid")),
                      _dataset(_resource("scdl/budget", "1.2.0", "valid")))
    cells = row["scdl"]["cells"]
    assert cells["scdl/deliberations"]["state"] == "valid"
    assert cells["scdl/deliberations"]["resources"] == 2
    # Valid but on an older version: stale.
    assert cells["scdl/budget"]["state"] == "stale" and cells["scdl/budget"]["up_to_date"] is False


def test_stale_by_schema_horizon_and_unchecked():
    # Délibérations: 92 days + 7 of grace without a declared frequency.
    row = _indicators(_dataset(_resource("scdl/deliberations", "2.1.5", "valid"), days_old=100))
    assert row["scdl"]["cells"]["scdl/deliberations"]["state"] == "stale"
    row = _indicators(_dataset(_resource("scdl/deliberations", "2.1.5", "valid"), days_old=99))
    assert row["scdl"]["cells"]["scdl/deliberations"]["state"] == "valid"
    row = _indicators(_dataset(_resource("scdl/budget", "1.3.0", "unchecked")))
    assert row["scdl"]["cells"]["scdl/budget"]["state"] == "unchecked"
    assert row["conformity"]["den"] == 0 and row["conformity"]["rate"] is None


def test_declared_frequency_beats_schema_horizon():
    monthly = _dataset(_resource("scdl/budget", "1.3.0", "valid"), frequency="monthly", days_old=40)
    assert ind.horizon_days(monthly, SETTINGS) == 31
    assert _indicators(monthly)["freshness"]["rate"] == 0.0
    irregular = _dataset(ind.ResourceFacts(id="r", package_id="p", format="PDF", url="", created=None,
                                           last_modified=None), frequency="irregular")
    assert ind.horizon_days(irregular, SETTINGS) is None
    assert _indicators(irregular)["freshness"]["den"] == 0


def test_levels():
    delib = _resource("scdl/deliberations", "2.1.5", "valid")
    budget = _resource("scdl/budget", "1.3.0", "valid")
    assert _indicators(_dataset(delib, budget))["level"] == "gold"
    # All valid and fresh, but poor metadata: silver.
    assert _indicators(_dataset(_resource("scdl/deliberations", "2.1.5", "valid"),
                                _resource("scdl/budget", "1.3.0", "valid"), complete=False))["level"] == "silver"
    assert _indicators(_dataset(_resource("scdl/deliberations", "2.1.5", "valid")))["level"] == "silver"
    assert _indicators(_dataset(_resource("scdl/budget", "1.3.0", "invalid")))["level"] == "bronze"
    assert _indicators(_dataset(_resource(None, None, "unchecked")))["level"] == "none"
    assert _indicators()["level"] == "none"
    # A private dataset alone does not open a collectivité.
    alone = _indicators(_dataset(_resource("scdl/budget", "1.3.0", "valid"), private=True))
    assert alone["open"] is False and alone["private_dataset_count"] == 1


def test_metadata_score_and_bands():
    assert ind.TOTAL_POINTS == 260
    full = _dataset(_resource("scdl/budget", "1.3.0", "valid"))
    assert ind.metadata_score(ind.metadata_checks(full, SETTINGS)) == 100
    assert [ind.metadata_band(v) for v in (87, 86.9, 55, 30, 29.9, None)] == [
        "excellent", "good", "good", "sufficient", "bad", None]


def test_territory_disappeared_and_bands():
    open_row = _indicators(_dataset(_resource("scdl/budget", "1.3.0", "valid")))
    closed = {**_indicators(), "siren": "215600024", "population_band": "lt3500"}
    kpis = ind.territory_kpis([open_row, closed], previous={"215600024": {"open": True},
                                                            "215600016": {"open": True}})
    assert kpis["dynamics"]["disappeared"] == ["215600024"]
    assert kpis["obligation"]["by_band"]["3500-10000"] == {"collectivites": 1, "open": 1, "obliged": 1,
                                                           "obliged_open": 1}
    assert kpis["population_coverage"]["num"] == 4040
