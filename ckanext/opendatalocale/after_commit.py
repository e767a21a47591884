"""Work a transaction asks for, done once it has committed.

A background job queued from inside a transaction could run before the commit and read
the old rows, or run for a change that is then rolled back. Features note what they want
on the session while it works; after its commit the notes are handed over once, after a
rollback they are dropped.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Hashable
from typing import Any

from sqlalchemy import event

import ckan.model as model

log = logging.getLogger(__name__)


class AfterCommit:
    """``note(item)`` during a transaction; ``handle(items)`` after it commits, each item
    once, in the order first noted. ``handle`` failing (Redis down) is logged: the
    transaction's own writes stand and the feature's cron catches up."""

    def __init__(self, key: str, handle: Callable[[list[Hashable]], None], what: str) -> None:
        self.key = key
        self.handle = handle
        self.what = what

    def note(self, *items: Hashable) -> None:
        model.Session().info.setdefault(self.key, []).extend(items)

    def install(self) -> None:
        """Idempotent: listens on CKAN's scoped session."""
        if not event.contains(model.Session, "after_commit", self._after_commit):
            event.listen(model.Session, "after_commit", self._after_commit)
            event.listen(model.Session, "after_rollback", self._after_rollback)

    def _after_commit(self, session: Any) -> None:
        items = session.info.pop(self.key, None)
        if not items:
            return
        try:
            self.handle(list(dict.fromkeys(items)))
        except Exception:  # noqa: BLE001 - see the class docstring
            log.exception("Could not queue %s", self.what)

    def _after_rollback(self, session: Any) -> None:
        session.info.pop(self.key, None)
