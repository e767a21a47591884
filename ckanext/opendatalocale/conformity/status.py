"""The four conformity states shown to visitors, and the summary written on resources.

A resource with no summary, or one whose summary names another schema
version than the one it now declares, is "unchecked": never shown as
conforming.
"""
from __future__ import annotations

from typing import Any, Iterable, Mapping

from .report import STATUS_ERROR, STATUS_INVALID, STATUS_VALID

STATUS_UNCHECKED = "unchecked"
STATES = (STATUS_VALID, STATUS_INVALID, STATUS_ERROR, STATUS_UNCHECKED)

# Fields the conformity feature writes on a resource (agreed names).
SUMMARY_FIELDS = (
    "conformity_status",
    "conformity_error_count",
    "conformity_validated_at",
    "conformity_schema_version",
    "conformity_engine_version",
    "conformity_row_count",
)
SUGGESTION_FIELD = "conformity_suggested_schema"

# Worst first: a dataset is as conforming as its worst SCDL resource.
SEVERITY = {STATUS_INVALID: 0, STATUS_ERROR: 1, STATUS_UNCHECKED: 2, STATUS_VALID: 3}

LABELS: dict[str, dict[str, str]] = {
    STATUS_VALID: {"fr": "conforme", "en": "conforms"},
    STATUS_INVALID: {"fr": "non conforme", "en": "does not conform"},
    STATUS_ERROR: {"fr": "erreur", "en": "check failed"},
    STATUS_UNCHECKED: {"fr": "non vérifié", "en": "not checked"},
}
# Colour and a distinct glyph each, so the states differ without colour too.
COLOURS = {STATUS_VALID: "#1e7b34", STATUS_INVALID: "#c0392b", STATUS_ERROR: "#b35c00",
           STATUS_UNCHECKED: "#6b6b6b"}
SYMBOLS = {STATUS_VALID: "✓", STATUS_INVALID: "✗", STATUS_ERROR: "!", STATUS_UNCHECKED: "?"}


def has_schema(resource: Mapping[str, Any]) -> bool:
    return bool((resource.get("schema_name") or "").strip())


def resource_status(resource: Mapping[str, Any]) -> str:
    """The state of a resource from its summary fields."""
    if not has_schema(resource):
        return STATUS_UNCHECKED
    status = resource.get("conformity_status")
    if status not in (STATUS_VALID, STATUS_INVALID, STATUS_ERROR):
        return STATUS_UNCHECKED
    declared = (resource.get("schema_version") or "").strip()
    checked = (resource.get("conformity_schema_version") or "").strip()
    if declared and checked and declared != checked:
        # The summary is about another version: it no longer says anything.
        return STATUS_UNCHECKED
    return status


def worst(statuses: Iterable[str]) -> str | None:
    """The worst of several states; None when there are none."""
    found = [s for s in statuses if s in SEVERITY]
    if not found:
        return None
    return min(found, key=SEVERITY.__getitem__)


def dataset_status(dataset: Mapping[str, Any]) -> str | None:
    """Worst state among the dataset's resources that declare a schema; None if none does."""
    return worst(resource_status(r) for r in dataset.get("resources") or [] if has_schema(r))


def label(status: str, lang: str = "fr") -> str:
    return LABELS.get(status, LABELS[STATUS_UNCHECKED])["fr" if lang == "fr" else "en"]
