"""Ranking (content overrules a misleading header, two columns competing for a field), recipes, bad input."""
from __future__ import annotations

import datetime as dt
import io
import zipfile

import openpyxl
import pytest

from ckanext.opendatalocale.convert import core
from ckanext.opendatalocale.scdl.registry import get_registry

from .cases import FIXTURES

SUBVENTIONS = get_registry().get("scdl/subventions").descriptor
DELIBERATIONS = get_registry().get("scdl/deliberations").descriptor


def _csv(text: str) -> core.Table:
    return core.read_table(text.encode("utf-8"), "t.csv")


def test_a_misleading_header_is_overruled_by_the_content():
    # "Date" holds SIRETs, "SIRET" holds dates: the agent swapped the headers.
    table = _csv("Collectivité;Date;SIRET;Montant\n"
                 + "".join(f"Ville de Vannes;215 602 608 78770;2{i}/03/2024;1 200,50\n" for i in range(1, 9)))
    mapping = core.suggest(table, SUBVENTIONS)
    fields = {c.header: c.field for c in mapping.columns}
    assert fields["Date"] == "idAttribuant"
    assert fields["SIRET"] == "dateConvention"
    date_column = mapping.columns[1]
    assert dict(date_column.candidates)["dateConvention"] < dict(date_column.candidates)["idAttribuant"]


def test_two_columns_competing_for_one_field_are_assigned_as_a_whole():
    # Both headers say "date"; only one holds a date, the other a date period.
    table = _csv("Date de la convention;Date de versement;Bénéficiaire\n"
                 + "".join(f"1{i}/02/2024;01/03/2024 - 3{i % 2}/06/2024;Club {i}\n" for i in range(8)))
    fields = {c.header: c.field for c in core.suggest(table, SUBVENTIONS).columns}
    assert fields["Date de la convention"] == "dateConvention"
    assert fields["Date de versement"] == "datesPeriodeVersement"


def test_vote_counts_are_told_apart_by_the_schema_checks():
    # Same words for two counts; VOTE_REEL = POUR + CONTRE + ABSTENTION decides which is which.
    rows = "".join(f"{30 + i};{28 + i};{20 + i};5;3\n" for i in range(6))
    table = _csv("Votants inscrits;Votants;Pour;Contre;Abstentions\n" + rows)
    fields = {c.header: c.field for c in core.suggest(table, DELIBERATIONS).columns}
    assert fields["Votants"] == "VOTE_REEL" and fields["Votants inscrits"] == "VOTE_EFFECTIF"


def _month(extra=False, rename=False, drop=False, shift=False) -> bytes:
    headers = ["Collectivité", "SIRET collectivité", "Date convention", "Bénéficiaire", "SIRET bénéficiaire",
               "Objet", "Montant (€)", "Nature", "Versement", "Date de versement", "Notifiée UE", "Part"]
    rows = [["Ville de Vannes", "215 602 608 78770", f"1{i}/01/2025", f"Club {i}", "809 679 293 08107",
             "Fonctionnement", "1 500,00", "Aide en numéraire", "Unique", f"2{i}/02/2025", "Non", "1"] for i in range(6)]
    if rename:
        headers[5] = "Objet de la subvention"
    if shift:
        for row in rows:
            row[6] = "beaucoup"
    if drop:
        headers.pop(4)
        for row in rows:
            row.pop(4)
    if extra:
        headers.append("Agent instructeur")
        for row in rows:
            row.append("M. Le Gall")
    return "\n".join(";".join(r) for r in [headers] + rows).encode("cp1252")


def test_a_recipe_replays_next_month_and_reports_what_changed():
    first = core.read_table(_month(), "janvier.csv")
    mapping = core.suggest(first, SUBVENTIONS)
    mapping.set_field("Versement", "conditionsVersement")
    recipe = core.Recipe.from_mapping(mapping, {"idRAE": "12345"}, schema_name="scdl/subventions",
                                      schema_version="2.1.1")
    recipe = core.Recipe.from_json(recipe.to_json())
    assert core.convert(first, SUBVENTIONS, recipe).conforms

    february = core.read_table(_month(extra=True, rename=True, drop=True, shift=True), "fevrier.csv")
    replayed, diff = core.apply_recipe(recipe, february, SUBVENTIONS)
    assert [a["column"] for a in diff.appeared] == ["Objet de la subvention", "Agent instructeur"]
    assert {v["column"] for v in diff.vanished} == {"Objet", "SIRET bénéficiaire"}
    assert [c["column"] for c in diff.changed] == ["Montant (€)"]
    assert any("Objet de la subvention" in m["fr"] for m in diff.to_dict()["messages"])
    fields = {c.header: c.field for c in replayed.columns}
    assert fields["Objet de la subvention"] == "objet" and fields["Agent instructeur"] is None
    result = core.convert(february, SUBVENTIONS, recipe)
    assert result.constants == {"idRAE": "12345"}
    assert {(u[1], u[2]) for u in result.unconverted} == {("Montant (€)", "montant")}
    assert result.unconverted[0][0] == 2 and result.unconverted[0][3] == "beaucoup"
    assert not result.conforms


def test_a_broken_recipe_is_refused():
    with pytest.raises(core.ConvertError) as error:
        core.Recipe.from_json('{"columns": ["a"]}')
    assert error.value.code == "bad-recipe" and error.value.message_fr != error.value.message_en


def _xlsx(columns: int = 3, rows: int = 2) -> bytes:
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append([f"Colonne {i}" for i in range(columns)])
    for _ in range(rows):
        sheet.append(list(range(columns)))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (300 * 1024 * 1024))
    return out.getvalue()


@pytest.mark.parametrize("data,code", [
    (b"", "empty-file"),
    (b"\n\n  \n", "empty-file"),
    (b"12;13;14\n15;16;17\n", "no-header"),
    (bytes(range(256)) * 64, "binary-file"),
    (b"%PDF-1.7\n" + bytes(range(256)) * 8, "unsupported-format"),
    (_xlsx(columns=5000), "too-many-columns"),
], ids=["empty", "blank", "no-header", "binary", "pdf", "5000-columns"])
def test_bad_input_gets_a_french_and_english_error(data, code):
    with pytest.raises(core.ConvertError) as error:
        core.read_table(data, "input")
    assert error.value.code == code
    assert error.value.message_fr and error.value.message_en and error.value.message_fr != error.value.message_en


def test_size_cap_and_zip_bomb():
    with pytest.raises(core.ConvertError) as error:
        core.read_table(b"a;b\n1;2\n" * 20, "x.csv", max_bytes=100)
    assert error.value.code == "too-large"
    with pytest.raises(core.ConvertError) as error:
        core.read_table(_bomb(), "bomb.xlsx")
    assert error.value.code == "compression-ratio"


def test_title_rows_and_a_two_row_header_are_found():
    table = _csv("Délibérations 2024\n\nIdentité;;Votes;;\nN° d'acte;Objet;Pour;Contre;Abstentions\n"
                 "D1;Budget;10;2;1\n")
    assert table.headers == ["Identité N° d'acte", "Identité Objet", "Votes Pour", "Votes Contre", "Votes Abstentions"]
    assert table.source["header_row"] == 3 and [w["code"] for w in table.warnings] == ["rows-skipped", "header-merged"]
    assert list(table.rows) == [["D1", "Budget", "10", "2", "1"]]


def test_ods_is_read():
    ods = core.read_table((FIXTURES / "own" / "prenoms-treffort-ods.ods").read_bytes(), "p.ods")
    assert ods.source["format"] == "ods" and ods.headers[0] == "Prénom"


def _xls() -> bytes:
    """A real Excel 97-2003 workbook (BIFF8, written by xlwt): title row, typed cells, a lost zero."""
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("Naissances")
    sheet.write(0, 0, "Prénoms des nouveau-nés — Ambérieu")
    day = xlwt.easyxf(num_format_str="DD/MM/YYYY")
    for column, header in enumerate(["Code INSEE", "Sexe", "Prénom", "Nombre", "Année", "Déclaré le", "Vérifié"]):
        sheet.write(2, column, header)
    for row, (insee, sex, name, count) in enumerate([(1004, "F", "Léa", 7.0), (1004, "M", "Noé", 5.0),
                                                      (1004, "F", "Zoé", 3.0)], start=3):
        for column, value in enumerate([insee, sex, name, count, 2024]):
            sheet.write(row, column, value)
        sheet.write(row, 5, dt.date(2024, 3, row), day)
        sheet.write(row, 6, row % 2 == 1)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_xls_is_read_with_its_cell_types_and_converts():
    data = _xls()
    assert data.startswith(b"\xd0\xcf\x11\xe0")  # an OLE2 compound file, not XLSX or CSV
    table = core.read_table(data, "naissances.xls")
    assert table.source["format"] == "xls" and table.source["sheet"] == "Naissances"
    assert table.source["header_row"] == 3 and table.warnings[0]["code"] == "rows-skipped"
    assert table.headers[:3] == ["Code INSEE", "Sexe", "Prénom"]
    first = list(table.rows)[0]
    assert first == [1004, "F", "Léa", 7, 2024, dt.date(2024, 3, 3), True]  # numbers, a date cell, a boolean
    entry = get_registry().get("scdl/prenoms")
    mapping = core.suggest(table, entry.descriptor)
    assert mapping.fields["COLL_INSEE"] == 0 and mapping.fields["NOMBRE_OCCURRENCES"] == 3
    result = core.convert(table, entry.descriptor, mapping, schema_name=entry.name, schema_version=entry.version)
    assert result.conforms, result.report["errors"][:3]
    assert result.csv_bytes.decode("utf-8").splitlines()[1].split(",")[1:5] == ["01004", "F", "Léa", "7"]
