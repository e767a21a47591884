"""Pages ``/scdl``: schema list, documentation, templates, guided publication."""
from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
from flask import Blueprint, Response

from ckanext.opendatalocale import web

from . import explain, guided, templates_csv, utils
from .registry import SchemaEntry

scdl = Blueprint("scdl", __name__, url_prefix="/scdl")

SCHEMA_FACET = "scdl_schema"
VERSION_FACET = "scdl_schema_ref"


def _usage_counts() -> tuple[dict[str, int], dict[str, int]]:
    """Datasets per schema and per ``name@version``, as the current user may see them.

    Counted through package_search facets, so private datasets count only for
    users allowed to see them.
    """
    context = {"user": tk.current_user.name if tk.current_user.is_authenticated else ""}
    result = tk.get_action("package_search")(
        context,
        {
            "q": "*:*",
            "rows": 0,
            "facet.field": [SCHEMA_FACET, VERSION_FACET],
            "facet.limit": -1,
            "include_private": True,
        },
    )
    facets = result.get("facets") or {}
    return dict(facets.get(SCHEMA_FACET) or {}), dict(facets.get(VERSION_FACET) or {})


def index() -> str:
    registry = utils.registry()
    per_schema, per_version = _usage_counts()
    schemas = []
    for name in registry.names():
        entry = registry.get(name)
        schemas.append(
            {
                "entry": entry,
                "label": utils.label(entry),
                "versions": [
                    {"version": v, "count": per_version.get(f"{name}@{v}", 0)}
                    for v in reversed(registry.versions(name))
                ],
                "count": per_schema.get(name, 0),
            }
        )
    schemas.sort(key=lambda s: (not s["entry"].is_scdl, s["label"].lower()))
    return tk.render("scdl/index.html", {"schemas": schemas, "store_error": registry.store_error})


def _schema_page(entry: SchemaEntry) -> str:
    registry = utils.registry()
    versions = registry.versions(entry.name)
    position = versions.index(entry.version)
    history = []
    # Every step of the history, newest first, so a publisher on an old version sees what to change.
    for index in range(len(versions) - 1, 0, -1):
        newer = registry.get(entry.name, versions[index])
        older = registry.get(entry.name, versions[index - 1])
        history.append(newer.changes_from(older))
    fields = entry.documentation()
    for doc in fields:
        doc["constraints_explained"] = [explain.constraint(k, v) for k, v in doc["constraints"].items()]
    extra = {
        "entry": entry,
        "label": utils.label(entry),
        "versions": list(reversed(versions)),
        "fields": fields,
        "checks": [explain.custom_check(c) for c in entry.custom_checks],
        "history": history,
        "explain_change": explain.field_change,
        "is_old": position < len(versions) - 1,
        "latest": registry.latest(entry.name),
        "guide": guided.guide(entry),
    }
    return tk.render("scdl/schema.html", extra)


def schema(slug: str) -> str:
    return _schema_page(utils.find(slug))


def schema_version(slug: str, version: str) -> str:
    return _schema_page(utils.find(slug, version))


def _download(content: str | bytes, filename: str, mimetype: str) -> Response:
    response = Response(content, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def header_template(slug: str, version: str) -> Response:
    entry = utils.find(slug, version)
    return _download(templates_csv.header_csv(entry), f"{entry.slug}-{entry.version}-modele.csv", "text/csv")


def example_template(slug: str, version: str) -> Response:
    entry = utils.find(slug, version)
    return _download(templates_csv.example_csv(entry), f"{entry.slug}-{entry.version}-exemple.csv", "text/csv")


def xlsx_template(slug: str, version: str) -> Response:
    entry = utils.find(slug, version)
    content = templates_csv.xlsx_template(entry, with_example=True, language=web.language())
    return _download(
        content,
        f"{entry.slug}-{entry.version}-modele.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def publish(slug: str) -> Any:
    """Guided path: open a pre-filled dataset form (its ``scdl`` parameter follows to the resource form)."""
    entry = utils.find(slug)
    return tk.redirect_to("dataset.new", **guided.form_values(entry))


scdl.add_url_rule("/", view_func=index, endpoint="index")
scdl.add_url_rule("/<slug>", view_func=schema, endpoint="schema")
scdl.add_url_rule("/<slug>/publier", view_func=publish, endpoint="publish")
scdl.add_url_rule("/<slug>/<version>", view_func=schema_version, endpoint="schema_version")
scdl.add_url_rule("/<slug>/<version>/modele.csv", view_func=header_template, endpoint="header_template")
scdl.add_url_rule("/<slug>/<version>/exemple.csv", view_func=example_template, endpoint="example_template")
scdl.add_url_rule("/<slug>/<version>/modele.xlsx", view_func=xlsx_template, endpoint="xlsx_template")
