"""Demo harvest sources: one of each kind, served offline by demo/serve_sources.py.

``load_harvest_sources(context_factory)`` registers the sources with
ckanext-harvest (``harvest_source_create``) and runs each one's job in this
process: gather, then fetch and import of every object, as the
``ckan harvester gather-consumer`` / ``fetch-consumer`` would. It is
idempotent: a second run finds the sources and re-harvests them, which writes
nothing when the fixtures did not change. A source that fails is reported and
the others still run.
"""
from __future__ import annotations

import json
import os
from typing import Any, Callable

SOURCES_URL = os.environ.get("OPENDATALOCALE_DEMO_SOURCES", "http://127.0.0.1:5081").rstrip("/")

# name, harvester kind, URL (under SOURCES_URL), owner organisation, config.
DEMO_SOURCES: list[dict[str, Any]] = [
    {"name": "demo-ods-vannes", "title": "Portail OpenDataSoft de la Ville de Vannes", "kind": "ods",
     "path": "/ods", "owner_org": "ville-de-vannes",
     "config": {"siren": "215602608", "organisation_mapping": {"Ville de Vannes": "ville-de-vannes"}}},
    {"name": "demo-datagouv-gmva", "title": "Golfe du Morbihan - Vannes Agglomération sur data.gouv.fr",
     "kind": "datagouv", "path": "/", "owner_org": "golfe-du-morbihan-vannes-agglomeration",
     "config": {"organization": "golfe-du-morbihan-vannes-agglomeration", "siren": "200067932"}},
    {"name": "demo-ckan-lorient", "title": "Portail CKAN de la Ville de Lorient", "kind": "ckan",
     "path": "/ckan", "owner_org": "ville-de-lorient",
     "config": {"organisation_mapping": {"ville-de-lorient": "ville-de-lorient"}, "siren": "215601212"}},
    {"name": "demo-dcat-auray", "title": "Catalogue DCAT de la Ville d'Auray", "kind": "dcat",
     "path": "/dcat/catalog.ttl", "owner_org": "ville-d-auray", "config": {"siren": "215600073"}},
    {"name": "demo-fichiers-vannes", "title": "Fichiers publiés par la Ville de Vannes", "kind": "file",
     "path": "/files/subventions-vannes.csv", "owner_org": "ville-de-vannes",
     "config": {"title": "Subventions aux associations (fichier SCDL)", "siren": "215602608"}},
    {"name": "demo-catalogue-scdl-lorient", "title": "Catalogue SCDL de la Ville de Lorient", "kind": "file",
     "path": "/catalogue/catalogue-lorient.csv", "owner_org": "ville-de-lorient", "config": {"catalogue": True}},
]


def load_harvest_sources(context_factory: Callable[[], dict[str, Any]]) -> None:
    """Create the demo sources if needed and harvest each one now."""
    for spec in DEMO_SOURCES:
        try:
            source_id = ensure_source(context_factory, spec)
            report = run_harvest(context_factory, source_id, spec["kind"])
        except Exception as exc:  # noqa: BLE001 - one broken source must not stop the demo
            print(f"Moissonnage / harvest {spec['name']}: ÉCHEC / FAILED: {type(exc).__name__}: {exc}")
            continue
        counts = ", ".join(f"{status} {n}" for status, n in sorted(report["statuses"].items())) or "-"
        errors = report["errors"]
        print(f"Moissonnage / harvest {spec['name']}: {report['status']} ({counts})"
              + (f" — {len(errors)} erreur(s) / error(s): {errors[0].splitlines()[0]}" if errors else ""))


def ensure_source(context_factory: Callable[[], dict[str, Any]], spec: dict[str, Any]) -> str:
    from ckan.plugins import toolkit as tk

    from ckanext.opendatalocale.harvesters.registry import harvester_for

    try:
        return tk.get_action("harvest_source_show")(context_factory(), {"id": spec["name"]})["id"]
    except tk.ObjectNotFound:
        pass
    source = tk.get_action("harvest_source_create")(context_factory(), {
        "name": spec["name"], "title": spec["title"], "url": SOURCES_URL + spec["path"],
        "source_type": harvester_for(spec["kind"]).info()["name"], "owner_org": spec["owner_org"],
        "config": json.dumps(spec["config"], ensure_ascii=False), "frequency": "MANUAL"})
    return source["id"]


def run_harvest(context_factory: Callable[[], dict[str, Any]], source_id: str, kind: str) -> dict[str, Any]:
    """One job, synchronously: gather, fetch and import, then the job marked finished."""
    from ckan import model
    from ckan.plugins import toolkit as tk
    from ckanext.harvest import model as harvest_model
    from ckanext.harvest import queue

    from ckanext.opendatalocale.harvesters.registry import harvester_for

    harvester = harvester_for(kind)
    try:
        job_dict = tk.get_action("harvest_job_create")(context_factory(), {"source_id": source_id, "run": False})
    except tk.ValidationError:
        # A job left unfinished by an interrupted run: abort it, then start afresh.
        tk.get_action("harvest_job_abort")(context_factory(), {"source_id": source_id})
        job_dict = tk.get_action("harvest_job_create")(context_factory(), {"source_id": source_id, "run": False})
    job = harvest_model.HarvestJob.get(job_dict["id"])
    job.status = "Running"
    job.save()
    ids = queue.gather_stage(harvester, job)
    for object_id in ids if isinstance(ids, list) else []:
        queue.fetch_and_import_stages(harvester, harvest_model.HarvestObject.get(object_id))
    tk.get_action("harvest_jobs_run")(context_factory(), {"source_id": source_id})
    model.Session.expire_all()
    job = harvest_model.HarvestJob.get(job_dict["id"])
    statuses: dict[str, int] = {}
    errors = [e.message for e in job.gather_errors]
    for obj in model.Session.query(harvest_model.HarvestObject).filter_by(harvest_job_id=job.id):
        statuses[obj.report_status or obj.state or "-"] = statuses.get(obj.report_status or obj.state or "-", 0) + 1
        errors += [e.message for e in obj.errors]
    return {"status": job.status, "statuses": statuses, "errors": errors}
