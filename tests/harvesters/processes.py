"""``ckan`` commands run as the operator runs them: separate processes on a
config file made from test.ini plus the harvester tests' options.

The queues of ckanext-harvest are named after ``ckan.site_id``: each test
gives its processes (and itself, see :func:`site_marks`) a site id of its own,
so that two runs sharing a Redis database never take each other's messages.
"""
from __future__ import annotations

import configparser
import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Mapping

import pytest

from tests.harvesters.conftest import HARVEST_OPTIONS
from tests.helpers import REPO_ROOT

CKAN = str(Path(sys.executable).with_name("ckan"))
VENV = Path(sys.executable).parent.parent  # the virtualenv running the tests
# One site id (and so one pair of queue names) per test run.
SITE_ID = f"odl-test-{uuid.uuid4().hex[:12]}"


def site_marks() -> list:
    """The test's own site id, in the test process as in the ones it starts."""
    return [pytest.mark.ckan_config("ckan.site_id", SITE_ID)]


def harvest_ini(directory: Path, options: Mapping[str, str] | None = None) -> Path:
    """test.ini with the harvester options, this run's site id and ``options``."""
    parser = configparser.RawConfigParser(strict=False)
    parser.optionxform = str  # keys are case sensitive
    parser.read(REPO_ROOT / "test.ini")
    for key, value in {**HARVEST_OPTIONS, "ckan.site_id": SITE_ID,
                       "ckan.harvest.mq.type": "redis", **(options or {})}.items():
        parser.set("app:main", key, value)
    # The suite's corrections to ckanext-harvest's queue say what they did at INFO.
    parser.set("loggers", "keys", parser.get("loggers", "keys") + ", odl_queue")
    parser.add_section("logger_odl_queue")
    for key, value in {"qualname": "ckanext.opendatalocale.harvesters.redis_queue",
                       "handlers": "", "level": "INFO"}.items():
        parser.set("logger_odl_queue", key, value)
    path = directory / "harvest.ini"
    with path.open("w") as out:
        parser.write(out)
    return path


def run(ini: Path, *args: str, timeout: float = 180) -> subprocess.CompletedProcess:
    """``ckan -c ini args`` to its end; output captured."""
    return subprocess.run([CKAN, "-c", str(ini), *args], capture_output=True, text=True, timeout=timeout,
                          env=child_env(), cwd=REPO_ROOT)


def start(ini: Path, log: Path, *args: str) -> subprocess.Popen:
    """``ckan -c ini args`` in the background, in a process group of its own."""
    out = log.open("w")
    return subprocess.Popen([CKAN, "-c", str(ini), *args], stdout=out, stderr=subprocess.STDOUT, env=child_env(),
                            cwd=REPO_ROOT, start_new_session=True)


def stop(process: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    """Stop a process started by :func:`start` (its group), and reap it."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            pass
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=20)


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("CKAN_INI", None)
    return env
