"""Territorial consolidation and observatory benchmark for a région.

    python bench/bench_observatoire.py [bench/bench_observatoire.ini] [--scale 0.1] [--reuse]

Sets itself up: (re)creates the database named in the ini (its name must contain "bench"),
applies CKAN's and the plugins' migrations, imports the collectivités of the région (Bretagne,
shipped reference), then writes 2,000 conformant SCDL resources (1,000 subventions in versions
1.1.0, 2.0.2 and 2.1.1, 1,000 délibérations; about 2 % XLSX, the rest CSV) totalling 1,000,000
rows, spread over the région's collectivités: the files as uploads in CKAN's storage, the
organisations, datasets and resources in bulk SQL in the shape CKAN gives its rows.
``--scale 0.1`` writes a tenth (200 resources, 100,000 rows) for a quick look; the targets are
ratios, so they read the same at either scale.

Figures, each beside a baseline measured in the same run:
- full consolidation (``ckan opendatalocale consolidate``'s code: read, check row by row, carry
  to the latest version, store, elect the rows kept, publish the CSV and the rejects) against
  validating the same files with the conformity engine alone; target <= 2x;
- after one resource changed, the incremental run against the full run; target <= 5 %.
The DataStore is not enabled here: loading it goes through CKAN's ``datastore_upsert`` actions
and is left out of both figures (the incremental run only sends the rows that moved).
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
import uuid
from pathlib import Path

from bench_dashboard import Table, _database_url, set_up_database

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
REGION = ("53", "Bretagne")
RESOURCES = 2000
ROWS = 1_000_000
FULL_TARGET = 2.0  # x the engine alone
INCREMENTAL_TARGET = 0.05  # share of the full run
XLSX_EVERY = 8  # one 2.0.2 subventions file in 8: about 2 % of the files
SUBVENTION_VERSIONS = ("1.1.0", "2.0.2", "2.1.1")

ORGS = """
INSERT INTO "group" (id, name, title, description, created, state, type, approval_status, image_url,
                     is_organization {extras_column})
SELECT 'bench-org-' || siren, 'bench-org-' || siren, name, '', now(), 'active', 'organization', 'approved',
       '', true {extras_value}
FROM unnest(CAST(:sirens AS text[]), CAST(:names AS text[])) AS t(siren, name)
"""
PACKAGES = """
INSERT INTO package (id, name, title, notes, state, license_id, type, owner_org, private,
                     metadata_created, metadata_modified)
SELECT id, id, title, '', 'active', 'lo-2.0', 'dataset', owner_org, false, now(), now()
FROM unnest(CAST(:ids AS text[]), CAST(:titles AS text[]), CAST(:orgs AS text[])) AS t(id, title, owner_org)
"""
RESOURCE_ROWS = """
INSERT INTO resource (id, package_id, url, format, name, position, state, created, last_modified,
                      url_type, size, extras)
SELECT id, package_id, url, format, url, 0, 'active', now(), now(), 'upload', size, extras
FROM unnest(CAST(:ids AS text[]), CAST(:packages AS text[]), CAST(:urls AS text[]), CAST(:formats AS text[]),
            CAST(:sizes AS bigint[]), CAST(:extras AS text[])) AS t(id, package_id, url, format, size, extras)
"""


def sizes(count: int, total: int) -> list[int]:
    """``count`` row counts from 100 to 900, summing to ``total``."""
    values = [100 + (i * 7919) % 801 for i in range(count)]
    values[-1] += total - sum(values)
    return values


def storage_file(storage: Path, resource_id: str) -> Path:
    """Where CKAN's resource storage keeps an upload (2.11 and 2.12 alike)."""
    return storage / "resources" / resource_id[:3] / resource_id[3:6] / resource_id[6:]


def write_file(storage: Path, resource_id: str, schema: str, version: str, publisher, rows: int, seed: int,
               xlsx: bool) -> int:
    from ckanext.opendatalocale.consolidation import samples

    if schema == "scdl/subventions":
        table = samples.subventions(publisher.name, publisher.siren, rows, version=version, seed=seed,
                                    year=2019 + seed % 6)
    else:
        table = samples.deliberations(publisher.name, publisher.siren, rows, seed=seed, year=2019 + seed % 6)
    data = samples.to_xlsx(table) if xlsx else samples.to_csv(table)
    path = storage_file(storage, resource_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return len(data)


def generate(conn, storage: Path, scale: float) -> tuple[list[dict], object]:
    """The région's collectivités, publishers, datasets and resources; returns the resources."""
    import sqlalchemy as sa

    from ckanext.opendatalocale.publications.reader import extras_flavour
    from ckanext.opendatalocale.territories import reference, store

    national = reference.load_national()
    members = [r for r in national if r.region == REGION[0] and r.kind in ("commune", "epci", "departement", "region")]
    store.import_reference(conn, members, "bench")
    publishers = sorted((r for r in members if r.kind != "region"), key=lambda r: -(r.population_totale or 0))
    publishers = publishers[:max(20, int(600 * scale))]
    flavour = extras_flavour(conn)
    extras = (", extras", ", jsonb_build_object('siren', siren)") if flavour == "jsonb" else ("", "")
    conn.execute(sa.text(ORGS.format(extras_column=extras[0], extras_value=extras[1])),
                 {"sirens": [p.siren for p in publishers], "names": [p.name for p in publishers]})
    if flavour == "table":
        conn.execute(sa.text("INSERT INTO group_extra (id, group_id, key, value, state) "
                             "SELECT 'bench-ge-' || s, 'bench-org-' || s, 'siren', s, 'active' "
                             "FROM unnest(CAST(:sirens AS text[])) AS t(s)"), {"sirens": [p.siren for p in publishers]})
    count = int(RESOURCES * scale)
    resources = []
    for i, rows in enumerate(sizes(count, int(ROWS * scale))):
        publisher = publishers[i % len(publishers)]
        schema = "scdl/subventions" if i % 2 == 0 else "scdl/deliberations"
        version = SUBVENTION_VERSIONS[(i // 2) % 3] if schema == "scdl/subventions" else "2.1.5"
        resource_id = str(uuid.UUID(int=i + 1))
        # Spreadsheets drop trailing empty cells, which the schemas count as missing: the
        # XLSX files are subventions 2.0.2, whose last column is always filled.
        xlsx = version == "2.0.2" and (i // 6) % XLSX_EVERY == 0
        size = write_file(storage, resource_id, schema, version, publisher, rows, i, xlsx)
        resources.append({"id": resource_id, "package_id": f"bench-ds-{i}", "org": f"bench-org-{publisher.siren}",
                          "schema": schema, "version": version, "rows": rows, "size": size, "xlsx": xlsx,
                          "publisher": publisher, "seed": i})
    conn.execute(sa.text(PACKAGES), {"ids": [r["package_id"] for r in resources],
                                     "titles": [f"{r['schema']} {r['publisher'].name} {r['seed']}" for r in resources],
                                     "orgs": [r["org"] for r in resources]})
    conn.execute(sa.text(RESOURCE_ROWS), {
        "ids": [r["id"] for r in resources], "packages": [r["package_id"] for r in resources],
        "urls": [f"{r['schema'].split('/')[1]}-{r['seed']}.{'xlsx' if r['xlsx'] else 'csv'}" for r in resources],
        "formats": ["XLSX" if r["xlsx"] else "CSV" for r in resources], "sizes": [r["size"] for r in resources],
        "extras": [json.dumps({"schema_name": r["schema"], "schema_version": r["version"]}) for r in resources]})
    deps = sorted({r.dep for r in members if r.kind == "commune" and r.dep})
    conn.execute(sa.text(ORGS.format(extras_column="", extras_value="")), {"sirens": ["atd"], "names": ["ATD Bretagne"]})
    territory = store.define_territory(conn, REGION[1], departements=deps, organization_ids=["bench-org-atd"],
                                       slug="bench-bretagne")
    conn.execute(sa.text("ANALYZE"))
    return resources, territory


def baseline(storage: Path, resources: list[dict]) -> tuple[float, int]:
    """Validate every file with the conformity engine alone, as a conformity check does."""
    from ckanext.opendatalocale.conformity import validate
    from ckanext.opendatalocale.conformity.readers import Limits
    from ckanext.opendatalocale.scdl.registry import get_registry

    registry = get_registry()
    limits = Limits(max_rows=10**8, max_seconds=10**6)
    rows = 0
    started = time.perf_counter()
    for resource in resources:
        entry = registry.get(resource["schema"], resource["version"])
        report = validate(str(storage_file(storage, resource["id"])), entry.descriptor, schema_name=entry.name,
                          schema_version=entry.version, limits=limits)
        assert report.status == "valid", (resource["id"], report.status, [e.message["en"] for e in report.errors[:2]])
        rows += report.rows_checked
    return time.perf_counter() - started, rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("ini", nargs="?", type=Path, default=HERE / "bench_observatoire.ini")
    parser.add_argument("--scale", type=float, default=float(os.environ.get("ODL_BENCH_SCALE", "1")),
                        help="share of the 2,000 resources and 1,000,000 rows (default 1)")
    parser.add_argument("--reuse", action="store_true", help="keep the database and its data from a previous run")
    args = parser.parse_args()
    ini = args.ini.resolve()
    url = _database_url(ini)
    os.environ["CKAN_SQLALCHEMY_URL"] = url
    started = time.perf_counter()
    set_up_database(ini, url, args.reuse)

    import sqlalchemy as sa
    from ckan import model
    from ckan.cli import load_config
    from ckan.config.middleware import make_app
    import ckan.plugins.toolkit as tk

    from ckanext.opendatalocale.consolidation import jobs, store

    app = make_app(load_config(str(ini)))
    flask_app = app._wsgi_app
    storage = Path(tk.config["ckan.storage_path"])
    table = Table()
    with flask_app.test_request_context():
        t0 = time.perf_counter()
        resources, territory = generate(model.Session.connection(), storage, args.scale)
        model.Session.commit()
        total_rows = sum(r["rows"] for r in resources)
        print(f"data generated in {time.perf_counter() - t0:.1f} s: {len(resources):,} resources "
              f"({sum(r['xlsx'] for r in resources)} XLSX), {total_rows:,} rows, "
              f"{sum(r['size'] for r in resources) / 1e6:,.0f} MB")

        engine_seconds, checked = baseline(storage, resources)
        assert checked == total_rows, (checked, total_rows)

        t0 = time.perf_counter()
        results = jobs.run_territories(territory["slug"], [], False)
        full = time.perf_counter() - t0
        assert sum(len(r["read"]) for r in results) == len(resources), results
        assert sum(r["rows"] for r in results) == total_rows and not any(r["rejects"] for r in results), results
        table.add("full consolidation", full, engine_seconds, "s", FULL_TARGET * engine_seconds)

        # One collectivité publishes a new version of one file.
        changed = resources[len(resources) // 2]
        size = write_file(storage, changed["id"], changed["schema"], changed["version"], changed["publisher"],
                          changed["rows"] + 10, changed["seed"] + 10_000, changed["xlsx"])
        model.Session.connection().execute(sa.text(
            "UPDATE resource SET size = :size, last_modified = :now WHERE id = :id"),
            {"size": size, "now": dt.datetime.utcnow(), "id": changed["id"]})
        model.Session.commit()
        t0 = time.perf_counter()
        results = jobs.run_territories(territory["slug"], [], False)
        incremental = time.perf_counter() - t0
        assert [r["read"] for r in results if r["read"]] == [[changed["id"]]], results
        assert sum(r["rows"] for r in results) == total_rows + 10
        table.add("incremental run (1 resource changed)", incremental, full, "s", INCREMENTAL_TARGET * full)
        table.rows[-1] = (*table.rows[-1][:3], f"{incremental / full:.1%}", table.rows[-1][4])
        summary = store.summary(model.Session.connection(), territory["slug"])
        print("sets: " + "; ".join(f"{s['schema_name']} {s['rows']:,} rows from {s['resources']} resources, "
                                   f"{len(s['collectivites'])} collectivités" for s in summary))

        # -- Observatory pages (issue 13, item 2): p95 of the territory page and of a portrait
        # for this région, added by the observatory feature with bench_dashboard.p95_ms and
        # table.add(figure, p95, baseline, "ms", 300).

    print()
    print(f"Consolidation benchmark, région {REGION[1]} ({len(resources):,} resources, {total_rows:,} rows; "
          f"baseline of the full run: the conformity engine alone on the same files)")
    table.print()
    print(f"total {time.perf_counter() - started:.0f} s")
    if table.missed:
        print("targets missed: " + "; ".join(table.missed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
