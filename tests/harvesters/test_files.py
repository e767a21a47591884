"""Plain CSV/XLSX/ODS/XLS files and SCDL catalogue CSVs end to end."""
from __future__ import annotations

import io
import json

import openpyxl
import pytest

from tests.harvesters.conftest import HARVEST_CONFIG_MARKS, FakeCatalogue
from tests.harvesters.lib import extra, harvested, make_source, run_job
from tests.helpers import fixture_path
from tests.http_server import Reply

pytestmark = HARVEST_CONFIG_MARKS

PLAIN = fixture_path("samples", "harvest", "plain-file")
SHEETS = fixture_path("harvest-files")


def _xlsx(rows: list[list[str]]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_each_file_is_a_dataset_with_its_detected_schema_and_siren(fault_server):
    fault_server.route("/antibes.csv", Reply.file(PLAIN / "antibes_subventions_exemple-valide.csv"))
    fault_server.route("/somme.csv", Reply.file(PLAIN / "somme_conventions-subventions_cp1252.csv"))
    fault_server.route("/deliberations.xlsx", Reply(_xlsx([["COLL_NOM", "COLL_SIRET", "DELIB_ID"],
                                                            ["Vannes", "21560260800014", "1"]]),
                                                     content_type="application/vnd.openxmlformats-"
                                                                  "officedocument.spreadsheetml.sheet"))
    source = make_source(fault_server.url("/antibes.csv"), "file", {
        "title": "Subventions d'Antibes",
        "files": [fault_server.url("/somme.csv"),
                  {"url": fault_server.url("/deliberations.xlsx"), "title": "Délibérations",
                   "schema": "scdl/deliberations"}]})

    result = run_job(source)

    assert result.gather_errors == [] and result.object_errors == []
    packages = {p["title"]: p for p in harvested(source)}
    assert set(packages) == {"Subventions d'Antibes", "somme.csv", "Délibérations"}
    antibes = packages["Subventions d'Antibes"]
    resource = antibes["resources"][0]
    assert (resource["schema_name"], resource["schema_detection"], resource["format"]) == (
        "scdl/subventions", "header", "CSV")
    assert json.loads(extra(antibes, "collectivites_siren")) == ["210600045"]  # idAttribuant
    assert extra(antibes, "harvest_source_type") == "file"
    delib = packages["Délibérations"]["resources"][0]
    assert (delib["schema_name"], delib["schema_detection"], delib["format"]) == (
        "scdl/deliberations", "declared", "XLSX")
    assert json.loads(extra(packages["Délibérations"], "collectivites_siren")) == ["215602608"]

    again = run_job(source)
    assert set(again.statuses.values()) == {"not modified"}


@pytest.mark.parametrize("name, served_as, fmt", [
    ("subventions-vannes.xls", "subventions.xls", "XLS"),
    ("subventions-vannes.ods", "subventions.ods", "ODS"),
    # Named and typed as an XLSX by a careless export: read for what it is.
    ("subventions-vannes.xls", "subventions.xlsx", "XLS"),
])
def test_xls_and_ods_files_are_read_with_their_schema_and_siren(name, served_as, fmt, fault_server):
    fault_server.route(f"/{served_as}", Reply.file(SHEETS / name, content_type="application/vnd.openxmlformats-"
                                                                              "officedocument.spreadsheetml.sheet"))
    source = make_source(fault_server.url(f"/{served_as}"), "file", {"title": "Subventions de Vannes"})

    result = run_job(source)

    assert result.gather_errors == [] and result.object_errors == [], result
    [package] = harvested(source)
    resource = package["resources"][0]
    assert (resource["format"], resource["schema_name"], resource["schema_detection"]) == (
        fmt, "scdl/subventions", "header")
    # The SIRET is a number in the sheet, read as the digits it shows.
    assert json.loads(extra(package, "collectivites_siren")) == ["215602608"]
    assert set(run_job(source).statuses.values()) == {"not modified"}


@pytest.mark.parametrize("body, reason", [
    (b"", "The file is empty"),
    (b"%PDF-1.4\n%binary", "\u00ab pdf \u00bb"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "spreadsheet"),
])
def test_an_unreadable_file_is_reported_in_both_languages(body, reason, fault_server):
    fault_server.route("/export.xls", Reply(body, content_type="application/vnd.ms-excel"))
    source = make_source(fault_server.url("/export.xls"), "file")

    result = run_job(source)

    assert result.status == "Finished" and harvested(source) == []
    [error] = result.object_errors
    french, english = error.split("\n— ")
    assert "n'a pas pu être lu" in french and "could not be read" in english
    assert reason.lower() in error.lower()


def test_changed_file_is_updated_and_a_broken_download_keeps_the_dataset(fault_server):
    fault_server.route("/a.csv", Reply.text("nom;valeur\na;1\n", "text/csv"))
    source = make_source(fault_server.url("/a.csv"), "file")
    run_job(source)
    [before] = harvested(source)

    fault_server.route("/a.csv", Reply.text("nom;valeur\na;2\n", "text/csv"))
    assert set(run_job(source).statuses.values()) == {"updated"}

    fault_server.route("/a.csv", Reply.error(500))
    result = run_job(source)
    assert result.status == "Finished"
    assert "HTTP 500" in result.object_errors[0] and "\n— " in result.object_errors[0]
    [after] = harvested(source)
    assert after["id"] == before["id"] and after["private"] is False

    fault_server.route("/a.csv", Reply.html_error_page())
    result = run_job(source)
    assert "HTML" in result.object_errors[0]
    assert [p["id"] for p in harvested(source)] == [before["id"]]


def test_scdl_catalogue_rows_become_datasets_attributed_to_the_commune(fault_server):
    catalogue = FakeCatalogue(fault_server, count=2)
    catalogue.datasets[0]["DESCRIPTION"] = "Budget <script>alert(1)</script>primitif"
    source = make_source(fault_server.url("/catalogue.csv"), "file", {"catalogue": True})

    result = run_job(source)

    assert result.gather_errors == [] and result.object_errors == []
    first, second = harvested(source)
    assert extra(first, "harvest_guid") == "21560260800014:cat-0"
    assert first["title"] == "Jeu catalogue 0" and first["notes"] == "Budget primitif"
    assert json.loads(extra(first, "collectivites_siren")) == ["215602608"]
    assert extra(first, "harvest_source_type") == "scdl-catalogue"
    assert sorted(t["name"] for t in first["tags"]) == ["budget", "finances"]
    assert first["license_id"] == "lo-2.0"
    assert first["resources"][0]["url"] == "https://data.vannes.example/jeu/0"


@pytest.mark.parametrize("config, message", [
    ('{"files": "not a list"}', "files"),
    ('{"files": [{"title": "no url"}]}', "files"),
])
def test_file_config_is_checked(config, message):
    from ckanext.opendatalocale.harvesters.files import FileHarvester

    with pytest.raises(ValueError, match=message):
        FileHarvester().validate_config(config)
