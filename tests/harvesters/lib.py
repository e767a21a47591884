"""Run a harvest job synchronously (gather -> fetch -> import, no queues) and
look at what it left in CKAN."""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ckan import model
from ckan.plugins import toolkit as tk
from ckan.tests import factories
from ckanext.harvest import model as harvest_model
from ckanext.harvest import queue

from ckanext.opendatalocale.harvesters.registry import harvester_for


@dataclass
class Source:
    id: str
    kind: str
    org_id: str


@dataclass
class JobResult:
    status: str
    statuses: dict[str, str]  # guid -> report_status
    gather_errors: list[str]
    object_errors: list[str]


def make_source(url: str, kind: str, config: dict[str, Any] | None = None) -> Source:
    org = factories.Organization()
    user = factories.Sysadmin()
    source = tk.get_action("harvest_source_create")(
        {"user": user["name"]},
        {"url": url, "name": f"src-{kind}-{org['name']}"[:90], "title": f"Source {kind}",
         "source_type": harvester_for(kind).info()["name"], "owner_org": org["id"],
         "config": json.dumps(config or {}), "frequency": "MANUAL"})
    return Source(source["id"], kind, org["id"])


def run_job(source: Source) -> JobResult:
    harvester = harvester_for(source.kind)
    user = factories.Sysadmin()
    job_dict = tk.get_action("harvest_job_create")({"user": user["name"]},
                                                    {"source_id": source.id, "run": False})
    job = harvest_model.HarvestJob.get(job_dict["id"])
    job.status = "Running"
    job.save()
    ids = queue.gather_stage(harvester, job)
    for obj_id in ids if isinstance(ids, list) else []:
        queue.fetch_and_import_stages(harvester, harvest_model.HarvestObject.get(obj_id))
    tk.get_action("harvest_jobs_run")({"ignore_auth": True}, {"source_id": source.id})
    model.Session.expire_all()
    job = harvest_model.HarvestJob.get(job_dict["id"])
    objects = model.Session.query(harvest_model.HarvestObject).filter_by(harvest_job_id=job.id).all()
    return JobResult(
        status=job.status,
        statuses={o.guid: o.report_status for o in objects},
        gather_errors=[e.message for e in job.gather_errors],
        object_errors=[e.message for o in objects for e in o.errors],
    )


def harvested(source: Source, include_deleted: bool = False) -> list[dict[str, Any]]:
    """Datasets created from the source (via their harvest objects), private ones included."""
    ids = {pid for (pid,) in model.Session.query(harvest_model.HarvestObject.package_id).filter(
        harvest_model.HarvestObject.harvest_source_id == source.id).filter(
        harvest_model.HarvestObject.package_id != None).distinct()}  # noqa: E711
    out = []
    for pid in ids:
        package = tk.get_action("package_show")({"ignore_auth": True}, {"id": pid})
        if include_deleted or package["state"] == "active":
            out.append(package)
    return sorted(out, key=lambda p: extra(p, "harvest_guid"))


def extra(package: dict[str, Any], key: str) -> str | None:
    if key in package:
        return package[key]
    return next((e["value"] for e in package.get("extras", []) if e["key"] == key), None)


def guids(packages: list[dict[str, Any]]) -> list[str]:
    return [extra(p, "harvest_guid") for p in packages]
