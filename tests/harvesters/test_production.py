"""The production path, each stage in its own process as a portal runs it: a
source created through the API, ``ckan harvester job`` and ``run``, the
gather and fetch consumers on Redis, ``run`` again to close the job; then the
unchanged case, and a fetch consumer killed mid-job and restarted."""
from __future__ import annotations

import datetime as dt
import json
import signal
import threading
import time
from pathlib import Path
from typing import Callable

import pytest
import redis
from ckan import model
from ckan.plugins import toolkit as tk
from ckan.tests import factories
from ckanext.harvest.model import HarvestJob, HarvestObject

from tests.harvesters import processes
from tests.harvesters.conftest import HARVEST_CONFIG_MARKS, FakeFiles
from tests.harvesters.lib import harvested
from tests.http_server import RecordedRequest, Reply

pytestmark = HARVEST_CONFIG_MARKS + processes.site_marks()

# The consumers wait on the source as long as a real portal would.
SLOW_SOURCE = {"ckanext.opendatalocale.http.timeout.read": "60",
               "ckanext.opendatalocale.http.timeout.total": "120"}
FETCH_KEY = f"ckanext-harvest:{processes.SITE_ID}:harvest_object_id"
GATHER_KEY = f"ckanext-harvest:{processes.SITE_ID}:harvest_job_id"


class Portal:
    """The ckan processes of one test, their logs, and the test's Redis keys."""

    def __init__(self, tmp_path: Path):
        self.dir = tmp_path
        self.ini = processes.harvest_ini(tmp_path, SLOW_SOURCE)
        self.consumers: dict[str, object] = {}
        self.redis = redis.Redis.from_url(tk.config["ckan.redis.url"], decode_responses=True)

    def cli(self, *args: str) -> str:
        done = processes.run(self.ini, "harvester", *args)
        assert done.returncode == 0, done.stdout + done.stderr
        model.Session.expire_all()  # what this test read before is stale now
        return done.stdout

    def start(self, name: str) -> None:
        self.consumers[name] = processes.start(self.ini, self.dir / f"{name}.log", "harvester", name)

    def stop(self, name: str, sig: int = signal.SIGTERM) -> None:
        processes.stop(self.consumers.pop(name), sig)

    def alive(self) -> list[str]:
        return sorted(name for name, process in self.consumers.items() if process.poll() is None)

    def logs(self) -> str:
        return "\n".join(f"== {p.name}\n{p.read_text()[-3000:]}" for p in sorted(self.dir.glob("*.log")))

    def wait(self, condition: Callable[[], bool], what: str, timeout: float = 120) -> None:
        """Poll ``condition`` (a bound on failures, not a timing check)."""
        deadline = time.monotonic() + timeout
        while True:
            model.Session.expire_all()
            if condition():
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"still waiting for {what}\n{self.logs()}")
            time.sleep(0.2)

    def close(self) -> None:
        for name in list(self.consumers):
            self.stop(name)
        for key in self.redis.keys(f"ckanext-harvest:{processes.SITE_ID}:*"):
            self.redis.delete(key)


@pytest.fixture
def portal(tmp_path):
    portal = Portal(tmp_path)
    yield portal
    portal.close()


def _create_source(app, url: str, config: dict) -> str:
    user = factories.Sysadmin()
    org = factories.Organization()
    token = factories.APIToken(user=user["name"])["token"]
    response = app.post("/api/action/harvest_source_create", headers={"Authorization": token}, json={
        "name": "fichiers-vannes", "title": "Fichiers de Vannes", "url": url, "owner_org": org["id"],
        "source_type": "opendatalocale_file", "frequency": "MANUAL", "config": json.dumps(config)})
    assert response.json["success"], response.json
    return response.json["result"]["id"]


def _last_job(source_id: str) -> HarvestJob:
    return (model.Session.query(HarvestJob).filter_by(source_id=source_id)
            .order_by(HarvestJob.created.desc()).first())


def _objects_done(source_id: str) -> bool:
    job = _last_job(source_id)
    if job is None or job.gather_finished is None:
        return False
    return model.Session.query(HarvestObject).filter_by(harvest_job_id=job.id).filter(
        HarvestObject.state.notin_(["COMPLETE", "ERROR"])).count() == 0


def _harvest(portal: Portal, source_id: str) -> dict:
    """One scheduled run, as cron and the consumers do it; the job's summary."""
    portal.cli("job", source_id)
    portal.cli("run")  # the New job goes to the gather queue
    portal.wait(lambda: _objects_done(source_id), "the consumers to gather, fetch and import")
    portal.cli("run")  # the job is closed
    job = _last_job(source_id)
    return tk.get_action("harvest_job_show")({"ignore_auth": True}, {"id": job.id})


def _running_jobs() -> int:
    return model.Session.query(HarvestJob).filter(HarvestJob.status.in_(["New", "Running"])).count()


def test_consumers_in_their_own_processes_harvest_then_find_nothing_changed(app, fault_server, portal):
    files = FakeFiles(fault_server, count=3)
    source_id = _create_source(app, fault_server.url("/fichiers/jeu-0.csv"), files.config())
    portal.start("gather-consumer")
    portal.start("fetch-consumer")

    first = _harvest(portal, source_id)

    assert first["status"] == "Finished", portal.logs()
    assert first["stats"] == {"added": 3, "updated": 0, "not modified": 0, "errored": 0, "deleted": 0}
    packages = harvested_by(source_id)
    assert sorted(p["title"] for p in packages) == ["jeu-0.csv", "jeu-1.csv", "jeu-2.csv"]
    assert tk.get_action("package_search")({}, {"fq": f'harvest_source_id:"{source_id}"'})["count"] == 3

    second = _harvest(portal, source_id)

    assert second["status"] == "Finished"
    assert second["stats"] == {"added": 0, "updated": 0, "not modified": 3, "errored": 0, "deleted": 0}
    assert harvested_by(source_id) == packages
    assert _running_jobs() == 0
    # Idle between the runs, the consumers still wait for work.
    assert portal.alive() == ["fetch-consumer", "gather-consumer"], portal.logs()


def test_an_object_delivered_twice_keeps_its_first_report(app, fault_server, portal):
    """``run`` from cron re-sends a WAITING object missing from the Redis list,
    which an object a consumer has just popped is: the same object can come
    twice. Sent again here by hand, as ``run`` would, once all are imported."""
    files = FakeFiles(fault_server, count=3)
    source_id = _create_source(app, fault_server.url("/fichiers/jeu-0.csv"), files.config())
    portal.start("gather-consumer")
    portal.start("fetch-consumer")
    portal.cli("job", source_id)
    portal.cli("run")
    portal.wait(lambda: _objects_done(source_id), "the consumers to gather, fetch and import")
    job = _last_job(source_id)
    objects = model.Session.query(HarvestObject).filter_by(harvest_job_id=job.id).all()
    written = {p["id"]: p["metadata_modified"] for p in harvested_by(source_id)}

    for obj in objects:
        portal.redis.rpush(FETCH_KEY, json.dumps({"harvest_object_id": obj.id}))
    portal.wait(lambda: portal.logs().count("second delivery ignored") == len(objects),
                "the fetch consumer to take each object a second time")
    portal.cli("run")

    result = tk.get_action("harvest_job_show")({"ignore_auth": True}, {"id": job.id})
    assert result["status"] == "Finished", portal.logs()
    assert result["stats"] == {"added": 3, "updated": 0, "not modified": 0, "errored": 0, "deleted": 0}
    assert {p["id"]: p["metadata_modified"] for p in harvested_by(source_id)} == written, "nothing written twice"
    model.Session.expire_all()
    assert {HarvestObject.get(o.id).state for o in objects} == {"COMPLETE"}


def test_a_fetch_consumer_killed_mid_job_loses_nothing(app, fault_server, portal):
    files = FakeFiles(fault_server, count=3)
    held, release = threading.Event(), threading.Event()

    def hold_second_file(request: RecordedRequest, normal: Reply) -> None:
        if request.path == "/fichiers/jeu-1.csv" and not release.is_set():
            held.set()
            release.wait(60)
        return None

    files.fault = hold_second_file
    source_id = _create_source(app, fault_server.url("/fichiers/jeu-0.csv"), files.config())
    portal.start("gather-consumer")
    portal.start("fetch-consumer")
    portal.cli("job", source_id)
    portal.cli("run")

    # The consumer is downloading the second file when it is killed.
    portal.wait(held.is_set, "the fetch consumer to ask for the second file")
    portal.stop("fetch-consumer", signal.SIGKILL)
    release.set()
    portal.start("fetch-consumer")
    portal.cli("run")
    job = _last_job(source_id)
    assert job.status == "Running"  # not closed with an object missing
    [claimed] = portal.redis.keys(FETCH_KEY + ":*")
    stuck = HarvestObject.get(claimed.rsplit(":", 1)[1])
    assert stuck.state == "FETCH" and stuck.harvest_job_id == job.id

    # ckanext-harvest gives a consumer 3 minutes per object before `run`
    # sends it again: date the dead consumer's claim back past that.
    portal.redis.set(claimed, str(dt.datetime.now() - dt.timedelta(minutes=4)))
    portal.cli("run")
    portal.wait(lambda: _objects_done(source_id), "the restarted consumer to take the object again")
    portal.cli("run")

    result = tk.get_action("harvest_job_show")({"ignore_auth": True}, {"id": job.id})
    assert result["status"] == "Finished", portal.logs()
    assert result["stats"] == {"added": 3, "updated": 0, "not modified": 0, "errored": 0, "deleted": 0}
    assert sorted(p["title"] for p in harvested_by(source_id)) == ["jeu-0.csv", "jeu-1.csv", "jeu-2.csv"]
    assert _running_jobs() == 0
    assert portal.redis.keys(f"ckanext-harvest:{processes.SITE_ID}:*") == []
    assert portal.alive() == ["fetch-consumer", "gather-consumer"], portal.logs()


def harvested_by(source_id: str) -> list[dict]:
    from tests.harvesters.lib import Source

    return harvested(Source(source_id, "file", ""))
