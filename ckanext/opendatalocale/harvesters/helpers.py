"""Template helpers of the harvest source form's preview panel."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
from flask import g

from .registry import source_types

__all__ = [
    "odl_harvest_preview_result",
    "odl_harvest_preview_source_types",
    "odl_schema_detection_label",
]


def odl_harvest_preview_result() -> dict[str, Any] | None:
    """The preview the current request ran (the no-JavaScript path), if any."""
    from .views import RESULT_KEY

    return g.get(RESULT_KEY)


def odl_harvest_preview_source_types() -> list[str]:
    """The ``source_type`` values the preview covers: our harvesters' names."""
    return list(source_types())


def odl_schema_detection_label(method: str | None) -> str:
    """How a schema was found (``schema_detection``), in words."""
    labels = {
        "declared": tk._("declared by the source"),
        "metadata-url": tk._("named in the metadata"),
        "header": tk._("matched on the columns"),
    }
    return labels.get(method or "", method or "")
