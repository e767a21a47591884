"""The territorial consolidated file of one schema: every conformant resource of the
territory's collectivités concatenated in the schema's column order (data.gouv.fr does not
consolidate SCDL). The core here is pure; the glue passes the resources' bytes."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence

ENCODINGS = ("utf-8-sig", "cp1252")


def decode(data: bytes) -> str:
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _reader(text: str) -> csv.reader:
    head = text[:4096]
    first_line = head.splitlines()[0] if head else ""
    # SCDL files are comma-separated, French spreadsheets often write semicolons.
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)


def consolidated_rows(sources: Iterable[bytes], field_names: Sequence[str]) -> Iterator[list[str]]:
    """Rows of every source mapped onto ``field_names`` by header name (exact, then
    case-insensitive); missing columns stay empty, unknown ones are dropped, blank and
    repeated rows are skipped."""
    seen: set[tuple[str, ...]] = set()
    for data in sources:
        reader = _reader(decode(data))
        header = next(reader, None)
        if not header:
            continue
        exact = {name.strip(): i for i, name in enumerate(header)}
        folded = {name.strip().lower(): i for i, name in enumerate(header)}
        positions = [exact.get(field, folded.get(field.lower())) for field in field_names]
        if all(position is None for position in positions):
            continue
        for row in reader:
            values = tuple(row[p] if p is not None and p < len(row) else "" for p in positions)
            if not any(v.strip() for v in values) or values in seen:
                continue
            seen.add(values)
            yield list(values)


def to_csv(rows: Iterable[Sequence[str]], field_names: Sequence[str]) -> str:
    """Plain UTF-8 comma-separated text, as the SCDL schemas expect (no BOM, no quoting
    of formula-like cells: the file is data to validate, not a spreadsheet export)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(field_names)
    writer.writerows(rows)
    return buffer.getvalue()
