"""SIREN, SIRET and INSEE commune code checks."""
from __future__ import annotations

import pytest

from ckanext.opendatalocale.territories.codes import (is_valid_insee_commune, is_valid_siren,
                                                      is_valid_siret, siren_of_siret)


@pytest.mark.parametrize("value", ["225600014", "233500016", "215600016", "225 600 014",
                                   "225\u202f600\u202f014", 225600014])
def test_valid_siren(value):
    assert is_valid_siren(value)


@pytest.mark.parametrize("value", ["225600015", "22560001", "2256000140", "22560001A", "", None,
                                   "225-600-014"])
def test_invalid_siren(value):
    assert not is_valid_siren(value)


def test_siret_luhn_and_siren_part():
    assert is_valid_siret("22560001400016")  # Département du Morbihan, head office
    assert not is_valid_siret("22560001400017")
    assert not is_valid_siret("2256000140001")  # 13 digits
    assert not is_valid_siret("225600014000160")
    assert siren_of_siret("22560001400016") == "225600014"
    assert siren_of_siret("22560001400017") is None


def test_la_poste_siret_exception():
    # La Poste's establishments (SIREN 356000000) use a digit sum multiple of 5, not Luhn.
    assert is_valid_siret("35600000000048")
    assert is_valid_siret("35600000049837")
    assert not is_valid_siret("35600000049838")


def test_insee_commune_format_and_existence():
    for code in ("56001", "2A004", "2b033", "97611", "01001"):
        assert is_valid_insee_commune(code)
    for code in ("20004", "96001", "97701", "5600", "560011", "AB123", ""):
        assert not is_valid_insee_commune(code)
    reference = frozenset({"56001"})
    assert is_valid_insee_commune("56001", reference)
    assert not is_valid_insee_commune("56002", reference)
