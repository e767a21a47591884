"""Check resource URLs through the suite's HTTP client (pure: no CKAN import).

Each URL gets a HEAD, conditional when the previous check kept an ETag or a Last-Modified;
a server that refuses HEAD gets a one-byte ranged GET instead. The client brings the SSRF
guard (every redirect hop checked), the per-host limit and the 429/5xx retries honouring
Retry-After; a host asking for a longer wait than the client accepts is left alone for the
rest of the run and its URLs are deferred until the date it gave.
"""
from __future__ import annotations

import datetime as dt
import threading
from collections import defaultdict, deque
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from ckanext.opendatalocale.http import FetchError, HTTPStatusError, HttpClient, RateLimited, server_wait

# Statuses by which servers say "not with HEAD" (some answer 403 to HEAD on signed URLs).
HEAD_REFUSED = frozenset({403, 405, 406, 501})
RANGE = {"Range": "bytes=0-0"}


@dataclass(frozen=True, slots=True)
class Target:
    resource_id: str
    url: str
    etag: str | None = None
    last_modified: str | None = None


@dataclass(slots=True)
class Outcome:
    resource_id: str
    url: str
    ok: bool
    code: str  # "ok", "not_modified", "deferred" or the client's error code
    status: int | None = None
    method: str = "HEAD"
    message: dict[str, str] | None = None
    etag: str | None = None
    last_modified: str | None = None
    final_url: str | None = None
    retry_after: float | None = None  # seconds the server asked to wait (rate limited)
    checked_at: dt.datetime = field(default_factory=dt.datetime.utcnow)

    @property
    def deferred(self) -> bool:
        return self.code == "deferred"


def host_of(url: str) -> str:
    try:
        parts = urlsplit(url)
        return f"{(parts.hostname or '').lower()}:{parts.port or ''}"
    except ValueError:
        return ""


def is_checkable(url: str | None) -> bool:
    """http(s) links only: uploads are stored by CKAN under a bare file name."""
    return bool(url) and str(url).lower().startswith(("http://", "https://"))


def _failure(target: Target, error: FetchError, method: str) -> Outcome:
    status = error.status if isinstance(error, HTTPStatusError) else None
    outcome = Outcome(target.resource_id, target.url, False, error.code, status=status, method=method,
                      message=dict(error.message))
    if isinstance(error, HTTPStatusError) and error.status == 429:
        headers = error.response.headers if error.response is not None else {}
        outcome.retry_after = server_wait(headers)
    return outcome


def check_one(client: HttpClient, target: Target) -> Outcome:
    """HEAD, then a ranged GET when HEAD is refused; conditional on the previous validators."""
    method = "HEAD"
    try:
        try:
            response = client.head(target.url, etag=target.etag, last_modified=target.last_modified)
            status, headers, final = response.status, response.headers, response.url
        except HTTPStatusError as error:
            if error.status not in HEAD_REFUSED or isinstance(error, RateLimited):
                raise
            method = "GET"
            with client.stream(target.url, headers=RANGE, etag=target.etag,
                               last_modified=target.last_modified) as body:
                status, headers, final = body.status, body.headers, body.url
    except FetchError as error:
        return _failure(target, error, method)
    not_modified = status == 304
    return Outcome(target.resource_id, target.url, True, "not_modified" if not_modified else "ok",
                   status=status, method=method,
                   # A 304 may omit the validators: keep the ones that matched.
                   etag=headers.get("ETag") or (target.etag if not_modified else None),
                   last_modified=headers.get("Last-Modified") or (target.last_modified if not_modified else None),
                   final_url=final if final != target.url else None)


def interleave(targets: Iterable[Target]) -> list[Target]:
    """Targets in round-robin order of their hosts, so workers spread over hosts instead of
    queueing behind one host's limit."""
    by_host: dict[str, deque[Target]] = defaultdict(deque)
    for target in targets:
        by_host[host_of(target.url)].append(target)
    queues = list(by_host.values())
    ordered: list[Target] = []
    while queues:
        queues = [q for q in queues if q]
        for q in queues:
            ordered.append(q.popleft())
    return ordered


def check_many(client: HttpClient, targets: Iterable[Target], workers: int = 8) -> Iterator[Outcome]:
    """Outcomes as they complete; at most ``workers`` requests in flight (fewer per host, as the
    client's per-host limit says). URLs of a host that rate-limited us are deferred."""
    pending_targets = deque(interleave(targets))
    blocked: dict[str, float] = {}  # host -> seconds it asked us to wait
    lock = threading.Lock()

    def run(target: Target) -> Outcome:
        host = host_of(target.url)
        with lock:
            wait_for = blocked.get(host)
        if wait_for is not None:
            return Outcome(target.resource_id, target.url, False, "deferred", retry_after=wait_for)
        outcome = check_one(client, target)
        if outcome.code == "rate_limited":
            with lock:
                blocked[host] = outcome.retry_after or 0.0
        return outcome

    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="odl-linkcheck") as pool:
        running: set[Any] = set()
        while pending_targets or running:
            while pending_targets and len(running) < workers * 2:
                running.add(pool.submit(run, pending_targets.popleft()))
            done, running = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                yield future.result()
