"""Stored parts of the ATD's programme: contacts, reminder exclusions and the reminder log
(no CKAN import: the actions and the send job pass a connection)."""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

from .model import followup_note
from .programme_model import contact, reminder_batch, reminder_exclusion, reminder_message

EMAIL = re.compile(r"^[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\"]+$")
ACTION_KINDS = ("training", "meeting", "call", "email", "seminar", "visit", "other")


def _plain(row: Any) -> dict[str, Any]:
    return {k: (v.isoformat(timespec="seconds") if isinstance(v, dt.datetime)
                else v.isoformat() if isinstance(v, dt.date) else v) for k, v in dict(row).items()}


def contacts(conn: sa.engine.Connection, territory_id: str, sirens: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
    c = contact.c
    result: dict[str, list[dict[str, Any]]] = {}
    for row in conn.execute(sa.select(contact).where(c.territory_id == territory_id, c.siren.in_(list(sirens)))
                            .order_by(c.siren, c.id)).mappings():
        result.setdefault(row["siren"], []).append(_plain(row))
    return result


def add_contact(conn: sa.engine.Connection, territory_id: str, siren: str, name: str, email: str,
                role: str, author: str) -> dict[str, Any]:
    values = {"territory_id": territory_id, "siren": siren, "name": name, "email": email, "role": role,
              "author": author, "created": dt.datetime.utcnow()}
    new_id = conn.execute(contact.insert().values(**values).returning(contact.c.id)).scalar_one()
    return _plain({"id": new_id, **values})


def delete_contact(conn: sa.engine.Connection, territory_id: str, siren: str, contact_id: int) -> bool:
    c = contact.c
    return conn.execute(contact.delete().where(c.territory_id == territory_id, c.siren == siren,
                                               c.id == contact_id)).rowcount > 0


def excluded(conn: sa.engine.Connection, territory_id: str) -> dict[str, dict[str, Any]]:
    e = reminder_exclusion.c
    return {row["siren"]: _plain(row) for row in conn.execute(
        sa.select(reminder_exclusion).where(e.territory_id == territory_id)).mappings()}


def set_excluded(conn: sa.engine.Connection, territory_id: str, siren: str, exclude: bool, reason: str,
                 author: str) -> None:
    e = reminder_exclusion.c
    if not exclude:
        conn.execute(reminder_exclusion.delete().where(e.territory_id == territory_id, e.siren == siren))
        return
    statement = insert(reminder_exclusion).values(territory_id=territory_id, siren=siren, reason=reason,
                                                  author=author, created=dt.datetime.utcnow())
    conn.execute(statement.on_conflict_do_update(
        index_elements=[e.territory_id, e.siren],
        set_={"reason": statement.excluded.reason, "author": statement.excluded.author,
              "created": statement.excluded.created}))


def claim_batch(conn: sa.engine.Connection, token: str, territory_id: str, author: str, subject: str,
                intro: str) -> bool:
    """Record a send under its token; False when that token was already used (a second POST)."""
    statement = insert(reminder_batch).values(token=token, territory_id=territory_id, author=author,
                                              subject=subject, intro=intro, created=dt.datetime.utcnow())
    return conn.execute(statement.on_conflict_do_nothing().returning(reminder_batch.c.token)).first() is not None


def batch(conn: sa.engine.Connection, token: str) -> dict[str, Any] | None:
    row = conn.execute(sa.select(reminder_batch).where(reminder_batch.c.token == token)).mappings().first()
    return dict(row) if row else None


def log_message(conn: sa.engine.Connection, **values: Any) -> None:
    conn.execute(reminder_message.insert().values(sent_at=dt.datetime.utcnow(), **values))


def messages(conn: sa.engine.Connection, territory_id: str, siren: str | None = None,
             token: str | None = None) -> list[dict[str, Any]]:
    m = reminder_message.c
    query = sa.select(reminder_message).where(m.territory_id == territory_id)
    if siren:
        query = query.where(m.siren == siren)
    if token:
        query = query.where(m.token == token)
    return [_plain(row) for row in conn.execute(query.order_by(m.sent_at.desc(), m.id.desc())).mappings()]


def actions(conn: sa.engine.Connection, territory_id: str, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    """The action log (follow-up entries of a kind other than "note") between two dates."""
    n = followup_note.c
    when = sa.func.coalesce(n.occurred, sa.cast(n.created, sa.Date))
    rows = conn.execute(sa.select(followup_note, when.label("date")).where(
        n.territory_id == territory_id, n.kind != "note", when >= start, when < end)
        .order_by(when, n.id)).mappings()
    return [_plain(row) for row in rows]
