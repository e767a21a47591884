"""Preview of a harvest source from ckanext-harvest's form, before it is saved.

The form's "Preview" button posts the whole form here (``formaction``): the
page comes back with the form as the user filled it and the preview panel
under the configuration. With JavaScript, the ``odl-harvest-preview`` module
posts the same form with ``?partial=1`` and puts the returned panel in place.
The re-rendered form still posts to this URL (ckanext-harvest's form has no
``action``), so its Save button is handed to ckanext-harvest's own view.
"""
from __future__ import annotations

from typing import Any

from flask import Blueprint, g, request

import ckan.lib.navl.dictization_functions as dict_fns
import ckan.plugins.toolkit as tk
from ckan.logic import clean_dict, parse_params, tuplize_dict
from ckan.views.dataset import CreateView, EditView
from ckanext.harvest.utils import DATASET_TYPE_NAME as SOURCE_TYPE

from ckanext.opendatalocale.csrf import check_csrf

from .registry import kind_for_source_type
from ckanext.opendatalocale.web import action_context

harvest_preview = Blueprint("opendatalocale_harvest", __name__)

PREVIEW_BUTTON = "odl_preview"
PANEL_TEMPLATE = "opendatalocale/harvest/preview_panel.html"
# g attribute the form template reads (through odl_harvest_preview_result).
RESULT_KEY = "odl_harvest_preview"


def _form_data() -> dict[str, Any]:
    """The form as CKAN's dataset views read it, without our button and the CSRF token."""
    ignored = {PREVIEW_BUTTON, "save", tk.config.get("WTF_CSRF_FIELD_NAME")}
    params = {key: value for key, value in parse_params(request.form).items() if key not in ignored}
    return clean_dict(dict_fns.unflatten(tuplize_dict(params)))


def _field_label(field: str) -> str:
    labels = {"url": tk._("URL"), "source_type": tk._("Source type"), "config": tk._("Configuration")}
    return labels.get(field, field)


def run_preview(data: dict[str, Any]) -> dict[str, Any]:
    """What the panel shows: ``datasets``, and ``error`` (the source failed) or
    ``problems`` (the form's values cannot be previewed), and ``warning`` (the
    source was too slow, the list is partial), never an exception."""
    result: dict[str, Any] = {"datasets": [], "error": None, "problems": [], "warning": None}
    kind = kind_for_source_type(data.get("source_type") or "")
    if kind is None:
        result["problems"] = [(_field_label("source_type"), tk._(
            "The preview covers the OpenDataLocale harvesters only: choose one of them as the source type."))]
        return result
    try:
        answer = tk.get_action("opendatalocale_harvest_preview")(
            action_context(), {"source_type": kind, "url": (data.get("url") or "").strip(), "config": data.get("config")})
    except tk.ValidationError as exc:
        result["problems"] = [(_field_label(field), message)
                              for field, messages in exc.error_dict.items() for message in messages]
        return result
    result.update(datasets=[_for_display(dataset) for dataset in answer["datasets"]], error=answer["error"],
                  warning=answer.get("warning"))
    return result


def _for_display(dataset: dict[str, Any]) -> dict[str, Any]:
    """A preview dataset with its distinct schemas (how many resources follow
    each), and its remote page as a link only when it is http(s)."""
    schemas: dict[tuple[str, str, str], int] = {}
    for resource in dataset.get("resources") or []:
        if resource.get("schema_name"):
            key = (resource["schema_name"], resource.get("schema_version") or "",
                   resource.get("schema_detection") or "")
            schemas[key] = schemas.get(key, 0) + 1
    remote = dataset.get("remote_url") or ""
    return dict(dataset, link=remote if remote.startswith(("http://", "https://")) else None,
                schemas=[{"name": name, "version": version, "detection": detection, "resources": count}
                         for (name, version, detection), count in schemas.items()])


def preview(id: str | None = None) -> Any:
    check_csrf()
    if "save" in request.form:
        # Save pressed on a form this view rendered: ckanext-harvest saves it.
        return EditView().post(SOURCE_TYPE, id) if id else CreateView().post(SOURCE_TYPE)
    try:
        tk.check_access("opendatalocale_harvest_preview", action_context())
    except tk.NotAuthorized as exc:
        return tk.abort(403, str(exc))
    data = _form_data()
    result = run_preview(data)
    if tk.asbool(request.args.get("partial")):
        return tk.render(PANEL_TEMPLATE, {"preview": result})
    setattr(g, RESULT_KEY, result)
    # ckanext-harvest's own page, with the values as the user left them.
    return EditView().get(SOURCE_TYPE, id, data=data) if id else CreateView().get(SOURCE_TYPE, data=data)


harvest_preview.add_url_rule("/harvest/opendatalocale-preview", view_func=preview, endpoint="preview",
                             methods=["POST"])
harvest_preview.add_url_rule("/harvest/opendatalocale-preview/<id>", view_func=preview, endpoint="preview",
                             methods=["POST"])
