"""The conversion wizard: file → columns → preview → publish, each step a plain form (no JavaScript needed).

The file and the choices live in ``odl_convert_session`` (server-side), named by
the run's id in the URL; only the user who started a run, while still an editor,
may go on with it.
"""
from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, request

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.common import current_user

from ckanext.opendatalocale.csrf import check_csrf
from ckanext.opendatalocale.scdl import utils as scdl_utils
from ckanext.opendatalocale.web import action_context

from . import core, preview, wizard
from .model import ConvertSession

convert = Blueprint("opendatalocale_convert", __name__)
TABLE_FORMATS = ("csv", "xlsx", "xls", "ods")


def _require(data_dict: dict[str, Any]) -> None:
    """403 unless the user may convert for this dataset or organisation (anonymous users never may)."""
    if not current_user.is_authenticated:
        tk.abort(403, tk._("Log in as an editor of the organisation to convert its files."))
    try:
        tk.check_access("scdl_convert", action_context(), data_dict)
    except tk.NotAuthorized:
        tk.abort(403, tk._("Only editors of the organisation may convert its files."))


def _run(sid: str) -> ConvertSession:
    if not current_user.is_authenticated:
        return tk.abort(403, tk._("Log in as an editor of the organisation to convert its files."))
    run = ConvertSession.get(sid)
    if run is None:
        return tk.abort(404, tk._("This conversion has expired or does not exist: start again."))
    if run.user_id != current_user.id and not current_user.sysadmin:
        return tk.abort(403, tk._("This conversion was started by someone else."))
    _require({"package_id": run.package_id} if run.package_id else {"organization_id": run.owner_org})
    return run


def _table_resources(dataset: dict[str, Any]) -> list[dict[str, Any]]:
    def is_table(resource: dict[str, Any]) -> bool:
        name = (resource.get("url") or "").split("?", 1)[0].lower()
        return (resource.get("format") or "").lower() in TABLE_FORMATS or name.endswith(
            tuple("." + f for f in TABLE_FORMATS))

    return [r for r in dataset.get("resources") or [] if is_table(r)]


def _schemas() -> list[dict[str, str]]:
    registry = scdl_utils.registry()
    entries = [registry.get(name) for name in registry.names()]
    entries.sort(key=lambda e: (not e.is_scdl, scdl_utils.label(e).lower()))
    return [{"value": e.name, "text": f"{scdl_utils.label(e)} ({e.name})"} for e in entries]


def _begin(dataset: dict[str, Any] | None, owner_org: str, entry: Any) -> ConvertSession:
    """Step 1 posted: read the file, suggest (or replay the saved recipe), keep the run."""
    upload = request.files.get("upload")
    source_resource_id = None
    if upload is not None and upload.filename:
        data, filename = wizard.read_upload(upload)
    elif dataset is not None and request.form.get("resource_id"):
        resource = next((r for r in dataset.get("resources") or [] if r["id"] == request.form["resource_id"]), None)
        if resource is None:
            raise wizard.ConvertFailure("resource_id", tk._("This resource is not in the dataset."))
        data, filename = wizard.read_resource(resource)
        source_resource_id = resource["id"]
    else:
        raise wizard.ConvertFailure("upload", tk._("Choose a file to convert."))
    table = wizard.read_table(data, filename)
    run = ConvertSession(user_id=current_user.id, package_id=(dataset or {}).get("id"), owner_org=owner_org,
                         schema_name=entry.name, schema_version=entry.version, filename=filename,
                         source_resource_id=source_resource_id, data=data)
    stored = wizard.stored_recipe(run.package_id, owner_org, entry.name)
    if stored:
        run.recipe_origin, recipe = stored
        mapping, diff = wizard.replay(recipe, table, entry)
        run.recipe_diff = json.dumps(diff, ensure_ascii=False)
        constants = dict(recipe.constants or {})
    else:
        mapping = core.suggest(table, entry.descriptor)
        organization = tk.get_action("organization_show")(action_context(), {"id": owner_org, "include_datasets": False})
        constants = wizard.organization_constants(
            entry, organization, wizard.missing_required(entry, wizard.choices_of(mapping)))
    run.choices = wizard.choices_of(mapping)
    run.constant_values = constants
    ConvertSession.prune(wizard.session_hours())
    model.Session.add(run)
    model.Session.commit()
    return run


def _start_page(dataset: dict[str, Any] | None, owner_org: str | None, entry: Any | None,
                organizations: list[dict[str, Any]] | None = None) -> Any:
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        check_csrf()
        try:
            owner = owner_org if dataset is not None else (request.form.get("owner_org") or owner_org or "")
            if dataset is None:
                _require({"organization_id": owner})
            chosen = entry or wizard.entry_for(request.form.get("schema_name"), request.form.get("schema_version"))
            run = _begin(dataset, owner, chosen)
        except wizard.ConvertFailure as exc:
            errors = exc.error_dict
        else:
            endpoint = "preview" if run.recipe_origin else "mapping"
            return tk.redirect_to(f"opendatalocale_convert.{endpoint}", sid=run.id)
    resources = _table_resources(dataset) if dataset else []
    selected_resource = request.values.get("resource_id") or ""
    declared = next((r.get("schema_name") for r in resources if r["id"] == selected_resource), None)
    return tk.render("convert/start.html", {
        "pkg": dataset, "pkg_dict": dataset, "entry": entry, "resources": resources,
        "selected_resource": selected_resource, "organizations": organizations or [],
        "schemas": _schemas(), "errors": errors, "max_mb": wizard.max_bytes() // (1024 * 1024),
        "schema_name": request.values.get("schema_name") or declared
        or next((r.get("schema_name") for r in (dataset or {}).get("resources") or [] if r.get("schema_name")), ""),
        "schema_version": request.values.get("schema_version") or "",
    })


def start(id: str) -> Any:
    """Step 1 for a dataset: upload a file or pick one of its resources."""
    if not current_user.is_authenticated:
        return tk.abort(403, tk._("Log in as an editor of the organisation to convert its files."))
    try:
        dataset = tk.get_action("package_show")(action_context(), {"id": id})
    except (tk.ObjectNotFound, tk.NotAuthorized):
        return tk.abort(404, tk._("Dataset not found"))
    _require({"package_id": dataset["id"]})
    return _start_page(dataset, dataset.get("owner_org"), None)


def start_from_schema(slug: str) -> Any:
    """Step 1 from the schema's guided page: the dataset is created, pre-filled, when publishing."""
    entry = scdl_utils.find(slug)
    if not current_user.is_authenticated:
        return tk.abort(403, tk._("Log in as an editor of the organisation to convert its files."))
    organizations = tk.get_action("organization_list_for_user")(action_context(), {"permission": "create_dataset"})
    if not organizations:
        return tk.abort(403, tk._("Only editors of an organisation may convert files."))
    only = organizations[0]["id"] if len(organizations) == 1 else None
    return _start_page(None, only, entry, organizations)


def mapping(sid: str) -> Any:
    """Step 2: the field of each column, and constants for the required fields no column holds."""
    run = _run(sid)
    entry = wizard.entry_for(run.schema_name, run.schema_version)
    table = wizard.read_table(run.data, run.filename)
    suggested = core.suggest(table, entry.descriptor)
    choices, constants, errors = run.choices, run.constant_values, {}
    if request.method == "POST":
        check_csrf()
        fields = set(entry.field_names)
        choices = {c.index: (request.form.get(f"column-{c.index}") or "") for c in suggested.columns}
        choices = {i: (f if f in fields else "") for i, f in choices.items()}
        constants = {name: request.form.get(f"constant-{name}", "").strip() for name in entry.field_names
                     if f"constant-{name}" in request.form}
        duplicates = wizard.duplicate_fields(choices)
        if duplicates:
            errors["columns"] = [tk._("Several columns go to the field(s) {fields}: keep one.").format(
                fields=", ".join(duplicates))]
        else:
            run.choices, run.constant_values = choices, constants
            run.touch()
            model.Session.commit()
            return tk.redirect_to("opendatalocale_convert.preview", sid=run.id)
    return tk.render("convert/mapping.html", preview.mapping_context(run, entry, table, suggested, choices,
                                                                       constants, errors))


def show_preview(sid: str) -> Any:
    """Step 3: what the conversion changes and what still does not conform."""
    run = _run(sid)
    entry = wizard.entry_for(run.schema_name, run.schema_version)
    table = wizard.read_table(run.data, run.filename)
    conversion = wizard.convert(table, entry, wizard.choose(core.suggest(table, entry.descriptor), run.choices),
                                run.constant_values)
    return tk.render("convert/preview.html", preview.preview_context(run, entry, table, conversion))


def publish(sid: str) -> Any:
    """Step 4: the conformant CSV becomes a resource declaring the schema; the original stays beside it."""
    check_csrf()
    run = _run(sid)
    entry = wizard.entry_for(run.schema_name, run.schema_version)
    table = wizard.read_table(run.data, run.filename)
    mapped = wizard.choose(core.suggest(table, entry.descriptor), run.choices)
    conversion = wizard.convert(table, entry, mapped, run.constant_values)
    if not conversion.conforms and not request.form.get("accept_errors"):
        tk.h.flash_error(tk._("The converted file does not conform yet: fix the mapping or the file, or tick "
                              "the box to publish it anyway."))
        return tk.redirect_to("opendatalocale_convert.preview", sid=run.id)
    context = action_context()
    if run.package_id:
        dataset = tk.get_action("package_show")(context, {"id": run.package_id})
    else:
        dataset = wizard.new_dataset(context, entry, run.owner_org)
    previous = wizard.previous_resource(run.package_id, entry.name)
    replace = previous["id"] if previous and request.form.get("replace") else None
    try:
        wizard.publish(context, dataset=dataset, entry=entry, conversion=conversion,
                       recipe=wizard.make_recipe(entry, mapped, run.constant_values),
                       original=None if run.source_resource_id else (run.data, run.filename),
                       source_resource_id=run.source_resource_id, replace_resource_id=replace,
                       name=(request.form.get("name") or "").strip() or None,
                       organization_recipe=bool(request.form.get("organization_recipe")))
    except tk.ValidationError as exc:
        tk.h.flash_error("; ".join(str(m) for msgs in exc.error_dict.values() for m in msgs))
        return tk.redirect_to("opendatalocale_convert.preview", sid=run.id)
    model.Session.delete(run)
    model.Session.commit()
    tk.h.flash_success(tk._("Published. The file is being checked against the schema; its badge appears "
                            "in a moment."))
    return tk.redirect_to("dataset.read", id=dataset["name"])


def _refused(exc: wizard.ConvertFailure) -> Any:
    """A file or mapping the converter refuses in a later step: said in the page, never a 500."""
    return tk.render("convert/error.html", {"message": exc.message, "step": 0, "back": request.referrer}), 400


convert.register_error_handler(wizard.ConvertFailure, _refused)
convert.add_url_rule("/dataset/<id>/convertir", view_func=start, endpoint="start", methods=["GET", "POST"])
convert.add_url_rule("/scdl/<slug>/convertir", view_func=start_from_schema, endpoint="start_from_schema",
                     methods=["GET", "POST"])
convert.add_url_rule("/convertir/<sid>/colonnes", view_func=mapping, endpoint="mapping", methods=["GET", "POST"])
convert.add_url_rule("/convertir/<sid>/apercu", view_func=show_preview, endpoint="preview")
convert.add_url_rule("/convertir/<sid>/publier", view_func=publish, endpoint="publish", methods=["POST"])
