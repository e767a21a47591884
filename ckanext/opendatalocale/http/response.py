"""What a fetch hands back: the finished :class:`HttpResponse`, and the
``_Attempt`` still open on the wire that the client reads it from."""
from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from typing import Any, Mapping

import requests

from .errors import MalformedResponse


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


# An opened request whose body is still to read; ``slot`` releases the
# per-host slot and closes the response.
@dataclass
class _Attempt:
    response: requests.Response
    url: str
    redirects: tuple[str, ...]
    slot: contextlib.ExitStack

