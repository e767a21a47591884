"""Fixtures shared by the conformity tests: SCDL schemas and sample files."""
from __future__ import annotations

import json
from functools import lru_cache

import pytest

from ckanext.opendatalocale.tests.helpers import shared_path


@lru_cache(maxsize=None)
def _index() -> dict:
    return json.loads(shared_path("reference", "scdl", "index.json").read_text(encoding="utf-8"))


def schema_for(slug: str, version: str | None = None) -> dict:
    """The SCDL schema of ``slug`` (latest catalogue version unless given).

    Goes through the SCDL registry when it knows the schema, else reads the
    reference copy in ../shared.
    """
    entry = next(item for item in _index()["schemas"] if item["slug"] == slug)
    version = version or entry["version"]
    try:
        from ckanext.opendatalocale.scdl.registry import get_registry

        return dict(get_registry().get(entry["name"], version).descriptor)
    except Exception:
        path = shared_path("reference", "scdl", slug, "versions", version, "schema.json")
        return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def subventions_schema() -> dict:
    return schema_for("subventions")


def sample(*parts: str):
    path = shared_path("samples", *parts)
    # CI keeps shared/ beside the clone: a missing sample is a broken test, not a skip.
    assert path.exists(), f"sample {path} not found (set OPENDATALOCALE_SHARED)"
    return path
