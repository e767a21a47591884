"""Numbers as agents type them: decimal comma or dot, thousands grouped by spaces, dots or commas, €, %.

A column's samples (and the precision of the field's example) tell how it
groups thousands; each value is then read the same way.
"""
from __future__ import annotations

import re
from typing import Any, Mapping

from .cells import cell_text

_SPACES = re.compile(r"[\s\u00a0\u202f\u2009']+")
_NUMBER_CHARS = re.compile(r"^[+\-−]?\d[\d.,]*$")
# Numbers no thousands/decimal convention can read otherwise: digits grouped by spaces, 1 or 2 decimals.
_PLAIN_NUMBER = re.compile(r"([0-9]{1,3}(?:[ \u00a0\u202f][0-9]{3})+|[0-9]+)(?:,([0-9]{1,2}))?(?: ?€)?")
_DOTTED_THOUSANDS = re.compile(r"[+\-]?[1-9]\d{0,2}\.\d{3}")
_CURRENCY = re.compile(r"(?i)€|eur(os?)?\b|\$|%|k€")
_EN_GROUPS = re.compile(r"\d{1,3}(,\d{3})+")
_FR_DOT_GROUPS = re.compile(r"\d{1,3}(\.\d{3})+")


def number_style(samples: list[Any], precision: int | None = None) -> str:
    """How a column groups thousands: ``en`` (1,234.5), ``fr-dots`` (1.234,5) or ``fr`` (1 234,5).

    ``precision``, the decimals a field's values have (its example's, 0 for an
    integer), settles ``86.822``: three decimals where there are at most two
    can only be a dot between thousands.
    """
    votes = {"en": 0, "fr-dots": 0, "fr": 0}
    texts = [_SPACES.sub("", cell) for cell in samples if isinstance(cell, str)]
    for text in texts:
        if re.search(r"\d,\d{3}\.\d", text) or re.fullmatch(r"[+\-]?\d{1,3}(,\d{3}){2,}(\.\d+)?", text):
            votes["en"] += 1
        elif re.search(r"\d\.\d{3},\d", text) or re.fullmatch(r"[+\-]?\d{1,3}(\.\d{3}){2,}(,\d+)?", text):
            votes["fr-dots"] += 1
        elif re.search(r",(\d{1,2}|\d{4,})$", text):
            votes["fr"] += 1
    best = max(votes, key=lambda k: (votes[k], k == "fr"))
    if votes[best]:
        return best
    separated = [t for t in texts if "." in t or "," in t]
    if precision is not None and precision < 3 and len(separated) >= 3 \
            and all(_DOTTED_THOUSANDS.fullmatch(t) for t in separated):
        return "fr-dots"
    return "fr"


def example_precision(field: Mapping[str, Any]) -> int | None:
    """Decimals of a number field's example (``examples`` in some SCDL schemas); 0 for an integer."""
    if field.get("type") == "integer":
        return 0
    example = str(field.get("example", field.get("examples")) or "")
    found = re.fullmatch(r"\s*[+\-]?[\d\s]*\d(?:[.,](\d+))?\s*", example)
    return (len(found.group(1) or "")) if found else None


def parse_number(cell: Any, style: str = "fr") -> tuple[str, bool] | None:
    """(number as plain text with a dot, had a % sign), or None."""
    if isinstance(cell, bool):
        return None
    if isinstance(cell, (int, float)):
        return cell_text(cell), False
    text = cell_text(cell)
    quick = _PLAIN_NUMBER.fullmatch(text)
    if quick:  # 1234, 12,5, 2 441,50 €: read the same by any style, no need for the general rules
        integer, fraction = quick.groups()
        integer = _SPACES.sub("", integer)
        return (integer + "." + fraction if fraction else integer), False
    return _parse_text_number(text, style)


def _parse_text_number(text: str, style: str) -> tuple[str, bool] | None:
    percent = "%" in text
    negative = False
    text = _CURRENCY.sub("", text)
    text = _SPACES.sub("", text).replace("−", "-")
    if text.startswith("(") and text.endswith(")"):
        negative, text = True, text[1:-1]
    if text.endswith("-") and not text.startswith("-"):
        negative, text = True, text[:-1]
    if text.startswith("+"):
        text = text[1:]
    if text.startswith("-"):
        negative, text = not negative, text[1:]
    if not text or not _NUMBER_CHARS.match(text):
        return None
    commas, dots = text.count(","), text.count(".")
    if commas and dots:
        decimal_sep = "," if text.rfind(",") > text.rfind(".") else "."
    elif commas:
        decimal_sep = "." if (commas > 1 or (style == "en" and _EN_GROUPS.fullmatch(text))) else ","
    elif dots:
        decimal_sep = "," if (dots > 1 or (style == "fr-dots" and _FR_DOT_GROUPS.fullmatch(text))) else "."
    else:
        decimal_sep = "."
    thousands = "," if decimal_sep == "." else "."
    integer, _, fraction = text.replace(thousands, "").partition(decimal_sep)
    if not integer.isdigit() and integer != "" or (fraction and not fraction.isdigit()) or decimal_sep in fraction:
        return None
    result = (integer or "0") + ("." + fraction if fraction else "")
    return ("-" + result if negative and result.strip("0.") else result), percent
