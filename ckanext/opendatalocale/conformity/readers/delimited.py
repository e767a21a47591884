"""CSV: the encoding and delimiter sniffed from a sample, then rows decoded as a stream.

Encodings: UTF-8 with or without BOM, UTF-16, cp1252/latin-1. Delimiters:
``,`` ``;`` tab or ``|``. A strict decoding error past the sample raises
:class:`.base.EncodingRetry` so the caller reads again with the next encoding.
"""
from __future__ import annotations

import codecs
import csv
import io
from typing import BinaryIO, Iterator

from .base import SAMPLE_BYTES, EncodingRetry, Limits, ReadFailure, Table

SNIFF_RECORDS = 50
DELIMITERS = (",", ";", "\t", "|")


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
    rows = iter_csv(stream, encoding, delimiter, skip_initial_space, limits, lossy)
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


def iter_csv(stream: BinaryIO, encoding: str, delimiter: str, skip_initial_space: bool,
             limits: Limits, lossy: bool) -> Iterator[list[str]]:
    """The rows of a CSV whose encoding and delimiter are known (the converter
    sniffs its own delimiter and calls this directly)."""
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
