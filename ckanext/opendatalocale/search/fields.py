"""How each index field behaves, mirroring the field types of CKAN's Solr schema.

CKAN's ``schema.xml`` decides whether ``title:x`` is a word match (text fields),
an exact match (string fields, the catch-all ``*`` dynamic field) or a date or
number comparison. Keeping the same typing here is what lets CKAN and extensions
send their usual queries unchanged.
"""
from __future__ import annotations

import enum
import re


class FieldKind(enum.Enum):
    TEXT = "text"
    STRING = "string"
    DATE = "date"
    NUMBER = "number"
    # Solr's ``*_ngram`` fields match any part of a word (dataset autocomplete).
    NGRAM = "ngram"


TEXT_FIELDS = frozenset(
    {
        "text", "title", "notes", "urls", "author", "author_email", "maintainer",
        "maintainer_email", "res_name", "res_description",
        "depends_on", "dependency_of", "derives_from", "has_derivation",
        "links_to", "linked_from", "child_of", "parent_of",
    }
)
DATE_FIELDS = frozenset({"metadata_created", "metadata_modified", "indexed_ts"})
NUMBER_FIELDS = frozenset(
    {
        "num_resources", "num_tags", "views_total", "views_recent",
        "resources_accessed_total", "resources_accessed_recent",
        "ratings_count", "ratings_average",
    }
)
TEXT_PREFIXES = ("extras_", "res_extras_")

# Fields too large or too internal to be searched or faceted on.
STORED_ONLY_FIELDS = frozenset({"data_dict", "validated_data_dict"})

# Weights of the catch-all search vector. A field-scoped word query first uses the
# weight of its group (indexed), then re-checks the field itself.
WEIGHT_OF_FIELD = {
    "title": "A", "name": "A",
    "tags": "B", "groups": "B", "organization": "B",
    "notes": "C", "res_name": "C", "res_description": "C",
}
DEFAULT_WEIGHT = "D"

# Fields that Solr copies into its ``text`` catch-all field (CKAN schema.xml copyField).
CATCH_ALL_FIELDS = (
    "name", "title", "text", "license", "notes", "tags", "groups", "organization",
    "res_name", "res_description", "maintainer", "author", "urls", "url",
    "ckan_url", "download_url", "res_url",
)
CATCH_ALL_PREFIXES = ("extras_", "res_extras_", "vocab_")

_FIELD_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-.]*$")


def kind_of(field: str) -> FieldKind:
    if field.endswith("_ngram"):
        return FieldKind.NGRAM
    if field in TEXT_FIELDS or field.startswith(TEXT_PREFIXES):
        return FieldKind.TEXT
    if field in DATE_FIELDS or field.endswith("_date"):
        return FieldKind.DATE
    if field in NUMBER_FIELDS:
        return FieldKind.NUMBER
    return FieldKind.STRING


def is_valid_field_name(field: str) -> bool:
    return bool(_FIELD_NAME_RE.match(field))


def in_catch_all(field: str) -> bool:
    return field in CATCH_ALL_FIELDS or field.startswith(CATCH_ALL_PREFIXES)


def weight_of(field: str) -> str:
    return WEIGHT_OF_FIELD.get(field, DEFAULT_WEIGHT)


def ngram_source(field: str) -> str:
    """``title_ngram`` is Solr's copy of ``title``."""
    return field[: -len("_ngram")]


# Fields CKAN filters on in every query, kept in their own columns so that the
# base filter of a search never has to open the JSON document.
SCALAR_COLUMNS = frozenset({"site_id", "entity_type", "state", "dataset_type", "capacity"})
ARRAY_COLUMNS = frozenset({"permission_labels"})


def document_column(field: str) -> str:
    """The JSON column holding a field.

    ``d`` is the index row, read by every query; ``x`` the document row with
    the long texts, joined only when a query refers to it.
    """
    return "x.texts" if kind_of(field) in (FieldKind.TEXT, FieldKind.NGRAM) else "d.fields"

# Dates CKAN sorts and filters on in most queries, kept as timestamptz columns.
DATE_COLUMNS = frozenset({"metadata_modified", "metadata_created"})

# Fields whose value counts are kept up to date at write time, so that the
# facets of a listing (no query, only CKAN's visibility filters) are read,
# not computed. Other fields are faceted on the fly.
# Every kept field costs each text query one more value to count per matching
# row: the list holds what CKAN and the suite facet on (owner_org and groups
# for the dataset counts of organisation and group lists).
DEFAULT_FACET_FIELDS = (
    "organization", "groups", "tags", "res_format", "license_id", "owner_org",
    "scdl_schema", "conformity", "harvest_source_type",
)
# The visibility filters CKAN adds to every package_search; facet counts are
# kept per combination of their values.
BASE_FIELDS = ("site_id", "state", "dataset_type", "capacity", "permission_labels")
