"""XLSX decompression bombs, written to disk by the tests that need them (never committed).

Both stay under the readers' compression-ratio guard (200), as the files of
issue 11 did: what must hold them back is streaming, the shared-strings cap
and the deadlines, not that guard.
"""
from __future__ import annotations

import zipfile
from pathlib import Path

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '{shared}</Types>')
_SHARED_TYPE = ('<Override PartName="/xl/sharedStrings.xml" '
                'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>')
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>')
_WORKBOOK = (f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" xmlns:r="{REL}">'
             '<sheets><sheet name="Feuil1" sheetId="1" r:id="rId1"/></sheets></workbook>')
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/>{shared}</Relationships>')
_SHARED_REL = ('<Relationship Id="rId2" '
               'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
               'Target="sharedStrings.xml"/>')
HEADER = ("nom", "code", "montant")
MB = 1 << 20


def _write(path: Path, sheet_rows, shared=None) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES.format(shared=_SHARED_TYPE if shared else ""))
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS.format(shared=_SHARED_REL if shared else ""))
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}"><sheetData>'.encode())
            for chunk in sheet_rows:
                sheet.write(chunk)
            sheet.write(b"</sheetData></worksheet>")
        if shared:
            with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as strings:
                for chunk in shared:
                    strings.write(chunk)
    return path


def _cells(number: int, values) -> bytes:
    return (f'<row r="{number}">' + "".join(f'<c t="inlineStr"><is><t>{value}</t></is></c>' for value in values)
            + "</row>").encode()


def sheet_bomb(path: Path, inflated: int = 157 * MB) -> Path:
    """A small XLSX whose only sheet inflates to ``inflated`` bytes of rows."""
    def rows():
        yield _cells(1, HEADER)
        written, number = 0, 2
        while written < inflated:
            batch = b"".join(_cells(n, (f"Commune {n % 40}", f"{n % 40 + 56000:05d}", str(n % 1000)))
                             for n in range(number, number + 2000))
            number += 2000
            written += len(batch)
            yield batch
    return _write(path, rows())


def shared_strings_bomb(path: Path, inflated: int = 157 * MB) -> Path:
    """A small XLSX whose sharedStrings.xml inflates to ``inflated`` bytes; the
    sheet has a header and three rows that use the first strings."""
    def strings():
        yield f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}">'.encode()
        for value in HEADER:
            yield f"<si><t>{value}</t></si>".encode()
        written, n = 0, 0
        while written < inflated:
            batch = "".join(f"<si><t>Libellé n°{i} de la commune {i % 40}</t></si>"
                            for i in range(n, n + 5000)).encode()
            n += 5000
            written += len(batch)
            yield batch
        yield b"</sst>"

    def shared_cells(number, indexes):
        return (f'<row r="{number}">' + "".join(f'<c r="{col}{number}" t="s"><v>{i}</v></c>'
                                                for col, i in zip("ABC", indexes)) + "</row>").encode()
    rows = [shared_cells(1, (0, 1, 2))] + [shared_cells(n, (3 + n, 4 + n, 5 + n)) for n in range(2, 5)]
    return _write(path, rows, shared=strings())
