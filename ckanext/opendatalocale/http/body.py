"""Reading response bodies: chunk by chunk under the deadline, capped at
``max_bytes`` on ``Content-Length`` and on the bytes actually received (after
decompression, so a small gzip bomb is cut like a large body)."""
from __future__ import annotations

import time
from typing import TYPE_CHECKING, Iterator, Mapping

import requests
import urllib3
from requests.structures import CaseInsensitiveDict
from urllib3 import exceptions as u3_exc

from .errors import FetchTimeout, MalformedResponse, TooLarge, TruncatedBody, _seconds, _size
from .response import HttpResponse, _Attempt

if TYPE_CHECKING:  # client.py imports this module
    from .client import HttpClient

CHUNK_SIZE = 64 * 1024


class _BodyMixin:
    """Body reading, one of :class:`~.client.HttpClient`'s bases.

    Kept apart so that the client module stays readable; it relies on the
    client's ``read_timeout`` and ``_expired``.
    """

    read_timeout: float

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


def _set_read_timeout(response: requests.Response, seconds: float) -> None:
    """Best effort: the socket under a streamed response waits at most ``seconds``."""
    connection = getattr(response.raw, "_connection", None)
    sock = getattr(connection, "sock", None)
    if sock is not None:
        try:
            sock.settimeout(max(0.001, seconds))
        except OSError:
            pass


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
