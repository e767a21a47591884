"""What the mapping and preview pages show, built from the core's results."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk

from ckanext.opendatalocale.scdl.utils import label, pick

from . import wizard

SAMPLES = 3
EXAMPLES = 3
LISTED_ERRORS = 50


def _fields(entry: Any) -> list[dict[str, Any]]:
    required = set(entry.required_fields)
    return [{"name": f.get("name"), "title": f.get("title") or "", "description": f.get("description") or "",
             "required": f.get("name") in required} for f in entry.fields]


def _organization(run: Any) -> dict[str, Any] | None:
    if not run.owner_org:
        return None
    try:
        return tk.get_action("organization_show")({"ignore_auth": True}, {"id": run.owner_org,
                                                                           "include_datasets": False})
    except tk.ObjectNotFound:
        return None


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _common(run: Any, entry: Any, step: int) -> dict[str, Any]:
    dataset = None
    if run.package_id:
        dataset = tk.get_action("package_show")({"ignore_auth": True}, {"id": run.package_id})
    return {"run": run, "entry": entry, "schema_label": label(entry), "step": step,
            "pkg": dataset, "pkg_dict": dataset, "organization": _organization(run)}


def mapping_context(run: Any, entry: Any, table: Any, suggested: Any, choices: dict[int, str],
                    constants: dict[str, str], errors: dict[str, list[str]]) -> dict[str, Any]:
    fields = _fields(entry)
    titles = {f["name"]: f["title"] for f in fields}
    columns = []
    for column in suggested.columns:
        # The core's pick (one column per field), not merely the best-scored candidate.
        best = (column.field, column.confidence) if column.field else None
        columns.append({
            "index": column.index, "header": column.header,
            "samples": [_text(s) for s in list(column.samples)[:SAMPLES]],
            "suggested": best[0] if best else "", "suggested_title": titles.get(best[0], "") if best else "",
            "confidence": round(best[1] * 100) if best else 0,
            "choice": choices.get(column.index, ""),
        })
    missing = wizard.missing_required(entry, choices)
    prefilled = wizard.organization_constants(entry, _organization(run), [m for m in missing if not constants.get(m)])
    by_name = {f["name"]: f for f in fields}
    return {**_common(run, entry, 2), "fields": fields, "columns": columns, "errors": errors,
            "constants": [{**by_name[m], "value": constants.get(m) or prefilled.get(m, "")} for m in missing],
            "unmapped": [c["header"] for c in columns if not c["choice"]],
            "warnings": [pick(w.get("message")) for w in table.warnings]}


def preview_context(run: Any, entry: Any, table: Any, conversion: Any) -> dict[str, Any]:
    report = conversion.report
    hints = {k: pick(v) for k, v in (report.get("hints") or {}).items()}
    errors = [{"row": e.get("row"), "column": e.get("column") or "", "value": e.get("value"),
               "message": pick(e.get("message")), "hint": hints.get(e.get("type"), "")}
              for e in (report.get("errors") or [])[:LISTED_ERRORS]]
    changed = []
    for field_name in entry.field_names:
        count = conversion.changed_cells.get(field_name, 0)
        examples = [(_text(before), _text(after))
                    for before, after in list(conversion.examples.get(field_name) or [])[:EXAMPLES]]
        if count or examples:
            changed.append({"field": field_name, "count": count, "examples": examples})
    unconverted = [{"row": u["row"], "column": u["column"] or u["field"], "value": _text(u["value"]),
                    "message": pick(u["reason"])} for u in conversion.to_dict()["unconverted"][:LISTED_ERRORS]]
    return {**_common(run, entry, 3), "conversion": conversion, "conforms": conversion.conforms,
            "report": report, "summary": pick(report.get("summary")), "fatal": pick((report.get("fatal") or {}).get("message")),
            "errors": errors, "error_count": report.get("error_count", len(errors)),
            "changed": changed, "unconverted": unconverted, "unconverted_count": conversion.unconverted_count,
            "diff": run.diff, "diff_messages": [pick(m) for m in (run.diff or {}).get("messages") or []], "previous": wizard.previous_resource(run.package_id, entry.name),
            "default_name": tk._("{label} (SCDL format)").format(label=label(entry))}
