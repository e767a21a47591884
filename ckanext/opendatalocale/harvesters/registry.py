"""Source kinds -> harvester classes, for the CLI, the preview action and the source form."""
from __future__ import annotations

from ckanext.opendatalocale.harvesters.base import OpenDataLocaleHarvester
from ckanext.opendatalocale.harvesters.ckan import CkanHarvester
from ckanext.opendatalocale.harvesters.datagouv import DatagouvHarvester
from ckanext.opendatalocale.harvesters.dcat import DcatHarvester
from ckanext.opendatalocale.harvesters.files import FileHarvester
from ckanext.opendatalocale.harvesters.ods import OdsHarvester

HARVESTERS: dict[str, type[OpenDataLocaleHarvester]] = {
    "ods": OdsHarvester,
    "datagouv": DatagouvHarvester,
    "ckan": CkanHarvester,
    "dcat": DcatHarvester,
    "file": FileHarvester,
}


def harvester_for(kind: str) -> OpenDataLocaleHarvester:
    """The harvester of a kind (``ods``...) or of its ckanext-harvest name (``opendatalocale_ods``)."""
    key = kind.removeprefix("opendatalocale_").replace("scdl-catalogue", "file").replace("scdl_catalogue", "file")
    if key not in HARVESTERS:
        raise KeyError(kind)
    return HARVESTERS[key]()


def source_types() -> dict[str, str]:
    """ckanext-harvest's ``source_type`` of each of our harvesters (its ``info()["name"]``,
    what the source form sends) -> our kind."""
    return {harvester_class().info()["name"]: kind for kind, harvester_class in HARVESTERS.items()}


def kind_for_source_type(source_type: str) -> str | None:
    """Our kind for a source_type, or None for another extension's harvester."""
    return source_types().get(source_type)
