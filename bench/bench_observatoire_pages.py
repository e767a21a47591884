"""Observatory pages at région scale.

    python bench/bench_observatoire_pages.py [bench/bench_observatoire_pages.ini] [--quick] [--iterations N]

Sets itself up: (re)creates the database named in the ini (its name must contain "bench"),
imports the national reference, defines the région Bretagne (4 départements, ~1,200 communes)
as a territory and writes consolidated sets straight into the consolidation store (through
its own writing functions): subventions and délibérations for seven communes in ten, in the
latest schema versions, 600,000 rows in all (``--quick``: 60,000).

Figures, each beside a baseline measured in the same run:
- computing the observatory's figures from the store (a cold cache, what
  ``ckan opendatalocale observatory refresh`` does), against reading the same rows through
  ``store.rows`` without computing anything;
- p95 of the territory page and of a portrait (warm cache: the figures are computed once per
  consolidation run), through CKAN's test client, against CKAN's own "About" page.
Target (issue 13): every page p95 <= 300 ms.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
import uuid
from pathlib import Path

# Run as a script, bench/ is on the path: the dashboard bench's set-up and figures table serve here too.
from bench_dashboard import Table, _database_url, p95_ms, set_up_database

HERE = Path(__file__).resolve().parent
REGION = ("53", "Bretagne")
PAGE_TARGET_MS = 300.0


def fill_store(conn, territory: dict, sirens: list[tuple[str, str]], rows_per_set: int) -> int:
    """Consolidated subventions and délibérations for the given (siren, name) communes."""
    from ckanext.opendatalocale.consolidation import samples, store
    from ckanext.opendatalocale.consolidation.carry import SourceRows
    from ckanext.opendatalocale.scdl.utils import registry

    written = 0
    now = dt.datetime.utcnow()
    per_commune = max(rows_per_set // len(sirens), 1)
    for schema, make in (("scdl/subventions", samples.subventions), ("scdl/deliberations", samples.deliberations)):
        latest = registry().get(schema)
        the_set = store.ensure_set(conn, territory["id"], schema, latest.version)
        for n, (siren, name) in enumerate(sirens):
            rows = make(name, siren, per_commune, seed=n)
            header = rows[0]
            order = [header.index(f) if f in header else None for f in latest.field_names]
            kept = [(i + 2, [row[p] if p is not None else "" for p in order], f"{siren}-{i}")
                    for i, row in enumerate(rows[1:])]
            member = {"resource_id": f"bench-res-{schema[5:]}-{siren}", "package_id": f"bench-ds-{siren}",
                      "siren": siren, "collectivite": name, "version": latest.version}
            store.store_source(conn, the_set["id"], member, "bench", None, SourceRows(kept=kept, rows_read=len(kept)),
                               str(uuid.uuid4()), "bench", now)
            written += len(kept)
        store.elect(conn, the_set["id"], None)
        period = next((i for i, f in enumerate(latest.fields) if f.get("type") in ("date", "datetime")), None)
        store.finish_set(conn, the_set["id"], latest=latest.version, period_field=period, now=now, full=True, notes=[])
    return written


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("ini", nargs="?", type=Path, default=HERE / "bench_observatoire_pages.ini")
    parser.add_argument("--quick", action="store_true", help="60,000 consolidated rows")
    parser.add_argument("--iterations", type=int, help="timed calls per page (default 40, quick 10)")
    args = parser.parse_args()
    total_rows = 60_000 if args.quick else 600_000
    iterations = args.iterations or (10 if args.quick else 40)
    ini = args.ini.resolve()
    url = _database_url(ini)
    os.environ["CKAN_SQLALCHEMY_URL"] = url
    started = time.perf_counter()
    set_up_database(ini, url, reuse=False)

    from ckan import model
    from ckan.cli import load_config
    from ckan.config.middleware import make_app

    from ckanext.opendatalocale.consolidation import store as consolidation
    from ckanext.opendatalocale.observatory import figures
    from ckanext.opendatalocale.observatory.logic.action import cache
    from ckanext.opendatalocale.territories import reference, store

    app = make_app(load_config(str(ini)))
    flask_app = app._wsgi_app
    table = Table()
    with flask_app.test_request_context():
        conn = model.Session.connection()
        national = reference.load_national()
        store.import_reference(conn, national.filter(dep=sorted({r.dep for r in national if r.region == REGION[0]
                                                                  and r.kind == "commune"})), "national")
        deps = sorted({r.dep for r in national if r.kind == "commune" and r.region == REGION[0]})
        territory = store.define_territory(conn, REGION[1], departements=deps, slug="bench-region")
        communes = [r for r in store.territory_reference(conn, territory["rules"]) if r.kind == "commune"]
        publishers = [(r.siren, r.name) for i, r in enumerate(communes) if i % 10 < 7]
        t0 = time.perf_counter()
        written = fill_store(conn, territory, publishers, total_rows // 2)
        model.Session.commit()
        print(f"{len(communes):,} communes, {len(publishers):,} publishing; {written:,} consolidated rows "
              f"written in {time.perf_counter() - t0:.1f} s")

        t0 = time.perf_counter()
        read = sum(1 for schema in ("scdl/subventions", "scdl/deliberations")
                   for _ in consolidation.rows(model.Session.connection(), territory["slug"], schema))
        base = time.perf_counter() - t0
        cache().clear()
        if cache().redis is not None:
            for key in cache().redis.scan_iter(f"{cache().prefix}:*"):
                cache().redis.delete(key)
        t0 = time.perf_counter()
        data = figures.territory_figures(model.Session.connection(), territory, cache())
        compute = time.perf_counter() - t0
        assert data["indicators"]["subventions"]["publishers"] == len(publishers), "every publisher counted"
        table.add(f"figures of the région, cold cache ({read:,} rows)", compute, base, "s", None)

        client = flask_app.test_client()
        about_ms = p95_ms(lambda: client.get("/about"), iterations)
        siren = publishers[len(publishers) // 2][0]
        for label, path in (("territory page", f"/fr/observatoire/{territory['slug']}"),
                            ("portrait", f"/fr/observatoire/{territory['slug']}/{siren}"),
                            ("territory API", f"/api/3/action/observatory_territory_show?id={territory['slug']}")):
            def get(path: str = path) -> None:
                response = client.get(path)
                assert response.status_code == 200, (path, response.status_code)
            table.add(f"{label}, région {REGION[1]}", p95_ms(get, iterations), about_ms, "ms", PAGE_TARGET_MS)
    print()
    print(f"Observatory benchmark ({total_rows:,} consolidated rows; p95 of {iterations} calls; baselines: "
          f"reading the rows through store.rows, CKAN's About page)")
    table.print()
    print(f"total {time.perf_counter() - started:.0f} s")
    if table.missed:
        print("targets missed: " + "; ".join(table.missed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
