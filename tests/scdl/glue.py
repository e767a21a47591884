"""Configuration shared by the SCDL glue tests (CKAN with scheming and our schemas)."""
from __future__ import annotations

import pytest

PLUGINS = "opendatalocale_search opendatalocale_scdl scheming_datasets scheming_organizations"

CKAN_MARKS = [
    pytest.mark.ckan_config("ckan.plugins", PLUGINS),
    pytest.mark.ckan_config("scheming.dataset_schemas", "ckanext.opendatalocale.schemas:dataset.yaml"),
    pytest.mark.ckan_config("scheming.organization_schemas", "ckanext.opendatalocale.schemas:organization.yaml"),
    pytest.mark.ckan_config(
        "scheming.presets", "ckanext.scheming:presets.json ckanext.opendatalocale.schemas:presets.yaml"
    ),
    pytest.mark.usefixtures("with_plugins", "odl_db"),
]

# Real codes: Vannes (commune 56260, SIREN 215602608) and Golfe du Morbihan - Vannes
# agglomération (SIREN 200067932).
VANNES_INSEE = "56260"
VANNES_SIREN = "215602608"
GMVA_SIREN = "200067932"
