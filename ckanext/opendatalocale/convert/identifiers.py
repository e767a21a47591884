"""SIRET and SIREN as agents type them: separators dropped, lost leading zeros restored only on proof.

A zero is put back in front of a number only when the identifier's check
(frformat's SIRET/SIREN rules, Luhn when frformat is absent) then passes:
an identifier is never guessed.
"""
from __future__ import annotations

import re
from typing import Callable

from ckanext.opendatalocale.conformity.checks import frformat_classes

_SEPARATORS = re.compile(r"[\s.\-_/\u00a0\u202f]")
_FLOAT = re.compile(r"\d+\.0+")  # 21560121260838.0: a number cell written as text

TextNormaliser = Callable[[str], "tuple[str, tuple[str, dict] | None]"]


def luhn_ok(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        n = int(char) * (2 if position % 2 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


def luhn_complete(body: str) -> str:
    """``body`` followed by the digit that makes it pass the Luhn check."""
    return next(body + last for last in "0123456789" if luhn_ok(body + last))


def validator(kind: str) -> Callable[[str], bool]:
    """The check of ``siret`` or ``siren`` (La Poste's SIRET exception included via frformat)."""
    fmt = frformat_classes().get(kind)
    return fmt().is_valid if fmt else luhn_ok


def normaliser(kind: str, length: int, valid: Callable[[str], bool]) -> TextNormaliser:
    """From a cell's text to ``length`` digits passing ``valid``, or the text and ``bad-<kind>``."""
    def normalise(text: str) -> tuple[str, tuple[str, dict] | None]:
        digits = _SEPARATORS.sub("", text)
        if _FLOAT.fullmatch(text.replace(" ", "")):
            digits = digits.split(".")[0]
        if digits.isdigit():
            if len(digits) == length and valid(digits):
                return digits, None
            padded = digits.zfill(length)
            if len(digits) < length and len(digits) >= length - 2 and valid(padded):
                return padded, None  # leading zeros lost by a spreadsheet, proven by the check
        return text, (f"bad-{kind}", {})

    return normalise
