"""Template helpers of the dashboard (sparklines, rates and labels)."""
from __future__ import annotations

from typing import Any, Iterable

import ckan.plugins.toolkit as tk
from markupsafe import Markup, escape

from ckanext.opendatalocale import web


# Defined here (not aliased) so that toolkit.blanket.helpers registers them.
def odl_dashboard_lang() -> str:
    return web.language()


def odl_dashboard_text(message: Any) -> str:
    """Pick the page language from a bilingual {"fr", "en"} message."""
    return web.pick(message)


def odl_dashboard_percent(ratio: Any) -> str:
    rate = ratio.get("rate") if isinstance(ratio, dict) else ratio
    if rate is None:
        return "—"
    value = f"{rate * 100:.0f}"
    return f"{value}\u00a0%" if odl_dashboard_lang() == "fr" else f"{value}%"


def odl_dashboard_sparkline(values: Iterable[Any], width: int = 120, height: int = 28) -> Markup:
    """An inline SVG polyline of the values (None skipped); no JavaScript, works offline."""
    points = [(i, float(v)) for i, v in enumerate(values) if v is not None]
    if not points:
        return Markup("")
    count = max(len(list(values)) if not isinstance(values, list) else len(values), 2)
    low, high = min(v for _, v in points), max(v for _, v in points)
    span = (high - low) or 1.0

    def xy(i: int, v: float) -> str:
        x = 2 + i * (width - 4) / (count - 1)
        y = height - 2 - (v - low) * (height - 4) / span
        return f"{x:.1f},{y:.1f}"
    line = " ".join(xy(i, v) for i, v in points)
    return Markup(f'<svg class="odl-sparkline" width="{width}" height="{height}" '
                  f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(tk._("12-month trend"))}">'
                  f'<polyline fill="none" stroke="currentColor" stroke-width="1.5" points="{line}"/></svg>')


def odl_dashboard_labels() -> dict[str, str]:
    """Words for states, levels, obligation statuses and kinds."""
    _ = tk._
    return {
        "absent": _("absent"), "unchecked": _("not checked"), "invalid": _("invalid"),
        "stale": _("valid, out of date"), "valid": _("valid and up to date"),
        "none": _("no level"), "bronze": _("Bronze"), "silver": _("Silver"), "gold": _("Gold"),
        "obliged": _("obliged"), "exempt": _("not obliged"), "unknown": _("to be checked"),
        "commune": _("Commune"), "epci": _("EPCI"), "departement": _("Département"), "region": _("Région"),
        "excellent": _("Excellent"), "good": _("Good"), "sufficient": _("Sufficient"), "bad": _("Insufficient"),
        "own": _("own organisation"), "on_behalf": _("published on its behalf"),
    }


def odl_dashboard_channel(code: str | None) -> str:
    if not code:
        return "—"
    if code.startswith("harvested:"):
        return tk._("harvested ({source})").format(source=code.split(":", 1)[1])
    return odl_dashboard_labels().get(code, code)


def odl_dashboard_query(filters: dict[str, Any], **changes: Any) -> str:
    """Query string of the current filters with some values changed."""
    from urllib.parse import urlencode

    return urlencode({k: v for k, v in {**filters, **changes}.items() if v not in (None, "")})


def odl_dashboard_linkcheck_enabled() -> bool:
    import ckan.plugins as p

    return p.plugin_loaded("opendatalocale_linkcheck")
