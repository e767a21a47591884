"""Open an agent's spreadsheet as a table: find the header, keep the rows streaming.

The suite's readers (:mod:`ckanext.opendatalocale.conformity.readers`) do the
heavy lifting and apply the same caps as conformity: size, zip bombs,
columns, rows, encodings and binary files. This module adds what a converter
needs on top:

* XLSX cells keep their type (a real date cell stays a date, whatever its
  display format), XLS is read with xlrd;
* the CSV delimiter is sniffed past title lines, which the readers' sniffer
  (made for conformant files) reads as a one-column table;
* title, note and blank rows above the header are skipped and a header spread
  over two rows (merged group titles above) is flattened.

Rows are never all held in memory: :class:`Table` keeps the file's bytes and
reads them again on each pass; only a sample of the first rows is kept.
"""
from __future__ import annotations

import codecs
import csv
import io
import re
from collections import Counter
from datetime import datetime
from typing import Any, Callable, Iterator

from ckanext.opendatalocale.conformity import readers
from ckanext.opendatalocale.conformity.readers import Limits, ReadFailure

from .messages import render

DEFAULT_MAX_BYTES = 100 * 1024 * 1024  # conformity's declared default (max_bytes)
SAMPLE_ROWS = 1000
HEADER_SCAN_ROWS = 30
SNIFF_CHARS = 64 * 1024
OLE_MAGIC = b"\xd0\xcf\x11\xe0"
_NUMBERISH = re.compile(r"^[\s\d.,:/%€+\-]*$")

Cell = Any  # str, int, float, date, datetime, bool or None


class ConvertError(Exception):
    """Input the converter cannot turn into a table (or a bad recipe/constant)."""

    def __init__(self, code: str, message_fr: str | None = None, message_en: str | None = None, **params: Any):
        if message_fr is None or message_en is None:
            message_fr, message_en = render(code, **params)
        super().__init__(message_en)
        self.code = code
        self.message_fr = message_fr
        self.message_en = message_en
        self.params = params

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": {"fr": self.message_fr, "en": self.message_en}}

    @classmethod
    def from_failure(cls, failure: ReadFailure) -> "ConvertError":
        params = {k: v for k, v in failure.params.items()}
        code = failure.code
        if code == "empty-file":
            return cls("empty-file")
        return cls(code, **params)


def warning(code: str, **params: Any) -> dict[str, Any]:
    fr, en = render(code, **params)
    return {"code": code, "message": {"fr": fr, "en": en}, **({"params": params} if params else {})}


class Table:
    """A table read from a file: flattened headers, a sample, and rows read on demand."""

    def __init__(self, headers: list[str], source: dict[str, Any], warnings: list[dict],
                 sample: list[list[Cell]], open_rows: Callable[[], Iterator[list[Cell]]]):
        self.headers = headers
        self.source = source
        self.warnings = warnings
        self.sample = sample
        self._open_rows = open_rows

    @property
    def rows(self) -> "Rows":
        return Rows(self)

    def column_sample(self, index: int) -> list[Cell]:
        return [row[index] for row in self.sample if index < len(row) and not is_blank(row[index])]


class Rows:
    """Data rows (header excluded), padded to the header's width, read again at each iteration."""

    def __init__(self, table: Table):
        self._table = table

    def __iter__(self) -> Iterator[list[Cell]]:
        return self._table._open_rows()


def is_blank(cell: Cell) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


# --------------------------------------------------------------------------- formats


def _xlsx_rows(data: bytes, limits: Limits) -> tuple[Iterator[list[Cell]], str]:
    # The readers' loader: same zip-bomb guard and errors as conformity; cells keep their type here.
    book, sheet = readers.load_xlsx(io.BytesIO(data), limits)

    def rows() -> Iterator[list[Cell]]:
        for values in sheet.iter_rows(values_only=True):
            if len(values) > limits.max_columns:
                values = _trim_cells(list(values))
                if len(values) > limits.max_columns:
                    raise ReadFailure("too-many-columns", count=len(values), limit=limits.max_columns)
            yield _trim_cells(list(values))

    return readers.workbook_rows(book, rows()), sheet.title


def _xls_rows(data: bytes, limits: Limits) -> tuple[Iterator[list[Cell]], str]:
    import xlrd

    try:
        book = xlrd.open_workbook(file_contents=data, on_demand=True)
        sheet = book.sheet_by_index(0)
    except Exception as exc:
        raise readers.unreadable(exc) from exc
    if sheet.ncols > limits.max_columns:
        raise ReadFailure("too-many-columns", count=sheet.ncols, limit=limits.max_columns)

    def cell_value(cell: Any) -> Cell:
        if cell.ctype == xlrd.XL_CELL_DATE:
            try:
                moment = xlrd.xldate_as_datetime(cell.value, book.datemode)
            except Exception:
                return cell.value
            return moment.date() if moment.time() == datetime.min.time() else moment
        if cell.ctype == xlrd.XL_CELL_NUMBER:
            return int(cell.value) if float(cell.value).is_integer() else cell.value
        if cell.ctype == xlrd.XL_CELL_BOOLEAN:
            return bool(cell.value)
        if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK, xlrd.XL_CELL_ERROR):
            return None
        return cell.value

    def rows() -> Iterator[list[Cell]]:
        for index in range(sheet.nrows):
            yield _trim_cells([cell_value(c) for c in sheet.row(index)])

    return rows(), sheet.name


def _trim_cells(cells: list[Cell]) -> list[Cell]:
    end = len(cells)
    while end and is_blank(cells[end - 1]):
        end -= 1
    return cells[:end]


def sniff_delimiter(text: str) -> str:
    """The delimiter that splits most lines into the same number (>= 2) of cells.

    Title lines above the header are ignored: only widths of two or more count.
    """
    lines = [line for line in text.splitlines()[:200] if line.strip()]
    if len(lines) > 1:
        lines = lines[:-1]  # the sample may cut the last line
    best, best_score = ";", (0, 0)
    for delimiter in (";", ",", "\t", "|"):
        try:
            widths = [len(r) for r in csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter)]
        except csv.Error:
            continue
        counts = Counter(w for w in widths if w >= 2)
        if not counts:
            continue
        width, regular = counts.most_common(1)[0]
        score = (regular, width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _csv_rows(data: bytes, limits: Limits, encoding: str | None, lossy: bool) -> tuple[Iterator[list[Cell]], dict]:
    head = data[: readers.SAMPLE_BYTES]
    encoding = encoding or readers.detect_encoding(head)
    sample_text = head[:SNIFF_CHARS * 2].decode(encoding, errors="replace").lstrip("\ufeff")
    if readers.looks_binary(sample_text[:20000]):
        raise ReadFailure("binary-file")
    delimiter = sniff_delimiter(sample_text[:SNIFF_CHARS])
    rows = readers.iter_csv(io.BytesIO(data), encoding, delimiter, False, limits, lossy)
    return rows, {"encoding": encoding, "delimiter": delimiter}


def _open_cells(data: bytes, filename: str, limits: Limits, retry: dict) -> tuple[Iterator[list[Cell]], dict]:
    """Raw rows of the first sheet (or the CSV) and what was found about the file."""
    head = data[: readers.SAMPLE_BYTES]
    if head.startswith(OLE_MAGIC):
        rows, sheet = _xls_rows(data, limits)
        return rows, {"format": "xls", "sheet": sheet}
    fmt = readers.sniff_format(head, io.BytesIO(data))
    if fmt == "xlsx":
        rows, sheet = _xlsx_rows(data, limits)
        return rows, {"format": "xlsx", "sheet": sheet}
    if fmt == "ods":
        table = readers.open_ods(io.BytesIO(data), limits)
        return table.rows, {"format": "ods", "sheet_ref": table.extras}
    rows, info = _csv_rows(data, limits, retry.get("encoding"), retry.get("lossy", False))
    return rows, {"format": "csv", **info}


def _check_encoding(data: bytes) -> dict:
    """Pick the CSV encoding once for the whole file (the readers retry mid-stream otherwise)."""
    encoding = readers.detect_encoding(data[: readers.SAMPLE_BYTES])
    while encoding in ("utf-8", "utf-8-sig", "cp1252"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            for start in range(0, len(data), 1 << 20):
                decoder.decode(data[start:start + (1 << 20)])
            decoder.decode(b"", final=True)
            return {"encoding": encoding}
        except UnicodeDecodeError:
            encoding = readers.fallback_encoding(encoding) or "latin-1"
    return {"encoding": encoding}


# --------------------------------------------------------------------------- header


def _is_label(cell: Cell) -> bool:
    return isinstance(cell, str) and bool(cell.strip()) and not _NUMBERISH.match(cell)


def _labels(row: list[Cell]) -> int:
    return sum(1 for cell in row if _is_label(cell))


def _filled(row: list[Cell]) -> int:
    return sum(1 for cell in row if not is_blank(cell))


def _has_content(row: list[Cell]) -> bool:
    # Called on every data row: stops at the first filled cell (usually the first one).
    for cell in row:
        if cell is not None and (not isinstance(cell, str) or cell.strip()):
            return True
    return False


def find_header(rows: list[list[Cell]]) -> tuple[int, int] | None:
    """(index of the first header row, number of header rows), or None."""
    width = max((_filled(r) for r in rows), default=0)
    for index, row in enumerate(rows):
        filled = _filled(row)
        if filled < 2 or _labels(row) < max(2, width * 0.5) or _labels(row) < filled:
            continue
        below = rows[index + 1] if index + 1 < len(rows) else []
        if below and _labels(below) == _filled(below) > 0 and any(
            is_blank(row[c]) if c < len(row) else True for c, cell in enumerate(below) if _is_label(cell)
        ):
            return index, 2  # groups on this row, column names on the next
        above = rows[index - 1] if index > 0 else []
        labels_above = [c for c, cell in enumerate(above) if _is_label(cell)]
        if labels_above and _labels(above) == _filled(above) and (len(labels_above) >= 2 or labels_above[0] > 0) \
                and all(len(str(above[c])) <= 40 for c in labels_above):
            return index - 1, 2
        return index, 1
    return None


def flatten_header(header_rows: list[list[Cell]]) -> list[str]:
    if len(header_rows) == 1:
        return [_text(c) for c in header_rows[0]]
    top, bottom = header_rows
    width = max(len(top), len(bottom))
    labels, group = [], ""
    for c in range(width):
        parent = _text(top[c]) if c < len(top) else ""
        child = _text(bottom[c]) if c < len(bottom) else ""
        if parent:
            group = parent
        elif child:
            parent = group
        labels.append(f"{parent} {child}".strip() if parent != child else child)
    return labels


def _text(cell: Cell) -> str:
    return "" if cell is None else " ".join(str(cell).split())


def _unique_labels(labels: list[str]) -> tuple[list[str], list[str]]:
    seen: Counter = Counter()
    result, renamed = [], []
    for position, label in enumerate(labels, start=1):
        name = label or f"Colonne {position}"
        seen[name] += 1
        if seen[name] > 1:
            name = f"{name} ({seen[name]})"
        if name != label:
            renamed.append(name)
        result.append(name)
    return result, renamed


# --------------------------------------------------------------------------- entry point


def read_table(data: bytes, filename: str = "", *, max_bytes: int | None = None,
               max_rows: int | None = None, max_columns: int | None = None) -> Table:
    """Open ``data`` (CSV, XLSX, XLS or ODS) and find its header; raises :class:`ConvertError`."""
    defaults = Limits()
    limits = Limits(max_bytes=max_bytes or DEFAULT_MAX_BYTES, max_rows=max_rows or defaults.max_rows,
                    max_columns=max_columns or defaults.max_columns)
    if len(data) > limits.max_bytes:
        raise ConvertError("too-large", limit=limits.max_bytes)
    if not data or (len(data) < SNIFF_CHARS and not data.strip()):
        raise ConvertError("empty-file")
    try:
        retry = _check_encoding(data) if not data.startswith((b"PK\x03\x04", OLE_MAGIC)) else {}
        rows, info = _open_cells(data, filename, limits, retry)
        head: list[list[Cell]] = []
        for row in rows:
            if len(row) > limits.max_columns:
                raise ReadFailure("too-many-columns", count=len(row), limit=limits.max_columns)
            head.append(row)
            if len(head) >= HEADER_SCAN_ROWS:
                break
        found = find_header(head)
        if found is None:
            raise ConvertError("no-header" if any(_filled(r) for r in head) else "empty-file")
        start, depth = found
        headers, renamed = _unique_labels(flatten_header(head[start:start + depth]))
        first_data = start + depth
        sample: list[list[Cell]] = []
        numbered = _data_rows(iter(head[first_data:]), rows, len(headers), first_data, limits)
        for _number, cells in numbered:
            sample.append(cells)
            if len(sample) >= SAMPLE_ROWS:
                break
        if hasattr(rows, "close"):
            rows.close()
    except ReadFailure as failure:
        raise ConvertError.from_failure(failure) from failure
    sheet = info.pop("sheet_ref", {}).get("sheet") if info.get("format") == "ods" else info.get("sheet")
    source = {"format": info["format"], "encoding": info.get("encoding"), "delimiter": info.get("delimiter"),
              "header_row": start + 1, "sheet": sheet, "bytes": len(data)}
    notes = []
    if start:
        notes.append(warning("rows-skipped", count=start))
    if depth == 2:
        notes.append(warning("header-merged"))
    if renamed:
        notes.append(warning("header-renamed", names=", ".join(renamed)))

    def open_rows(numbered: bool = False) -> Iterator[Any]:
        try:
            again, _info = _open_cells(data, filename, limits, retry)
            for _ in range(first_data):
                next(again, None)
            for number, cells in _data_rows(iter(()), again, len(headers), first_data, limits):
                yield (number, cells) if numbered else cells
        except ReadFailure as failure:
            raise ConvertError.from_failure(failure) from failure

    table = Table(headers, source, notes, sample, open_rows)
    table.numbered_rows = lambda: open_rows(numbered=True)  # type: ignore[attr-defined]
    return table


def _data_rows(buffered: Iterator[list[Cell]], rest: Iterator[list[Cell]], width: int, skipped: int,
               limits: Limits) -> Iterator[tuple[int, list[Cell]]]:
    """(spreadsheet row number, cells padded to the header's width), blank rows left out."""
    number = skipped
    count = 0
    for source in (buffered, rest):
        for row in source:
            number += 1
            if not _has_content(row):
                continue
            count += 1
            if count > limits.max_rows:
                raise ReadFailure("too-many-rows", limit=limits.max_rows)
            if len(row) < width:
                row = list(row) + [None] * (width - len(row))
            elif len(row) > width:
                row = list(row[:width])
            yield number, row
