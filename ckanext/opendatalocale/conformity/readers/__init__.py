"""Turn bytes, a stream or a local path into rows of text, one row at a time.

CSV (UTF-8 with or without BOM, UTF-16, cp1252/latin-1; ``,`` ``;`` tab or
``|`` sniffed), XLSX (openpyxl, cells as displayed) and ODS (stdlib zip + XML
streaming, cells as displayed). Nothing here loads a whole file in memory:
CSV is decoded and parsed as a stream, XLSX/ODS sheets are parsed
incrementally, and a non-seekable stream is spooled to a temporary file
under the byte cap.

Every failure is a :class:`ReadFailure` carrying a message code from
:mod:`ckanext.opendatalocale.conformity.messages`, so the engine turns it into
a report with status "error".

Import from here; the modules are the package's seams: :mod:`.base` (caps,
failures, the opened table), :mod:`.source` (opening a source, telling its
format), :mod:`.delimited` (CSV) and :mod:`.spreadsheets` (zip guard, XLSX, ODS).
"""
from .base import SAMPLE_BYTES, EncodingRetry, Limits, ReadFailure, Table
from .delimited import (
    DELIMITERS, SNIFF_RECORDS, detect_encoding, fallback_encoding, iter_csv, looks_binary, open_csv,
    sniff_delimiter, sniff_initial_space,
)
from .source import (
    BINARY_MAGIC, ODS_MIME, SPOOL_MEMORY, XLSX_MIME, open_source, open_table, sniff_format,
)
from .spreadsheets import display_text, load_xlsx, open_ods, open_xlsx, unreadable, workbook_rows

__all__ = [
    "BINARY_MAGIC",
    "DELIMITERS",
    "EncodingRetry",
    "Limits",
    "ODS_MIME",
    "ReadFailure",
    "SAMPLE_BYTES",
    "SNIFF_RECORDS",
    "SPOOL_MEMORY",
    "Table",
    "XLSX_MIME",
    "detect_encoding",
    "display_text",
    "fallback_encoding",
    "iter_csv",
    "load_xlsx",
    "looks_binary",
    "open_csv",
    "open_ods",
    "open_source",
    "open_table",
    "open_xlsx",
    "sniff_delimiter",
    "sniff_format",
    "sniff_initial_space",
    "unreadable",
    "workbook_rows",
]
