"""Source kinds -> harvester classes, for the CLI and the preview action."""
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
