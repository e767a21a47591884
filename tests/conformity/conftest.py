"""Fixtures shared by the conformity tests: SCDL schemas and sample files."""
from __future__ import annotations

import json
from functools import lru_cache

import pytest

from tests.helpers import fixture_path


@lru_cache(maxsize=None)
def _index() -> dict:
    return json.loads(fixture_path("reference", "scdl", "index.json").read_text(encoding="utf-8"))


def schema_for(slug: str, version: str | None = None) -> dict:
    """The SCDL schema of ``slug`` (latest catalogue version unless given).

    Read through the SCDL registry, from the schemas the suite ships.
    """
    from ckanext.opendatalocale.scdl.registry import get_registry

    entry = next(item for item in _index()["schemas"] if item["slug"] == slug)
    return dict(get_registry().get(entry["name"], version or entry["version"]).descriptor)


@pytest.fixture(scope="session")
def subventions_schema() -> dict:
    return schema_for("subventions")


def sample(*parts: str):
    return fixture_path("samples", *parts)
