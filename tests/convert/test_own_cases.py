"""The converter's own cases (tests/fixtures/convert/make_cases.py): wordings and value styles unlike the dev set."""
from __future__ import annotations

import pytest

from .cases import manifest, run_case

OWN = manifest("own")


def test_at_least_sixteen_cases_over_six_schemas():
    assert len(OWN) >= 16
    assert {c["schema"] for c in OWN} == {"scdl/subventions", "scdl/deliberations", "scdl/equipements",
                                          "scdl/prenoms", "scdl/budget", "scdl/menus-collectifs"}


@pytest.mark.parametrize("case", OWN, ids=[c["case"] for c in OWN])
def test_own_case_converts_without_help(case):
    outcome = run_case("own", case)
    assert outcome.wrong_columns == []
    assert outcome.conversion.conforms, outcome.conversion.report["errors"][:3]
    assert outcome.equal_ratio >= 0.99, outcome.differences[:5]
    assert outcome.conversion.rows == case["rows"]
