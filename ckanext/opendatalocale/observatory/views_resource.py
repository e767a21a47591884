"""The ``scdl_chart`` resource view: ready-made charts of an SCDL resource, drawn from the
consolidated rows that came from it (read once by the consolidation job, never on a request)."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk

from . import charts, pages
from .charts_data import SPECS


def chart_schema(resource: dict[str, Any]) -> str | None:
    """The canonical name of the resource's schema when charts exist for it."""
    name = resource.get("schema_name")
    if not name:
        return None
    from ckanext.opendatalocale.scdl.registry import UnknownSchema
    from ckanext.opendatalocale.scdl.utils import registry

    try:
        canonical = registry().get(name).name
    except UnknownSchema:
        return None
    return canonical if canonical in SPECS else None


def template_variables(context: dict[str, Any], resource: dict[str, Any]) -> dict[str, Any]:
    try:
        found = tk.get_action("observatory_resource_charts")(
            {"user": context.get("user")}, {"id": resource["id"]})
    except (tk.NotAuthorized, tk.ObjectNotFound):
        found = {"charts": [], "rows": 0}
    drawn = []
    for index, chart in enumerate(found["charts"]):
        decimals = 2 if chart["unit"] == "€" else 0
        rows = [{"category": k, "value": v} for k, v in chart["items"]]
        translate = tk._  # the titles are the N_-marked messages of charts_data
        title = translate(chart["title"])
        svg = charts.bars([(k, v) for k, v in chart["items"]], title, ident=f"scdl-chart-{index}",
                          fmt=lambda v, d=decimals: pages.number(v, d))
        drawn.append({"title": title, "svg": svg, "rows": rows, "decimals": decimals,
                      "unit": translate(chart["unit"])})
    return {"charts": drawn, "rows": found["rows"], "computed": found.get("computed")}
