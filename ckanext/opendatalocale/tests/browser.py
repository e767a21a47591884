"""Headless Chromium against a CKAN test app served on 127.0.0.1 (Debian ``chromium``,
installed by ``scripts/browser.sh``): a live server, DOM dumps and screenshots."""
from __future__ import annotations

import shutil
import struct
import subprocess
import threading
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from werkzeug.serving import make_server

from ckanext.opendatalocale.tests.helpers import REPO_ROOT

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SCREENSHOTS = REPO_ROOT / "test-output" / "screenshots"
SKIP_REASON = "chromium is not installed (run scripts/browser.sh)"
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-dev-shm-usage", "--hide-scrollbars", "--lang=fr-FR")


@contextmanager
def serve(wsgi_app) -> Iterator[str]:
    """``wsgi_app`` behind a real HTTP server in a thread; yields its base URL."""
    server = make_server("127.0.0.1", 0, wsgi_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


def _check_status(url: str) -> None:
    with urllib.request.urlopen(url, timeout=30) as response:  # the page itself must render
        assert response.status == 200, (url, response.status)


def dump_dom(url: str) -> str:
    """The DOM as Chromium builds it (after parsing, styles and any script)."""
    _check_status(url)
    result = subprocess.run([CHROMIUM, *FLAGS, "--dump-dom", url], check=True, capture_output=True,
                            timeout=120)
    return result.stdout.decode("utf-8")


def screenshot(url: str, target: Path, width: int = 1280, height: int = 2000) -> Path:
    _check_status(url)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.unlink(missing_ok=True)
    subprocess.run([CHROMIUM, *FLAGS, f"--screenshot={target}", f"--window-size={width},{height}", url],
                   check=True, capture_output=True, timeout=120)
    return target


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG file"
    width, height = struct.unpack(">II", data[16:24])
    return width, height
