"""What every reader shares: the caps, the failures and the opened table.

Kept apart so the CSV and spreadsheet readers and the format dispatch import
it without importing each other.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator

# How much of the start of a file is read to tell its format and CSV encoding.
SAMPLE_BYTES = 1 << 20


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
    # An XLSX's shared strings are a lookup table, read before the first row:
    # capped on their own, and kept on disk past SPILL_SHARED_STRINGS.
    max_shared_strings_bytes: int = 128 * 1024 * 1024


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
