"""The link checker against a real local HTTP server (pure core: no CKAN)."""
from __future__ import annotations

from ckanext.opendatalocale.http import HttpClient
from ckanext.opendatalocale.linkcheck.checker import Target, check_many, check_one, interleave
from tests.http_server import Reply, http_date


def _client(**kwargs) -> HttpClient:
    # The server listens on 127.0.0.1: allowed by name, every other internal address refused.
    options = {"allowed_hosts": ["127.0.0.1"], "retries": 1, "backoff": 0.01, "read_timeout": 0.5,
               "connect_timeout": 0.5, "total_timeout": 5, "max_retry_wait": 2}
    return HttpClient(**{**options, **kwargs})


def _check(server, path, **target):
    with _client() as client:
        return check_one(client, Target("r1", server.url(path), **target))


def test_available_link_keeps_its_validators_and_is_asked_conditionally(fault_server):
    fault_server.route("/ok.csv", Reply.text("a,b\n1,2\n", etag='"v1"', last_modified=http_date(1.7e9)))
    first = _check(fault_server, "/ok.csv")
    assert (first.ok, first.code, first.status, first.method) == (True, "ok", 200, "HEAD")
    assert first.etag == '"v1"' and first.last_modified == http_date(1.7e9)

    second = _check(fault_server, "/ok.csv", etag=first.etag, last_modified=first.last_modified)
    assert (second.ok, second.code, second.status) == (True, "not_modified", 304)
    requests = fault_server.requests_to("/ok.csv")
    assert [r.method for r in requests] == ["HEAD", "HEAD"]
    assert requests[1].header("If-None-Match") == '"v1"'
    assert requests[1].header("If-Modified-Since") == http_date(1.7e9)


def test_not_found_and_server_error_are_broken_with_their_status(fault_server):
    fault_server.route("/gone.csv", Reply.error(404))
    fault_server.route("/broken.csv", Reply.error(500))
    gone = _check(fault_server, "/gone.csv")
    assert (gone.ok, gone.code, gone.status) == (False, "http_status", 404)
    assert "404" in gone.message["fr"] and "404" in gone.message["en"]
    assert len(fault_server.requests_to("/gone.csv")) == 1  # a 404 is final
    broken = _check(fault_server, "/broken.csv")
    assert (broken.ok, broken.status) == (False, 500)
    assert len(fault_server.requests_to("/broken.csv")) == 2  # one retry for a 5xx


def test_head_refused_falls_back_to_a_ranged_get(fault_server):
    def answer(request):
        return Reply.error(405) if request.method == "HEAD" else Reply.text("x" * 10_000)
    fault_server.route("/nohead.csv", answer)
    outcome = _check(fault_server, "/nohead.csv")
    assert (outcome.ok, outcome.method, outcome.status) == (True, "GET", 200)
    get = [r for r in fault_server.requests_to("/nohead.csv") if r.method == "GET"]
    assert len(get) == 1 and get[0].header("Range") == "bytes=0-0"


def test_timeout_is_broken_with_a_timeout_code(fault_server):
    fault_server.route("/slow.csv", Reply.text("late").but(delay=1.5))
    outcome = _check(fault_server, "/slow.csv")
    assert not outcome.ok and outcome.code == "timeout.read" and outcome.status is None
    assert "délai" in outcome.message["fr"]


def test_redirect_to_a_private_address_is_refused_before_any_connection(fault_server):
    fault_server.route("/moved.csv", Reply.redirect("http://169.254.169.254/latest/meta-data/"))
    outcome = _check(fault_server, "/moved.csv")
    assert not outcome.ok and outcome.code == "unsafe_url.private"
    assert "169.254.169.254" in outcome.message["en"]


def test_429_retry_after_is_waited_for_then_the_link_is_checked(fault_server):
    fault_server.route("/busy.csv", Reply.error(429, retry_after=1), Reply.text("ok"))
    outcome = _check(fault_server, "/busy.csv")
    assert outcome.ok and outcome.status == 200
    first, second = fault_server.requests_to("/busy.csv")
    assert second.at - first.at >= 1.0  # the server's Retry-After, not our shorter backoff


def test_429_asking_too_long_defers_the_host_for_the_run(fault_server):
    fault_server.route("/a.csv", Reply.error(429, retry_after=3600))
    fault_server.route("/b.csv", Reply.text("ok"))
    targets = [Target("a", fault_server.url("/a.csv")), Target("b", fault_server.url("/b.csv"))]
    with _client(per_host_concurrency=1) as client:
        outcomes = {o.resource_id: o for o in check_many(client, targets, workers=1)}
    assert outcomes["a"].code == "rate_limited" and outcomes["a"].retry_after == 3600
    # Same host: not asked at all in this run, deferred by as long.
    assert outcomes["b"].deferred and outcomes["b"].retry_after == 3600
    assert fault_server.requests_to("/b.csv") == []


def test_interleave_spreads_hosts():
    targets = [Target(str(i), f"http://{host}/{i}") for i, host in enumerate("aaabbc")]
    assert [t.url.split("/")[2] for t in interleave(targets)] == list("abcaba")
