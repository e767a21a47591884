"""Hostile spreadsheets cost bounded memory and time (issue 11, items 6 and 7).

Each check runs in a subprocess whose data segment is capped with
``resource.setrlimit`` (300 MiB, CKAN included) and which reports its peak
resident memory and how long the work took. The bombs are written to a
temporary directory by the test (see ``bombs.py``), never committed:

* a 6 MB XLSX whose sheet inflates to 157 MiB (no <dimension>: openpyxl
  read it whole just to size it);
* a 9 MB XLSX whose sharedStrings.xml inflates to 157 MiB (openpyxl keeps
  every shared string in a list), and one of 100 MiB, under the cap;
* a 64 MiB CSV.
"""
from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests import bombs
from tests.helpers import REPO_ROOT
from tests.http_server import FaultServer, Reply

MEMORY_LIMIT = 300 << 20
DEADLINE = 8.0
MARGIN = 4.0  # the checks look at the clock every few thousand rows or strings


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("bombs")
    csv_path = folder / "big.csv"
    with csv_path.open("w", encoding="utf-8") as out:
        out.write("nom;code;montant\n")
        line = "Commune de Saint-Étienne-de-Montluc;44000;1234.5\n"
        out.write(line * ((64 << 20) // len(line.encode())))
    return {"sheet": bombs.sheet_bomb(folder / "sheet.xlsx"),
            "strings": bombs.shared_strings_bomb(folder / "strings.xlsx"),
            "strings_under_cap": bombs.shared_strings_bomb(folder / "strings100.xlsx", inflated=100 << 20),
            "csv": csv_path}


def _limit() -> None:
    resource.setrlimit(resource.RLIMIT_DATA, (MEMORY_LIMIT, MEMORY_LIMIT))


def _run(script: str) -> dict:
    """Run ``script`` (which prints one JSON line) under the memory limit."""
    program = textwrap.dedent(script) + textwrap.dedent("""
        # VmHWM: this program's peak resident memory (ru_maxrss would carry
        # the forking pytest's across exec).
        with open("/proc/self/status") as _status:
            result["peak_mib"] = next(int(line.split()[1]) for line in _status
                                      if line.startswith("VmHWM:")) / 1024
        print("RESULT " + json.dumps(result))
    """)
    done = subprocess.run([sys.executable, "-c", program], preexec_fn=_limit, capture_output=True, text=True,
                          cwd=REPO_ROOT, env=dict(os.environ), timeout=600)
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    assert lines, done.stdout[-2000:] + done.stderr[-4000:]
    result = json.loads(lines[-1][len("RESULT "):])
    assert result["peak_mib"] < MEMORY_LIMIT >> 20, result
    return result


CHECK = """
    import json, sys, time
    from ckanext.opendatalocale.conformity import Limits, validate, messages
    schema = {"fields": [{"name": "nom"}, {"name": "code"}, {"name": "montant"}]}
    started = time.monotonic()
    report = validate(%(path)r, schema, limits=Limits(%(limits)s))
    result = {"seconds": time.monotonic() - started, "status": report.status,
              "code": report.fatal.code if report.fatal else None,
              "message": messages.render(report.fatal.code, report.fatal.params)["en"] if report.fatal else ""}
"""


def _check(path: Path, limits: str = "") -> dict:
    return _run(CHECK % {"path": str(path), "limits": limits})


def test_conformity_refuses_shared_strings_over_the_cap_at_once(files):
    result = _check(files["strings"], f"max_seconds={DEADLINE}")
    assert result["code"] == "shared-strings-too-large"
    assert "157.1 MiB" in result["message"] and "128 MiB" in result["message"]
    assert result["seconds"] < DEADLINE


def test_conformity_reads_shared_strings_with_flat_memory_and_its_deadline(files):
    """With the cap raised, the 157 MiB of strings are read from disk: the peak
    stays low, and the deadline holds while they are parsed."""
    result = _check(files["strings"], f"max_seconds={DEADLINE}, max_shared_strings_bytes=1 << 30")
    assert result["code"] == "timeout" or result["status"] in ("valid", "invalid"), result
    assert result["seconds"] < DEADLINE + MARGIN


def test_conformity_streams_a_sheet_bomb_within_its_deadline(files):
    result = _check(files["sheet"], f"max_seconds={DEADLINE}")
    assert result["code"] == "timeout", result
    assert result["seconds"] < DEADLINE + MARGIN


PREVIEW = """
    import json, time
    from ckan.cli import load_config
    from ckan.config.middleware import make_app
    config = load_config(%(ini)r)
    config.update({"ckan.plugins": "opendatalocale_search opendatalocale_harvest harvest opendatalocale_file_harvester",
                   "ckanext.opendatalocale.http.allow_private": "true"})
    make_app(config)
    from ckanext.opendatalocale.harvesters import base
    from ckanext.opendatalocale.harvesters.registry import harvester_for
    started = time.monotonic()
    try:
        preview = harvester_for("file").preview(%(url)r, timeout=%(deadline)r)
        result = {"datasets": preview.datasets, "error": None}
    except base.PreviewTooSlow as exc:
        result = {"datasets": [], "error": "too-slow", "message": exc.message["en"]}
    except Exception as exc:
        result = {"datasets": [], "error": type(exc).__name__, "message": getattr(exc, "message", {}).get("en")}
    result["seconds"] = time.monotonic() - started
"""


@pytest.fixture(scope="module")
def served(files):
    with FaultServer() as server:
        for name, path in files.items():
            server.route(f"/{path.name}", Reply.file(path))
        yield {name: server.url(f"/{path.name}") for name, path in files.items()}


def _preview(url: str, deadline: float = DEADLINE) -> dict:
    return _run(PREVIEW % {"ini": str(REPO_ROOT / "test.ini"), "url": url, "deadline": deadline})


def test_preview_of_a_sheet_bomb_reads_only_the_rows_it_needs(served):
    result = _preview(served["sheet"])
    assert result["error"] is None, result
    assert [d["title"] for d in result["datasets"]] == ["sheet.xlsx"]
    assert result["seconds"] < DEADLINE + MARGIN


def test_preview_of_a_64_mib_csv_reads_only_the_rows_it_needs(served):
    result = _preview(served["csv"])
    assert result["error"] is None, result
    assert result["datasets"][0]["resources"][0]["format"] == "CSV"
    assert result["seconds"] < DEADLINE + MARGIN


def test_preview_refuses_shared_strings_over_the_cap(served):
    result = _preview(served["strings"])
    assert result["error"] == "SourceError", result
    assert "shared strings" in result["message"] and "MiB" in result["message"]
    assert result["seconds"] < DEADLINE + MARGIN


def test_preview_deadline_holds_while_the_file_is_parsed(served):
    """100 MiB of shared strings download in a blink but take seconds to read
    (a few million strings), past a 1 s deadline: the preview stops at the
    deadline and says why."""
    result = _preview(served["strings_under_cap"], deadline=1.0)
    assert result["error"] == "too-slow", result
    assert "after 1 s" in result["message"]
    assert result["seconds"] < 1.0 + MARGIN
