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

Modules, each importing only those listed before it (no import cycle):
``errors``, ``response``, ``guard`` (SSRF), ``body`` (capped reading),
``retry`` (backoff, Retry-After, rate limits), ``client`` (:class:`HttpClient`)
and ``config`` (:func:`from_ckan_config`). This package re-exports their
public names: import from ``ckanext.opendatalocale.http``.
"""
from __future__ import annotations

from .body import CHUNK_SIZE, StreamedBody
from .client import (
    CREDENTIAL_HEADERS,
    DEFAULT_MAX_BYTES,
    PRODUCT,
    REDIRECT_STATUSES,
    VERSION,
    HttpClient,
)
from .config import CONFIG_KEYS, CONFIG_PREFIX, from_ckan_config
from .errors import (
    MESSAGES,
    ConnectionFailed,
    DeadlineExceeded,
    FetchError,
    FetchTimeout,
    HTTPStatusError,
    MalformedResponse,
    RateLimited,
    TooLarge,
    TooManyRedirects,
    TruncatedBody,
    UnsafeURL,
    seconds_text,
)
from .guard import AddressGuard
from .response import HttpResponse, parse_json
from .retry import ERROR_BODY_LIMIT, RETRY_STATUSES, server_wait

# Every name the single module http.py offered before the split (its old
# __all__ first), so that existing imports keep working.
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
    "server_wait",
    "parse_json",
    "AddressGuard",
    "MESSAGES",
    "CONFIG_KEYS",
    "PRODUCT",
    "VERSION",
    "RETRY_STATUSES",
    "REDIRECT_STATUSES",
    "CHUNK_SIZE",
    "ERROR_BODY_LIMIT",
    "CREDENTIAL_HEADERS",
]
