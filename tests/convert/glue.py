"""What the conversion glue tests share: CKAN with the SCDL forms, conformity and the wizard."""
from __future__ import annotations

from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from ckan.lib import jobs as ckan_jobs
from ckan.tests import factories

from tests.scdl.glue import CKAN_MARKS as SCDL_MARKS

PLUGINS = ("opendatalocale_search opendatalocale_convert opendatalocale_scdl scheming_datasets "
           "scheming_organizations opendatalocale_conformity")
QUEUE = "odl_convert_test"
# The development cases kept in tests/fixtures/convert/dev (origin and licence in ATTRIBUTION.md).
FIXTURES = next(p for p in Path(__file__).resolve().parents if (p / "setup.py").exists()) / "tests" / "fixtures" / "convert" / "dev"
XLSX = "subventions-lorient-xlsx.xlsx"
SCHEMA = "scdl/subventions"
PASSWORD = "Correct-horse-42"

CKAN_MARKS = [
    pytest.mark.ckan_config("ckan.plugins", PLUGINS),
    # The scheming settings of the SCDL forms, as the SCDL glue tests set them.
    *(m for m in SCDL_MARKS if m.name == "ckan_config" and m.args[0].startswith("scheming.")),
    pytest.mark.ckan_config("ckanext.opendatalocale.conformity.queue", QUEUE),
    pytest.mark.usefixtures("with_plugins", "odl_db", "with_test_worker", "clean_queue"),
]

# Lorient: commune 56121, SIREN 215601212.
LORIENT_SIREN = "215601212"


def fixture_bytes(name: str = XLSX) -> bytes:
    return (FIXTURES / name).read_bytes()


def queue():
    return ckan_jobs.get_queue(QUEUE)


@pytest.fixture
def clean_queue():
    queue().empty()
    yield queue()
    queue().empty()


def editor_and_dataset(**dataset_fields):
    """An editor of the Ville de Lorient and a dataset of hers; an editor of another organisation."""
    user = factories.User(password=PASSWORD)
    other = factories.User(password=PASSWORD)
    org = factories.Organization(name="ville-de-lorient", title="Ville de Lorient", siren=LORIENT_SIREN,
                                 users=[{"name": user["name"], "capacity": "editor"}])
    factories.Organization(users=[{"name": other["name"], "capacity": "editor"}])
    dataset = factories.Dataset(owner_org=org["id"], name="subventions-lorient", title="Subventions de Lorient",
                                license_id="lo-2.0", **dataset_fields)
    return user, other, org, dataset


def token_headers(user) -> dict:
    return {"Authorization": factories.APIToken(user=user["name"])["token"]}


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.body if hasattr(response, "body") else response.get_data(as_text=True),
                         "html.parser")
