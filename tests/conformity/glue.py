"""What the conformity glue tests share: CKAN marks, sample files, running the queued jobs."""
from __future__ import annotations

import pytest

from ckan.lib import jobs as ckan_jobs

from tests.helpers import fixture_path

PLUGINS = "opendatalocale_search opendatalocale_conformity"
QUEUE = "odl_conformity_test"

CKAN_MARKS = [
    pytest.mark.ckan_config("ckan.plugins", PLUGINS),
    pytest.mark.ckan_config("ckanext.opendatalocale.conformity.queue", QUEUE),
    pytest.mark.usefixtures("with_plugins", "odl_db", "with_test_worker", "clean_queue"),
]

SCHEMA = "scdl/subventions"
VERSION = "2.1.1"


def sample_bytes(name: str) -> bytes:
    return fixture_path("samples", "scdl-examples", "subventions", name).read_bytes()


VALID = "exemple_valide.csv"
INVALID = "exemple_invalide_erreurs_cellules.csv"


def queue():
    return ckan_jobs.get_queue(QUEUE)


def queued() -> int:
    return queue().count


def run_jobs() -> None:
    """Run every queued job here, in this process (CKAN's test worker does not fork)."""
    ckan_jobs.Worker([QUEUE]).work(burst=True)


@pytest.fixture
def clean_queue():
    """An empty conformity test queue before and after the test (import it into the test module)."""
    queue().empty()
    yield queue()
    queue().empty()
