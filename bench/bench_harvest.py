"""Harvest benchmark: an OpenDataSoft-like catalogue harvested into CKAN.

    python bench/bench_harvest.py [bench/bench_harvest.ini] [--small] [--datasets N] [--large N]
                                  [--database URL] [--no-init]

A catalogue of generated OpenDataSoft datasets (Explore v2.1 shape: metas,
dcat metas, 8 to 16 fields, some of them SCDL subventions or délibérations
tables, 3 resources each: CSV + JSON + GeoJSON exports, or CSV + JSON and a
PDF attachment) is served by a real HTTP server on 127.0.0.1 that keeps the
API's rules (pages of at most 100, ``offset + limit <= 10,000``, ``where`` on
``modified``). The OpenDataSoft harvester runs through ckanext-harvest's
gather, fetch and import stages in this process, as the queue consumers would
call them, into CKAN on the PostgreSQL search backend.

Figures, each beside a baseline measured in the same run:
- first harvest of N datasets vs a bare loop of ``package_create`` over the
  same N dataset dicts (what the harvester writes, built beforehand);
- re-harvest of the unchanged catalogue vs the first harvest;
- a catalogue past the 10,000 offset wall harvested: count vs expected.

The script drops and recreates its own database, ``odl_bench_harvest`` (or
the one given with ``--database``; CKAN_SQLALCHEMY_URL is ignored so that a
shell's test database is never dropped), unless ``--no-init``.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
import time
import unicodedata
from bisect import bisect_left
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))  # the fault server lives in the tests package

DEFAULT_DB = "postgresql://postgres@127.0.0.1:5432/odl_bench_harvest"
API = "/api/explore/v2.1/catalog/datasets"

WORDS = ("budget délibérations conseil municipal subventions associations équipements sportifs menus cantine "
         "scolaire prénoms naissances bornes recharge défibrillateurs marchés publics urbanisme voirie eau "
         "assainissement déchets collecte transport mobilité culture bibliothèque patrimoine tourisme "
         "environnement énergie population logement santé sécurité finances élections jeunesse sport").split()
THEMES = ["Administration, Gouvernement, Finances publiques, Citoyenneté", "Environnement",
          "Transports, Déplacements", "Culture, Patrimoine", "Sports, Loisirs", "Aménagement du territoire, Urbanisme",
          "Economie, Business, PME, Développement économique, Emploi"]
PUBLISHERS = ["Ville de Vannes", "Ville de Lorient", "Ville d'Auray", "Golfe du Morbihan - Vannes Agglomération",
              "Département du Morbihan"]
LICENCES = [("Licence Ouverte v2.0 (Etalab)", "https://www.etalab.gouv.fr/licence-ouverte-open-licence"),
            ("Open Database License (ODbL)", "https://opendatacommons.org/licenses/odbl/"),
            ("CC BY 4.0", "https://creativecommons.org/licenses/by/4.0/")]
SUBVENTIONS = ["nomAttribuant", "idAttribuant", "dateConvention", "referenceDecision", "nomBeneficiaire",
               "idBeneficiaire", "rnaBeneficiaire", "objet", "montant", "nature", "conditionsVersement",
               "datesPeriodeVersement", "idRAE", "notificationUE", "pourcentageSubvention", "dispositifAide"]
DELIBERATIONS = ["COLL_NOM", "COLL_SIRET", "DELIB_ID", "DELIB_DATE", "DELIB_MATIERE_CODE", "DELIB_MATIERE_NOM",
                 "DELIB_OBJET", "BUDGET_ANNEE", "BUDGET_NOM", "PREF_ID", "PREF_DATE", "VOTE_EFFECTIF",
                 "VOTE_REEL", "VOTE_POUR", "VOTE_CONTRE", "VOTE_ABSTENTION", "DELIB_URL"]
FIELD_TYPES = ["text", "int", "double", "date", "geo_point_2d", "text", "text"]


# --------------------------------------------------------------------------- the catalogue

def slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def make_dataset(i: int, rng: random.Random, start: datetime, span_seconds: int) -> dict[str, Any]:
    words = rng.sample(WORDS, 4)
    title = f"{words[0].capitalize()} {words[1]} {words[2]} — {rng.choice(PUBLISHERS)} ({i})"
    geo = i % 3 != 0
    kind = i % 10
    if kind == 0:
        fields = [{"name": n.lower(), "label": n, "type": "text", "annotations": {}} for n in SUBVENTIONS]
    elif kind == 1:
        fields = [{"name": n.lower(), "label": n, "type": "text", "annotations": {}} for n in DELIBERATIONS]
    else:
        fields = [{"name": f"{w}_{k}", "label": f"{w.capitalize()} {k}", "type": rng.choice(FIELD_TYPES),
                   "annotations": {"facet": []} if k % 3 == 0 else {}, "description": None}
                  for k, w in enumerate(rng.sample(WORDS, rng.randint(8, 16)))]
    licence, licence_url = rng.choice(LICENCES)
    modified = start + timedelta(seconds=rng.randrange(span_seconds))
    publisher = PUBLISHERS[i % len(PUBLISHERS)]
    return {
        "dataset_id": slug(f"{words[0]}-{words[1]}-{i}"),
        "dataset_uid": f"da_{i:06x}",
        "attachments": [] if geo else [{"id": f"notice_{i}_pdf", "title": f"Notice {i}.pdf",
                                         "mimetype": "application/pdf", "url": "odsfile://notice.pdf"}],
        "has_records": True,
        "data_visible": True,
        "features": ["analyze", "timeserie", "geo"] if geo else ["analyze"],
        "metas": {
            "default": {
                "title": title,
                "description": (f"<p>{' '.join(rng.choices(WORDS, k=40))}.</p>"
                                f"<ul><li>Source : {publisher}</li><li>Mise à jour : {rng.choice(['mensuelle', 'annuelle'])}</li></ul>"),
                "theme": rng.sample(THEMES, rng.randint(1, 2)),
                "keyword": rng.sample(WORDS, rng.randint(2, 6)),
                "license": licence,
                "license_url": licence_url,
                "language": "fr",
                "timezone": None,
                "modified": modified.strftime("%Y-%m-%dT%H:%M:%S+00:00"),
                "modified_updates_on_metadata_change": False,
                "modified_updates_on_data_change": True,
                "data_processed": modified.strftime("%Y-%m-%dT%H:%M:%S+00:00"),
                "metadata_processed": modified.strftime("%Y-%m-%dT%H:%M:%S+00:00"),
                "geographic_reference": ["fr_40_56"],
                "geographic_reference_auto": True,
                "territory": ["Morbihan"],
                "publisher": publisher,
                "references": f"https://www.morbihan.example/donnees/{i}",
                "records_count": rng.randint(10, 50000),
            },
            "dcat": {"created": "2019-05-02T08:00:00+00:00", "issued": "2019-05-02T08:00:00+00:00",
                     "creator": publisher, "contributor": None, "contact_name": "Service SIG",
                     "contact_email": "opendata@morbihan.example", "accrualperiodicity": None,
                     "spatial": None, "temporal": None, "granularity": None, "dataquality": None,
                     "publisher_type": None, "conforms_to": None, "temporal_coverage_start": None,
                     "temporal_coverage_end": None, "accessRights": None, "relation": None},
        },
        "fields": fields,
    }


class Catalogue:
    """Explore v2.1 ``catalog/datasets`` over a list, answering as the real API does."""

    def __init__(self, datasets: list[dict[str, Any]], wall: int = 10000):
        self.wall = wall
        self.by_uid = sorted(datasets, key=lambda d: d["dataset_uid"])
        self.by_modified = sorted(datasets, key=lambda d: d["metas"]["default"]["modified"])
        self.modified_keys = [d["metas"]["default"]["modified"][:19] for d in self.by_modified]
        self.requests = 0

    def answer(self, request: Any) -> Any:
        from tests.http_server import Reply

        self.requests += 1
        query = {k: v[0] for k, v in request.query.items()}
        limit, offset = int(query.get("limit", 10)), int(query.get("offset", 0))
        if limit > 100 or offset + limit > self.wall:
            return Reply.json({"error_code": "InvalidRESTParameterError",
                               "message": "Invalid value for offset + limit: must be lower than 10000"}, status=400)
        where, order = query.get("where", ""), query.get("order_by", "dataset_uid")
        if "modified is null" in where:
            items: list[dict[str, Any]] = []
        elif "modified >= date'" in where:
            low = where.split("modified >= date'")[1].split("'")[0]
            high = where.split("modified < date'")[1].split("'")[0]
            lo, hi = bisect_left(self.modified_keys, low), bisect_left(self.modified_keys, high)
            items = sorted(self.by_modified[lo:hi], key=lambda d: d["dataset_uid"])
        elif order.startswith("modified"):
            items = self.by_modified[::-1] if order.endswith("desc") else self.by_modified
        else:
            items = self.by_uid
        return Reply.json({"total_count": len(items), "results": items[offset:offset + limit]})


def generate(count: int, seed: int, prefix: str = "") -> list[dict[str, Any]]:
    rng = random.Random(seed)
    start = datetime(2016, 1, 1)
    span = int((datetime(2025, 12, 31) - start).total_seconds())
    datasets = [make_dataset(i, rng, start, span) for i in range(count)]
    for item in datasets:
        item["dataset_uid"] = prefix + item["dataset_uid"]
        item["dataset_id"] = prefix + item["dataset_id"]
    return datasets


# --------------------------------------------------------------------------- CKAN side

def init_database(ini: str) -> None:
    url = os.environ["CKAN_SQLALCHEMY_URL"]
    name = url.rsplit("/", 1)[1].split("?")[0]
    subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", "--force", name], check=True)
    subprocess.run(["bash", str(ROOT / "scripts" / "init_db.sh"), sys.prefix, ini], check=True)


def context() -> dict[str, Any]:
    from ckan.plugins import toolkit as tk

    user = tk.get_action("get_site_user")({"ignore_auth": True}, {})
    return {"user": user["name"], "ignore_auth": True}


def ensure_organisations() -> dict[str, str]:
    """Publisher -> organisation name, each organisation created once."""
    from ckan.plugins import toolkit as tk

    mapping = {}
    for publisher in PUBLISHERS:
        name = slug(publisher)
        tk.get_action("organization_create")(context(), {"name": name, "title": publisher})
        mapping[publisher] = name
    return mapping


def create_source(url: str, name: str, config: dict[str, Any]) -> str:
    from ckan.plugins import toolkit as tk

    source = tk.get_action("harvest_source_create")(context(), {
        "url": url, "name": name, "title": name, "source_type": "opendatalocale_ods",
        "config": json.dumps(config), "frequency": "MANUAL"})
    return source["id"]


def run_job(source_id: str) -> dict[str, Any]:
    """Gather, then fetch and import each object, as the consumers would; the job report."""
    from ckan import model
    from ckan.plugins import toolkit as tk
    from ckanext.harvest import model as harvest_model
    from ckanext.harvest import queue

    from ckanext.opendatalocale.harvesters.registry import harvester_for

    harvester = harvester_for("ods")
    job_dict = tk.get_action("harvest_job_create")(context(), {"source_id": source_id, "run": False})
    job = harvest_model.HarvestJob.get(job_dict["id"])
    job.status = "Running"
    job.save()
    started = time.perf_counter()
    ids = queue.gather_stage(harvester, job)
    gathered = time.perf_counter()
    for obj_id in ids or []:
        queue.fetch_and_import_stages(harvester, harvest_model.HarvestObject.get(obj_id))
    tk.get_action("harvest_jobs_run")({"ignore_auth": True}, {"source_id": source_id})
    finished = time.perf_counter()
    model.Session.expire_all()
    job = harvest_model.HarvestJob.get(job_dict["id"])
    statuses: dict[str, int] = {}
    for (status,) in model.Session.query(harvest_model.HarvestObject.report_status).filter_by(
            harvest_job_id=job.id):
        statuses[status or "-"] = statuses.get(status or "-", 0) + 1
    errors = [e.message for e in job.gather_errors][:3]
    return {"status": job.status, "statuses": statuses, "gather_errors": errors,
            "gather": gathered - started, "total": finished - started}


def bare_dicts(datasets: list[dict[str, Any]], portal: str, config: dict[str, Any], source_id: str) -> list[dict]:
    """The dataset dicts the harvester writes, built the way its import stage builds them."""
    from ckanext.harvest import model as harvest_model

    from ckanext.opendatalocale.harvesters import base, common
    from ckanext.opendatalocale.harvesters.ods import OdsHarvester

    harvester = OdsHarvester()
    parsed = harvester.parse_config(config)
    source = harvest_model.HarvestSource.get(source_id)
    out = []
    for item in datasets:
        record = {"portal": portal, "dataset": item, "_remote_url": f"{portal}/explore/dataset/{item['dataset_id']}/"}
        package = harvester._complete(harvester.package_dict(record, parsed, None), record, parsed, source,
                                      item["dataset_uid"])
        extras = package.pop("_extras")
        extras[base.HASH_KEY] = common.content_hash({"package": package, "extras": extras})
        harvester._apply_extras(package, extras)
        package["name"] = "bare-" + item["dataset_id"][:90]
        out.append(package)
    return out


def count_harvested(source_id: str) -> int:
    from ckan import model
    from ckanext.harvest import model as harvest_model

    return (model.Session.query(harvest_model.HarvestObject.package_id)
            .join(model.Package, model.Package.id == harvest_model.HarvestObject.package_id)
            .filter(harvest_model.HarvestObject.harvest_source_id == source_id)
            .filter(harvest_model.HarvestObject.current == True)  # noqa: E712
            .filter(model.Package.state == "active").distinct().count())


def ratio_line(label: str, value: float, baseline_label: str, baseline: float, target: str, ok: bool) -> str:
    return (f"{label:<44} {value:8.1f} s   {baseline_label:<30} {baseline:8.1f} s   "
            f"ratio {value / baseline:6.2f}   target {target}  {'OK' if ok else 'MISSED'}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("ini", nargs="?", default=str(HERE / "bench_harvest.ini"))
    parser.add_argument("--small", action="store_true", help="200 datasets, 1,200 past a wall of 1,000")
    parser.add_argument("--datasets", type=int, default=2000)
    parser.add_argument("--large", type=int, default=12000)
    parser.add_argument("--database", default=DEFAULT_DB, help="PostgreSQL URL of the benchmark's own database")
    parser.add_argument("--no-init", action="store_true", help="keep the database as it is")
    args = parser.parse_args()
    wall = 10000
    if args.small:
        args.datasets, args.large, wall = 200, 1200, 1000
    os.environ["CKAN_SQLALCHEMY_URL"] = args.database
    if not args.no_init:
        init_database(args.ini)

    from ckan.cli import load_config
    from ckan.config.middleware import make_app
    from ckan.plugins import toolkit as tk

    from ckanext.opendatalocale.harvesters.ods import OdsHarvester
    from tests.http_server import FaultServer

    OdsHarvester.wall = wall
    app = make_app(load_config(args.ini))
    flask_app = getattr(app, "_wsgi_app", app)
    results: list[str] = []
    ok = True
    with FaultServer() as server, flask_app.test_request_context():
        organisations = ensure_organisations()
        config = {"organisation_mapping": organisations, "siren_mapping": {"Ville de Vannes": "215602608"},
                  "withdrawal": "private"}

        # 1. The same N dataset dicts: bare package_create loop, then the harvest.
        main_catalogue = Catalogue(generate(args.datasets, seed=1), wall)
        server.route(f"/main{API}", main_catalogue.answer)
        portal = server.url("/main")
        source_id = create_source(portal, "bench-ods", config)
        dicts = bare_dicts(main_catalogue.by_uid, portal, config, source_id)
        print(f"Catalogue: {args.datasets} datasets, {sum(len(d['resources']) for d in dicts)} resources, "
              f"{sum(1 for d in dicts for r in d['resources'] if r.get('schema_name'))} with a detected schema")
        create = tk.get_action("package_create")
        started = time.perf_counter()
        for package in dicts:
            create(context(), package)
        bare = time.perf_counter() - started
        print(f"  bare package_create loop: {bare:.1f} s ({1000 * bare / len(dicts):.1f} ms a dataset)")

        first = run_job(source_id)
        print(f"  first harvest: {first['total']:.1f} s (gather {first['gather']:.1f} s), "
              f"job {first['status']}, objects {first['statuses']}, errors {first['gather_errors']}")
        harvested = count_harvested(source_id)
        ok &= harvested == args.datasets and first["status"] == "Finished"
        second = run_job(source_id)
        print(f"  re-harvest: {second['total']:.1f} s (gather {second['gather']:.1f} s), "
              f"job {second['status']}, objects {second['statuses']}")
        unchanged = second["statuses"].get("not modified", 0)
        ok &= unchanged == args.datasets
        results.append(ratio_line(f"Harvest of {args.datasets} datasets", first["total"],
                                  "bare package_create loop", bare, "<= 1.50", first["total"] <= 1.5 * bare))
        results.append(ratio_line("Re-harvest, unchanged catalogue", second["total"],
                                  "first harvest", first["total"], "<= 0.10",
                                  second["total"] <= 0.10 * first["total"]))
        results.append(f"{'  datasets harvested / expected':<44} {harvested} / {args.datasets}; "
                       f"re-harvest 'not modified' {unchanged} / {args.datasets}")

        # 2. Past the offset wall: the same source grows to the large size. The
        # added datasets are metadata-only (no records, no attachment: no
        # resource), so that creating 10,000 of them stays within minutes on
        # two cores; the first ones are unchanged and skipped at gather.
        extra = generate(args.large - args.datasets, seed=2, prefix="xl")
        for item in extra:
            item.update(has_records=False, features=[], fields=item["fields"][:4], attachments=[])
        large = Catalogue(main_catalogue.by_uid + extra, wall)
        server.route(f"/main{API}", large.answer)
        third = run_job(source_id)
        count = count_harvested(source_id)
        print(f"  grown catalogue harvest: {third['total']:.1f} s (gather {third['gather']:.1f} s, "
              f"{large.requests} API requests), job {third['status']}, objects {third['statuses']}, "
              f"errors {third['gather_errors']}")
        ok &= count == args.large
        results.append(f"{f'Catalogue of {args.large} (wall {wall}) harvested':<44} {count} / {args.large} "
                       f"datasets active after the run, {third['total']:.1f} s "
                       f"({third['statuses'].get('added', 0)} added, "
                       f"{third['statuses'].get('not modified', 0)} not modified)   "
                       f"{'OK' if count == args.large else 'MISSED'}")
    print("")
    print("\n".join(results))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
