"""The suite's one HTTP client: every outbound request of the harvesters,
the schema sync and the conformity downloads goes through :class:`HttpClient`.

Pure Python on ``requests`` (no CKAN import). What it adds to a bare
``requests.get``:

* connect, read and total-time limits, so no job can hang, and an optional
  deadline for everything a client does (:meth:`HttpClient.set_deadline`);
* retries with exponential backoff on 429 / 5xx and on broken connections,
  honouring ``Retry-After`` and OpenDataSoft's ``reset_time``, but refusing to
  sleep longer than ``max_retry_wait``;
* per-host concurrency and minimum interval between requests (politeness);
* a size cap enforced on ``Content-Length`` and on the bytes actually read;
* conditional GET (``If-None-Match`` / ``If-Modified-Since``);
* an SSRF guard: http(s) only, and no private, loopback, link-local,
  multicast or reserved address unless configured. The address check runs
  when the socket is opened, on the very address it connects to, so a DNS
  answer cannot change between the check and the connection; redirects are
  followed by hand and every hop goes through the same check.

Errors are :class:`FetchError` subclasses carrying a ``code`` and a bilingual
``message`` ({"fr": ..., "en": ...}) that the CKAN glue can show as is.
"""
from __future__ import annotations

import contextlib
import email.utils
import ipaddress
import json
import random
import re
import socket
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Iterator, Mapping, Sequence
from urllib.parse import urljoin, urlsplit

import requests
import urllib3
from requests.adapters import HTTPAdapter
from requests.structures import CaseInsensitiveDict
from urllib3 import connection as u3_connection
from urllib3 import connectionpool as u3_pool
from urllib3 import exceptions as u3_exc
from urllib3.util import connection as u3_util_connection

__all__ = [
    "HttpClient",
    "HttpResponse",
    "StreamedBody",
    "FetchError",
    "UnsafeURL",
    "TooLarge",
    "FetchTimeout",
    "DeadlineExceeded",
    "ConnectionFailed",
    "TruncatedBody",
    "TooManyRedirects",
    "HTTPStatusError",
    "RateLimited",
    "MalformedResponse",
    "from_ckan_config",
    "seconds_text",
    "CONFIG_PREFIX",
    "DEFAULT_MAX_BYTES",
]

PRODUCT = "ckanext-opendatalocale"
VERSION = "0.1.0"
CONFIG_PREFIX = "ckanext.opendatalocale.http."
DEFAULT_MAX_BYTES = 100 * 1024 * 1024
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
CHUNK_SIZE = 64 * 1024
# Enough to read an error body (ODS quota JSON, a CKAN error dict) without
# pulling a huge HTML page into memory.
ERROR_BODY_LIMIT = 64 * 1024
# Headers that must not follow a redirect to another host.
CREDENTIAL_HEADERS = ("authorization", "cookie", "x-api-key", "proxy-authorization")


# --------------------------------------------------------------------------- errors

def _seconds(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() or value >= 10 else f"{value:.1f}"


def seconds_text(value: float, lang: str = "en") -> str:
    """A duration for a message: "1.5" in English, "1,5" in French."""
    text = _seconds(value)
    return text.replace(".", ",") if lang == "fr" else text


def _size(value: int) -> str:
    """In English units; FetchError writes the French ones (Mio, Kio, octets)."""
    if value >= 1024 * 1024:
        return f"{value / (1024 * 1024):.1f} MiB"
    if value >= 1024:
        return f"{value / 1024:.1f} KiB"
    return f"{value} bytes"


_FRENCH_UNITS = ((" MiB", " Mio"), (" KiB", " Kio"), (" bytes", " octets"))


def _french(value: str) -> str:
    value = _DECIMAL.sub(r"\1,\2", value)
    for english, french in _FRENCH_UNITS:
        value = value.replace(english, french)
    return value


# code -> (French, English); params are filled with str.format.
MESSAGES: dict[str, tuple[str, str]] = {
    "unsafe_url.scheme": (
        "L'adresse {url} est refusée : seuls les protocoles http et https sont autorisés",
        "The address {url} is refused: only the http and https schemes are allowed",
    ),
    "unsafe_url.invalid": (
        "L'adresse {url} n'est pas une URL valide",
        "The address {url} is not a valid URL",
    ),
    "unsafe_url.private": (
        "L'adresse {url} est refusée : l'hôte {host} désigne une adresse interne ({ip})",
        "The address {url} is refused: the host {host} points to an internal address ({ip})",
    ),
    "dns": (
        "Le nom d'hôte {host} est introuvable",
        "The host name {host} could not be resolved",
    ),
    "connection_failed": (
        "Impossible de se connecter au serveur distant {host}",
        "Could not connect to the remote server {host}",
    ),
    "timeout.connect": (
        "Le serveur distant {host} n'a pas accepté la connexion dans le délai de {seconds} s",
        "The remote server {host} did not accept the connection within {seconds} s",
    ),
    "timeout.read": (
        "Le serveur distant n'a pas répondu dans le délai de {seconds} s",
        "The remote server did not respond within {seconds} s",
    ),
    "timeout.total": (
        "Le téléchargement de {url} a dépassé la durée maximale de {seconds} s",
        "Downloading {url} took longer than the maximum of {seconds} s",
    ),
    "timeout.deadline": (
        "Le délai de {seconds} s accordé à cette opération est écoulé ({url})",
        "The {seconds} s allowed for this operation have run out ({url})",
    ),
    "truncated": (
        "La connexion avec le serveur distant a été interrompue avant la fin de la réponse ({url})",
        "The connection to the remote server was cut before the end of the response ({url})",
    ),
    "too_large": (
        "La réponse de {url} dépasse la taille maximale autorisée ({limit})",
        "The response from {url} is larger than the allowed maximum ({limit})",
    ),
    "too_many_redirects": (
        "Trop de redirections (plus de {limit}) depuis {url}",
        "Too many redirects (more than {limit}) from {url}",
    ),
    "http_status": (
        "Le serveur distant a répondu avec l'erreur HTTP {status} pour {url}",
        "The remote server answered with HTTP error {status} for {url}",
    ),
    "rate_limited": (
        "Le serveur distant demande d'attendre {seconds} s avant de réessayer, "
        "au-delà de l'attente maximale de {limit} s ({url})",
        "The remote server asks to wait {seconds} s before retrying, "
        "more than the maximum wait of {limit} s ({url})",
    ),
    "not_json": (
        "Le serveur distant a renvoyé une page {kind} au lieu de données JSON ({url})",
        "The remote server returned a {kind} page instead of JSON data ({url})",
    ),
    "malformed_json": (
        "Les données JSON reçues de {url} sont invalides : {detail}",
        "The JSON data received from {url} is invalid: {detail}",
    ),
    "decode": (
        "La réponse de {url} n'a pas pu être décompressée",
        "The response from {url} could not be decompressed",
    ),
}


_DECIMAL = re.compile(r"^(\d+)\.(\d+)")


class FetchError(Exception):
    """Base of every error raised by :class:`HttpClient`."""

    default_code = "fetch_error"

    def __init__(self, code: str | None = None, *, url: str | None = None, **params: Any):
        self.code = code or self.default_code
        self.url = url
        self.params = {"url": url or "", **params}
        fr, en = MESSAGES.get(self.code, ("Erreur de téléchargement ({url})", "Download error ({url})"))
        # French writes decimals with a comma and its own units: "0,5 s", "1,5 Mio".
        fr_params = {k: _french(v) if k in ("seconds", "limit") and isinstance(v, str) else v
                     for k, v in self.params.items()}
        self.message = {"fr": fr.format(**fr_params), "en": en.format(**self.params)}
        super().__init__(self.message["en"])


class UnsafeURL(FetchError):
    default_code = "unsafe_url.invalid"


class ConnectionFailed(FetchError):
    default_code = "connection_failed"


class TruncatedBody(ConnectionFailed):
    default_code = "truncated"


class FetchTimeout(FetchError):
    default_code = "timeout.read"


class DeadlineExceeded(FetchTimeout):
    """The client's overall deadline passed: the request was not started, or cut."""

    default_code = "timeout.deadline"


class TooLarge(FetchError):
    default_code = "too_large"


class TooManyRedirects(FetchError):
    default_code = "too_many_redirects"


class HTTPStatusError(FetchError):
    """A final non-success status. ``response`` holds the (capped) error body."""

    default_code = "http_status"

    def __init__(self, code: str | None = None, *, url: str | None = None,
                 status: int = 0, response: "HttpResponse | None" = None, **params: Any):
        self.status = status
        self.response = response
        super().__init__(code, url=url, status=status, **params)


class RateLimited(HTTPStatusError):
    """The server asked us to wait longer than ``max_retry_wait``."""

    default_code = "rate_limited"


class MalformedResponse(FetchError):
    default_code = "malformed_json"


# --------------------------------------------------------------------------- responses

@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: Mapping[str, str]
    content: bytes
    url: str
    not_modified: bool = False
    redirects: tuple[str, ...] = ()

    @property
    def etag(self) -> str | None:
        return self.headers.get("ETag")

    @property
    def last_modified(self) -> str | None:
        return self.headers.get("Last-Modified")

    @property
    def content_type(self) -> str:
        return (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()

    def json(self) -> Any:
        return parse_json(self.content, url=self.url, content_type=self.content_type)


def parse_json(content: bytes, *, url: str, content_type: str = "") -> Any:
    """Decode a JSON body, telling an HTML or XML error page from broken JSON."""
    body = content[3:] if content.startswith(b"\xef\xbb\xbf") else content
    head = body.lstrip()[:64].lower()
    if content_type in ("text/html", "application/xhtml+xml") or head.startswith((b"<!doctype html", b"<html")):
        raise MalformedResponse("not_json", url=url, kind="HTML")
    if head.startswith(b"<"):
        raise MalformedResponse("not_json", url=url, kind="XML")
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise MalformedResponse("malformed_json", url=url, detail=str(exc)[:200]) from exc


# --------------------------------------------------------------------------- SSRF guard

def _refused(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """True for every address a harvester has no business reaching."""
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is not None and _refused(embedded):
            return True
    return (
        not ip.is_global
        or ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )


@dataclass(frozen=True)
class AddressGuard:
    allow_private: bool = False
    allowed_hosts: frozenset[str] = frozenset()

    def exempt(self, host: str) -> bool:
        return self.allow_private or host.lower().rstrip(".") in self.allowed_hosts

    def addresses(self, host: str, port: int) -> list[tuple[Any, ...]]:
        """Resolve ``host`` once; refuse it if any of its addresses is internal.

        Refusing on *any* address (not only the first) stops a name that
        answers both a public and a private record.
        """
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except socket.gaierror as exc:
            raise ConnectionFailed("dns", host=host) from exc
        if not self.exempt(host):
            for info in infos:
                ip = ipaddress.ip_address(info[4][0].split("%")[0])
                if _refused(ip):
                    raise UnsafeURL("unsafe_url.private", url=f"//{host}", host=host, ip=str(ip))
        return infos


class _GuardedConnectionMixin:
    """Opens the socket on an address the guard accepted, at connect time."""

    guard: AddressGuard
    _dns_host: str
    port: int
    timeout: Any
    source_address: Any
    socket_options: Any

    def _new_conn(self) -> socket.socket:  # type: ignore[override]
        host = self._dns_host.rstrip(".")
        last_error: OSError | None = None
        for family, _type, _proto, _name, sockaddr in self.guard.addresses(host, self.port):
            try:
                # An IP literal: urllib3 does no further DNS lookup.
                return u3_util_connection.create_connection(
                    (sockaddr[0], sockaddr[1]), self.timeout,
                    source_address=self.source_address, socket_options=self.socket_options,
                )
            except socket.timeout as exc:
                raise u3_exc.ConnectTimeoutError(
                    self, f"Connection to {host} timed out. (connect timeout={self.timeout})"
                ) from exc
            except OSError as exc:
                last_error = exc
        raise u3_exc.NewConnectionError(self, f"Failed to establish a new connection: {last_error}")


def _guarded_adapter(guard: AddressGuard, pool_size: int) -> HTTPAdapter:
    http_conn = type("GuardedHTTPConnection", (_GuardedConnectionMixin, u3_connection.HTTPConnection),
                     {"guard": guard})
    https_conn = type("GuardedHTTPSConnection", (_GuardedConnectionMixin, u3_connection.HTTPSConnection),
                      {"guard": guard})
    http_pool = type("GuardedHTTPConnectionPool", (u3_pool.HTTPConnectionPool,), {"ConnectionCls": http_conn})
    https_pool = type("GuardedHTTPSConnectionPool", (u3_pool.HTTPSConnectionPool,),
                      {"ConnectionCls": https_conn})

    class GuardedAdapter(HTTPAdapter):
        def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
            super().init_poolmanager(*args, **kwargs)
            self.poolmanager.pool_classes_by_scheme = {"http": http_pool, "https": https_pool}

    return GuardedAdapter(pool_connections=pool_size, pool_maxsize=pool_size, max_retries=0)


# --------------------------------------------------------------------------- politeness

class _HostGate:
    """At most ``concurrency`` requests in flight, starts ``interval`` s apart."""

    def __init__(self, concurrency: int, interval: float):
        self.semaphore = threading.BoundedSemaphore(max(1, concurrency))
        self.interval = interval
        self.lock = threading.Lock()
        self.next_start = 0.0


# --------------------------------------------------------------------------- client

@dataclass
class _Attempt:
    response: requests.Response
    url: str
    redirects: tuple[str, ...]
    slot: contextlib.ExitStack


class HttpClient:
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

    def read_chunk(self, opened: _Attempt, deadline: float, size: int = CHUNK_SIZE) -> bytes:
        """One chunk of body, as soon as some bytes arrive; b"" at the end."""
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise self._expired(opened.url, deadline)
        # The socket keeps the read timeout set when the request was sent:
        # shorten it so that a slow body cannot run past the deadline.
        cut = remaining < self.read_timeout
        if cut:
            _set_read_timeout(opened.response, remaining)
        try:
            return opened.response.raw.read1(size, decode_content=True)
        except u3_exc.ReadTimeoutError as exc:
            if cut:
                raise self._expired(opened.url, deadline) from exc
            raise FetchTimeout("timeout.read", url=opened.url, seconds=_seconds(self.read_timeout)) from exc
        except u3_exc.DecodeError as exc:
            raise MalformedResponse("decode", url=opened.url) from exc
        except (u3_exc.ProtocolError, u3_exc.SSLError, OSError, urllib3.exceptions.HTTPError) as exc:
            raise TruncatedBody(url=opened.url) from exc

    def _read_body(self, opened: _Attempt, deadline: float, limit: int, truncate: bool = False) -> bytes:
        """Whole body; over ``limit`` raise TooLarge, or cut it if ``truncate``."""
        declared = opened.response.headers.get("Content-Length", "")
        if not truncate and declared.isdigit() and int(declared) > limit:
            raise TooLarge(url=opened.url, limit=_size(limit))
        chunks: list[bytes] = []
        total = 0
        while chunk := self.read_chunk(opened, deadline):
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                if truncate:
                    return b"".join(chunks)[:limit]
                raise TooLarge(url=opened.url, limit=_size(limit))
        return b"".join(chunks)

    def _response(self, opened: _Attempt, content: bytes) -> HttpResponse:
        status = opened.response.status_code
        return HttpResponse(
            status=status, headers=CaseInsensitiveDict(opened.response.headers), content=content,
            url=opened.url, not_modified=status == 304, redirects=opened.redirects,
        )

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


def _set_read_timeout(response: requests.Response, seconds: float) -> None:
    """Best effort: the socket under a streamed response waits at most ``seconds``."""
    connection = getattr(response.raw, "_connection", None)
    sock = getattr(connection, "sock", None)
    if sock is not None:
        try:
            sock.settimeout(max(0.001, seconds))
        except OSError:
            pass


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


class StreamedBody:
    """File-like, size-capped view of a streamed response body."""

    def __init__(self, client: HttpClient, opened: _Attempt, deadline: float):
        self._client = client
        self._opened = opened
        self._deadline = deadline
        self._buffer = b""
        self._read = 0
        self._done = False
        response = opened.response
        self.status: int = response.status_code
        self.headers: Mapping[str, str] = CaseInsensitiveDict(response.headers)
        self.url: str = opened.url
        self.redirects: tuple[str, ...] = opened.redirects
        self.not_modified: bool = response.status_code == 304
        declared = self.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > client.max_bytes:
            raise TooLarge(url=self.url, limit=_size(client.max_bytes))
        if self.not_modified:
            self._done = True

    @property
    def bytes_read(self) -> int:
        return self._read

    def _next_chunk(self) -> bytes:
        if self._done:
            return b""
        chunk = self._client.read_chunk(self._opened, self._deadline)
        if not chunk:
            self._done = True
            return b""
        self._read += len(chunk)
        if self._read > self._client.max_bytes:
            self._done = True
            raise TooLarge(url=self.url, limit=_size(self._client.max_bytes))
        return chunk

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            parts = [self._buffer]
            self._buffer = b""
            while chunk := self._next_chunk():
                parts.append(chunk)
            return b"".join(parts)
        while len(self._buffer) < size:
            chunk = self._next_chunk()
            if not chunk:
                break
            self._buffer += chunk
        data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data

    def readable(self) -> bool:
        return True

    def __iter__(self) -> Iterator[bytes]:
        if self._buffer:
            data, self._buffer = self._buffer, b""
            yield data
        while chunk := self._next_chunk():
            yield chunk


# --------------------------------------------------------------------------- config

def _as_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("1", "true", "yes", "on", "y", "t")


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [item for item in value.replace(",", " ").split() if item]
    return [str(item) for item in value]


# key suffix -> (HttpClient argument, converter)
CONFIG_KEYS: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "timeout.connect": ("connect_timeout", float),
    "timeout.read": ("read_timeout", float),
    "timeout.total": ("total_timeout", float),
    "max_bytes": ("max_bytes", int),
    "retries": ("retries", int),
    "backoff": ("backoff", float),
    "max_retry_wait": ("max_retry_wait", float),
    "max_redirects": ("max_redirects", int),
    "allow_private": ("allow_private", _as_bool),
    "allowed_hosts": ("allowed_hosts", _as_list),
    "user_agent_contact": ("contact", str),
    "per_host_concurrency": ("per_host_concurrency", int),
    "per_host_interval": ("per_host_interval", float),
}


def from_ckan_config(config: Mapping[str, Any], **overrides: Any) -> HttpClient:
    """Build a client from ``ckanext.opendatalocale.http.*`` keys.

    ``config`` is any mapping (CKAN's ``toolkit.config`` in the glue); values
    may be strings as read from the ini file. Missing keys keep the defaults.
    """
    kwargs: dict[str, Any] = {}
    for suffix, (argument, convert) in CONFIG_KEYS.items():
        value = config.get(CONFIG_PREFIX + suffix)
        if value is None or (isinstance(value, str) and not value.strip() and argument != "contact"):
            continue
        kwargs[argument] = convert(value)
    if not kwargs.get("contact"):
        kwargs.pop("contact", None)
    kwargs.update(overrides)
    return HttpClient(**kwargs)
