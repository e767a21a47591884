"""Input handling: encodings, delimiters, spreadsheets, caps and hostile files."""
from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest

from ckanext.opendatalocale.conformity import Limits, validate

SCHEMA = {
    "fields": [
        {"name": "nom", "type": "string", "constraints": {"required": True}},
        {"name": "code", "type": "string", "constraints": {"pattern": "[0-9]{5}"}},
        {"name": "montant", "type": "number"},
    ]
}
TEXT = "nom,code,montant\nSaint-Étienne,42000,12.5\nÉvry,91000,3\n"


def check(data, schema=SCHEMA, **kwargs):
    return validate(data, schema, **kwargs)


# ----------------------------------------------------------------- encodings


@pytest.mark.parametrize("encoding,expected", [
    ("utf-8", "utf-8"),
    ("utf-8-sig", "utf-8-sig"),
    ("cp1252", "cp1252"),
    ("utf-16", "utf-16"),
    ("utf-16-le", "utf-16-le"),
])
def test_encodings(encoding, expected):
    report = check(TEXT.encode(encoding))
    assert report.status == "valid", report.to_dict()
    assert report.source.encoding == expected
    assert report.rows_checked == 2


def test_latin1_bytes_undefined_in_cp1252():
    data = "nom,code,montant\nA\x81B,42000,1\n".encode("latin-1")
    report = check(data)
    assert report.status == "valid" and report.source.encoding == "latin-1"


def test_utf8_error_after_the_sample_falls_back_to_cp1252():
    rows = "".join(f"ligne {i},42000,1\n" for i in range(80_000))
    data = ("nom,code,montant\n" + rows).encode("utf-8") + "Hérouville,14200,2\n".encode("cp1252")
    report = check(data)
    assert report.status == "valid"
    assert report.source.encoding == "cp1252"
    assert report.rows_checked == 80_001


def test_broken_utf16_gets_a_verdict():
    data = TEXT.encode("utf-16")[:-2] + b"\xad\xde" + ",x\n".encode("utf-16-le")
    report = check(data)
    assert report.status == "invalid"
    assert report.counts_by_type["encoding-error"] == 1


def test_bom_is_not_part_of_the_first_column_name():
    report = check(b"\xef\xbb\xbf" + TEXT.encode())
    assert report.header[0] == "nom" and report.valid


# ----------------------------------------------------------------- delimiters


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiters(delimiter):
    report = check(TEXT.replace(",", delimiter).encode())
    assert report.valid and report.source.delimiter == delimiter


def test_semicolon_with_decimal_commas_in_quotes():
    data = 'nom;code;montant\n"Dupont, Jean";42000;"12,5"\n'.encode()
    report = check(data)
    assert report.source.delimiter == ";"
    assert dict(report.counts_by_type) == {"type-error": 1}


def test_comma_space_separators_are_skipped_like_frictionless():
    report = check(b"nom, code, montant\nA, 42000, 1\n")
    assert report.valid


# ----------------------------------------------------------------- sources


def test_path_stream_and_bytes_give_the_same_report(tmp_path):
    path = tmp_path / "f.csv"
    path.write_bytes(TEXT.encode())
    by_path = check(str(path))
    by_pathlib = check(path)
    by_stream = check(io.BytesIO(TEXT.encode()))
    by_bytes = check(TEXT.encode())
    assert {r.status for r in (by_path, by_pathlib, by_stream, by_bytes)} == {"valid"}


class _NonSeekable(io.RawIOBase):
    def __init__(self, data: bytes):
        self._inner = io.BytesIO(data)

    def readable(self):
        return True

    def readinto(self, buffer):
        chunk = self._inner.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)


def test_non_seekable_stream_is_spooled():
    assert check(_NonSeekable(TEXT.encode())).valid


def test_missing_file_is_an_error_not_an_exception(tmp_path):
    report = check(str(tmp_path / "nope.csv"))
    assert report.status == "error"


# ----------------------------------------------------------------- spreadsheets


def _xlsx(rows, number_formats=None) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    for coordinate, fmt in (number_formats or {}).items():
        sheet[coordinate].number_format = fmt
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_xlsx_cells_are_read_as_displayed():
    data = _xlsx([["nom", "code", "montant"], ["Vannes", 56000, 12.5], ["Lorient", "56100", 3]],
                 {"B2": "00000"})
    report = check(data)
    assert report.valid, report.to_dict()["errors"]
    assert report.source.format == "xlsx"


def test_xlsx_general_number_in_text_column_is_its_displayed_text():
    # Validata (frictionless preserve_formatting) keeps a General-formatted
    # 56000 as an integer, a type-error in a string column; a spreadsheet user
    # sees "56000", which is what we check.
    data = _xlsx([["nom", "code", "montant"], ["Vannes", 56000, 1]])
    assert check(data).valid


def test_xlsx_empty_cells_at_the_end_of_a_row_are_cells_not_missing_ones():
    # openpyxl gives them up to the sheet's width and frictionless finds the file valid; a
    # row shorter than the header is still one.
    data = _xlsx([["nom", "code", "montant"], ["Vannes", "56000", None], ["Lorient", "", ""]])
    report = check(data)
    assert report.valid, report.to_dict()["errors"]
    assert report.rows_checked == 2


def test_xlsx_errors_are_located():
    data = _xlsx([["nom", "code", "montant"], ["Vannes", "560", "douze"]])
    report = check(data)
    assert dict(report.counts_by_type) == {"constraint-error": 1, "type-error": 1}
    assert {(e.row, e.column) for e in report.errors} == {(2, "code"), (2, "montant")}


def _ods(rows, repeated_blank_rows=0) -> bytes:
    ns = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
          'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
          'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"')
    body = []
    for row in rows:
        cells = "".join(f"<table:table-cell><text:p>{value}</text:p></table:table-cell>" for value in row)
        body.append(f"<table:table-row>{cells}<table:table-cell table:number-columns-repeated=\"1000\"/></table:table-row>")
    if repeated_blank_rows:
        body.append(f'<table:table-row table:number-rows-repeated="{repeated_blank_rows}"><table:table-cell/></table:table-row>')
    content = (f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ns}><office:body>'
               f'<office:spreadsheet><table:table table:name="Feuille1">{"".join(body)}</table:table>'
               f"</office:spreadsheet></office:body></office:document-content>")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED)
        archive.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def test_ods_is_read_with_trailing_blank_rows_and_columns_ignored():
    data = _ods([["nom", "code", "montant"], ["Vannes", "56000", "12.5"], ["Lorient", "561", "x"]],
                repeated_blank_rows=1_048_000)
    report = check(data)
    assert report.source.format == "ods" and report.source.sheet == "Feuille1"
    assert report.rows_checked == 2
    assert dict(report.counts_by_type) == {"constraint-error": 1, "type-error": 1}


# ----------------------------------------------------------------- caps


def test_byte_cap():
    report = check(TEXT.encode(), limits=Limits(max_bytes=10))
    assert report.status == "error" and report.fatal.code == "too-large"
    assert "10" in report.fatal.message["fr"]


def test_byte_cap_on_non_seekable_stream():
    report = check(_NonSeekable(TEXT.encode() * 100), limits=Limits(max_bytes=1000))
    assert report.status == "error" and report.fatal.code == "too-large"


def test_row_cap():
    data = ("nom,code,montant\n" + "a,42000,1\n" * 50).encode()
    report = check(data, limits=Limits(max_rows=10))
    assert report.status == "error" and report.fatal.code == "too-many-rows"
    assert report.rows_checked == 10


def test_column_cap():
    header = ",".join(f"c{i}" for i in range(50))
    report = check(f"{header}\n".encode(), limits=Limits(max_columns=20))
    assert report.status == "error" and report.fatal.code == "too-many-columns"


def test_time_cap():
    data = ("nom,code,montant\n" + "a,42000,1\n" * 5000).encode()
    report = check(data, limits=Limits(max_seconds=0))
    assert report.status == "error" and report.fatal.code == "timeout"
    assert report.fatal.message["en"].startswith("Checking took longer")


def test_huge_cell_is_capped():
    data = b"nom,code,montant\n\"" + b"x" * 200_000 + b"\",42000,1\n"
    report = check(data, limits=Limits(max_cell_chars=100_000))
    assert report.status == "error" and report.fatal.code == "cell-too-large"


def test_huge_line_within_caps_is_checked():
    data = b"nom,code,montant\n" + b"y" * 500_000 + b",42000,1\n"
    assert check(data).valid


# ----------------------------------------------------------------- hostile input


def test_binary_garbage():
    import random

    rng = random.Random(1)
    data = bytes(rng.randrange(256) for _ in range(20_000))
    report = check(data)
    assert report.status == "error" and report.fatal.code == "binary-file"


@pytest.mark.parametrize("magic,name", [(b"%PDF-1.4\n", "pdf"), (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "xls")])
def test_other_binary_formats(magic, name):
    report = check(magic + b"\x00" * 100)
    assert report.status == "error" and report.fatal.params["format"] == name


def test_nul_bytes_in_cells():
    report = check(b"nom,code,montant\nA\x00B,42000,1\n")
    assert report.valid


def test_empty_file():
    assert check(b"").fatal.code == "empty-file"


def test_header_only_is_valid_with_zero_rows():
    report = check(b"nom,code,montant\n")
    assert report.valid and report.rows_checked == 0


def test_zip_bomb_like_xlsx_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/sharedStrings.xml", b"<sst>" + b"A" * (60 << 20) + b"</sst>")
    report = check(buffer.getvalue())
    assert report.status == "error" and report.fatal.code == "spreadsheet-too-large"


def test_broken_xlsx_is_an_error():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", "<not really/>")
    report = check(buffer.getvalue())
    assert report.status == "error" and report.fatal.code == "unreadable-spreadsheet"


def test_other_zip_is_unsupported():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("data.csv", TEXT)
    report = check(buffer.getvalue())
    assert report.status == "error" and report.fatal.code == "unsupported-format"


def test_invalid_schema_is_an_error():
    report = check(TEXT.encode(), schema={"fields": [{"name": "a", "type": "nonsense"}]})
    assert report.status == "error" and report.fatal.code == "invalid-schema"
