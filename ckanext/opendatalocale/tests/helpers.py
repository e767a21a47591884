"""Helpers shared by the test modules."""
from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[3]


def shared_path(*parts: str) -> Path:
    """Path inside the research material that CI keeps beside the clone.

    Only tests read it; the product ships what it needs inside the package.
    """
    root = Path(os.environ.get("OPENDATALOCALE_SHARED", REPO_ROOT.parent / "shared"))
    return root.joinpath(*parts)
