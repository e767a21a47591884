"""ATD programme benchmark: link checking at scale and the annual report of a département.

    python bench/bench_atd.py [bench/bench_atd.ini] [--urls N] [--reuse]

Figures, each beside a baseline measured in the same run:
- link checking of N resource URLs (default 10,000) spread over 20 local HTTP servers (20
  hosts) with the checker's per-host limit (2 requests in flight per host), through
  ``linkcheck.checker.check_many`` and the suite's HTTP client: URLs/s and peak Python memory,
  against plain sequential ``requests`` HEAD calls over the same URLs;
- the annual report of a ~700-commune département (76 Seine-Maritime, two monthly snapshots,
  a synthetic outline per commune so the map has 700 shapes): the PDF (WeasyPrint) against the
  HTML page it is made from, through CKAN's app. Target (issue 14): PDF <= 10 s.

The report part (re)creates its own database, ``odl_bench_atd`` (its name must contain "bench").
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
import tracemalloc
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))  # the fault server lives in the tests package
sys.path.insert(0, str(HERE))

from bench_dashboard import _database_url, set_up_database  # noqa: E402 - same database set-up

HOSTS = 20
PDF_TARGET_S = 10.0
DEPARTEMENT = ("76", "Seine-Maritime")


def _servers(urls: int):
    from tests.http_server import FaultServer, Reply

    servers = [FaultServer().start() for _ in range(HOSTS)]
    targets = []
    reply = Reply.text("a;b\n1;2\n", etag='"v1"')
    for i in range(urls):
        server = servers[i % HOSTS]
        path = f"/r/{i}.csv"
        server.route(path, reply)
        targets.append(server.url(path))
    return servers, targets


def bench_links(urls: int) -> list[tuple[str, float, float, str]]:
    import requests

    from ckanext.opendatalocale.http import HttpClient
    from ckanext.opendatalocale.linkcheck.checker import Target, check_many

    servers, targets = _servers(urls)
    try:
        tracemalloc.start()
        t0 = time.perf_counter()
        with requests.Session() as session:
            statuses = [session.head(url, timeout=10).status_code for url in targets]
        baseline_s = time.perf_counter() - t0
        baseline_mem = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert statuses.count(200) == urls

        client = HttpClient(allowed_hosts=["127.0.0.1"], per_host_concurrency=2, per_host_interval=0,
                            retries=1, read_timeout=10)
        tracemalloc.start()
        t0 = time.perf_counter()
        ok = sum(o.ok for o in check_many(client, (Target(str(i), u) for i, u in enumerate(targets)), workers=16))
        checker_s = time.perf_counter() - t0
        checker_mem = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        client.close()
        assert ok == urls, ok
    finally:
        for server in servers:
            server.stop()
    return [(f"link check, {urls:,} URLs on {HOSTS} hosts", urls / checker_s, urls / baseline_s, "URLs/s"),
            ("link check peak Python memory", checker_mem / 2**20, baseline_mem / 2**20, "MiB")]


def _square(i: int) -> dict:
    """A synthetic outline: the communes as a grid of squares (the reference ships outlines
    for the Morbihan only)."""
    x, y = (i % 27) * 0.02, (i // 27) * 0.02
    ring = [[x, y], [x + 0.019, y], [x + 0.019, y + 0.019], [x, y + 0.019], [x, y]]
    return {"type": "Polygon", "coordinates": [ring]}


def bench_report(ini: Path, reuse: bool) -> list[tuple[str, float, float, str]]:
    url = _database_url(ini)
    os.environ["CKAN_SQLALCHEMY_URL"] = url
    set_up_database(ini, url, reuse)

    import sqlalchemy as sa
    from ckan import model
    from ckan.cli import load_config
    from ckan.config.middleware import make_app
    import ckan.plugins.toolkit as tk

    from ckanext.opendatalocale.dashboard import refresh
    from ckanext.opendatalocale.territories.model import collectivite
    from ckanext.opendatalocale.dashboard.settings import indicator_settings, obligation_rules
    from ckanext.opendatalocale.territories import reference, store

    app = make_app(load_config(str(ini)))
    flask_app = app._wsgi_app
    with flask_app.test_request_context():
        conn = model.Session.connection()
        ref = reference.load_national().filter(dep={DEPARTEMENT[0]})
        store.import_reference(conn, ref, "bench")
        communes = sorted(r.siren for r in ref if r.kind == "commune")
        for i, siren in enumerate(communes):
            conn.execute(sa.update(collectivite).where(collectivite.c.siren == siren).values(geometry=_square(i)))
        territory = store.define_territory(conn, DEPARTEMENT[1], departements=[DEPARTEMENT[0]], slug="bench-report")
        model.Session.commit()
        settings, rules = indicator_settings(tk.config), obligation_rules(tk.config)
        year = dt.date.today().year
        for month in (1, 6):
            refresh.refresh_territory(model.Session.connection(), territory, settings, rules,
                                      now=dt.datetime(year, month, 15, 12))
            model.Session.commit()
        sysadmin = tk.get_action("user_create")({"ignore_auth": True}, {
            "name": "bench-atd-admin", "email": "bench@example.org", "password": "Bench-password-123"}) \
            if not model.User.get("bench-atd-admin") else {"name": "bench-atd-admin"}
        user = model.User.get(sysadmin["name"])
        user.sysadmin = True
        model.Session.commit()
        token = tk.get_action("api_token_create")({"ignore_auth": True, "user": user.name},
                                                  {"user": user.name, "name": "bench"})["token"]
    client = flask_app.test_client()
    headers = {"Authorization": token}
    path = f"/territoire/bench-report/rapport/{year}"

    def timed(target: str) -> tuple[float, bytes]:
        t0 = time.perf_counter()
        response = client.get(target, headers=headers)
        assert response.status_code == 200, (target, response.status_code)
        return time.perf_counter() - t0, response.data

    timed(path)  # warm the templates
    html_s, html = timed(path)
    pdf_s, pdf = timed(path + ".pdf")
    assert pdf.startswith(b"%PDF") and html.count(b"<path ") >= len(communes)
    print(f"report: {len(communes)} communes, HTML {len(html) / 1024:.0f} KiB, PDF {len(pdf) / 1024:.0f} KiB")
    return [(f"annual report PDF, dép. {DEPARTEMENT[0]} ({len(communes)} communes)", pdf_s, html_s, "s")]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("ini", nargs="?", type=Path, default=HERE / "bench_atd.ini")
    parser.add_argument("--urls", type=int, default=10_000)
    parser.add_argument("--reuse", action="store_true", help="keep the database of a previous run")
    args = parser.parse_args()
    rows = bench_links(args.urls) + bench_report(args.ini.resolve(), args.reuse)
    print(f"{'figure':<58} {'value':>10} {'baseline':>10} {'ratio':>7}")
    for figure, value, baseline, unit in rows:
        print(f"{figure:<58} {value:>10.2f} {baseline:>10.2f} {value / baseline:>6.2f}x  {unit}")
    pdf_s = rows[-1][1]
    print(f"PDF target <= {PDF_TARGET_S:.0f} s: {'met' if pdf_s <= PDF_TARGET_S else 'MISSED'}")
    return 0 if pdf_s <= PDF_TARGET_S else 1


if __name__ == "__main__":
    raise SystemExit(main())
