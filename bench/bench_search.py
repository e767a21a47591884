"""Search benchmark: the PostgreSQL backend at 5,000 and 50,000 datasets.

    python bench/bench_search.py bench/bench.ini [--small N] [--large N] [--iterations N]

Synthetic datasets (French titles and notes, 5 tags, 3 resources, one of 300
organisations, one of 10 SCDL schemas, a licence, 10 % private) are indexed in
the shape CKAN gives its index documents, through the backend's ``add`` in
batches, as ``ckan search-index rebuild`` does. Queries go through CKAN's real
``package_search`` action, anonymously and as a member of one organisation.

Baselines measured in the same run:
- indexing: the same documents inserted as plain JSON rows into a bare table
  (what storing them costs without any search structure);
- queries: counting the datasets visible to the user with one plain SQL query
  on the same table (the least any search must do).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import random
import statistics
import sys
import time
import uuid
from datetime import datetime, timedelta, timezone

WORDS = (
    "budget délibération conseil municipal subventions associations équipements sportifs "
    "menus cantine scolaire prénoms naissances bornes recharge véhicules électriques "
    "défibrillateurs marchés publics urbanisme voirie eau assainissement déchets collecte "
    "transport mobilité culture bibliothèque patrimoine tourisme environnement énergie "
    "population logement social santé sécurité finances fiscalité élections jeunesse sport"
).split()
SCHEMAS = ["scdl/budget", "scdl/deliberations", "scdl/subventions", "scdl/equipements",
           "scdl/prenoms", "scdl/menus-collectifs", "scdl/catalogue", "etalab/schema-irve-statique",
           "etalab/schema-irve-dynamique", "scdl/plats-menus-collectifs"]
LICENCES = ["lo-2.0", "odc-odbl", "cc-by", "cc-zero", "other-open"]
FORMATS = ["CSV", "JSON", "GeoJSON", "XLSX", "PDF"]
FACETS = json.dumps(["organization", "tags", "res_format", "license_id"])
TEXT_QUERIES = ["budget", "délibérations conseil", "subventions associations", "équipements sportifs",
                "menus cantine", "bornes recharge", "prénoms", "collecte déchets", "transport mobilité",
                "bibliothèque patrimoine"]


SYLLABLES = ("ba be bi bo bu ca ce ci co cu da de di do du fa fe fi fo la le li lo lu ma me mi mo mu "
             "na ne ni no nu pa pe pi po pu ra re ri ro ru sa se si so su ta te ti to tu va ve vi vo "
             "ment tion eur ique age ette oir ance ain on").split()


def make_vocabulary(rng: random.Random, size: int = 5000) -> tuple[list[str], list[float]]:
    """French-like words with a Zipf frequency; the domain words rank 20 to 80.

    A text query then matches a realistic share of datasets rather than all of
    them, as it would with a vocabulary of fifty words.
    """
    words: list[str] = []
    seen = set(WORDS)
    while len(words) < size - len(WORDS):
        word = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))
        if word not in seen:
            seen.add(word)
            words.append(word)
    vocabulary = words[:20] + WORDS + words[20:]
    weights = [1.0 / rank for rank in range(1, len(vocabulary) + 1)]
    return vocabulary, weights


VOCABULARY: tuple[list[str], list[float]] = ([], [])


def sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choices(VOCABULARY[0], VOCABULARY[1], k=n))


def make_document(i: int, orgs: list[dict], site_id: str, rng: random.Random) -> dict:
    org = orgs[i % len(orgs)]
    private = i % 10 == 0
    dataset_id = str(uuid.UUID(int=rng.getrandbits(128)))
    created = datetime(2020, 1, 1, tzinfo=timezone.utc) + timedelta(minutes=i * 37)
    title = (" ".join(rng.sample(WORDS, 2)) + " " + sentence(rng, 3)).capitalize()
    tags = list(dict.fromkeys(rng.choices(VOCABULARY[0][:300], VOCABULARY[1][:300], k=5)))
    schema = SCHEMAS[i % len(SCHEMAS)]
    resources = [{"name": f"Ressource {k} {sentence(rng, 2)}", "description": sentence(rng, 8),
                  "format": rng.choice(FORMATS), "url": f"https://data.example.fr/{i}/{k}.csv"}
                 for k in range(3)]
    data_dict = {"id": dataset_id, "name": f"jeu-{i}", "title": title, "private": private,
                 "owner_org": org["id"], "tags": [{"name": t} for t in tags],
                 "resources": resources, "type": "dataset", "state": "active"}
    stamp = created.strftime("%Y-%m-%dT%H:%M:%S")
    return {
        "id": dataset_id, "name": f"jeu-{i}", "title": title, "title_string": title,
        "notes": sentence(rng, 40), "tags": tags, "groups": [], "organization": org["name"],
        "owner_org": org["id"], "license_id": LICENCES[i % len(LICENCES)], "private": private,
        "capacity": "private" if private else "public", "state": "active", "type": "dataset",
        "dataset_type": "dataset", "num_resources": 3, "num_tags": 5,
        "res_name": [r["name"] for r in resources], "res_description": [r["description"] for r in resources],
        "res_format": [r["format"] for r in resources], "res_url": [r["url"] for r in resources],
        "res_type": [None] * 3, "extras_scdl_schema": schema, "scdl_schema": schema,
        "metadata_created": stamp + "Z", "metadata_modified": stamp + "Z",
        "permission_labels": [f"member-{org['id']}"] if private else ["public"],
        "entity_type": "package", "site_id": site_id,
        "index_id": hashlib.md5(f"{dataset_id}{site_id}".encode()).hexdigest(),
        "data_dict": json.dumps(data_dict), "validated_data_dict": json.dumps(data_dict),
    }


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("ini")
    parser.add_argument("--small", type=int, default=5_000)
    parser.add_argument("--large", type=int, default=50_000)
    parser.add_argument("--iterations", type=int, default=40)
    args = parser.parse_args()

    from ckan.cli import load_config
    from ckan.config.middleware import make_app

    app = make_app(load_config(args.ini))
    flask_app = getattr(app, "_wsgi_app", app)
    with flask_app.test_request_context():
        return run(args)


def run(args) -> int:
    import sqlalchemy as sa

    import ckan.logic as logic
    import ckan.model as model
    from ckan.common import config
    from ckan.lib.search.common import make_connection

    engine = model.meta.engine
    site_user = logic.get_action("get_site_user")({"ignore_auth": True}, {})
    def admin():
        return {"user": site_user["name"], "ignore_auth": True}
    conn = make_connection()
    conn.delete(q="*:*")
    print(f"Search backend: {type(conn).__name__}")

    orgs = []
    for k in range(300):
        name = f"bench-org-{k}"
        try:
            orgs.append(logic.get_action("organization_show")(admin(), {"id": name}))
        except logic.NotFound:
            orgs.append(logic.get_action("organization_create")(admin(), {"name": name, "title": f"Commune {k}"}))
    try:
        member = logic.get_action("user_show")(admin(), {"id": "bench-member"})
    except logic.NotFound:
        member = logic.get_action("user_create")(admin(), {"name": "bench-member", "email": "m@example.org",
                                                          "password": "bench-password-123"})
    logic.get_action("organization_member_create")(admin(), {"id": orgs[0]["id"], "username": member["name"],
                                                           "role": "member"})

    rng = random.Random(42)
    global VOCABULARY
    VOCABULARY = make_vocabulary(rng)
    site_id = config.get("ckan.site_id")
    with engine.begin() as c:
        c.exec_driver_sql("DROP TABLE IF EXISTS bench_plain_docs")
        c.exec_driver_sql("CREATE TABLE bench_plain_docs (id text PRIMARY KEY, doc jsonb)")

    results = {}
    optimize_seconds = {}
    indexed = 0
    index_seconds = plain_seconds = 0.0
    for size in (args.small, args.large):
        docs = [make_document(i, orgs, site_id, rng) for i in range(indexed, size)]
        started = time.perf_counter()
        for batch in range(0, len(docs), 500):
            conn.add(docs[batch:batch + 500])
        index_seconds += time.perf_counter() - started
        started = time.perf_counter()
        with engine.begin() as c:
            for batch in range(0, len(docs), 500):
                c.execute(sa.text("INSERT INTO bench_plain_docs VALUES (:id, CAST(:doc AS jsonb))"),
                          [{"id": d["index_id"], "doc": json.dumps(d)} for d in docs[batch:batch + 500]])
        plain_seconds += time.perf_counter() - started
        indexed = size
        started = time.perf_counter()
        # Recount, count the frequent words' facets, VACUUM ANALYZE: as a
        # Solr optimise after a bulk load (and as the README's cron does).
        conn.optimize()
        optimize_seconds[size] = time.perf_counter() - started
        with engine.begin() as c:
            c.exec_driver_sql("ANALYZE bench_plain_docs")
        results[size] = measure(args.iterations, member, rng, engine)

    rate = indexed / index_seconds
    plain_rate = indexed / plain_seconds
    print("")
    print(f"Indexing {indexed} datasets: {rate:,.0f} datasets/s "
          f"(baseline plain JSON insert: {plain_rate:,.0f}/s; ratio {rate / plain_rate:.2f}) "
          f"target >= 300/s: {'OK' if rate >= 300 else 'MISSED'}")
    print("Optimize (recount, frequent words' facets, vacuum): " + ", ".join(
        f"{seconds:.1f} s at {size:,}" for size, seconds in optimize_seconds.items()))
    print("")
    header = f"{'query':<34}{'user':<8}" + "".join(
        f"{f'p50@{s // 1000}k':>11}{f'p95@{s // 1000}k':>11}" for s in (args.small, args.large))
    print(header + f"{'p95 ratio':>11}{'baseline p95@large':>20}{'x baseline':>12}  targets")
    ok = True
    for key in results[args.large]:
        small, large = results[args.small][key], results[args.large][key]
        ratio = large["p95"] / small["p95"]
        versus = large["p95"] / large["baseline_p95"]
        good = large["p95"] <= 100 and ratio <= 3
        ok &= good
        print(f"{key[0]:<34}{key[1]:<8}{small['p50']:>9.1f}ms{small['p95']:>9.1f}ms"
              f"{large['p50']:>9.1f}ms{large['p95']:>9.1f}ms{ratio:>10.2f}x"
              f"{large['baseline_p95']:>18.1f}ms{versus:>11.1f}x  {'OK' if good else 'MISSED'}")
    with engine.begin() as c:
        c.exec_driver_sql("DROP TABLE IF EXISTS bench_plain_docs")
    print("")
    print("All search targets met." if ok and rate >= 300 else "Some search targets were missed.")
    return 0


def measure(iterations: int, member: dict, rng: random.Random, engine) -> dict:
    import sqlalchemy as sa

    import ckan.logic as logic

    def context(user):
        return {"user": user or "", "ignore_auth": False}

    def anon_or_member_labels(user):
        return ["public"] if not user else None

    queries = {
        "a) *:* + 4 facets": lambda i: {"q": "*:*", "facet.field": FACETS, "rows": 20},
        "b) French text + 4 facets": lambda i: {"q": TEXT_QUERIES[i % len(TEXT_QUERIES)],
                                               "facet.field": FACETS, "rows": 20},
        "c) 3 fq + sort modified": lambda i: {
            "fq": f'+res_format:"{FORMATS[i % 4]}" +license_id:"{LICENCES[i % 5]}" '
                  f'+scdl_schema:"{SCHEMAS[i % 10]}"',
            "sort": "metadata_modified desc", "rows": 20},
    }
    out = {}
    for name, build in queries.items():
        for label, user in (("anon", None), ("member", member["name"])):
            timings, baseline = [], []
            logic.get_action("package_search")(context(user), dict(build(0), include_private=True))
            for i in range(iterations):
                started = time.perf_counter()
                logic.get_action("package_search")(context(user), dict(build(i + 1), include_private=True))
                timings.append((time.perf_counter() - started) * 1000)
                started = time.perf_counter()
                with engine.connect() as c:
                    c.execute(sa.text(
                        "SELECT count(*) FROM bench_plain_docs WHERE doc->'permission_labels' ?| :labels"),
                        {"labels": ["public"] + ([f"member-{member['id']}"] if user else [])}).scalar()
                baseline.append((time.perf_counter() - started) * 1000)
            out[(name, label)] = {"p50": statistics.median(timings), "p95": percentile(timings, 0.95),
                                  "baseline_p95": percentile(baseline, 0.95)}
    return out


if __name__ == "__main__":
    sys.exit(main())
