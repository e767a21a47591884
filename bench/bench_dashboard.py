"""Dashboard benchmark at national scale.

    python bench/bench_dashboard.py [bench/bench_dashboard.ini] [--quick] [--reuse] [--iterations N]

Sets itself up: (re)creates the database named in the ini (its name must contain "bench"), applies
CKAN's and the plugins' migrations (scripts/init_db.sh), imports the national collectivités
reference shipped with the suite (~35,000 communes, ~1,250 EPCI), then writes synthetic
publication data with bulk SQL in the shape CKAN gives its rows (organisations with a
``siren`` extra, datasets with scheming extras, resources with the conformity summary in their
extras, full reports in ``odl_conformity_result``), so the indicator SQL reads them as it reads
a real portal. Default sizes: 60,000 datasets, 150,000 resources (``--quick``: a tenth).

Figures, each beside a baseline measured in the same run:
- refresh of the whole nation, of one département and of one région (``refresh_territory``,
  what ``ckan opendatalocale dashboard refresh`` runs), against one SQL query that only counts
  the territory's datasets;
- p95 of the overview, the collectivités table (first page, sorted by population) and the
  matrix (first page of 100 rows, totals over every row), through CKAN's real actions and as
  pages through the test client, for a ~700-commune département (76 Seine-Maritime) and the
  largest région (44 Grand Est), against the same counting query; and, without a target, the
  unpaged CSV exports of the table and the matrix.
Targets (issue 6): whole-nation refresh <= 120 s; every view p95 <= 300 ms.
"""
from __future__ import annotations

import argparse
import math
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DEPARTEMENT = ("76", "Seine-Maritime")
REGION = ("44", "Grand Est")
REFRESH_TARGET_S = 120.0
VIEW_TARGET_MS = 300.0

# Expected SCDL first (they drive the matrix), then other schemas portals publish.
SCHEMAS = ("scdl/deliberations", "scdl/budget", "scdl/subventions", "scdl/equipements",
           "scdl/catalogue", "scdl/prenoms", "scdl/menus-collectifs", "etalab/schema-irve-statique")
ERROR_TYPES = ("type-error", "constraint-error", "missing-cell", "required-error",
               "enum-error", "pattern-error", "unique-error", "extra-label")


def _database_url(ini: Path) -> str:
    """The ini's database: never CKAN_SQLALCHEMY_URL, which may name a database worth keeping
    (this one is dropped and recreated)."""
    for line in ini.read_text(encoding="utf-8").splitlines():
        if line.strip().startswith("sqlalchemy.url"):
            return line.split("=", 1)[1].strip()
    raise SystemExit(f"no sqlalchemy.url in {ini}")


def set_up_database(ini: Path, url: str, reuse: bool) -> None:
    """A fresh database with CKAN's and the plugins' tables (kept with --reuse)."""
    name = url.rsplit("/", 1)[1].split("?", 1)[0]
    if "bench" not in name:
        raise SystemExit(f"refusing to recreate {name!r}: the benchmark database's name must contain 'bench'")
    if not reuse:
        subprocess.run(["dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", name], check=True)
    venv = Path(sys.executable).parent.parent
    subprocess.run(["bash", str(ROOT / "scripts" / "init_db.sh"), str(venv), str(ini)], check=True,
                   env={**os.environ, "CKAN_SQLALCHEMY_URL": url})


# -- synthetic data ---------------------------------------------------------------------------

# u(i, salt): a deterministic pseudo-random number in [0, 1).
UNIFORM = """CREATE OR REPLACE FUNCTION pg_temp.u(i bigint, salt text) RETURNS float8
LANGUAGE sql IMMUTABLE AS $$ SELECT abs(hashtext(i::text || salt)::float8) / 2147483648.0 $$"""

PUBLISHERS = """
INSERT INTO "group" (id, name, title, description, created, state, type, approval_status,
                     image_url, is_organization {extras_column})
SELECT 'bench-org-' || n, 'bench-org-' || n, 'Organisation ' || n, '', now(), 'active',
       'organization', 'approved', '', true {extras_value}
FROM unnest(CAST(:sirens AS text[])) WITH ORDINALITY AS t(siren, n)
"""

# Datasets: one in five published by an ATD organisation on a commune's behalf; the others
# by a publisher drawn with a skew towards the first (largest) ones.
DATASETS = """
CREATE TEMP TABLE bench_package AS
SELECT 'bench-ds-' || i AS id, i,
       CASE WHEN i % 5 = 0 THEN 'bench-atd-' || (1 + i % :atds)
            ELSE 'bench-org-' || (1 + floor(:publishers * pg_temp.u(i, 'o') ^ 2)::int) END AS owner_org,
       now() - (pg_temp.u(i, 'c') * 1500) * interval '1 day' AS created,
       jsonb_strip_nulls(jsonb_build_object(
           'collectivites_siren', CASE WHEN i % 5 = 0 THEN
               '["' || (CAST(:communes AS text[]))[1 + floor(pg_temp.u(i, 'b') * :commune_count)::int] || '"]' END,
           'frequency', (ARRAY['monthly', 'annual', 'quarterly', 'irregular', 'weekly', NULL])[1 + i % 6],
           'harvest_source_type', (ARRAY['ods', 'datagouv', 'ckan', NULL, NULL, NULL, NULL, NULL, NULL, NULL])[1 + i % 10],
           'themes', CASE WHEN i % 3 <> 0 THEN '["GOVE"]' END,
           'territorial_coverage', CASE WHEN i % 4 <> 0 THEN '["' || lpad((i % 95 + 1)::text, 2, '0') || '"]' END,
           'temporal_coverage_start', CASE WHEN i % 2 = 0 THEN '2024-01-01' END,
           'contact_email', CASE WHEN i % 3 = 1 THEN 'contact' || i || '@example.org' END)) AS extras
FROM generate_series(1, :datasets) AS i
"""

PACKAGES = """
INSERT INTO package (id, name, title, notes, state, license_id, type, owner_org, private,
                     metadata_created, metadata_modified, maintainer_email {extras_column})
SELECT id, id, 'Jeu de données ' || i, repeat('Données publiques de la collectivité. ', i % 6),
       'active', (ARRAY['lo-2.0', 'etalab-2.0', 'odc-odbl', 'cc-by', 'other-closed'])[1 + i % 5],
       'dataset', owner_org, i % 20 = 7, created,
       least(now(), created + (pg_temp.u(i, 'm') * 400) * interval '1 day'),
       CASE WHEN i % 4 = 1 THEN 'donnees@example.org' END {extras_value}
FROM bench_package
"""

TAGS = """
INSERT INTO tag (id, name) SELECT 'bench-tag-' || n, 'mot-cle-' || n FROM generate_series(1, 30) n;
INSERT INTO package_tag (id, state, package_id, tag_id)
SELECT 'bench-pt-' || i || '-' || k, 'active', 'bench-ds-' || i, 'bench-tag-' || (1 + (i * k) % 30)
FROM generate_series(1, :datasets) i CROSS JOIN generate_series(1, 2) k WHERE i % 3 <> 0
"""

# Resources: 2 or 3 per dataset; the first of most datasets declares a schema, with the
# conformity summary the conformity feature writes (valid 55 %, invalid 25 %, error 5 %,
# never checked 15 %).
RESOURCES = """
CREATE TEMP TABLE bench_resource AS
SELECT 'bench-res-' || j AS id, 'bench-ds-' || (1 + j % :datasets) AS package_id, j,
       j / :datasets AS position,
       CASE WHEN j < :datasets AND pg_temp.u(j, 's') < 0.6
            THEN (CAST(:schemas AS text[]))[1 + floor(pg_temp.u(j, 'n') ^ 1.5 * :schema_count)::int] END AS schema_name,
       pg_temp.u(j, 'v') < 0.7 AS on_latest,
       pg_temp.u(j, 'k') AS roll,
       1 + floor(pg_temp.u(j, 'e') ^ 3 * 200)::int AS errors,
       now() - (pg_temp.u(j, 'd') * 300) * interval '1 day' AS validated
FROM generate_series(0, :resources - 1) AS j
"""

RESOURCE_ROWS = """
INSERT INTO resource (id, package_id, url, format, name, position, state, created, last_modified,
                      url_type, extras)
SELECT r.id, r.package_id, 'https://data.example.org/' || r.id || '.csv',
       (ARRAY['CSV', 'CSV', 'JSON', 'PDF', 'XLSX', 'GeoJSON'])[1 + r.j % 6], 'Fichier ' || r.j,
       r.position, 'active', p.created, least(now(), p.created + (pg_temp.u(r.j, 'l') * 500) * interval '1 day'),
       '', CAST(jsonb_strip_nulls(jsonb_build_object(
           'schema_name', r.schema_name,
           'schema_version', CASE WHEN r.schema_name IS NOT NULL THEN
               CASE WHEN r.on_latest THEN v.latest ELSE v.older END END,
           'conformity_status', CASE WHEN r.schema_name IS NOT NULL THEN r.status END,
           'conformity_error_count', CASE WHEN r.status IN ('valid', 'invalid') THEN
               (CASE WHEN r.status = 'invalid' THEN r.errors ELSE 0 END)::text END,
           'conformity_validated_at', CASE WHEN r.status <> 'unchecked' THEN
               to_char(r.validated, 'YYYY-MM-DD"T"HH24:MI:SS') END)) AS text)
FROM (SELECT *, CASE WHEN roll < 0.55 THEN 'valid' WHEN roll < 0.80 THEN 'invalid'
                     WHEN roll < 0.85 THEN 'error' ELSE 'unchecked' END AS status
      FROM bench_resource) r
JOIN bench_package p ON p.id = r.package_id
LEFT JOIN (SELECT * FROM unnest(CAST(:schemas AS text[]), CAST(:latest AS text[]), CAST(:older AS text[]))
           AS x(name, latest, older)) v ON v.name = r.schema_name
"""

# Full reports of the checked resources as the conformity feature stores them (Report.to_dict:
# counts by type, by column, the first errors, the fatal error of a failed check); half of
# them also have an older result, so "the latest per resource" has something to choose.
RESULTS = """
INSERT INTO odl_conformity_result (id, resource_id, package_id, schema_name, schema_version, status,
                                   error_count, report, engine_version, source_url, duration,
                                   created, checked)
SELECT r.id || '-' || age, r.id, r.package_id, r.schema_name, '1', r.status,
       CASE WHEN r.status = 'invalid' THEN r.errors ELSE 0 END,
       json_build_object(
           'format', 1, 'status', r.status, 'valid', r.status = 'valid',
           'schema', json_build_object('name', r.schema_name, 'version', '1'),
           'rows_checked', 100 + r.j % 900, 'error_count', CASE WHEN r.status = 'invalid' THEN r.errors ELSE 0 END,
           'counts', json_build_object(
               'by_type', CASE WHEN r.status = 'invalid' THEN json_build_object(
                   (CAST(:error_types AS text[]))[1 + (r.j + age) % 8], r.errors - r.errors / 3,
                   (CAST(:error_types AS text[]))[1 + (r.j * 7 + 3) % 8], r.errors / 3)
                   ELSE '{}'::json END,
               'by_column', CASE WHEN r.status = 'invalid' THEN json_build_object('date', r.errors) ELSE '{}'::json END,
               'by_check', '{}'::json),
           'errors', CASE WHEN r.status = 'invalid' THEN (
               SELECT json_agg(json_build_object('type', (CAST(:error_types AS text[]))[1 + (r.j + age) % 8],
                                                 'row', k + 1, 'column', 'date', 'value', 'x' || k))
               FROM generate_series(1, least(r.errors, 20)) k) ELSE '[]'::json END,
           'errors_truncated', r.errors > 20, 'warnings', '[]'::json,
           'fatal', CASE WHEN r.status = 'error' THEN json_build_object('type', 'encoding-error', 'code', 'encoding-error') END,
           'max_errors', 100)::text,
       'bench', 'https://data.example.org/' || r.id || '.csv', 0.1,
       r.validated - age * interval '30 days', r.validated - age * interval '30 days'
FROM (SELECT *, CASE WHEN roll < 0.55 THEN 'valid' WHEN roll < 0.80 THEN 'invalid'
                     WHEN roll < 0.85 THEN 'error' ELSE 'unchecked' END AS status
      FROM bench_resource WHERE schema_name IS NOT NULL) r
CROSS JOIN generate_series(0, 1) AS age
WHERE r.status <> 'unchecked' AND (age = 0 OR r.j % 2 = 0)
"""


def generate(conn, datasets: int, resources: int) -> dict[str, int]:
    """Organisations, datasets, resources, tags and conformity results, in bulk SQL."""
    import sqlalchemy as sa

    from ckanext.opendatalocale.publications.reader import extras_flavour
    from ckanext.opendatalocale.scdl.registry import get_registry
    from ckanext.opendatalocale.territories import reference, store

    national = reference.load_national()
    store.import_reference(conn, national, "national")
    flavour = extras_flavour(conn)
    conn.execute(sa.text(UNIFORM))

    # Publishers, largest first: régions, départements, most EPCI, every commune of 3,500
    # inhabitants or more and one in seven of the smaller ones.
    ranked = sorted(national, key=lambda r: -(r.population_totale or 0))
    publishers = [r.siren for r in ranked if r.kind in ("region", "departement")]
    publishers += [r.siren for i, r in enumerate(ranked) if r.kind == "epci" and i % 4 != 3]
    publishers += [r.siren for i, r in enumerate(ranked) if r.kind == "commune"
                   and ((r.population_totale or 0) >= 3500 or i % 7 == 0)]
    communes = sorted(r.siren for r in national if r.kind == "commune")
    atds = 100

    def with_extras(sql: str, value: str) -> str:
        if flavour == "jsonb":
            return sql.format(extras_column=", extras", extras_value=", " + value)
        return sql.format(extras_column="", extras_value="")

    conn.execute(sa.text(with_extras(PUBLISHERS, "jsonb_build_object('siren', siren)")), {"sirens": publishers})
    conn.execute(sa.text(with_extras(PUBLISHERS, "'{}'::jsonb").replace("bench-org-", "bench-atd-")
                         .replace("Organisation ", "ATD ")),
                 {"sirens": [""] * atds})
    conn.execute(sa.text(DATASETS), {"datasets": datasets, "atds": atds, "publishers": len(publishers),
                                     "communes": communes, "commune_count": len(communes)})
    conn.execute(sa.text(with_extras(PACKAGES, "extras")))
    if flavour == "table":
        conn.execute(sa.text(
            "INSERT INTO group_extra (id, group_id, key, value, state) "
            "SELECT 'bench-ge-' || n, 'bench-org-' || n, 'siren', siren, 'active' "
            "FROM unnest(CAST(:sirens AS text[])) WITH ORDINALITY AS t(siren, n)"), {"sirens": publishers})
        conn.execute(sa.text(
            "INSERT INTO package_extra (id, package_id, key, value, state) "
            "SELECT p.id || '-' || e.key, p.id, e.key, e.value, 'active' "
            "FROM bench_package p, jsonb_each_text(p.extras) e"))
    for statement in TAGS.split(";"):
        conn.execute(sa.text(statement), {"datasets": datasets})

    registry = get_registry()
    latest, older = [], []
    for name in SCHEMAS:
        versions = registry.versions(name) if name in registry.names() else ["1.0.0"]
        latest.append(versions[-1])
        older.append(versions[-2] if len(versions) > 1 else "0.1.0")
    conn.execute(sa.text(RESOURCES), {"datasets": datasets, "resources": resources,
                                      "schemas": list(SCHEMAS), "schema_count": len(SCHEMAS)})
    conn.execute(sa.text(RESOURCE_ROWS), {"datasets": datasets, "schemas": list(SCHEMAS),
                                          "latest": latest, "older": older})
    conn.execute(sa.text(RESULTS), {"error_types": list(ERROR_TYPES)})
    conn.execute(sa.text("ANALYZE"))
    count = lambda sql: conn.execute(sa.text(sql)).scalar()  # noqa: E731
    return {"collectivités": count("SELECT count(*) FROM odl_collectivite"),
            "communes": count("SELECT count(*) FROM odl_collectivite WHERE kind = 'commune'"),
            "EPCI": count("SELECT count(*) FROM odl_collectivite WHERE kind = 'epci'"),
            "organisations": count("SELECT count(*) FROM \"group\" WHERE is_organization"),
            "datasets": count("SELECT count(*) FROM package WHERE type = 'dataset'"),
            "resources": count("SELECT count(*) FROM resource"),
            "conformity results": count("SELECT count(*) FROM odl_conformity_result")}


# -- measures ---------------------------------------------------------------------------------

def baseline_sql(flavour: str) -> str:
    """Only count the territory's datasets (by organisation SIREN or collectivités SIREN)."""
    from ckanext.opendatalocale.publications.reader import _extras_expr

    pkg, org = _extras_expr(flavour, "package", "p"), _extras_expr(flavour, "group", "g")
    return f"""
SELECT count(*) FROM package p
WHERE p.state = 'active' AND p.type = 'dataset' AND (
    p.owner_org IN (SELECT g.id FROM "group" g WHERE g.is_organization AND ({org} ->> 'siren') = ANY(:sirens))
    OR EXISTS (SELECT 1 FROM regexp_split_to_table(
        regexp_replace(coalesce({pkg} ->> 'collectivites_siren', ''), '[\\[\\]"\\s]', '', 'g'), ',') s(v)
        WHERE s.v = ANY(:sirens)))
"""


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[max(math.ceil(share * len(ordered)) - 1, 0)]


def p95_ms(call: Callable[[], Any], iterations: int) -> float:
    for _ in range(2):  # warm caches: the first call compiles templates and statements
        call()
    samples = []
    for _ in range(iterations):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    return percentile(samples, 0.95)


class Table:
    def __init__(self) -> None:
        self.rows: list[tuple[str, str, str, str, str]] = []

    def add(self, figure: str, value: float, baseline: float, unit: str, target: float | None) -> None:
        verdict = "" if target is None else ("ok" if value <= target else "MISSED")
        ratio = f"{value / baseline:,.1f}x" if baseline else "-"
        target_text = "" if target is None else f"<= {target:g} {unit} {verdict}"
        self.rows.append((figure, f"{value:,.1f} {unit}", f"{baseline:,.1f} {unit}", ratio, target_text))

    def print(self) -> None:
        header = ("figure", "measured", "baseline", "ratio", "target")
        widths = [max(len(row[i]) for row in [header, *self.rows]) for i in range(5)]
        for row in [header, *self.rows]:
            print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())

    @property
    def missed(self) -> list[str]:
        return [row[0] for row in self.rows if row[4].endswith("MISSED")]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("ini", nargs="?", type=Path, default=HERE / "bench_dashboard.ini")
    parser.add_argument("--quick", action="store_true", help="6,000 datasets and 15,000 resources")
    parser.add_argument("--reuse", action="store_true", help="keep the database and its data from a previous run")
    parser.add_argument("--iterations", type=int, help="timed calls per view (default 40, quick 10)")
    args = parser.parse_args()
    datasets, resources = (6_000, 15_000) if args.quick else (60_000, 150_000)
    iterations = args.iterations or (10 if args.quick else 40)
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

    from ckanext.opendatalocale.dashboard import refresh
    from ckanext.opendatalocale.publications.reader import extras_flavour
    from ckanext.opendatalocale.dashboard.settings import indicator_settings, obligation_rules
    from ckanext.opendatalocale.territories import reference, store

    app = make_app(load_config(str(ini)))
    flask_app = app._wsgi_app
    with flask_app.test_request_context():
        conn = model.Session.connection()
        present = conn.execute(sa.text("SELECT count(*) FROM package WHERE id LIKE 'bench-ds-%'")).scalar()
        if present != datasets:
            conn.execute(sa.text("DELETE FROM odl_conformity_result; DELETE FROM package_tag; DELETE FROM tag; "
                                 "DELETE FROM resource; DELETE FROM package; "
                                 "DELETE FROM \"group\" WHERE id LIKE 'bench-%'"))
            t0 = time.perf_counter()
            sizes = generate(conn, datasets, resources)
            model.Session.commit()
            print(f"data generated in {time.perf_counter() - t0:.1f} s: "
                  + ", ".join(f"{v:,} {k}" for k, v in sizes.items()))
        conn = model.Session.connection()
        flavour = extras_flavour(conn)
        national = reference.load_national()
        all_deps = sorted({r.dep for r in national if r.kind == "commune" and r.dep})
        region_deps = sorted({r.dep for r in national if r.kind == "commune" and r.region == REGION[0]})
        territories = {
            "nation": store.define_territory(conn, "France", departements=all_deps, slug="bench-france"),
            "departement": store.define_territory(conn, DEPARTEMENT[1], departements=[DEPARTEMENT[0]],
                                                  slug="bench-departement"),
            "region": store.define_territory(conn, REGION[1], departements=region_deps, slug="bench-region"),
        }
        model.Session.commit()
        settings, rules = indicator_settings(tk.config), obligation_rules(tk.config)
        members = {key: [r.siren for r in store.territory_reference(model.Session.connection(), t["rules"])]
                   for key, t in territories.items()}
        communes = {key: sum(1 for r in store.territory_reference(model.Session.connection(), t["rules"])
                             if r.kind == "commune") for key, t in territories.items()}
        count_sql = sa.text(baseline_sql(flavour))

        def baseline_ms(key: str) -> float:
            sirens = members[key]
            return p95_ms(lambda: model.Session.connection().execute(count_sql, {"sirens": sirens}).scalar(),
                          iterations)

        table = Table()
        for key, label in (("nation", "whole nation"), ("departement", f"département {DEPARTEMENT[0]}"),
                           ("region", f"région {REGION[1]}")):
            territory = territories[key]
            t0 = time.perf_counter()
            kpis = refresh.refresh_territory(model.Session.connection(), territory, settings, rules)
            model.Session.commit()
            elapsed = time.perf_counter() - t0
            t0 = time.perf_counter()
            counted = model.Session.connection().execute(count_sql, {"sirens": members[key]}).scalar()
            base = time.perf_counter() - t0
            print(f"{label}: {kpis['collectivites']:,} collectivités ({communes[key]:,} communes), "
                  f"{kpis['datasets']:,} public datasets (baseline counts {counted:,} with private ones), "
                  f"{kpis['open']:,} open; top error: "
                  f"{(kpis['conformity']['top_errors'] or [{'type': '-'}])[0]['type']}")
            table.add(f"refresh {label}", elapsed, base, "s", REFRESH_TARGET_S if key == "nation" else None)

        context = lambda: {"user": None}  # noqa: E731 - anonymous, as the public pages
        client = flask_app.test_client()
        for key, label in (("departement", f"dép. {DEPARTEMENT[0]} ({communes['departement']} communes)"),
                           ("region", f"région {REGION[1]} ({communes['region']} communes)")):
            slug = territories[key]["slug"]
            base = baseline_ms(key)
            actions = (
                ("overview", "dashboard_territory_show", {"id": slug}),
                ("table", "dashboard_collectivite_list", {"id": slug, "sort": "population", "order": "desc",
                                                         "limit": 50}),
                ("matrix", "dashboard_matrix", {"id": slug}),  # first 100 rows, totals over all
            )
            for view, action, data in actions:
                call = lambda a=action, d=data: tk.get_action(a)(context(), dict(d))  # noqa: E731
                table.add(f"{view} action, {label}", p95_ms(call, iterations), base, "ms", VIEW_TARGET_MS)
            pages = (("overview", f"/territoire/{slug}"),
                     ("table", f"/territoire/{slug}/collectivites?sort=population&order=desc"),
                     ("matrix", f"/territoire/{slug}/matrice"))
            for view, path in pages:
                def get(path: str = path) -> None:
                    response = client.get(path)
                    assert response.status_code == 200, (path, response.status_code)
                table.add(f"{view} page, {label}", p95_ms(get, iterations), base, "ms", VIEW_TARGET_MS)
            # Exports are downloads, not views: every row, no target.
            for view, path in (("table CSV export", f"/territoire/{slug}/collectivites?format=csv"),
                               ("matrix CSV export", f"/territoire/{slug}/matrice?format=csv")):
                def download(path: str = path) -> None:
                    response = client.get(path)
                    assert response.status_code == 200, (path, response.status_code)
                table.add(f"{view}, {label}", p95_ms(download, max(iterations // 4, 3)), base, "ms", None)

    print()
    print(f"Dashboard benchmark ({datasets:,} datasets, {resources:,} resources; p95 of {iterations} calls; "
          f"baseline: one SQL query counting the territory's datasets)")
    table.print()
    print(f"total {time.perf_counter() - started:.0f} s")
    if table.missed:
        print("targets missed: " + "; ".join(table.missed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
