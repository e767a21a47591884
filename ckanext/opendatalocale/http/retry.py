"""Retries: 429 / 5xx answers and broken connections are retried with
exponential backoff, honouring ``Retry-After``, OpenDataSoft's ``reset_time``
and ``X-RateLimit-Reset``, but never sleeping longer than ``max_retry_wait``
(:class:`~.errors.RateLimited` instead)."""
from __future__ import annotations

import contextlib
import email.utils
import json
import random
import time
from datetime import datetime, timezone
from typing import Any, Callable, Iterator, Mapping

from requests.structures import CaseInsensitiveDict

from .errors import ConnectionFailed, FetchError, FetchTimeout, HTTPStatusError, RateLimited, _seconds
from .response import _Attempt

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
# Enough to read an error body (ODS quota JSON, a CKAN error dict) without
# pulling a huge HTML page into memory.
ERROR_BODY_LIMIT = 64 * 1024


class _RetryMixin:
    """Retry policy, one of :class:`~.client.HttpClient`'s bases.

    Kept apart so that the client module stays readable; it relies on the
    client's ``_open``, ``_expired`` and ``_sleep`` and on
    :class:`~.body._BodyMixin`'s ``_read_body`` and ``_response``.
    """

    retries: int
    backoff: float
    max_backoff: float
    max_retry_wait: float
    _sleep: Callable[[float], None]

    @contextlib.contextmanager
    def _open_with_retries(self, url: str, headers: CaseInsensitiveDict, params: Mapping[str, Any] | None,
                           deadline: float, attempts: list[int], method: str = "GET") -> Iterator[_Attempt]:
        """Open ``url`` until a final answer, retrying 429/5xx and broken
        connections; yields only a success (2xx) or a 304."""
        while True:
            stack = contextlib.ExitStack()
            try:
                opened = stack.enter_context(self._open(url, headers, params, deadline, method))
                status = opened.response.status_code
                if status in RETRY_STATUSES:
                    error = self._status_error(opened, deadline)
                    wait = self._server_wait(error)
                    if attempts[0] >= self.retries:
                        raise error
                    stack.close()
                    self._wait(wait if wait is not None else self._backoff(attempts[0]), url, deadline)
                    attempts[0] += 1
                    continue
                if status >= 300 and status != 304:
                    raise self._status_error(opened, deadline)
            except (FetchTimeout, ConnectionFailed) as exc:
                stack.close()
                if not self._retryable(exc) or attempts[0] >= self.retries:
                    raise
                self._wait(self._backoff(attempts[0]), url, deadline)
                attempts[0] += 1
                continue
            except BaseException:
                stack.close()
                raise
            with stack:
                yield opened
            return

    @staticmethod
    def _retryable(error: FetchError) -> bool:
        return error.code not in ("timeout.total", "timeout.deadline", "dns")

    def _status_error(self, opened: _Attempt, deadline: float) -> HTTPStatusError:
        try:
            body = self._read_body(opened, deadline, ERROR_BODY_LIMIT, truncate=True)
        except FetchError:
            body = b""
        return HTTPStatusError(url=opened.url, status=opened.response.status_code,
                               response=self._response(opened, body))

    def _server_wait(self, error: HTTPStatusError) -> float | None:
        """The wait the server asks for, or None to use our own backoff.

        Raises RateLimited rather than sleeping longer than max_retry_wait.
        """
        response = error.response
        body = None
        if response is not None and error.status == 429:
            try:
                body = json.loads(response.content)
            except (ValueError, UnicodeDecodeError):
                body = None
        wait = server_wait(response.headers if response is not None else {}, body)
        if wait is not None and wait > self.max_retry_wait:
            raise RateLimited(url=error.url, status=error.status, response=response,
                              seconds=_seconds(wait), limit=_seconds(self.max_retry_wait))
        return wait

    def _backoff(self, attempt: int) -> float:
        base = min(self.max_backoff, self.backoff * (2 ** attempt))
        # A little jitter so parallel workers do not retry in lockstep.
        return base * (1 + random.random() * 0.1)

    def _wait(self, seconds: float, url: str, deadline: float) -> None:
        if time.monotonic() + seconds > deadline:
            raise self._expired(url, deadline)
        if seconds > 0:
            self._sleep(seconds)


def server_wait(headers: Mapping[str, str], body: Any = None,
                now: datetime | None = None) -> float | None:
    """Seconds the server asks us to wait: ``Retry-After`` (seconds or HTTP
    date), OpenDataSoft's JSON ``reset_time`` or ``X-RateLimit-Reset``."""
    now = now or datetime.now(timezone.utc)
    retry_after = (headers.get("Retry-After") or "").strip()
    if retry_after:
        if retry_after.isdigit():
            return float(retry_after)
        try:
            when = email.utils.parsedate_to_datetime(retry_after)
        except (TypeError, ValueError, IndexError):
            when = None
        if when is not None:
            if when.tzinfo is None:
                when = when.replace(tzinfo=timezone.utc)
            return max(0.0, (when - now).total_seconds())
    reset = body.get("reset_time") if isinstance(body, dict) else None
    reset = reset or headers.get("X-RateLimit-Reset")
    if isinstance(reset, str) and reset.strip():
        value = reset.strip()
        if value.isdigit():
            # Epoch seconds (large) or a delay in seconds (small).
            number = float(value)
            return max(0.0, number - now.timestamp()) if number > 10**9 else number
        try:
            when = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        wait = (when - now).total_seconds()
        # A reset time already past says nothing useful: use our own backoff.
        return wait if wait > 0 else None
    return None
