"""A spreadsheet cell as the agent sees it, and as a cache tells it apart."""
from __future__ import annotations

from datetime import date, datetime, time
from typing import Any


def cell_text(cell: Any) -> str:
    """The text of a cell as the agent sees it (numbers without a trailing ``.0``)."""
    if cell is None:
        return ""
    if isinstance(cell, str):
        return cell.strip()
    if isinstance(cell, bool):
        return "oui" if cell else "non"
    if isinstance(cell, float):
        if cell.is_integer() and abs(cell) < 1e15:
            return str(int(cell))
        return format(cell, ".15g")
    if isinstance(cell, datetime):
        return cell.date().isoformat() if cell.time() == time() else cell.isoformat()
    if isinstance(cell, date):
        return cell.isoformat()
    return str(cell).strip()


def cell_key(cell: Any) -> Any:
    """A cache key for a cell: 1, 1.0 and True are equal in Python but not the same cell."""
    return cell if cell.__class__ is str else (cell.__class__, cell)
