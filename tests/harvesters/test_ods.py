"""OpenDataSoft harvester end to end against the local fault server."""
from __future__ import annotations

import json

import pytest

from ckanext.opendatalocale.harvesters import common
from ckanext.opendatalocale.harvesters import ods as ods_module
from ckanext.opendatalocale.harvesters.ods import OdsHarvester
from tests.harvesters.conftest import HARVEST_CONFIG_MARKS, SUBVENTIONS_FIELDS, FakeOds
from tests.harvesters.lib import extra, guids, harvested, make_source, run_job

pytestmark = HARVEST_CONFIG_MARKS


def scdl_fields() -> list[dict]:
    return [{"name": name.lower(), "label": name, "type": "text", "annotations": {}} for name in SUBVENTIONS_FIELDS]


def test_harvest_maps_metas_resources_schema_and_siren(fault_server):
    ods = FakeOds(fault_server, count=2)
    ods.datasets[1]["fields"] = scdl_fields()
    ods.datasets[1]["attachments"] = [{"id": "notice_pdf", "title": "Notice.pdf", "mimetype": "application/pdf"}]
    ods.datasets[0]["metas"]["default"]["description"] = (
        '<p>Bonjour <script>alert("x")</script><b>monde</b> <a href="https://ex.org/">lien</a></p>'
        '<img src=x onerror="alert(1)">')
    source = make_source(fault_server.url("/"), "ods", {"siren": "215602608"})

    result = run_job(source)

    assert result.status == "Finished" and result.gather_errors == [] and result.object_errors == []
    assert sorted(result.statuses.values()) == ["added", "added"]
    first, second = harvested(source)
    assert first["title"] == "Jeu de données 0"
    assert "<script" not in first["notes"] and "alert" not in first["notes"] and "onerror" not in first["notes"]
    assert "Bonjour" in first["notes"] and "[lien](https://ex.org/)" in first["notes"]
    assert first["license_id"] == "lo-2.0"
    assert first["owner_org"] == source.org_id
    assert json.loads(extra(first, "collectivites_siren")) == ["215602608"]
    assert extra(first, "harvest_source_type") == "ods"
    assert extra(first, "remote_url").endswith("/explore/dataset/jeu-0/")
    formats = [r["format"] for r in second["resources"]]
    assert formats == ["CSV", "JSON", "GeoJSON", "PDF"]  # the template has a geo feature
    csv = second["resources"][0]
    assert csv["url"].endswith("/exports/csv?use_labels=true")
    assert (csv["schema_name"], csv["schema_detection"]) == ("scdl/subventions", "header")
    assert not any(r.get("schema_name") for r in second["resources"][1:])  # JSON, GeoJSON, PDF
    assert second["resources"][3]["url"].endswith("/jeu-1/attachments/notice_pdf")
    assert "schema_name" not in first["resources"][0] or not first["resources"][0].get("schema_name")


def test_reharvest_of_unchanged_source_writes_nothing(fault_server):
    ods = FakeOds(fault_server, count=3)
    source = make_source(fault_server.url("/"), "ods")
    run_job(source)
    before = {p["id"]: p["metadata_modified"] for p in harvested(source)}

    result = run_job(source)

    assert set(result.statuses.values()) == {"not modified"}
    assert {p["id"]: p["metadata_modified"] for p in harvested(source)} == before
    ods.datasets[0]["metas"]["default"]["title"] = "Nouveau titre"
    result = run_job(source)
    assert sorted(result.statuses.values()) == ["not modified", "not modified", "updated"]
    assert [p["title"] for p in harvested(source)][0] == "Nouveau titre"


def test_paging_past_the_offset_wall_slices_by_modified_date(fault_server, monkeypatch):
    # The real figures (pages of 100, wall at 10,000) scaled down 10 and 250 times.
    FakeOds(fault_server, count=55, wall=40)
    monkeypatch.setattr(ods_module, "PAGE", 10)
    monkeypatch.setattr(OdsHarvester, "wall", 40)
    source = make_source(fault_server.url("/"), "ods")

    result = run_job(source)

    assert result.gather_errors == []
    assert len(result.statuses) == 55
    assert len(harvested(source)) == 55
    listing = fault_server.requests_to("/api/explore/v2.1/catalog/datasets")
    assert all(int(r.query["offset"][0]) + int(r.query["limit"][0]) <= 40 for r in listing)
    assert any("modified >= date'" in r.query.get("where", [""])[0] for r in listing)


def test_renamed_id_keeps_the_dataset_and_deleted_one_is_withdrawn(fault_server):
    ods = FakeOds(fault_server, count=3)
    source = make_source(fault_server.url("/"), "ods")
    run_job(source)
    ids = {extra(p, "harvest_guid"): p["id"] for p in harvested(source)}

    ods.datasets[0]["dataset_id"] = "jeu-renomme"  # slug renamed, dataset_uid kept
    del ods.datasets[2]
    result = run_job(source)

    packages = {extra(p, "harvest_guid"): p for p in harvested(source)}
    assert len(packages) == 3
    assert packages["da_00000"]["id"] == ids["da_00000"]
    assert extra(packages["da_00000"], "ods_dataset_id") == "jeu-renomme"
    assert packages["da_00002"]["private"] is True and extra(packages["da_00002"], "harvest_withdrawn_at")
    assert packages["da_00001"]["private"] is False
    assert result.gather_errors == []

    ods.datasets.append(ods.make(2))  # back at the source: published again
    run_job(source)
    assert next(p for p in harvested(source) if p["id"] == ids["da_00002"])["private"] is False


def test_delete_policy_deletes_after_grace_period(fault_server):
    ods = FakeOds(fault_server, count=2)
    source = make_source(fault_server.url("/"), "ods", {"withdrawal": "delete-after-days 0"})
    run_job(source)
    ods.datasets.pop()
    run_job(source)
    assert guids(harvested(source)) == ["da_00000"]
    assert len(harvested(source, include_deleted=True)) == 2


def test_themes_and_refine_filters(fault_server):
    ods = FakeOds(fault_server, count=3)
    ods.datasets[1]["metas"]["default"]["theme"] = ["Environnement"]
    source = make_source(fault_server.url("/"), "ods", {"filters": {"themes": ["environnement"],
                                                                    "refine": ["publisher:Ville de Vannes"]}})
    run_job(source)
    assert guids(harvested(source)) == ["da_00001"]
    assert fault_server.requests_to("/api/explore/v2.1/catalog/datasets")[0].query["refine"] == [
        "publisher:Ville de Vannes"]


@pytest.mark.parametrize("config, key", [
    ('{"nope": 1}', "nope"),
    ('{"withdrawal": "sometimes"}', "withdrawal"),
    ('{"siren": "123456789"}', "123456789"),
    ('{"filters": {"colour": "red"}}', "filters.colour"),
    ('[1, 2]', "JSON"),
    ('{"timeouts": {"read": -1}}', "timeouts.read"),
])
def test_validate_config_rejects_with_bilingual_message(config, key):
    with pytest.raises(ValueError) as error:
        OdsHarvester().validate_config(config)
    assert key in str(error.value) and "\n— " in str(error.value)


def test_config_parsing():
    config = common.parse_config('{"siren": ["21560260800014", "215602608"], '
                                 '"withdrawal": {"delete_after_days": 30}}')
    assert config.sirens == ("215602608",)
    assert (config.withdrawal.policy, config.withdrawal.days) == ("delete", 30)


def test_delete_after_days_waits_for_the_grace_period(fault_server):
    import datetime as dt

    from ckan.plugins import toolkit as tk

    ods = FakeOds(fault_server, count=2)
    source = make_source(fault_server.url("/"), "ods", {"withdrawal": "delete-after-days 30"})
    run_job(source)
    ods.datasets.pop()
    run_job(source)
    run_job(source)
    gone = next(p for p in harvested(source) if extra(p, "harvest_guid") == "da_00001")
    assert gone["private"] is True and gone["state"] == "active"

    # 31 days later (the withdrawal date moved back rather than the clock forward).
    extras = [e if e["key"] != "harvest_withdrawn_at" else
              {"key": e["key"], "value": (dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=31)).isoformat()}
              for e in gone["extras"]]
    tk.get_action("package_patch")({"ignore_auth": True, "user": ""}, {"id": gone["id"], "extras": extras})
    result = run_job(source)

    assert result.statuses["da_00001"] == "deleted"
    assert guids(harvested(source)) == ["da_00000"]
