"""Tables of the conversion feature (created by ``migration/opendatalocale_convert``).

* ``odl_convert_session``: one row per wizard run, the uploaded file and the
  choices made so far, kept server-side (never in the session cookie) and
  dropped after ``ckanext.opendatalocale.convert.session_hours``;
* ``odl_convert_recipe``: the recipe saved per dataset or organisation and schema,
  replayed on the next file.
"""
from __future__ import annotations

import datetime
import json
import uuid
from typing import Any

from sqlalchemy import Column, DateTime, LargeBinary, MetaData, String, Table, Text
from sqlalchemy.orm import registry as orm_registry

import ckan.model as model

metadata = MetaData()
mapper_registry = orm_registry(metadata=metadata)

DATASET = "dataset"
ORGANIZATION = "organization"


def _uuid() -> str:
    return str(uuid.uuid4())


def _now() -> datetime.datetime:
    return datetime.datetime.utcnow()


session_table = Table(
    "odl_convert_session",
    metadata,
    Column("id", String(36), primary_key=True, default=_uuid),
    Column("user_id", Text, nullable=False),
    Column("package_id", Text),
    Column("owner_org", Text),
    Column("schema_name", Text, nullable=False),
    Column("schema_version", Text),
    Column("filename", Text, nullable=False),
    Column("source_resource_id", Text),
    Column("data", LargeBinary, nullable=False),
    Column("columns", Text),  # {column index: field or ""}: the mapping chosen
    Column("constants", Text),  # {field: value}
    Column("recipe_origin", Text),  # "dataset" or "organization" when a saved recipe was replayed
    Column("recipe_diff", Text),  # what changed since the recipe was saved
    Column("created", DateTime, nullable=False, default=_now),
    Column("updated", DateTime, nullable=False, default=_now, index=True),
)

recipe_table = Table(
    "odl_convert_recipe",
    metadata,
    Column("owner_type", Text, primary_key=True),
    Column("owner_id", Text, primary_key=True),
    Column("schema_name", Text, primary_key=True),
    Column("recipe", Text, nullable=False),
    Column("resource_id", Text),  # the resource last published with it (dataset recipes)
    Column("user_id", Text),
    Column("updated", DateTime, nullable=False, default=_now),
)


def _loads(text: str | None, default: Any) -> Any:
    return json.loads(text) if text else default


class ConvertSession:
    id: str
    user_id: str
    package_id: str | None
    owner_org: str | None
    schema_name: str
    schema_version: str | None
    filename: str
    source_resource_id: str | None
    data: bytes
    columns: str | None
    constants: str | None
    recipe_origin: str | None
    recipe_diff: str | None
    created: datetime.datetime
    updated: datetime.datetime

    def __init__(self, **kwargs: Any) -> None:
        for key, value in kwargs.items():
            setattr(self, key, value)

    @classmethod
    def get(cls, session_id: str) -> "ConvertSession | None":
        try:
            uuid.UUID(session_id)
        except (TypeError, ValueError):
            return None
        return model.Session.get(cls, session_id)

    @classmethod
    def prune(cls, hours: int) -> int:
        """Delete the runs left untouched for ``hours``."""
        limit = _now() - datetime.timedelta(hours=hours)
        return model.Session.query(cls).filter(cls.updated < limit).delete(synchronize_session=False)

    @property
    def choices(self) -> dict[int, str]:
        return {int(k): v for k, v in _loads(self.columns, {}).items()}

    @choices.setter
    def choices(self, value: dict[int, str]) -> None:
        self.columns = json.dumps({str(k): v for k, v in value.items()})

    @property
    def constant_values(self) -> dict[str, str]:
        return _loads(self.constants, {})

    @constant_values.setter
    def constant_values(self, value: dict[str, str]) -> None:
        self.constants = json.dumps(value, ensure_ascii=False)

    @property
    def diff(self) -> dict[str, Any] | None:
        return _loads(self.recipe_diff, None)

    def touch(self) -> None:
        self.updated = _now()


class ConvertRecipe:
    owner_type: str
    owner_id: str
    schema_name: str
    recipe: str
    resource_id: str | None
    user_id: str | None
    updated: datetime.datetime

    def __init__(self, **kwargs: Any) -> None:
        for key, value in kwargs.items():
            setattr(self, key, value)

    @classmethod
    def get(cls, owner_type: str, owner_id: str, schema_name: str) -> "ConvertRecipe | None":
        return model.Session.get(cls, (owner_type, owner_id, schema_name))

    @classmethod
    def put(cls, owner_type: str, owner_id: str, schema_name: str, recipe: str,
            user_id: str | None, resource_id: str | None = None) -> "ConvertRecipe":
        row = cls.get(owner_type, owner_id, schema_name)
        if row is None:
            row = cls(owner_type=owner_type, owner_id=owner_id, schema_name=schema_name)
            model.Session.add(row)
        row.recipe, row.user_id, row.updated = recipe, user_id, _now()
        if resource_id:
            row.resource_id = resource_id
        return row

    def as_dict(self) -> dict[str, Any]:
        return {"owner_type": self.owner_type, "owner_id": self.owner_id, "schema_name": self.schema_name,
                "recipe": json.loads(self.recipe), "resource_id": self.resource_id,
                "updated": self.updated.isoformat() if self.updated else None}


mapper_registry.map_imperatively(ConvertSession, session_table)
mapper_registry.map_imperatively(ConvertRecipe, recipe_table)
