"""Helpers shared by the test modules."""
from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def fixture_path(*parts: str) -> Path:
    """Path of a test fixture (origin and licence of each in fixtures/ATTRIBUTION.md)."""
    path = FIXTURES.joinpath(*parts)
    # A missing fixture is a broken test, not a reason to skip.
    assert path.exists(), f"test fixture {path} is missing"
    return path
