"""Serve demo/sources on http://127.0.0.1:5081: the demo's offline harvest sources.

    python demo/serve_sources.py [--port 5081]

A static server that answers an API path with the fixture file standing for it,
whatever the query string: ``/ods/api/explore/v2.1/catalog/datasets`` ->
``ods/api/explore/v2.1/catalog/datasets.json``, ``/api/1/datasets/`` ->
``api/1/datasets/index.json``. Each fixture holds a whole catalogue (one page),
so paging parameters need no handling.
"""
from __future__ import annotations

import argparse
import mimetypes
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

ROOT = Path(__file__).resolve().parent / "sources"
TYPES = {".json": "application/json", ".ttl": "text/turtle; charset=utf-8", ".csv": "text/csv; charset=utf-8",
         ".geojson": "application/geo+json"}


def resolve(root: Path, raw_path: str) -> Path | None:
    """The fixture file for a request path, never outside ``root``."""
    relative = unquote(urlsplit(raw_path).path).lstrip("/")
    base = (root / relative).resolve()
    if root not in base.parents and base != root:
        return None
    for candidate in (base, base / "index.json", base.with_name(base.name + ".json")):
        if candidate.is_file():
            return candidate
    return None


class SourcesHandler(BaseHTTPRequestHandler):
    def __init__(self, *args, root: Path, **kwargs):
        self.root = root
        super().__init__(*args, **kwargs)

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - quiet: the demo prints its own progress
        pass

    def do_HEAD(self) -> None:
        self._serve(head=True)

    def do_GET(self) -> None:
        self._serve(head=False)

    def _serve(self, head: bool) -> None:
        path = resolve(self.root, self.path)
        if path is None:
            self.send_error(404)
            return
        body = path.read_bytes()
        self.send_response(200)
        self.send_header("Content-Type", TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0]
                         or "application/octet-stream")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head:
            self.wfile.write(body)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5081)
    args = parser.parse_args()
    server = ThreadingHTTPServer((args.host, args.port), partial(SourcesHandler, root=ROOT.resolve()))
    print(f"Sources de démonstration / demo sources: http://{args.host}:{args.port}/", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
