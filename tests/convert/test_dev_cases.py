"""The eight development spreadsheets convert with no human input into conformant files."""
from __future__ import annotations

import pytest

from .cases import manifest, run_case

DEV = manifest("dev")


@pytest.mark.parametrize("case", DEV, ids=[c["case"] for c in DEV])
def test_dev_case_converts_without_help(case):
    outcome = run_case("dev", case)
    assert outcome.wrong_columns == []
    assert outcome.conversion.conforms, outcome.conversion.report["errors"][:3]
    assert outcome.equal_ratio >= 0.99, outcome.differences[:5]
    assert outcome.conversion.unconverted == []
    assert outcome.conversion.rows == case["rows"]
