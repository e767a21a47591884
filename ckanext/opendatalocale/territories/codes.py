"""Checks for French administrative identifiers: SIREN, SIRET, INSEE commune code.

SIREN and SIRET checks go through frformat (python-stdnum underneath), which applies the
Luhn key and La Poste's SIRET exception (its establishments share SIREN 356000000 and use a
digit-sum rule instead). Spaces, including the narrow no-break spaces frformat itself
prints, are ignored; anything else than digits is refused.
"""
from __future__ import annotations

import re
from collections.abc import Container

from frformat import Siren, Siret

_SIREN = Siren()
_SIRET = Siret()
_SPACES = re.compile(r"[\s\u00a0\u202f]+")
# Metropolitan départements 01-95 (with 2A/2B for Corse, no 20), then 971-976 overseas.
_INSEE_COMMUNE = re.compile(r"^(?:(?:0[1-9]|1\d|[3-8]\d|9[0-5])\d{3}|2[AB]\d{3}|97[1-6]\d{2})$")


def normalize_code(value: object) -> str:
    """The value as a string without spaces, upper-cased (for 2A/2B)."""
    return _SPACES.sub("", str(value or "")).upper()


def is_valid_siren(value: object) -> bool:
    """Nine digits with a correct Luhn key."""
    code = normalize_code(value)
    return len(code) == 9 and code.isdigit() and _SIREN.is_valid(code)


def is_valid_siret(value: object) -> bool:
    """Fourteen digits with a correct key (Luhn, or La Poste's rule) and a valid SIREN part."""
    code = normalize_code(value)
    return len(code) == 14 and code.isdigit() and _SIRET.is_valid(code)


def siren_of_siret(value: object) -> str | None:
    """The SIREN (first nine digits) of a valid SIRET, else None."""
    code = normalize_code(value)
    return code[:9] if is_valid_siret(code) else None


def is_valid_insee_commune(value: object, reference: Container[str] | None = None) -> bool:
    """An INSEE commune code of a valid form; with ``reference`` (any container of codes,
    e.g. ``Reference.commune_codes()``), it must also exist there."""
    code = normalize_code(value)
    if not _INSEE_COMMUNE.match(code):
        return False
    return reference is None or code in reference
