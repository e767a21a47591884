"""Turn bytes, a stream or a local path into rows of text, one row at a time.

CSV (UTF-8 with or without BOM, UTF-16, cp1252/latin-1; ``,`` ``;`` tab or
``|`` sniffed), XLSX (openpyxl, cells as displayed) and ODS (stdlib zip + XML
streaming, cells as displayed). Nothing here loads a whole file in memory:
CSV is decoded and parsed as a stream, XLSX/ODS sheets are parsed
incrementally, and a non-seekable stream is spooled to a temporary file
under the byte cap.

Every failure is a :class:`ReadFailure` carrying a message code from
:mod:`.messages`, so the engine turns it into a report with status "error".
"""
from __future__ import annotations

import codecs
import csv
import io
import os
import tempfile
import warnings
import zipfile
from dataclasses import dataclass, field
from typing import IO, Any, BinaryIO, Iterator
from xml.etree import ElementTree

SAMPLE_BYTES = 1 << 20
SNIFF_RECORDS = 50
DELIMITERS = (",", ";", "\t", "|")
SPOOL_MEMORY = 8 << 20

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ODS_MIME = "application/vnd.oasis.opendocument.spreadsheet"

# Magic numbers of binary formats people upload instead of a table.
BINARY_MAGIC = (
    (b"%PDF", "pdf"),
    (b"\xd0\xcf\x11\xe0", "xls"),
    (b"\x1f\x8b", "gzip"),
    (b"\x89PNG", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"Rar!", "rar"),
    (b"7z\xbc\xaf", "7z"),
)


@dataclass(frozen=True)
class Limits:
    """Caps that end a check with status "error" instead of exhausting the host."""

    max_bytes: int = 500 * 1024 * 1024
    max_rows: int = 5_000_000
    max_columns: int = 1000
    max_seconds: float = 600.0
    max_cell_chars: int = 1_000_000
    # Spreadsheets are zip files: cap what they expand to (zip bombs).
    max_uncompressed_bytes: int = 2 * 1024 * 1024 * 1024
    max_compression_ratio: float = 200.0


class ReadFailure(Exception):
    """The source cannot be read as a table (or hits a cap)."""

    def __init__(self, code: str, **params: Any):
        super().__init__(code)
        self.code = code
        self.params = params


class EncodingRetry(Exception):
    """Strict decoding failed after the sample: read again with another encoding."""

    def __init__(self, encoding: str, lossy: bool = False):
        super().__init__(encoding)
        self.encoding = encoding
        self.lossy = lossy


@dataclass
class Table:
    """An opened table: metadata plus an iterator of rows (header first)."""

    format: str
    rows: Iterator[list[str]]
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    lossy: bool = False  # decoded with replacement characters
    extras: dict[str, Any] = field(default_factory=dict)


# --------------------------------------------------------------------------- source


def open_source(source: Any, limits: Limits) -> tuple[BinaryIO, int, bool]:
    """Return (seekable binary stream, size, must_close) under the byte cap.

    Paths are opened here (never handed to frictionless, whose path-safety
    guard refuses absolute paths).
    """
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        if len(data) > limits.max_bytes:
            raise ReadFailure("too-large", limit=limits.max_bytes)
        return io.BytesIO(data), len(data), True
    if isinstance(source, (str, os.PathLike)):
        try:
            size = os.path.getsize(source)
        except OSError as exc:
            raise ReadFailure("unreadable-spreadsheet", note=str(exc.strerror or exc)) from exc
        if size > limits.max_bytes:
            raise ReadFailure("too-large", limit=limits.max_bytes)
        return open(source, "rb"), size, True
    if hasattr(source, "read"):
        stream = source
        if _seekable(stream):
            start = stream.tell()
            size = stream.seek(0, io.SEEK_END) - start
            stream.seek(start)
            if size > limits.max_bytes:
                raise ReadFailure("too-large", limit=limits.max_bytes)
            if start == 0:
                return stream, size, False
        spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY)
        size = 0
        while True:
            chunk = stream.read(1 << 16)
            if not chunk:
                break
            size += len(chunk)
            if size > limits.max_bytes:
                spool.close()
                raise ReadFailure("too-large", limit=limits.max_bytes)
            spool.write(chunk)
        spool.seek(0)
        return spool, size, True  # type: ignore[return-value]
    raise TypeError(f"unsupported source type: {type(source).__name__}")


def _seekable(stream: IO) -> bool:
    try:
        return bool(stream.seekable())
    except (AttributeError, ValueError):
        return False


# --------------------------------------------------------------------------- formats


def sniff_format(head: bytes, stream: BinaryIO) -> str:
    """Return "csv", "xlsx" or "ods"; raise for other binary formats."""
    if not head:
        raise ReadFailure("empty-file")
    if head.startswith(b"PK\x03\x04"):
        stream.seek(0)
        try:
            with zipfile.ZipFile(stream) as archive:
                names = set(archive.namelist())
                if "mimetype" in names:
                    mime = archive.read("mimetype")[:100].decode("ascii", "replace").strip()
                    if mime == ODS_MIME:
                        return "ods"
                if "xl/workbook.xml" in names:
                    return "xlsx"
        except zipfile.BadZipFile as exc:
            raise ReadFailure("unreadable-spreadsheet", note=str(exc)) from exc
        finally:
            stream.seek(0)
        raise ReadFailure("unsupported-format", format="zip")
    for magic, name in BINARY_MAGIC:
        if head.startswith(magic):
            raise ReadFailure("unsupported-format", format=name)
    return "csv"


def open_table(stream: BinaryIO, limits: Limits, *, encoding: str | None = None,
               lossy: bool = False) -> Table:
    head = stream.read(SAMPLE_BYTES)
    stream.seek(0)
    fmt = sniff_format(head, stream)
    if fmt == "xlsx":
        return open_xlsx(stream, limits)
    if fmt == "ods":
        return open_ods(stream, limits)
    return open_csv(stream, head, limits, encoding=encoding, lossy=lossy)


# --------------------------------------------------------------------------- CSV


def detect_encoding(sample: bytes) -> str:
    """BOM first, then UTF-16 without BOM, then UTF-8, then cp1252/latin-1."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    probe = sample[:4000]
    if len(probe) >= 4:
        even_nuls = probe[0::2].count(0)
        odd_nuls = probe[1::2].count(0)
        half = len(probe) / 2
        if odd_nuls > 0.4 * half and even_nuls < 0.05 * half:
            return "utf-16-le"
        if even_nuls > 0.4 * half and odd_nuls < 0.05 * half:
            return "utf-16-be"
    if _decodes(sample, "utf-8", partial=len(sample) >= SAMPLE_BYTES):
        return "utf-8"
    if _decodes(sample, "cp1252"):
        return "cp1252"
    return "latin-1"


def _decodes(data: bytes, encoding: str, partial: bool = False) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        decoder.decode(data, final=not partial)
        return True
    except UnicodeDecodeError:
        return False


def fallback_encoding(encoding: str) -> str | None:
    """Next encoding to try when strict decoding fails past the sample."""
    if encoding in ("utf-8", "utf-8-sig"):
        return "cp1252"
    if encoding == "cp1252":
        return "latin-1"
    return None


def looks_binary(text: str) -> bool:
    """Many control characters: not a text table (NUL bytes here and there are tolerated)."""
    if len(text) < 512:
        return False
    controls = sum(1 for ch in text if (ord(ch) < 32 and ch not in "\t\n\r") or ch == "\x7f")
    return controls > 0.08 * len(text)


def sniff_delimiter(text: str) -> str:
    """Pick the delimiter that gives the widest, most regular header and rows."""
    cut = text.rfind("\n")
    if cut > 0:
        text = text[: cut + 1]
    best, best_score = ",", (0.0, 0)
    for delimiter in DELIMITERS:
        records = []
        try:
            for record in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
                records.append(len(record))
                if len(records) >= SNIFF_RECORDS:
                    break
        except csv.Error:
            continue
        if not records or records[0] < 2:
            continue
        width = records[0]
        regular = sum(1 for n in records if n == width) / len(records)
        score = (regular, width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def open_csv(stream: BinaryIO, head: bytes, limits: Limits, *, encoding: str | None = None,
             lossy: bool = False) -> Table:
    encoding = encoding or detect_encoding(head)
    sample_text = head.decode(encoding, errors="replace")
    if encoding.startswith("utf-16") and sample_text.startswith("\ufeff"):
        sample_text = sample_text[1:]
    if looks_binary(sample_text[:20000]):
        raise ReadFailure("binary-file")
    delimiter = sniff_delimiter(sample_text)
    skip_initial_space = sniff_initial_space(sample_text, delimiter)
    rows = _iter_csv(stream, encoding, delimiter, skip_initial_space, limits, lossy)
    table = Table(format="csv", rows=rows, encoding=encoding, delimiter=delimiter, lossy=lossy)
    table.extras["skip_initial_space"] = skip_initial_space
    return table


def sniff_initial_space(text: str, delimiter: str) -> bool:
    """Whether ", "-style separators are used (frictionless then skips the space).

    frictionless takes this from ``csv.Sniffer`` on the first 100 lines; follow
    it when the sniffer agrees on the delimiter, so verdicts stay identical.
    """
    lines = text.splitlines(keepends=True)[:100]
    try:
        dialect = csv.Sniffer().sniff("".join(lines), delimiters=",\t;|")
    except csv.Error:
        return False
    return bool(dialect.delimiter == delimiter and dialect.skipinitialspace)


def _iter_csv(stream: BinaryIO, encoding: str, delimiter: str, skip_initial_space: bool,
              limits: Limits, lossy: bool) -> Iterator[list[str]]:
    csv.field_size_limit(limits.max_cell_chars)
    text = io.TextIOWrapper(
        _Unclosable(stream), encoding=encoding, errors="replace" if lossy else "strict", newline=""
    )
    reader = csv.reader(text, delimiter=delimiter, quotechar='"', doublequote=True,
                        skipinitialspace=skip_initial_space, strict=False)
    try:
        yield from reader
    except UnicodeDecodeError as exc:
        following = fallback_encoding(encoding)
        if following is not None:
            raise EncodingRetry(following) from exc
        raise EncodingRetry(encoding, lossy=True) from exc
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise ReadFailure("cell-too-large", limit=limits.max_cell_chars, row=reader.line_num) from exc
        raise ReadFailure("malformed-csv", row=reader.line_num, note=str(exc)) from exc


class _Unclosable(io.RawIOBase):
    """Let TextIOWrapper read the caller's stream without closing it."""

    def __init__(self, raw: BinaryIO):
        self._raw = raw

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[override]
        data = self._raw.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        pass


# --------------------------------------------------------------------------- zip guard


def _check_archive(stream: BinaryIO, limits: Limits) -> None:
    stream.seek(0)
    try:
        with zipfile.ZipFile(stream) as archive:
            total = 0
            for info in archive.infolist():
                total += info.file_size
                ratio = info.file_size / max(info.compress_size, 1)
                if total > limits.max_uncompressed_bytes or (
                    info.file_size > 10 << 20 and ratio > limits.max_compression_ratio
                ):
                    raise ReadFailure("spreadsheet-too-large", limit=limits.max_uncompressed_bytes)
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


def load_xlsx(stream: BinaryIO, limits: Limits) -> tuple[Any, Any]:
    """(workbook, first sheet) in openpyxl's read-only mode, after the zip-bomb guard."""
    _check_archive(stream, limits)
    import openpyxl

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            book = openpyxl.load_workbook(stream, read_only=True, data_only=True)
        return book, book.worksheets[0]
    except Exception as exc:  # openpyxl raises many kinds on broken files
        raise ReadFailure("unreadable-spreadsheet", note=f"{type(exc).__name__}: {exc}") from exc


def open_xlsx(stream: BinaryIO, limits: Limits) -> Table:
    from frictionless.formats.excel.parsers.xlsx import extract_row_values

    book, sheet = load_xlsx(stream, limits)

    def rows() -> Iterator[list[str]]:
        width = 0
        try:
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
        except ReadFailure:
            raise
        except Exception as exc:
            raise ReadFailure("unreadable-spreadsheet", note=f"{type(exc).__name__}: {exc}") from exc
        finally:
            book.close()

    return Table(format="xlsx", rows=_skip_trailing_blank(rows()), sheet=sheet.title)


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
