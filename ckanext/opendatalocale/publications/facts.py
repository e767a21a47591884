"""What a collectivité publishes, as the dashboard, the link checker and the consolidation
read it: its datasets (own, or published on its behalf) and their resources, each with the
conformity state the conformity feature decided and, for harvested datasets, the health of
their source. Plain data, no CKAN import."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any


def iso(value: dt.datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value else None


@dataclass(slots=True)
class ResourceFacts:
    id: str
    package_id: str
    format: str
    url: str
    created: dt.datetime | None
    last_modified: dt.datetime | None
    schema_name: str | None = None
    schema_version: str | None = None
    conformity_status: str = "unchecked"
    conformity_error_count: int | None = None
    conformity_validated_at: str | None = None
    conformity_row_count: int | None = None  # 0: a conformant file with no data row
    # Error types of the latest full report ({type: count}), when the conformity feature's
    # results table holds one for this resource.
    error_types: dict[str, int] | None = None

    @property
    def updated(self) -> dt.datetime | None:
        return self.last_modified or self.created


@dataclass(slots=True)
class DatasetFacts:
    id: str
    name: str
    title: str
    private: bool
    created: dt.datetime
    modified: dt.datetime
    license_id: str
    notes_length: int
    has_contact: bool
    has_org: bool
    tag_count: int
    extras: dict[str, str]
    own: bool
    resources: list[ResourceFacts] = field(default_factory=list)
    # ckanext-harvest's view of a harvested dataset: its source and that source's last jobs.
    harvest: dict[str, Any] | None = None

    @property
    def frequency(self) -> str:
        return self.extras.get("frequency") or ""

    @property
    def harvest_source_type(self) -> str:
        return self.extras.get("harvest_source_type") or ""

    @property
    def updated(self) -> dt.datetime:
        """When the data last changed: resources' last modification, else dataset metadata."""
        dates = [r.updated for r in self.resources if r.updated]
        return max(dates) if dates else self.modified
