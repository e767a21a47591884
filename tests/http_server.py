"""A real HTTP server on 127.0.0.1 for tests, with per-route fault injection.

Harvester and client tests register what each path answers, as a sequence
of :class:`Reply` objects (the last one repeats) or a callable, and then
assert on :attr:`FaultServer.requests`, the log of what really arrived::

    fault_server.route("/catalog", Reply.status(503, retry_after=0), Reply.json({"ok": 1}))
    client.get_json(fault_server.url("/catalog"))
    assert len(fault_server.requests_to("/catalog")) == 2

Faults: delay before the headers, slow (dripping) body, error statuses with
Retry-After, truncated body (Content-Length larger than what is sent),
connection reset mid-body, malformed JSON, HTML error page with status 200,
redirects (to anywhere, including private addresses), and ETag /
Last-Modified handling that answers 304 to a matching conditional GET.
"""
from __future__ import annotations

import json
import socket
import struct
import threading
import time
from dataclasses import dataclass, field, replace
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping
from urllib.parse import parse_qs, urlsplit


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    at: float

    def header(self, name: str) -> str | None:
        for key, value in self.headers.items():
            if key.lower() == name.lower():
                return value
        return None


@dataclass(frozen=True)
class Reply:
    """What the server answers, and how it misbehaves while doing so."""

    body: bytes = b""
    status: int = 200
    content_type: str = "application/octet-stream"
    headers: Mapping[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before sending the status line (read timeout)
    drip: float = 0.0  # seconds between body chunks (slow body)
    drip_size: int = 1024
    extra_length: int = 0  # declare this many bytes more than sent, then close
    reset_after: int | None = None  # send this many body bytes, then RST
    etag: str | None = None
    last_modified: str | None = None
    omit_length: bool = False  # no Content-Length: body ends when the connection closes

    # -- constructors -----------------------------------------------------
    @classmethod
    def json(cls, data: Any, status: int = 200, **kwargs: Any) -> "Reply":
        return cls(json.dumps(data).encode("utf-8"), status, "application/json", **kwargs)

    @classmethod
    def text(cls, text: str, content_type: str = "text/plain; charset=utf-8", status: int = 200,
             **kwargs: Any) -> "Reply":
        return cls(text.encode("utf-8"), status, content_type, **kwargs)

    @classmethod
    def file(cls, path: str | Path, content_type: str | None = None, **kwargs: Any) -> "Reply":
        path = Path(path)
        return cls(path.read_bytes(), 200, content_type or _guess_type(path), **kwargs)

    @classmethod
    def error(cls, status: int, retry_after: str | int | None = None, body: bytes = b"",
              content_type: str = "text/plain", **kwargs: Any) -> "Reply":
        headers = dict(kwargs.pop("headers", {}))
        if retry_after is not None:
            headers["Retry-After"] = str(retry_after)
        return cls(body or f"error {status}".encode(), status, content_type, headers=headers, **kwargs)

    @classmethod
    def redirect(cls, location: str, status: int = 302) -> "Reply":
        return cls(b"", status, "text/plain", headers={"Location": location})

    @classmethod
    def html_error_page(cls, status: int = 200) -> "Reply":
        page = ("<!DOCTYPE html><html><head><title>Maintenance</title></head>"
                "<body><h1>Site en maintenance</h1></body></html>")
        return cls.text(page, "text/html; charset=utf-8", status)

    @classmethod
    def malformed_json(cls) -> "Reply":
        return cls(b'{"total_count": 3, "results": [{"dataset_id": "a"', 200, "application/json")

    def but(self, **changes: Any) -> "Reply":
        """A copy with some fault switched on, e.g. ``Reply.json(d).but(delay=2)``."""
        return replace(self, **changes)


Handler = Callable[[RecordedRequest], Reply]


def _guess_type(path: Path) -> str:
    return {
        ".json": "application/json", ".jsonld": "application/ld+json", ".csv": "text/csv",
        ".rdf": "application/rdf+xml", ".xml": "application/xml", ".ttl": "text/turtle",
        ".html": "text/html", ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }.get(path.suffix.lower(), "application/octet-stream")


class _Route:
    def __init__(self, replies: tuple[Reply, ...] | None, handler: Handler | None):
        self.replies = replies
        self.handler = handler
        self.calls = 0
        self.lock = threading.Lock()

    def next_reply(self, request: RecordedRequest) -> Reply:
        with self.lock:
            index = self.calls
            self.calls += 1
        if self.handler is not None:
            return self.handler(request)
        assert self.replies
        return self.replies[min(index, len(self.replies) - 1)]


class FaultServer:
    """ThreadingHTTPServer on 127.0.0.1, random port."""

    def __init__(self, host: str = "127.0.0.1"):
        self.routes: dict[str, _Route] = {}
        self.requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer((host, 0), self._handler_class())
        self._server.daemon_threads = True
        self._server.block_on_close = False
        self.host, self.port = self._server.server_address[:2]
        self._thread: threading.Thread | None = None

    # -- lifecycle --------------------------------------------------------
    def start(self) -> "FaultServer":
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"fault-server-{self.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> "FaultServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- configuration ----------------------------------------------------
    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def url(self, path: str = "/") -> str:
        return self.base_url + (path if path.startswith("/") else "/" + path)

    def route(self, path: str, *replies: Reply | Handler) -> None:
        """Register the answers for ``path`` (query string ignored unless the
        registered path has one). Replies are served in order, the last repeats;
        a single callable computes each answer from the request."""
        if len(replies) == 1 and callable(replies[0]) and not isinstance(replies[0], Reply):
            self.routes[path] = _Route(None, replies[0])
        else:
            if not replies or not all(isinstance(r, Reply) for r in replies):
                raise TypeError("route() takes Reply objects or a single callable")
            self.routes[path] = _Route(tuple(replies), None)  # type: ignore[arg-type]

    def serve_directory(self, prefix: str, directory: str | Path) -> None:
        """Serve every file under ``directory`` at ``prefix/<relative path>``."""
        root = Path(directory)
        for path in root.rglob("*"):
            if path.is_file():
                self.route(f"{prefix.rstrip('/')}/{path.relative_to(root).as_posix()}", Reply.file(path))

    def requests_to(self, path: str) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if r.path == path]

    def reset_log(self) -> None:
        with self._lock:
            self.requests.clear()

    # -- serving ----------------------------------------------------------
    def _find(self, raw_path: str) -> _Route | None:
        parts = urlsplit(raw_path)
        return self.routes.get(raw_path) or self.routes.get(parts.path)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class FaultHandler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - silence
                pass

            def do_HEAD(self) -> None:
                self._serve(head=True)

            def do_GET(self) -> None:
                self._serve(head=False)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                self._serve(head=False)

            def _serve(self, head: bool) -> None:
                parts = urlsplit(self.path)
                request = RecordedRequest(self.command, parts.path, parse_qs(parts.query),
                                          dict(self.headers.items()), time.monotonic())
                with server._lock:
                    server.requests.append(request)
                route = server._find(self.path)
                reply = route.next_reply(request) if route else Reply.text("not found", status=404)
                try:
                    self._send(reply, request, head)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True

            def _send(self, reply: Reply, request: RecordedRequest, head: bool) -> None:
                if reply.delay:
                    time.sleep(reply.delay)
                if reply.status == 200 and _not_modified(reply, request):
                    self.send_response(304)
                    self._validators(reply)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                body = reply.body
                faulty = reply.extra_length or reply.reset_after is not None or reply.omit_length
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                if not reply.omit_length:
                    self.send_header("Content-Length", str(len(body) + reply.extra_length))
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self._validators(reply)
                if faulty:
                    self.send_header("Connection", "close")
                    self.close_connection = True
                self.end_headers()
                if head:
                    return
                if reply.reset_after is not None:
                    self.wfile.write(body[: reply.reset_after])
                    self.wfile.flush()
                    # SO_LINGER 0: close() sends RST instead of FIN.
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    self.connection.close()
                    return
                if reply.drip:
                    for start in range(0, len(body), reply.drip_size):
                        self.wfile.write(body[start:start + reply.drip_size])
                        self.wfile.flush()
                        time.sleep(reply.drip)
                else:
                    self.wfile.write(body)
                self.wfile.flush()

            def _validators(self, reply: Reply) -> None:
                if reply.etag:
                    self.send_header("ETag", reply.etag)
                if reply.last_modified:
                    self.send_header("Last-Modified", reply.last_modified)

        return FaultHandler


def _not_modified(reply: Reply, request: RecordedRequest) -> bool:
    if_none_match = request.header("If-None-Match")
    if reply.etag and if_none_match:
        return reply.etag in [tag.strip() for tag in if_none_match.split(",")] or if_none_match.strip() == "*"
    if_modified_since = request.header("If-Modified-Since")
    if reply.last_modified and if_modified_since:
        return if_modified_since.strip() == reply.last_modified
    return False


def http_date(timestamp: float | None = None) -> str:
    """An RFC 7231 date, for Last-Modified and Retry-After in tests."""
    return formatdate(timestamp if timestamp is not None else time.time(), usegmt=True)


def start_fault_server(routes: Mapping[str, Iterable[Reply]] | None = None) -> FaultServer:
    """Start a server outside pytest (``make demo``, benchmarks)."""
    server = FaultServer().start()
    for path, replies in (routes or {}).items():
        server.route(path, *replies)
    return server
