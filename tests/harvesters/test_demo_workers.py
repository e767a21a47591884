"""The demo's background processes (demo/workers.sh, started by `make demo`
beside the web server): a background job is run, a "Harvest now" click is
harvested and its job closed, and one Ctrl-C stops every process."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import time

from ckan import model
from ckan.lib import jobs
from ckan.plugins import toolkit as tk
from ckan.tests import factories
from ckanext.harvest.model import HarvestJob
from rq.job import Job

from tests.harvesters import processes
from tests.harvesters.conftest import HARVEST_CONFIG_MARKS, FakeFiles
from tests.harvesters.lib import Source, harvested
from tests.helpers import REPO_ROOT

pytestmark = HARVEST_CONFIG_MARKS + processes.site_marks()


def _until(condition, what: str, log, timeout: float = 120) -> None:
    """Poll ``condition`` (a bound on failures, not a timing check)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"still waiting for {what}\n{log.read_text()[-4000:]}")
        time.sleep(0.2)
        model.Session.expire_all()


def _group_gone(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return True
    return False


def test_demo_workers_run_jobs_and_harvests_and_stop_on_one_ctrl_c(app, fault_server, tmp_path):
    files = FakeFiles(fault_server, count=2)
    user = factories.Sysadmin()
    token = factories.APIToken(user=user["name"])["token"]
    source = app.post("/api/action/harvest_source_create", headers={"Authorization": token}, json={
        "name": "fichiers", "title": "Fichiers", "url": fault_server.url("/fichiers/jeu-0.csv"),
        "source_type": "opendatalocale_file", "owner_org": factories.Organization()["id"],
        "config": json.dumps(files.config())}).json["result"]
    job = tk.enqueue_job(jobs.test_job, ["démo"], title="demo test job")
    log = tmp_path / "workers.log"
    workers = subprocess.Popen(["bash", str(REPO_ROOT / "demo" / "workers.sh"), str(processes.VENV),
                                str(processes.harvest_ini(tmp_path)), "1"],
                               stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True,
                               env=processes.child_env())
    try:
        # The publisher's "Harvest now" on the source's admin page.
        click = app.post(f"/harvest/refresh/{source['id']}", headers={"Authorization": token})
        assert click.status_code == 200

        connection = jobs.get_queue().connection
        _until(lambda: Job.fetch(job.id, connection=connection).get_status() == "finished",
               "the jobs worker to run the queued job", log)
        _until(lambda: model.Session.query(HarvestJob).filter_by(source_id=source["id"], status="Finished").count(),
               "the harvest job to be run and closed", log)
        assert sorted(p["title"] for p in harvested(Source(source["id"], "file", ""))) == ["jeu-0.csv", "jeu-1.csv"]
    finally:
        # Ctrl-C: the terminal signals the whole foreground process group.
        os.killpg(workers.pid, signal.SIGINT)
        workers.wait(timeout=60)
    _until(lambda: _group_gone(workers.pid), "every demo process to stop", log, timeout=60)
    assert workers.returncode == 0
