"""Guided publication per schema: what the dataset form is pre-filled with."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import ckan.plugins.toolkit as tk

from ckanext.opendatalocale import web

from . import utils
from .registry import SchemaEntry


@dataclass(frozen=True)
class Guide:
    title: dict[str, str]
    themes: tuple[str, ...]
    frequency: str
    keywords: tuple[str, ...]


# Keywords stay French: they are the words citizens search French portals with.
GUIDES: dict[str, Guide] = {
    "scdl/deliberations": Guide({"fr": "Délibérations", "en": "Council deliberations"}, ("GOVE",), "monthly",
                                ("délibérations", "conseil municipal", "actes administratifs")),
    "scdl/budget": Guide({"fr": "Budget", "en": "Budget"}, ("ECON", "GOVE"), "annual",
                         ("budget", "finances publiques", "comptabilité")),
    "scdl/subventions": Guide({"fr": "Subventions accordées", "en": "Grants awarded"}, ("ECON", "GOVE"), "annual",
                              ("subventions", "associations", "finances publiques")),
    "scdl/equipements": Guide({"fr": "Équipements publics", "en": "Public facilities"}, ("REGI", "SOCI"), "irregular",
                              ("équipements publics", "services publics")),
    "scdl/menus-collectifs": Guide({"fr": "Menus de la restauration collective", "en": "Institutional catering menus"},
                                   ("EDUC", "HEAL"), "weekly", ("restauration collective", "cantine", "menus")),
    "scdl/plats-menus-collectifs": Guide({"fr": "Plats de la restauration collective", "en": "Institutional catering dishes"},
                                         ("EDUC", "HEAL"), "weekly", ("restauration collective", "cantine", "plats")),
    "scdl/prenoms": Guide({"fr": "Prénoms des nouveau-nés", "en": "First names of newborns"}, ("SOCI",), "annual",
                          ("prénoms", "état civil", "naissances")),
    "scdl/catalogue": Guide({"fr": "Catalogue des données", "en": "Data catalogue"}, ("GOVE",), "monthly",
                            ("catalogue", "données ouvertes")),
    "etalab/schema-irve-statique": Guide({"fr": "Bornes de recharge pour véhicules électriques", "en": "Electric vehicle charging points"},
                                         ("TRAN", "ENER"), "monthly", ("IRVE", "bornes de recharge", "véhicules électriques")),
    "etalab/schema-irve-dynamique": Guide({"fr": "Disponibilité des bornes de recharge", "en": "Charging point availability"},
                                          ("TRAN", "ENER"), "continuous", ("IRVE", "bornes de recharge", "temps réel")),
    "atlasante/schema-dae": Guide({"fr": "Défibrillateurs automatisés externes", "en": "Automated external defibrillators"},
                                  ("HEAL",), "irregular", ("DAE", "défibrillateurs", "santé")),
}


def guide(entry: SchemaEntry) -> Guide:
    """The guide of a schema; schemas synced later get a generic one from their label."""
    return GUIDES.get(entry.name) or Guide(dict(entry.label), (), "irregular", (entry.slug,))


# Licence Ouverte 2.0: the licence French public bodies use by default (CRPA D323-2-1).
DEFAULT_LICENSE = "lo-2.0"


def _only_organization() -> dict[str, Any] | None:
    """The publisher's organisation when there is exactly one to choose."""
    if not tk.current_user.is_authenticated:
        return None
    try:
        orgs = tk.get_action("organization_list_for_user")(
            {"user": tk.current_user.name}, {"permission": "create_dataset"}
        )
    except tk.ObjectNotFound:
        return None
    return orgs[0] if len(orgs) == 1 else None


def _license_available(license_id: str) -> bool:
    from ckan import model

    return model.Package.get_license_register().get(license_id) is not None


def form_values(entry: SchemaEntry) -> dict[str, Any]:
    """Query parameters of the pre-filled ``dataset.new`` form."""
    g = guide(entry)
    title = web.pick(g.title)
    organization = _only_organization()
    if organization:
        title = f"{title} – {organization.get('title') or organization['name']}"
    values: dict[str, Any] = {
        "title": title,
        "frequency": g.frequency,
        "tag_string": ", ".join(g.keywords),
        "scdl": entry.slug,
    }
    if organization:
        values["owner_org"] = organization["id"]
    if _license_available(DEFAULT_LICENSE):
        values["license_id"] = DEFAULT_LICENSE
    if g.themes:
        values["themes"] = list(g.themes)
    return values


def carry_to_resource_form(response: Any) -> Any:
    """After stage 1 of a guided dataset form, open the resource form with the schema chosen.

    The dataset form posts to its own URL, so the ``scdl`` parameter the guided
    path put there is still present; CKAN's redirect to the resource form drops
    it, and this adds ``schema_name`` back. Stateless: nothing kept between requests.
    """
    from flask import request
    from urllib.parse import urlencode

    slug = request.args.get("scdl")
    location = response.headers.get("Location") or ""
    if not slug or request.method != "POST" or response.status_code not in (301, 302, 303):
        return response
    if "/resource/new" not in location or "schema_name=" in location:
        return response
    entry = utils.registry().resolve(slug)
    if entry is not None:
        separator = "&" if "?" in location else "?"
        response.headers["Location"] = f"{location}{separator}{urlencode({'schema_name': entry.name})}"
    return response
