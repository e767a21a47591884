"""API actions: queue a check, read a report, list the states of a dataset or organisation."""
from __future__ import annotations

import json
from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk

from .. import jobs, settings
from ..model import ConformityResult, ConformityState, result_table, state_table
from ..status import dataset_status, has_schema, resource_status

MAX_LISTED_DATASETS = 1000

__all__ = ['conformity_resource_validate', 'conformity_report_show', 'conformity_status_list', 'conformity_suggestion_accept',
           'dataset_purge']


def _resource_or_404(context: Any, resource_id: str) -> dict[str, Any]:
    return tk.get_action("resource_show")(dict(context), {"id": resource_id})


def conformity_resource_validate(context: Any, data_dict: dict[str, Any]) -> dict[str, Any]:
    """Queue a conformity check of a resource.

    :param id: the resource id
    :param force: check again even if the file did not change (default false)
    :returns: ``{"resource_id", "queued", "job_id"}``
    """
    resource_id = tk.get_or_bust(data_dict, "id")
    tk.check_access("conformity_resource_validate", context, data_dict)
    resource = _resource_or_404(context, resource_id)
    if not has_schema(resource) and not settings.suggest():
        raise tk.ValidationError({"schema_name": [tk._("The resource declares no schema to check against.")]})
    job = jobs.enqueue(resource_id, force=tk.asbool(data_dict.get("force", False)))
    return {"resource_id": resource_id, "queued": True, "job_id": getattr(job, "id", None)}


def _result_dict(result: ConformityResult, with_report: bool) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": result.id,
        "resource_id": result.resource_id,
        "package_id": result.package_id,
        "schema_name": result.schema_name,
        "schema_version": result.schema_version,
        "status": result.status,
        "error_count": result.error_count,
        "content_hash": result.content_hash,
        "engine_version": result.engine_version,
        "source_url": result.source_url,
        "duration": result.duration,
        "created": result.created.isoformat() if result.created else None,
        "checked": result.checked.isoformat() if result.checked else None,
    }
    if with_report:
        data["report"] = json.loads(result.report) if result.report else None
    return data


def _suggestion(resource_id: str) -> dict[str, Any] | None:
    state = ConformityState.get(resource_id)
    if state is None or not state.suggested_schema_name:
        return None
    evidence = json.loads(state.suggestion_evidence) if state.suggestion_evidence else {}
    return {"name": state.suggested_schema_name, "version": state.suggested_schema_version,
            "confidence": state.suggestion_confidence, **evidence}


@tk.side_effect_free
def conformity_report_show(context: Any, data_dict: dict[str, Any]) -> dict[str, Any]:
    """The conformity state and last report of a resource.

    :param id: the resource id
    :param history: also list the previous checks kept (default false)
    :returns: ``status`` (valid, invalid, error, unchecked), ``result`` (the
        last check with its full ``report``, or null), ``suggestion`` (a
        detected schema for a resource that declares none, or null)
    """
    resource_id = tk.get_or_bust(data_dict, "id")
    tk.check_access("conformity_report_show", context, data_dict)
    resource = _resource_or_404(context, resource_id)
    history = ConformityResult.history(resource_id)
    output: dict[str, Any] = {
        "resource_id": resource_id,
        "package_id": resource["package_id"],
        "schema_name": resource.get("schema_name"),
        "schema_version": resource.get("schema_version"),
        "status": resource_status(resource),
        "result": _result_dict(history[0], with_report=True) if history else None,
        "suggestion": None if has_schema(resource) else _suggestion(resource_id),
    }
    if tk.asbool(data_dict.get("history", False)):
        output["history"] = [_result_dict(r, with_report=False) for r in history]
    return output


def _resource_row(dataset: dict[str, Any], resource: dict[str, Any]) -> dict[str, Any]:
    return {
        "resource_id": resource["id"],
        "resource_name": resource.get("name"),
        "package_id": dataset["id"],
        "package_name": dataset["name"],
        "private": dataset.get("private", False),
        "schema_name": resource.get("schema_name"),
        "schema_version": resource.get("schema_version"),
        "status": resource_status(resource),
        "error_count": resource.get("conformity_error_count"),
        "validated_at": resource.get("conformity_validated_at"),
    }


@tk.side_effect_free
def conformity_status_list(context: Any, data_dict: dict[str, Any]) -> dict[str, Any]:
    """The conformity state of every resource declaring a schema, in a dataset or an organisation.

    :param package_id: a dataset id or name, or
    :param organization_id: an organisation id or name (private datasets are
        listed only to its members)
    :returns: ``{"datasets": [{"id", "name", "status"}], "resources": [...], "counts": {status: n}}``
    """
    tk.check_access("conformity_status_list", context, data_dict)
    if data_dict.get("package_id"):
        datasets = [tk.get_action("package_show")(dict(context), {"id": data_dict["package_id"]})]
    elif data_dict.get("organization_id"):
        organization = tk.get_action("organization_show")(
            dict(context), {"id": data_dict["organization_id"], "include_datasets": False})
        datasets = tk.get_action("package_search")(dict(context), {
            "fq": f'owner_org:"{organization["id"]}"',
            "include_private": True,
            "rows": MAX_LISTED_DATASETS,
        })["results"]
    else:
        raise tk.ValidationError({"package_id": [tk._("Give a package_id or an organization_id.")]})
    rows: list[dict[str, Any]] = []
    summaries = []
    for dataset in datasets:
        status = dataset_status(dataset)
        if status is None:
            continue
        summaries.append({"id": dataset["id"], "name": dataset["name"], "status": status})
        rows.extend(_resource_row(dataset, r) for r in dataset.get("resources") or [] if has_schema(r))
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["status"]] = counts.get(row["status"], 0) + 1
    return {"datasets": summaries, "resources": rows, "counts": counts}


def conformity_suggestion_accept(context: Any, data_dict: dict[str, Any]) -> dict[str, Any]:
    """Declare the detected schema on the resource (which queues its check).

    :param id: the resource id
    :returns: the updated resource
    """
    resource_id = tk.get_or_bust(data_dict, "id")
    tk.check_access("conformity_suggestion_accept", context, data_dict)
    resource = _resource_or_404(context, resource_id)
    suggestion = _suggestion(resource_id)
    if has_schema(resource) or suggestion is None:
        raise tk.ValidationError({"schema_name": [tk._("There is no detected schema to accept.")]})
    state = ConformityState.get(resource_id)
    state.suggested_schema_name = state.suggested_schema_version = None
    updated = tk.get_action("resource_patch")(dict(context), {
        "id": resource_id,
        "schema_name": suggestion["name"],
        "schema_version": suggestion["version"],
        "schema_detection": "header",
        "conformity_suggested_schema": "",
    })
    model.Session.commit()
    return updated


@tk.chained_action
def dataset_purge(up_func: Any, context: Any, data_dict: dict[str, Any]) -> Any:
    """CKAN's purge, then the dataset's rows in the conformity tables (no
    foreign key ties them to CKAN's tables, so nothing else removes them)."""
    if not isinstance(data_dict.get("id"), (str, type(None))):
        raise tk.ValidationError({"id": [tk._("Must be a single value, not a list or an object")]})
    package = model.Package.get(data_dict.get("id")) if data_dict.get("id") else None
    resource_ids = [r.id for r in package.resources_all] if package is not None else []
    package_id = package.id if package is not None else None
    result = up_func(context, data_dict)
    if package_id is not None:
        for table in (result_table, state_table):
            model.Session.execute(table.delete().where(
                (table.c.package_id == package_id) | table.c.resource_id.in_(resource_ids)))
        model.Session.commit()
    return result
