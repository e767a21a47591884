"""Pytest plugin for the run of CKAN core's search tests against our backend.

    pytest -p tests.core_contract ckan/tests/...

CKAN's factories fill titles and notes with random English words from Faker,
and some core tests search for an English word: ``TestSearch::
test_search_page_results`` expects ``q=One`` to find one of three datasets, and
fails (with Solr as well) in the runs where another dataset's random notes say
"one". Seeding Faker from each test's id keeps every test's data the same from
run to run, whatever order or subset of tests runs, so the contract's outcome
depends on the backend and not on the draw.
"""
from __future__ import annotations

import zlib

import pytest


@pytest.fixture(autouse=True)
def _seeded_factories(request: pytest.FixtureRequest) -> None:
    from ckan.tests import factories

    factories.fake.seed_instance(zlib.crc32(request.node.nodeid.encode("utf-8")))
