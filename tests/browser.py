"""Headless Chromium against a CKAN test app served on 127.0.0.1 (Debian ``chromium``,
installed by ``scripts/browser.sh``): a live server, DOM dumps and screenshots, and
:class:`Page` for tests that click and type."""
from __future__ import annotations

import base64
import fcntl
import json
import os
import shutil
import struct
import subprocess
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from werkzeug.serving import make_server

from tests.helpers import REPO_ROOT

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SCREENSHOTS = REPO_ROOT / "test-output" / "screenshots"
SKIP_REASON = "chromium is not installed (run scripts/browser.sh)"
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-dev-shm-usage", "--hide-scrollbars", "--lang=fr-FR")


@contextmanager
def serve(wsgi_app) -> Iterator[str]:
    """``wsgi_app`` behind a real HTTP server in a thread; yields its base URL."""
    with serve_ckan(lambda _base: None, lambda: wsgi_app) as base:
        yield base


@contextmanager
def serve_ckan(set_site_url: Callable[[str], None], make_wsgi_app: Callable[[], Any]) -> Iterator[str]:
    """Like :func:`serve`, for pages whose JavaScript must run: CKAN's script
    loads its translations from ``ckan.site_url`` before it starts any module,
    so the port is bound first, ``set_site_url`` gets the address, and only
    then ``make_wsgi_app`` builds the app that will answer on it."""
    apps: list[Any] = []
    server = make_server("127.0.0.1", 0, lambda environ, start: apps[0](environ, start), threaded=True)
    base = f"http://127.0.0.1:{server.server_port}"
    set_site_url(base)
    apps.append(make_wsgi_app())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield base
    finally:
        server.shutdown()
        thread.join(timeout=10)


def live_ckan(request, ckan_config, monkeypatch) -> Iterator[str]:
    """Fixture body (``base = pytest.fixture(live_ckan)``): the test's CKAN app on a real port,
    its site_url that address (the pages' scripts need it); yields the base URL."""
    def set_site_url(url: str) -> None:
        monkeypatch.setitem(ckan_config, "ckan.site_url", url)

    with serve_ckan(set_site_url, lambda: request.getfixturevalue("app").app) as url:
        yield url


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


# --------------------------------------------------------------------------- an interactive page
# Clicking and typing need the DevTools protocol; Chromium speaks it on a pipe
# (fd 3 in, fd 4 out, NUL-separated JSON), so no driver package is needed.

class BrowserError(RuntimeError):
    pass


def _fd_above_9(fd: int) -> int:
    moved = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
    os.close(fd)
    return moved


class Page:
    """One tab of a headless Chromium, driven like a user: open a URL, type,
    click with the mouse, wait for the page to change, take a screenshot.
    ``errors`` collects the page's uncaught JavaScript exceptions and
    ``console.error`` calls (CKAN's module loader reports a failing module there)."""

    def __init__(self, width: int = 1280, height: int = 1400):
        self.width, self.height = width, height
        self.errors: list[str] = []
        self._profile = tempfile.mkdtemp(prefix="odl-chromium-")
        self._log = open(Path(self._profile) / "chromium.log", "wb")  # noqa: SIM115 - closed in close()
        to_browser, self._to_browser = os.pipe()
        self._from_browser, from_browser = os.pipe()
        # bash puts the pipe ends on the fd numbers Chromium reads and writes;
        # moved above 9 first, so that they cannot be 3 or 4 already.
        to_browser, from_browser = (_fd_above_9(fd) for fd in (to_browser, from_browser))
        command = ["bash", "-c", f'exec "$0" "$@" 3<&{to_browser} 4>&{from_browser} {to_browser}<&- {from_browser}>&-',
                   CHROMIUM, *FLAGS, "--remote-debugging-pipe", f"--user-data-dir={self._profile}",
                   "--no-first-run", "--no-default-browser-check", f"--window-size={width},{height}", "about:blank"]
        self._process = subprocess.Popen(command, pass_fds=(to_browser, from_browser), stdin=subprocess.DEVNULL,
                                         stdout=self._log, stderr=self._log)
        os.close(to_browser)
        os.close(from_browser)
        self._next_id = 0
        self._replies: dict[int, dict] = {}
        self._gone = False  # chromium closed its end of the pipe
        self._changed = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        try:
            target = self._call("Target.createTarget", {"url": "about:blank"}, session=None)["targetId"]
            self._session = self._call("Target.attachToTarget", {"targetId": target, "flatten": True},
                                       session=None)["sessionId"]
            self._call("Runtime.enable")
            self._call("Page.enable")
            self._call("Emulation.setDeviceMetricsOverride",
                       {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})
        except BaseException:
            self.close()
            raise

    # -- protocol ---------------------------------------------------------
    def _read(self) -> None:
        buffer = b""
        while chunk := os.read(self._from_browser, 1 << 16):
            buffer += chunk
            *messages, buffer = buffer.split(b"\0")
            for raw in messages:
                message = json.loads(raw)
                with self._changed:
                    if "id" in message:
                        self._replies[message["id"]] = message
                    elif message.get("method") == "Runtime.exceptionThrown":
                        details = message["params"]["exceptionDetails"]
                        self.errors.append((details.get("exception") or {}).get("description") or details["text"])
                    elif message.get("method") == "Runtime.consoleAPICalled" and \
                            message["params"]["type"] in ("error", "assert"):
                        self.errors.append(" ".join(str(arg.get("value", arg.get("description", "")))
                                                    for arg in message["params"]["args"]))
                    self._changed.notify_all()
        with self._changed:
            self._gone = True
            self._changed.notify_all()

    def _call(self, method: str, params: dict | None = None, session: str | None | bool = True,
              timeout: float = 60) -> dict:
        with self._changed:
            self._next_id += 1
            call_id = self._next_id
        message = {"id": call_id, "method": method, "params": params or {}}
        if session is True:
            message["sessionId"] = self._session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        with self._changed:
            if not self._changed.wait_for(lambda: call_id in self._replies or self._gone,
                                          timeout=timeout):
                raise BrowserError(f"{method}: no answer in {timeout} s")
            reply = self._replies.pop(call_id, None)
        if reply is None:
            raise BrowserError(f"{method}: chromium exited ({self._log_tail()})")
        if "error" in reply:
            raise BrowserError(f"{method}: {reply['error']}")
        return reply.get("result", {})

    def _log_tail(self) -> str:
        self._log.flush()
        return (Path(self._profile) / "chromium.log").read_text(errors="replace")[-2000:]

    # -- what a test does -------------------------------------------------
    def evaluate(self, expression: str):
        """The value of a JavaScript expression (promises awaited)."""
        result = self._call("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                                  "awaitPromise": True})
        if "exceptionDetails" in result:
            raise BrowserError(f"{expression}: {result['exceptionDetails'].get('text')}")
        return result["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 30):
        """Poll a JavaScript expression until it is truthy; its value."""
        end = time.monotonic() + timeout
        while True:
            try:
                value = self.evaluate(expression)
            except BrowserError:  # the page is navigating: its context is gone
                value = None
            if value:
                return value
            if time.monotonic() > end:
                raise BrowserError(f"still false after {timeout} s: {expression}")
            time.sleep(0.1)

    def goto(self, url: str) -> None:
        """Open ``url`` (with this browser's cookies) and wait until it has loaded."""
        self._call("Page.navigate", {"url": url})
        self.wait_for(f"location.href === {json.dumps(url)} && document.readyState === 'complete'")

    def type(self, selector: str, text: str) -> None:
        """Replace the field's value as typing would (input events included)."""
        self.evaluate(f"(e => {{ e.focus(); e.select && e.select(); }})(document.querySelector({json.dumps(selector)}))")
        self._call("Input.dispatchKeyEvent", {"type": "keyDown", "key": "Delete", "code": "Delete",
                                              "windowsVirtualKeyCode": 46})
        self._call("Input.dispatchKeyEvent", {"type": "keyUp", "key": "Delete", "code": "Delete",
                                              "windowsVirtualKeyCode": 46})
        self._call("Input.insertText", {"text": text})

    def press(self, key: str, code: str, key_code: int, text: str = "") -> None:
        """One key pressed and released in the focused element, e.g. ``press("Enter", "Enter", 13, "\\r")``."""
        down = {"type": "keyDown", "key": key, "code": code, "windowsVirtualKeyCode": key_code}
        if text:
            down.update(text=text, unmodifiedText=text)
        self._call("Input.dispatchKeyEvent", down)
        self._call("Input.dispatchKeyEvent", {"type": "keyUp", "key": key, "code": code,
                                              "windowsVirtualKeyCode": key_code})

    def click(self, selector: str) -> None:
        """A left click with the mouse, in the middle of the element (scrolled into view)."""
        box = self.evaluate(f"""(e => {{
            if (!e) return null;
            e.scrollIntoView({{block: 'center'}});
            const r = e.getBoundingClientRect();
            return r.width && r.height ? {{x: r.left + r.width / 2, y: r.top + r.height / 2}} : null;
        }})(document.querySelector({json.dumps(selector)}))""")
        if box is None:
            raise BrowserError(f"nothing visible to click at {selector}")
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            self._call("Input.dispatchMouseEvent", {"type": kind, "x": box["x"], "y": box["y"], "button": "left",
                                                    "buttons": 1 if kind == "mousePressed" else 0, "clickCount": 1})

    def upload(self, selector: str, path: Path) -> None:
        """Choose a local file in a file input, as the file dialog would."""
        root = self._call("DOM.getDocument")["root"]["nodeId"]
        node = self._call("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
        if not node:
            raise BrowserError(f"no file input at {selector}")
        self._call("DOM.setFileInputFiles", {"nodeId": node, "files": [str(path)]})

    def screenshot(self, target: Path) -> Path:
        """The whole page, as a PNG."""
        height = int(self.evaluate("document.documentElement.scrollHeight"))
        data = self._call("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": self.width, "height": height, "scale": 1}})["data"]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(base64.b64decode(data))
        return target

    # -- lifecycle --------------------------------------------------------
    def close(self) -> None:
        if not self._gone:
            try:
                self._call("Browser.close", session=None, timeout=10)
            except (BrowserError, OSError):
                pass
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait(timeout=10)
        os.close(self._to_browser)
        self._reader.join(timeout=10)
        os.close(self._from_browser)
        self._log.close()
        shutil.rmtree(self._profile, ignore_errors=True)

    def log_in(self, base: str, name: str, password: str) -> None:
        """Through CKAN's login form, as a person would (French pages)."""
        self.goto(f"{base}/fr/user/login")
        self.type("#field-login", name)
        self.type("#field-password", password)
        self.click("form:has(#field-password) button[type=submit]")
        self.wait_for("!location.pathname.endsWith('/user/login') && document.readyState === 'complete'")

    def __enter__(self) -> "Page":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
