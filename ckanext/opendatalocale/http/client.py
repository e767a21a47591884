"""The client itself: timeouts and deadline, per-host politeness, redirects
followed by hand (each hop through the SSRF guard, credentials dropped on a
change of host), conditional GET, and the public ``get`` / ``get_json`` /
``head`` / ``stream``. Retries and body reading come from its two mixins.
"""
from __future__ import annotations

import contextlib
import threading
import time
from typing import Any, Callable, Iterator, Mapping, Sequence
from urllib.parse import urljoin, urlsplit

import requests
from requests.structures import CaseInsensitiveDict

from .body import StreamedBody, _BodyMixin
from .errors import (
    ConnectionFailed,
    DeadlineExceeded,
    FetchTimeout,
    TooManyRedirects,
    TruncatedBody,
    UnsafeURL,
    _seconds,
)
from .guard import AddressGuard, _guarded_adapter
from .response import HttpResponse, _Attempt
from .retry import _RetryMixin

PRODUCT = "ckanext-opendatalocale"
VERSION = "0.1.0"
DEFAULT_MAX_BYTES = 100 * 1024 * 1024
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# Headers that must not follow a redirect to another host.
CREDENTIAL_HEADERS = ("authorization", "cookie", "x-api-key", "proxy-authorization")


class _HostGate:
    """At most ``concurrency`` requests in flight, starts ``interval`` s apart."""

    def __init__(self, concurrency: int, interval: float):
        self.semaphore = threading.BoundedSemaphore(max(1, concurrency))
        self.interval = interval
        self.lock = threading.Lock()
        self.next_start = 0.0


class HttpClient(_RetryMixin, _BodyMixin):
    """Shared HTTP client. Thread-safe: one instance can serve a whole harvest."""

    def __init__(
        self,
        allow_private: bool = False,
        allowed_hosts: Sequence[str] = (),
        connect_timeout: float = 5.0,
        read_timeout: float = 30.0,
        total_timeout: float = 300.0,
        max_bytes: int = DEFAULT_MAX_BYTES,
        retries: int = 3,
        backoff: float = 1.0,
        max_backoff: float = 60.0,
        max_retry_wait: float = 120.0,
        max_redirects: int = 5,
        per_host_concurrency: int = 4,
        per_host_interval: float = 0.0,
        user_agent: str | None = None,
        contact: str | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.guard = AddressGuard(bool(allow_private), frozenset(h.lower().rstrip(".") for h in allowed_hosts))
        self.connect_timeout = float(connect_timeout)
        self.read_timeout = float(read_timeout)
        self.total_timeout = float(total_timeout)
        self.max_bytes = int(max_bytes)
        self.retries = max(0, int(retries))
        self.backoff = float(backoff)
        self.max_backoff = float(max_backoff)
        self.max_retry_wait = float(max_retry_wait)
        self.max_redirects = int(max_redirects)
        self.per_host_concurrency = max(1, int(per_host_concurrency))
        self.per_host_interval = max(0.0, float(per_host_interval))
        self.user_agent = user_agent or self.default_user_agent(contact)
        self._sleep = sleep
        # Overall deadline (time.monotonic()) over every request, see set_deadline().
        self.deadline: float | None = None
        self.deadline_seconds = 0.0
        self.deadline_hit = False
        self._gates: dict[str, _HostGate] = {}
        self._gates_lock = threading.Lock()
        self.session = requests.Session()
        # No proxies or .netrc from the environment: the guard must see the
        # real destination, and credentials must not leak to harvested hosts.
        self.session.trust_env = False
        adapter = _guarded_adapter(self.guard, max(10, self.per_host_concurrency))
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    @staticmethod
    def default_user_agent(contact: str | None) -> str:
        agent = f"{PRODUCT}/{VERSION} python-requests/{requests.__version__}"
        return f"{agent} (+{contact})" if contact else agent

    def close(self) -> None:
        self.session.close()

    def set_deadline(self, seconds: float | None) -> None:
        """Bound everything this client does from now on to ``seconds``.

        Past the deadline no request starts, and the one in flight has its
        connect, read and retry waits shortened to what is left; both raise
        :class:`DeadlineExceeded` and set :attr:`deadline_hit`, so that a
        caller that caught the error on the way can still tell.
        """
        self.deadline = None if seconds is None else time.monotonic() + max(0.0, float(seconds))
        self.deadline_seconds = float(seconds or 0.0)
        self.deadline_hit = False

    def check_deadline(self, url: str = "") -> None:
        """Raise :class:`DeadlineExceeded` (and set :attr:`deadline_hit`) once the
        overall deadline has passed: for work done between requests, such as
        parsing what was downloaded."""
        if self.deadline is not None and time.monotonic() >= self.deadline:
            raise self._expired(url, self.deadline)

    def __enter__(self) -> "HttpClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ public API

    def get(
        self,
        url: str,
        headers: Mapping[str, str] | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> HttpResponse:
        """GET ``url`` and read the whole (capped) body.

        Returns ``not_modified=True`` on a 304 answer to a conditional GET.
        Raises :class:`HTTPStatusError` for any other final status >= 400.
        """
        request_headers = self._headers(headers, etag, last_modified)
        deadline = self._call_deadline()
        attempts = [0]
        while True:
            try:
                with self._open_with_retries(url, request_headers, params, deadline, attempts) as opened:
                    if opened.response.status_code == 304:
                        return self._response(opened, b"")
                    return self._response(opened, self._read_body(opened, deadline, self.max_bytes))
            except (FetchTimeout, ConnectionFailed) as exc:
                # A body cut or stalled half-way: GET is idempotent, try again.
                if not self._retryable(exc) or attempts[0] >= self.retries:
                    raise
                self._wait(self._backoff(attempts[0]), url, deadline)
                attempts[0] += 1

    def get_json(
        self,
        url: str,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Any:
        """GET a JSON document; an HTML page or broken JSON raises MalformedResponse."""
        merged = {"Accept": "application/json", **(headers or {})}
        return self.get(url, headers=merged, params=params).json()

    def head(
        self,
        url: str,
        headers: Mapping[str, str] | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> HttpResponse:
        """HEAD ``url``: redirects, retries, rate limits and the SSRF guard as for :meth:`get`.

        Returns ``not_modified=True`` on a 304; raises :class:`HTTPStatusError` on >= 400
        (a 405 or 501 says the server refuses HEAD: callers may fall back to a ranged GET).
        """
        request_headers = self._headers(headers, etag, last_modified)
        deadline = self._call_deadline()
        with self._open_with_retries(url, request_headers, None, deadline, [0], method="HEAD") as opened:
            return self._response(opened, b"")

    @contextlib.contextmanager
    def stream(
        self,
        url: str,
        headers: Mapping[str, str] | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> Iterator["StreamedBody"]:
        """Open ``url`` and yield a file-like body capped at ``max_bytes``.

        Retries happen only before the body starts; a failure while reading
        raises from ``read()``.
        """
        request_headers = self._headers(headers, etag, last_modified)
        deadline = self._call_deadline()
        with self._open_with_retries(url, request_headers, params, deadline, [0]) as opened:
            yield StreamedBody(self, opened, deadline)

    # ------------------------------------------------------------------ internals

    def _call_deadline(self) -> float:
        """When this fetch must end: its total timeout, or the overall deadline if sooner."""
        deadline = time.monotonic() + self.total_timeout
        return deadline if self.deadline is None else min(deadline, self.deadline)

    def _expired(self, url: str, deadline: float) -> FetchTimeout:
        """The error for a fetch out of time: the overall deadline's when that is the one that ran out."""
        if self.deadline is not None and deadline >= self.deadline:
            self.deadline_hit = True
            return DeadlineExceeded(url=url, seconds=_seconds(self.deadline_seconds))
        return FetchTimeout("timeout.total", url=url, seconds=_seconds(self.total_timeout))

    def _headers(self, headers: Mapping[str, str] | None, etag: str | None,
                 last_modified: str | None) -> CaseInsensitiveDict:
        merged: CaseInsensitiveDict = CaseInsensitiveDict({"User-Agent": self.user_agent})
        merged.update(headers or {})
        if etag:
            merged["If-None-Match"] = etag
        if last_modified:
            merged["If-Modified-Since"] = last_modified
        return merged

    def check_url(self, url: str) -> tuple[str, str, int]:
        """Validate scheme and host syntax; the address check runs at connect time."""
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError as exc:
            raise UnsafeURL("unsafe_url.invalid", url=url) from exc
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https"):
            raise UnsafeURL("unsafe_url.scheme", url=url)
        host = (parts.hostname or "").rstrip(".")
        if not host:
            raise UnsafeURL("unsafe_url.invalid", url=url)
        return scheme, host, port or (443 if scheme == "https" else 80)

    def _gate(self, host: str, port: int) -> _HostGate:
        key = f"{host.lower()}:{port}"
        with self._gates_lock:
            gate = self._gates.get(key)
            if gate is None:
                gate = self._gates[key] = _HostGate(self.per_host_concurrency, self.per_host_interval)
            return gate

    def _enter_slot(self, stack: contextlib.ExitStack, host: str, port: int, url: str, deadline: float) -> None:
        gate = self._gate(host, port)
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not gate.semaphore.acquire(timeout=remaining):
            raise self._expired(url, deadline)
        stack.callback(gate.semaphore.release)
        with gate.lock:
            now = time.monotonic()
            start = max(now, gate.next_start)
            if start >= deadline:
                raise self._expired(url, deadline)
            gate.next_start = start + gate.interval
        if start > now:
            self._sleep(start - now)

    @contextlib.contextmanager
    def _open(self, url: str, headers: CaseInsensitiveDict, params: Mapping[str, Any] | None,
              deadline: float, method: str = "GET") -> Iterator[_Attempt]:
        """Send the request, following redirects by hand, each hop re-checked."""
        redirects: list[str] = []
        current = url
        current_headers = CaseInsensitiveDict(headers)
        current_params = params
        while True:
            _scheme, host, port = self.check_url(current)
            stack = contextlib.ExitStack()
            try:
                self._enter_slot(stack, host, port, current, deadline)
                response = self._send(current, current_headers, current_params, deadline, method)
                stack.callback(response.close)
            except BaseException:
                stack.close()
                raise
            location = response.headers.get("Location")
            if response.status_code in REDIRECT_STATUSES and location:
                stack.close()
                if len(redirects) >= self.max_redirects:
                    raise TooManyRedirects(url=url, limit=self.max_redirects)
                target = urljoin(response.url, location)
                if urlsplit(target).hostname != host:
                    for name in CREDENTIAL_HEADERS:
                        current_headers.pop(name, None)
                redirects.append(current)
                current, current_params = target, None
                continue
            try:
                yield _Attempt(response, current, tuple(redirects), stack)
            finally:
                stack.close()
            return

    def _send(self, url: str, headers: CaseInsensitiveDict, params: Mapping[str, Any] | None,
              deadline: float, method: str = "GET") -> requests.Response:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise self._expired(url, deadline)
        read_timeout = min(self.read_timeout, remaining)
        connect_timeout = min(self.connect_timeout, remaining)
        host = urlsplit(url).hostname or ""
        try:
            return self.session.request(
                method, url, headers=headers, params=params, stream=True, allow_redirects=False,
                timeout=(connect_timeout, read_timeout),
            )
        except requests.exceptions.ConnectTimeout as exc:
            if connect_timeout < self.connect_timeout:  # cut short by the deadline
                raise self._expired(url, deadline) from exc
            raise FetchTimeout("timeout.connect", url=url, host=host,
                               seconds=_seconds(self.connect_timeout)) from exc
        except requests.exceptions.ReadTimeout as exc:
            if read_timeout < self.read_timeout:
                raise self._expired(url, deadline) from exc
            raise FetchTimeout("timeout.read", url=url, seconds=_seconds(read_timeout)) from exc
        except (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema,
                requests.exceptions.InvalidSchema) as exc:
            raise UnsafeURL("unsafe_url.invalid", url=url) from exc
        except requests.exceptions.ChunkedEncodingError as exc:
            raise TruncatedBody(url=url) from exc
        except requests.exceptions.ConnectionError as exc:
            raise ConnectionFailed(url=url, host=host) from exc
        except UnsafeURL as exc:
            # Raised from inside the connection: give it the full URL.
            raise UnsafeURL(exc.code, url=url, host=exc.params.get("host", host),
                            ip=exc.params.get("ip", "")) from None
        except ConnectionFailed as exc:
            raise ConnectionFailed(exc.code, url=url, host=host) from None
