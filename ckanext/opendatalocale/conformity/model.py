"""Tables of the conformity feature (created by ``migration/opendatalocale_conformity``).

* ``odl_conformity_result``: one row per check of a resource (the last N kept),
  with the full JSON report;
* ``odl_conformity_state``: one row per resource, what triggered the last
  queued check (so a summary write or an unrelated edit never queues another)
  and the schema the detector suggests for a resource that declares none.
"""
from __future__ import annotations

import datetime
import uuid
from typing import Any

from sqlalchemy import Boolean, Column, DateTime, Float, Integer, MetaData, String, Table, Text
from sqlalchemy.orm import registry as orm_registry

import ckan.model as model

metadata = MetaData()
mapper_registry = orm_registry(metadata=metadata)


def _uuid() -> str:
    return str(uuid.uuid4())


def _now() -> datetime.datetime:
    return datetime.datetime.utcnow()


result_table = Table(
    "odl_conformity_result",
    metadata,
    Column("id", String(36), primary_key=True, default=_uuid),
    Column("resource_id", Text, nullable=False, index=True),
    Column("package_id", Text, nullable=False, index=True),
    Column("schema_name", Text),
    Column("schema_version", Text),
    Column("status", Text, nullable=False),
    Column("error_count", Integer, nullable=False, default=0),
    Column("report", Text),
    Column("content_hash", Text),
    Column("engine_version", Text),
    Column("source_url", Text),
    Column("duration", Float),
    Column("created", DateTime, nullable=False, default=_now, index=True),
    Column("checked", DateTime, nullable=False, default=_now),
)

state_table = Table(
    "odl_conformity_state",
    metadata,
    Column("resource_id", Text, primary_key=True),
    Column("package_id", Text, nullable=False, index=True),
    Column("trigger_key", Text),
    Column("queued", DateTime),
    Column("suggested_schema_name", Text),
    Column("suggested_schema_version", Text),
    Column("suggestion_confidence", Float),
    Column("suggestion_evidence", Text),
    # Strict mode made the dataset private for this resource's file.
    Column("held", Boolean, nullable=False, default=False),
)


class ConformityResult:
    id: str
    resource_id: str
    package_id: str
    schema_name: str | None
    schema_version: str | None
    status: str
    error_count: int
    report: str | None
    content_hash: str | None
    engine_version: str | None
    source_url: str | None
    duration: float | None
    created: datetime.datetime
    checked: datetime.datetime

    def __init__(self, **kwargs: Any) -> None:
        for key, value in kwargs.items():
            setattr(self, key, value)

    @classmethod
    def latest(cls, resource_id: str) -> "ConformityResult | None":
        return (model.Session.query(cls).filter(cls.resource_id == resource_id)
                .order_by(cls.created.desc()).first())

    @classmethod
    def history(cls, resource_id: str) -> list["ConformityResult"]:
        return (model.Session.query(cls).filter(cls.resource_id == resource_id)
                .order_by(cls.created.desc()).all())

    @classmethod
    def prune(cls, resource_id: str, keep: int) -> int:
        """Delete all but the ``keep`` most recent results of a resource."""
        old = cls.history(resource_id)[max(1, keep):]
        for row in old:
            model.Session.delete(row)
        return len(old)


class ConformityState:
    resource_id: str
    package_id: str
    trigger_key: str | None
    queued: datetime.datetime | None
    suggested_schema_name: str | None
    suggested_schema_version: str | None
    suggestion_confidence: float | None
    suggestion_evidence: str | None
    held: bool

    def __init__(self, **kwargs: Any) -> None:
        for key, value in kwargs.items():
            setattr(self, key, value)

    @classmethod
    def get(cls, resource_id: str) -> "ConformityState | None":
        return model.Session.get(cls, resource_id)

    @classmethod
    def get_or_create(cls, resource_id: str, package_id: str) -> "ConformityState":
        state = cls.get(resource_id)
        if state is None:
            state = cls(resource_id=resource_id, package_id=package_id, held=False)
            model.Session.add(state)
        return state


mapper_registry.map_imperatively(ConformityResult, result_table)
mapper_registry.map_imperatively(ConformityState, state_table)
