"""openpyxl's read-only workbook with bounded memory and time on hostile files.

openpyxl keeps every shared string in a list (about six times the XML's size)
and, for a sheet without ``<dimension>``, parses every row just to size it.
Here large shared-string tables are kept in a temporary file and looked up by
index, the size is read from the sheet's start only, and a ``check`` callback
can stop the reading of the strings when the caller's time is up.
"""
from __future__ import annotations

import os
import struct
import tempfile
from typing import IO, Any, BinaryIO, Callable
from xml.etree import ElementTree

# Shared strings larger than this (inflated) are looked up from a temporary file.
SPILL_SHARED_STRINGS = 16 << 20
CHECK_EVERY = 4096

Check = Callable[[], None]  # raises when the caller's time is up

_NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_SI, _T, _R = f"{_NS_MAIN}si", f"{_NS_MAIN}t", f"{_NS_MAIN}r"


class SpilledStrings:
    """An XLSX's shared strings in a temporary file, looked up by index:
    memory stays flat whatever their number (openpyxl keeps a list)."""

    def __init__(self) -> None:
        self._data = tempfile.TemporaryFile()
        self._ends = tempfile.TemporaryFile()  # one 8-byte end offset per string
        self._count = 0
        self._offset = 0

    def append(self, text: str) -> None:
        raw = text.encode("utf-8")
        self._data.write(raw)
        self._offset += len(raw)
        self._ends.write(struct.pack("<Q", self._offset))
        self._count += 1

    def freeze(self) -> "SpilledStrings":
        self._data.flush()
        self._ends.flush()
        return self

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, index: int) -> str:
        if not 0 <= index < self._count:
            raise IndexError(index)
        if index:
            start, end = struct.unpack("<QQ", os.pread(self._ends.fileno(), 16, 8 * (index - 1)))
        else:
            start, (end,) = 0, struct.unpack("<Q", os.pread(self._ends.fileno(), 8, 0))
        return os.pread(self._data.fileno(), end - start, start).decode("utf-8")

    def close(self) -> None:
        self._data.close()
        self._ends.close()


def read_spilled_strings(source: IO[bytes], check: Check | None = None) -> SpilledStrings:
    """openpyxl's shared-string text (plain ``t`` plus rich-text runs, no
    phonetic runs), parsed as a stream whose finished elements are dropped."""
    strings = SpilledStrings()
    root = None
    for event, element in ElementTree.iterparse(source, events=("start", "end")):
        if root is None:
            root = element
        if event != "end" or element.tag != _SI:
            continue
        parts = []
        for child in element:
            if child.tag == _T:
                parts.append(child.text or "")
            elif child.tag == _R:
                parts.extend(t.text or "" for t in child.iter(_T))
        strings.append("".join(parts).replace("x005F_", ""))
        root.clear()
        if check is not None and not len(strings) % CHECK_EVERY:
            check()
    return strings.freeze()


def load_workbook(stream: BinaryIO, check: Check | None) -> Any:
    """openpyxl's read-only workbook, large shared strings read by
    :func:`read_spilled_strings`, sheets sized without reading their rows."""
    from openpyxl.reader.excel import SHARED_STRINGS, ExcelReader
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet
    from openpyxl.worksheet._reader import DATA_TAG, DIMENSION_TAG
    from openpyxl.worksheet.dimensions import SheetDimension

    class Sheet(ReadOnlyWorksheet):
        def _get_size(self) -> None:
            # openpyxl looks for <dimension> until the *end* of <sheetData>,
            # i.e. parses every row of a sheet without one; it comes before.
            source = self._get_source()
            try:
                for _event, element in ElementTree.iterparse(source, events=("start",)):
                    if element.tag == DIMENSION_TAG:
                        bounds = SheetDimension.from_tree(element).boundaries
                        self._min_column, self._min_row, self._max_column, self._max_row = bounds
                        return
                    if element.tag == DATA_TAG:
                        return
            finally:
                source.close()

    class Reader(ExcelReader):
        def read_worksheets(self) -> None:
            for sheet, rel in self.parser.find_sheets():
                if rel.target in self.valid_files and "chartsheet" not in rel.Type:
                    worksheet = Sheet(self.wb, sheet.name, rel.target, self.shared_strings)
                    worksheet.sheet_state = sheet.state
                    self.wb._sheets.append(worksheet)

        def read_strings(self) -> None:
            part = self.package.find(SHARED_STRINGS)
            name = part.PartName[1:] if part is not None else None
            if name is None or self.archive.getinfo(name).file_size <= SPILL_SHARED_STRINGS:
                super().read_strings()
                return
            with self.archive.open(name) as source:
                self.shared_strings = read_spilled_strings(source, check)

    reader = Reader(stream, read_only=True, data_only=True)
    reader.read()
    book = reader.wb
    book._odl_strings = reader.shared_strings  # see close_workbook
    return book




def close_workbook(book: Any) -> None:
    """Close the workbook and its shared strings' temporary files, if any."""
    book.close()
    if isinstance(getattr(book, "_odl_strings", None), SpilledStrings):
        book._odl_strings.close()
