"""XLSX and ODS: the first sheet's rows as displayed, read incrementally.

XLSX goes through openpyxl's read-only mode (with the bounded shared strings
of :mod:`ckanext.opendatalocale.conformity.xlsx`); ODS is streamed from its ``content.xml`` with the stdlib.
Both are zip files: their members are checked against the caps (total size,
compression ratio, shared strings) before anything is inflated.
"""
from __future__ import annotations

import warnings
import zipfile
from typing import Any, BinaryIO, Iterator
from xml.etree import ElementTree

from .. import xlsx
from ..xlsx import Check
from .base import Limits, ReadFailure, Table


# --------------------------------------------------------------------------- zip guard


def _check_archive(stream: BinaryIO, limits: Limits) -> None:
    stream.seek(0)
    try:
        with zipfile.ZipFile(stream) as archive:
            total = 0
            for info in archive.infolist():
                total += info.file_size
                ratio = info.file_size / max(info.compress_size, 1)
                if total > limits.max_uncompressed_bytes:
                    raise ReadFailure("spreadsheet-too-large", limit=limits.max_uncompressed_bytes)
                if info.file_size > 10 << 20 and ratio > limits.max_compression_ratio:
                    raise ReadFailure("compression-ratio", part=info.filename, ratio=f"{ratio:.0f}",
                                      limit=f"{limits.max_compression_ratio:.0f}")
                if (info.filename.lower().endswith("sharedstrings.xml")
                        and info.file_size > limits.max_shared_strings_bytes):
                    raise ReadFailure("shared-strings-too-large", size=info.file_size,
                                      limit=limits.max_shared_strings_bytes)
    except zipfile.BadZipFile as exc:
        raise ReadFailure("unreadable-spreadsheet", note=str(exc)) from exc
    finally:
        stream.seek(0)


def _trim(cells: list[str]) -> list[str]:
    end = len(cells)
    while end and cells[end - 1] == "":
        end -= 1
    return cells[:end] if end != len(cells) else cells


def _skip_trailing_blank(rows: Iterator[list[str]]) -> Iterator[list[str]]:
    """Spreadsheets report empty rows up to their stored dimension: drop those
    after the last non-empty row, keep the ones between data rows."""
    pending = 0
    for row in rows:
        if not row:
            pending += 1
            continue
        for _ in range(pending):
            yield []
        pending = 0
        yield row


# --------------------------------------------------------------------------- XLSX


def display_text(value: Any) -> str:
    """The text a spreadsheet shows for a cell whose number format is "General"."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return format(value, ".15g")
    isoformat = getattr(value, "isoformat", None)
    if isoformat is not None:
        text = isoformat()
        return text[:10] if text.endswith("T00:00:00") else text
    return str(value)


def load_xlsx(stream: BinaryIO, limits: Limits, check: Check | None = None) -> tuple[Any, Any]:
    """(workbook, first sheet) in openpyxl's read-only mode, after the zip-bomb
    guard; ``check`` is called while the shared strings are read."""
    _check_archive(stream, limits)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            book = xlsx.load_workbook(stream, check)
        return book, book.worksheets[0]
    except ReadFailure:
        raise
    except Exception as exc:  # openpyxl raises many kinds on broken files
        if check is not None:
            check()  # a deadline that passed while the file was parsed is the cause to report
        raise unreadable(exc) from exc


def unreadable(exc: Exception) -> ReadFailure:
    """What a spreadsheet parser's own exception (openpyxl, xlrd: many kinds) becomes."""
    return ReadFailure("unreadable-spreadsheet", note=f"{type(exc).__name__}: {exc}")


def workbook_rows(book: Any, rows: Iterator[Any]) -> Iterator[Any]:
    """The rows of an open workbook: parser errors met on the way become ``unreadable``,
    and the workbook (its temporary shared strings included) is closed at the end."""
    try:
        yield from rows
    except ReadFailure:
        raise
    except Exception as exc:
        raise unreadable(exc) from exc
    finally:
        xlsx.close_workbook(book)


def open_xlsx(stream: BinaryIO, limits: Limits, check: Check | None = None) -> Table:
    from frictionless.formats.excel.parsers.xlsx import extract_row_values

    book, sheet = load_xlsx(stream, limits, check)

    def rows() -> Iterator[list[str]]:
        width = 0
        for cells in sheet.iter_rows():
            # frictionless's preserve_formatting renders number/date formats
            # like Validata does; "General" cells are then shown as text.
            values = extract_row_values(list(cells), preserve_formatting=True)
            row = _trim([display_text(v) for v in values])
            # Empty cells at the end of a data row are cells, as frictionless reads
            # them (openpyxl gives them up to the sheet's width): not missing ones.
            if row and len(row) < width:
                row += [""] * (width - len(row))
            width = width or len(row)
            yield row

    return Table(format="xlsx", rows=_skip_trailing_blank(workbook_rows(book, rows())), sheet=sheet.title)


# --------------------------------------------------------------------------- ODS

_NS_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_NS_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_TABLE = f"{{{_NS_TABLE}}}table"
_ROW = f"{{{_NS_TABLE}}}table-row"
_CELL = f"{{{_NS_TABLE}}}table-cell"
_COVERED = f"{{{_NS_TABLE}}}covered-table-cell"
_ROWS_REPEATED = f"{{{_NS_TABLE}}}number-rows-repeated"
_COLS_REPEATED = f"{{{_NS_TABLE}}}number-columns-repeated"
_TABLE_NAME = f"{{{_NS_TABLE}}}name"
_P = f"{{{_NS_TEXT}}}p"
_S = f"{{{_NS_TEXT}}}s"
_TAB = f"{{{_NS_TEXT}}}tab"
_LINE_BREAK = f"{{{_NS_TEXT}}}line-break"
_SPACE_COUNT = f"{{{_NS_TEXT}}}c"


def _paragraph_text(paragraph: ElementTree.Element) -> str:
    parts: list[str] = [paragraph.text or ""]
    for child in paragraph.iter():
        if child is paragraph:
            continue
        if child.tag == _S:
            parts.append(" " * int(child.get(_SPACE_COUNT, "1")))
        elif child.tag == _TAB:
            parts.append("\t")
        elif child.tag == _LINE_BREAK:
            parts.append("\n")
        elif child.text:
            parts.append(child.text)
        if child.tail:
            parts.append(child.tail)
    return "".join(parts)


def open_ods(stream: BinaryIO, limits: Limits) -> Table:
    _check_archive(stream, limits)
    try:
        archive = zipfile.ZipFile(stream)
        content = archive.open("content.xml")
    except (KeyError, zipfile.BadZipFile) as exc:
        raise ReadFailure("unreadable-spreadsheet", note=str(exc)) from exc
    info: dict[str, Any] = {}

    def rows() -> Iterator[list[str]]:
        cells: list[str] = []
        in_table = False
        pending_blank = 0
        try:
            for event, element in ElementTree.iterparse(content, events=("start", "end")):
                tag = element.tag
                if event == "start":
                    if tag == _TABLE:
                        if info.get("sheet") is not None:
                            return  # first sheet only
                        info["sheet"] = element.get(_TABLE_NAME)
                        in_table = True
                    elif tag == _ROW:
                        cells = []
                    continue
                if not in_table:
                    continue
                if tag in (_CELL, _COVERED):
                    text = "\n".join(_paragraph_text(p) for p in element.findall(_P))
                    repeat = int(element.get(_COLS_REPEATED, "1"))
                    if text == "" and repeat > 1:
                        # Trailing blank runs fill the sheet to its last column;
                        # bounded by the column cap so they never explode.
                        repeat = min(repeat, limits.max_columns + 1)
                    cells.extend([text] * repeat)
                    element.clear()
                elif tag == _ROW:
                    row = _trim(cells)
                    repeat = min(int(element.get(_ROWS_REPEATED, "1")), limits.max_rows + 2)
                    element.clear()
                    if not row:
                        # Blank runs fill the sheet to its last row: only the
                        # ones followed by data are rows of the table.
                        pending_blank += repeat
                        continue
                    for _ in range(min(pending_blank, limits.max_rows + 2)):
                        yield []
                    pending_blank = 0
                    for _ in range(repeat):
                        yield row
                elif tag == _TABLE:
                    return
        except ElementTree.ParseError as exc:
            raise ReadFailure("unreadable-spreadsheet", note=str(exc)) from exc
        finally:
            content.close()
            archive.close()

    table = Table(format="ods", rows=rows())
    table.extras = info
    return table
