"""Reading and writing check results (no CKAN import: the glue passes a connection)."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

from .checker import Outcome, Target, is_checkable
from .model import link_check

BATCH = 5000


def table_exists(conn: sa.engine.Connection) -> bool:
    return bool(conn.execute(sa.text("SELECT to_regclass('odl_link_check') IS NOT NULL")).scalar())


def load(conn: sa.engine.Connection, resource_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """``{resource_id: row}`` of the stored checks of those resources."""
    rows: dict[str, dict[str, Any]] = {}
    ids = list(resource_ids)
    for start in range(0, len(ids), BATCH):
        for row in conn.execute(sa.select(link_check).where(
                link_check.c.resource_id.in_(ids[start:start + BATCH]))).mappings():
            rows[row["resource_id"]] = dict(row)
    return rows


def targets(conn: sa.engine.Connection, resources: Iterable[tuple[str, str, str]],
            now: dt.datetime, force: bool = False) -> tuple[list[Target], dict[str, str], int]:
    """(targets, {resource_id: package_id}, deferred count) for ``(resource_id, package_id, url)``
    links; validators are reused only while the URL is unchanged, and resources whose server
    asked for a later check wait unless ``force``."""
    links = {rid: (pid, url) for rid, pid, url in resources if is_checkable(url)}
    stored = load(conn, list(links))
    result, deferred = [], 0
    for rid, (_pid, url) in sorted(links.items()):
        row = stored.get(rid)
        if row and not force and row["next_check"] and row["next_check"] > now:
            deferred += 1
            continue
        same = row is not None and row["url"] == url
        result.append(Target(rid, url, etag=row["etag"] if same else None,
                             last_modified=row["last_modified"] if same else None))
    return result, {rid: pid for rid, (pid, _url) in links.items()}, deferred


def record(conn: sa.engine.Connection, outcome: Outcome, package_id: str) -> None:
    """Upsert one outcome. A deferred or rate-limited URL keeps its last conclusive state and
    only learns when to come back."""
    c = link_check.c
    now = outcome.checked_at
    if outcome.deferred or outcome.code == "rate_limited":
        later = now + dt.timedelta(seconds=outcome.retry_after or 0)
        values = {"resource_id": outcome.resource_id, "package_id": package_id, "url": outcome.url,
                  "next_check": later}
        if outcome.code == "rate_limited":
            values["last_error"] = {"code": outcome.code, "status": outcome.status, "message": outcome.message}
        statement = insert(link_check).values(**values)
        conn.execute(statement.on_conflict_do_update(
            index_elements=[c.resource_id],
            set_={k: statement.excluded[k] for k in values if k != "resource_id"}))
        return
    error = None if outcome.ok else {"code": outcome.code, "status": outcome.status, "message": outcome.message}
    values = {"resource_id": outcome.resource_id, "package_id": package_id, "url": outcome.url,
              "ok": outcome.ok, "status": outcome.status, "code": outcome.code, "method": outcome.method,
              "message": outcome.message, "final_url": outcome.final_url, "etag": outcome.etag,
              "last_modified": outcome.last_modified, "checked_at": now, "next_check": None,
              "last_success": now if outcome.ok else None, "last_error_at": None if outcome.ok else now,
              "last_error": error, "failures": 0 if outcome.ok else 1}
    statement = insert(link_check).values(**values)
    excluded = statement.excluded
    update = {k: excluded[k] for k in values if k not in ("resource_id", "last_success", "last_error_at",
                                                           "last_error", "failures")}
    # The last success and the last error survive the checks that do not replace them.
    update["last_success"] = sa.func.coalesce(excluded.last_success, c.last_success)
    update["last_error_at"] = sa.func.coalesce(excluded.last_error_at, c.last_error_at)
    update["last_error"] = sa.func.coalesce(excluded.last_error, c.last_error)
    update["failures"] = sa.case((excluded.ok.is_(True), 0), else_=c.failures + 1)
    conn.execute(statement.on_conflict_do_update(index_elements=[c.resource_id], set_=update))
