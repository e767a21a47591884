"""From a source (bytes, stream or path) to an opened table of the right format.

The source is made seekable under the byte cap, its first bytes tell the
format, and the matching reader (:mod:`.delimited` or :mod:`.spreadsheets`)
opens it.
"""
from __future__ import annotations

import io
import os
import tempfile
import zipfile
from typing import IO, Any, BinaryIO

from ..xlsx import Check
from .base import SAMPLE_BYTES, Limits, ReadFailure, Table
from .delimited import open_csv
from .spreadsheets import open_ods, open_xlsx

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
               lossy: bool = False, check: Check | None = None) -> Table:
    """Open the table; ``check`` is called now and then while an XLSX's shared
    strings are read (before the first row), and raises to stop."""
    head = stream.read(SAMPLE_BYTES)
    stream.seek(0)
    fmt = sniff_format(head, stream)
    if fmt == "xlsx":
        return open_xlsx(stream, limits, check)
    if fmt == "ods":
        return open_ods(stream, limits)
    return open_csv(stream, head, limits, encoding=encoding, lossy=lossy)
