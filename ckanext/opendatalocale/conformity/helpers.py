"""Template helpers of the conformity badges and report page."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk

from . import status as states

__all__ = [
    "odl_conformity_resource_status",
    "odl_conformity_dataset_status",
    "odl_conformity_label",
    "odl_conformity_badge_html",
    "odl_conformity_has_schema",
    "odl_conformity_outline",
]

OUTLINE_ERRORS = 5


def odl_conformity_resource_status(resource: dict[str, Any]) -> str:
    return states.resource_status(resource)


def odl_conformity_dataset_status(dataset: dict[str, Any]) -> str | None:
    return states.dataset_status(dataset)


def odl_conformity_has_schema(resource: dict[str, Any]) -> bool:
    return states.has_schema(resource)


def odl_conformity_label(status: str | None) -> str:
    """The state's name in the request language."""
    labels = {
        states.STATUS_VALID: tk._("conforms"),
        states.STATUS_INVALID: tk._("does not conform"),
        states.STATUS_ERROR: tk._("check failed"),
        states.STATUS_UNCHECKED: tk._("not checked"),
    }
    return labels.get(status or states.STATUS_UNCHECKED, labels[states.STATUS_UNCHECKED])


def odl_conformity_badge_html(kind: str, object_id: str) -> str:
    """The HTML a commune pastes on its website to show the live badge."""
    from markupsafe import escape

    site = tk.config.get("ckan.site_url", "").rstrip("/")
    badge = site + tk.url_for(f"opendatalocale_conformity.{kind}_badge", id=object_id)
    target = site + (tk.url_for("opendatalocale_conformity.report", id=object_id) if kind == "resource"
                     else tk.url_for("dataset.read", id=object_id))
    alt = tk._("SCDL conformity")
    return f'<a href="{escape(target)}"><img src="{escape(badge)}" alt="{escape(alt)}"></a>'


def odl_conformity_outline(resource_id: str) -> dict[str, Any] | None:
    """The last check's summary and first errors in the request language, for the resource page and form."""
    import json

    from ckanext.opendatalocale.web import pick

    from .model import ConformityResult

    result = ConformityResult.latest(resource_id)
    if result is None or not result.report:
        return None
    report = json.loads(result.report)
    fatal = (report.get("fatal") or {}).get("message")
    return {
        "status": result.status,
        "summary": pick(fatal) if fatal else pick(report.get("summary")),
        "errors": [pick(e.get("message")) for e in (report.get("errors") or [])[:OUTLINE_ERRORS]],
        "more": max(0, int(result.error_count or 0) - OUTLINE_ERRORS),
        "strict_held": bool(report.get("strict_held")),
    }
