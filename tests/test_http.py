"""The shared HTTP client against a real local server (tests/http_server.py)."""
from __future__ import annotations

import json
import socket
import threading
import time
from datetime import datetime, timedelta, timezone

import pytest

from ckanext.opendatalocale import http
from ckanext.opendatalocale.http import (
    ConnectionFailed,
    DeadlineExceeded,
    FetchError,
    FetchTimeout,
    HTTPStatusError,
    HttpClient,
    MalformedResponse,
    RateLimited,
    TooLarge,
    TooManyRedirects,
    TruncatedBody,
    UnsafeURL,
    from_ckan_config,
    server_wait,
)
from tests.helpers import fixture_path
from tests.http_server import FaultServer, Reply, http_date


class SleepRecorder:
    """Stands in for time.sleep: records the waits, sleeps for none of them."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def make_client(**kwargs) -> HttpClient:
    options = dict(allow_private=True, backoff=0.001, retries=2, connect_timeout=2, read_timeout=5,
                   total_timeout=120)
    options.update(kwargs)
    return HttpClient(**options)


# --------------------------------------------------------------------------- basics

def test_get_returns_body_headers_and_final_url(fault_server: FaultServer):
    fault_server.route("/data.csv", Reply(b"a;b\n1;2\n", content_type="text/csv", etag='"abc"'))
    response = make_client().get(fault_server.url("/data.csv"))
    assert response.status == 200
    assert response.content == b"a;b\n1;2\n"
    assert response.content_type == "text/csv"
    assert response.etag == '"abc"'
    assert response.url == fault_server.url("/data.csv")
    assert response.not_modified is False


def test_user_agent_carries_operator_contact(fault_server: FaultServer):
    fault_server.route("/x", Reply.json({}))
    make_client(contact="mailto:opendata@atd.example.fr").get(fault_server.url("/x"))
    agent = fault_server.requests_to("/x")[0].header("User-Agent")
    assert agent.startswith("ckanext-opendatalocale/")
    assert "mailto:opendata@atd.example.fr" in agent


def test_get_json_and_query_params(fault_server: FaultServer):
    fault_server.route("/api/explore/v2.1/catalog/datasets", Reply.json({"total_count": 0, "results": []}))
    data = make_client().get_json(fault_server.url("/api/explore/v2.1/catalog/datasets"),
                                  params={"limit": 100, "offset": 0})
    assert data == {"total_count": 0, "results": []}
    request = fault_server.requests_to("/api/explore/v2.1/catalog/datasets")[0]
    assert request.query == {"limit": ["100"], "offset": ["0"]}
    assert request.header("Accept") == "application/json"


def test_get_json_accepts_utf8_bom(fault_server: FaultServer):
    fault_server.route("/bom", Reply(b"\xef\xbb\xbf" + json.dumps({"é": 1}).encode(), content_type="application/json"))
    assert make_client().get_json(fault_server.url("/bom")) == {"é": 1}


def test_html_error_page_with_status_200_is_not_json(fault_server: FaultServer):
    fault_server.route("/api", Reply.html_error_page(200))
    with pytest.raises(MalformedResponse) as caught:
        make_client().get_json(fault_server.url("/api"))
    assert caught.value.code == "not_json"
    assert "HTML" in caught.value.message["fr"] and "HTML" in caught.value.message["en"]


def test_malformed_json(fault_server: FaultServer):
    fault_server.route("/api", Reply.malformed_json())
    with pytest.raises(MalformedResponse) as caught:
        make_client().get_json(fault_server.url("/api"))
    assert caught.value.code == "malformed_json"
    assert caught.value.message["fr"].startswith("Les données JSON reçues de")


def test_sample_ods_catalogue_is_served_and_parsed(fault_server: FaultServer):
    sample = fixture_path("samples", "harvest", "opendatasoft", "explore-v2.1_GET_catalog-datasets.example.json")
    fault_server.route("/api/explore/v2.1/catalog/datasets", Reply.file(sample))
    data = make_client().get_json(fault_server.url("/api/explore/v2.1/catalog/datasets"))
    assert data == json.loads(sample.read_text(encoding="utf-8"))


# --------------------------------------------------------------------------- retries

def test_retries_503_with_retry_after_then_succeeds(fault_server: FaultServer):
    fault_server.route("/flaky", Reply.error(503, retry_after=0), Reply.error(503, retry_after=0), Reply.json([1]))
    assert make_client(retries=3).get_json(fault_server.url("/flaky")) == [1]
    assert len(fault_server.requests_to("/flaky")) == 3


def test_500_gives_up_after_retries_with_status_error(fault_server: FaultServer):
    fault_server.route("/broken", Reply.error(500, body=b'{"error": "boom"}', content_type="application/json"))
    with pytest.raises(HTTPStatusError) as caught:
        make_client(retries=2).get(fault_server.url("/broken"))
    assert caught.value.status == 500
    assert caught.value.code == "http_status"
    assert caught.value.response is not None and caught.value.response.content == b'{"error": "boom"}'
    assert "500" in caught.value.message["fr"] and "500" in caught.value.message["en"]
    assert len(fault_server.requests_to("/broken")) == 3


def test_404_and_410_are_not_retried(fault_server: FaultServer):
    fault_server.route("/gone", Reply.error(410, body=b'{"message": "Dataset has been deleted"}'))
    with pytest.raises(HTTPStatusError) as caught:
        make_client().get(fault_server.url("/gone"))
    assert caught.value.status == 410
    assert b"deleted" in caught.value.response.content
    assert len(fault_server.requests_to("/gone")) == 1


def test_retry_after_seconds_is_honoured(fault_server: FaultServer):
    fault_server.route("/quota", Reply.error(429, retry_after=7), Reply.json({"ok": True}))
    sleep = SleepRecorder()
    assert make_client(sleep=sleep).get_json(fault_server.url("/quota")) == {"ok": True}
    assert sleep.waits == [7.0]


def test_retry_after_http_date_is_honoured(fault_server: FaultServer):
    when = http_date(time.time() + 30)
    fault_server.route("/quota", Reply.error(503, retry_after=when), Reply.json({"ok": True}))
    sleep = SleepRecorder()
    make_client(sleep=sleep).get(fault_server.url("/quota"))
    assert len(sleep.waits) == 1 and 20 <= sleep.waits[0] <= 31


def test_opendatasoft_quota_reset_time_is_honoured(fault_server: FaultServer):
    body = json.loads(fixture_path("samples", "harvest", "opendatasoft",
                                  "explore-v2.1_error-429-quota.example.json").read_text())
    body["reset_time"] = (datetime.now(timezone.utc) + timedelta(seconds=40)).strftime("%Y-%m-%dT%H:%M:%SZ")
    fault_server.route("/ods", Reply.json(body, status=429), Reply.json({"results": []}))
    sleep = SleepRecorder()
    assert make_client(sleep=sleep).get_json(fault_server.url("/ods")) == {"results": []}
    assert len(sleep.waits) == 1 and 30 <= sleep.waits[0] <= 41


def test_quota_reset_beyond_max_wait_fails_at_once(fault_server: FaultServer):
    body = json.loads(fixture_path("samples", "harvest", "opendatasoft",
                                  "explore-v2.1_error-429-quota.example.json").read_text())
    body["reset_time"] = (datetime.now(timezone.utc) + timedelta(hours=5)).isoformat()
    fault_server.route("/ods", Reply.json(body, status=429))
    sleep = SleepRecorder()
    with pytest.raises(RateLimited) as caught:
        make_client(sleep=sleep, max_retry_wait=60).get(fault_server.url("/ods"))
    assert sleep.waits == []
    assert len(fault_server.requests_to("/ods")) == 1
    assert caught.value.code == "rate_limited" and caught.value.status == 429
    assert "60 s" in caught.value.message["fr"] and "attendre" in caught.value.message["fr"]


def test_retry_after_beyond_max_wait_fails_at_once(fault_server: FaultServer):
    fault_server.route("/slowdown", Reply.error(503, retry_after=3600))
    with pytest.raises(RateLimited):
        make_client(max_retry_wait=120).get(fault_server.url("/slowdown"))
    assert len(fault_server.requests_to("/slowdown")) == 1


def test_sample_quota_reset_in_the_past_falls_back_to_backoff(fault_server: FaultServer):
    sample = fixture_path("samples", "harvest", "opendatasoft", "explore-v2.1_error-429-quota.example.json")
    fault_server.route("/ods", Reply.file(sample).but(status=429), Reply.json([]))
    sleep = SleepRecorder()
    make_client(sleep=sleep, backoff=0.5).get(fault_server.url("/ods"))
    assert len(sleep.waits) == 1 and 0.5 <= sleep.waits[0] < 0.6


def test_backoff_is_exponential(fault_server: FaultServer):
    fault_server.route("/down", Reply.error(502))
    sleep = SleepRecorder()
    with pytest.raises(HTTPStatusError):
        make_client(sleep=sleep, retries=3, backoff=1, max_backoff=60).get(fault_server.url("/down"))
    assert len(sleep.waits) == 3
    assert 1 <= sleep.waits[0] < 1.2 and 2 <= sleep.waits[1] < 2.3 and 4 <= sleep.waits[2] < 4.5


# --------------------------------------------------------------------------- timeouts

def test_read_timeout_before_headers(fault_server: FaultServer):
    fault_server.route("/stuck", Reply.json({}).but(delay=3))
    started = time.monotonic()
    with pytest.raises(FetchTimeout) as caught:
        make_client(read_timeout=0.3, retries=0).get(fault_server.url("/stuck"))
    assert time.monotonic() - started < 2.5
    assert caught.value.code == "timeout.read"
    assert caught.value.message["fr"] == "Le serveur distant n'a pas répondu dans le délai de 0,3 s"
    assert caught.value.message["en"] == "The remote server did not respond within 0.3 s"


def test_read_timeout_is_retried(fault_server: FaultServer):
    fault_server.route("/sometimes", Reply.json({}).but(delay=2), Reply.json({"ok": 1}))
    assert make_client(read_timeout=0.3, retries=1).get_json(fault_server.url("/sometimes")) == {"ok": 1}
    assert len(fault_server.requests_to("/sometimes")) == 2


def test_slow_body_hits_total_time_cap(fault_server: FaultServer):
    # Each chunk arrives well within the read timeout: only the total cap stops it.
    fault_server.route("/drip", Reply(b"x" * 4000, drip=0.1, drip_size=100))
    started = time.monotonic()
    with pytest.raises(FetchTimeout) as caught:
        make_client(read_timeout=5, total_timeout=0.8).get(fault_server.url("/drip"))
    assert time.monotonic() - started < 3.5
    assert caught.value.code == "timeout.total"


def test_past_the_deadline_no_request_starts(fault_server: FaultServer):
    fault_server.route("/x", Reply.json({"ok": 1}))
    client = make_client()
    client.set_deadline(0)
    with pytest.raises(DeadlineExceeded) as caught:
        client.get(fault_server.url("/x"))
    assert fault_server.requests == []
    assert client.deadline_hit
    assert caught.value.message["fr"] == (
        f"Le délai de 0 s accordé à cette opération est écoulé ({fault_server.url('/x')})")


def test_the_deadline_cuts_the_wait_for_headers_and_is_not_retried(fault_server: FaultServer):
    # Well within the read timeout, but past the deadline.
    fault_server.route("/slow", Reply.json({}).but(delay=3))
    client = make_client(read_timeout=30, retries=3)
    client.set_deadline(0.3)
    with pytest.raises(DeadlineExceeded) as caught:
        client.get(fault_server.url("/slow"))
    assert caught.value.code == "timeout.deadline"
    assert caught.value.message["en"].startswith("The 0.3 s allowed for this operation have run out")
    assert len(fault_server.requests_to("/slow")) == 1


def test_the_deadline_cuts_a_read_in_progress(fault_server: FaultServer):
    # The first kilobyte, then a minute of silence: the read timeout (two
    # minutes) would wait for it; the deadline must not.
    fault_server.route("/stall", Reply(b"x" * 2048, drip=60, drip_size=1024))
    client = make_client(read_timeout=120, total_timeout=300)
    client.set_deadline(0.5)
    outcome: list[BaseException] = []

    def fetch() -> None:
        try:
            client.get(fault_server.url("/stall"))
        except BaseException as exc:  # noqa: BLE001 - handed to the test thread
            outcome.append(exc)

    worker = threading.Thread(target=fetch, daemon=True)
    worker.start()
    worker.join(timeout=30)
    assert not worker.is_alive(), "the read was not cut"
    assert len(outcome) == 1 and isinstance(outcome[0], DeadlineExceeded)
    assert len(fault_server.requests_to("/stall")) == 1


def test_a_deadline_later_than_the_fetch_changes_nothing(fault_server: FaultServer):
    fault_server.route("/x", Reply.json({"ok": 1}))
    client = make_client()
    client.set_deadline(60)
    assert client.get_json(fault_server.url("/x")) == {"ok": 1}
    assert not client.deadline_hit


def test_connect_timeout_message():
    error = FetchTimeout("timeout.connect", url="https://x.example/", host="x.example", seconds="5")
    assert error.message == {
        "fr": "Le serveur distant x.example n'a pas accepté la connexion dans le délai de 5 s",
        "en": "The remote server x.example did not accept the connection within 5 s",
    }
    assert FetchTimeout("timeout.read", seconds="30").message["fr"] == (
        "Le serveur distant n'a pas répondu dans le délai de 30 s")


def test_unknown_host_is_not_retried():
    sleep = SleepRecorder()
    with pytest.raises(ConnectionFailed) as caught:
        make_client(sleep=sleep, retries=3).get("http://no-such-host.invalid/catalog")
    assert caught.value.code == "dns"
    assert "no-such-host.invalid" in caught.value.message["fr"]
    assert sleep.waits == []


def test_refused_connection_is_connection_failed():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed once the block ends: nothing listens
    with pytest.raises(ConnectionFailed) as caught:
        make_client(retries=1).get(f"http://127.0.0.1:{port}/")
    assert caught.value.code == "connection_failed"
    assert caught.value.message["fr"].startswith("Impossible de se connecter")


# --------------------------------------------------------------------------- broken bodies

def test_truncated_body_is_retried_then_reported(fault_server: FaultServer):
    fault_server.route("/cut", Reply(b"x" * 1000, extra_length=500))
    with pytest.raises(TruncatedBody) as caught:
        make_client(retries=2).get(fault_server.url("/cut"))
    assert caught.value.code == "truncated"
    assert len(fault_server.requests_to("/cut")) == 3


def test_truncated_body_then_complete(fault_server: FaultServer):
    fault_server.route("/cut", Reply(b"x" * 1000, extra_length=500), Reply(b"y" * 1500))
    assert make_client().get(fault_server.url("/cut")).content == b"y" * 1500


def test_connection_reset_mid_body(fault_server: FaultServer):
    fault_server.route("/reset", Reply(b"z" * 200_000, reset_after=10_000))
    with pytest.raises(TruncatedBody):
        make_client(retries=1).get(fault_server.url("/reset"))
    assert len(fault_server.requests_to("/reset")) == 2


# --------------------------------------------------------------------------- size cap

def test_declared_content_length_over_cap(fault_server: FaultServer):
    fault_server.route("/big", Reply(b"x" * 5000))
    with pytest.raises(TooLarge) as caught:
        make_client(max_bytes=1000).get(fault_server.url("/big"))
    assert caught.value.code == "too_large"
    assert "(1000 octets)" in caught.value.message["fr"] and "(1000 bytes)" in caught.value.message["en"]


def test_sizes_are_mib_in_english_and_mio_in_french(fault_server: FaultServer):
    fault_server.route("/big", Reply(b"x" * (3 << 20)))
    with pytest.raises(TooLarge) as caught:
        make_client(max_bytes=(1 << 20) + (1 << 19)).get(fault_server.url("/big"))
    assert "(1.5 MiB)" in caught.value.message["en"] and "Mio" not in caught.value.message["en"]
    assert "(1,5 Mio)" in caught.value.message["fr"]


def test_actual_bytes_over_cap_without_content_length(fault_server: FaultServer):
    fault_server.route("/big", Reply(b"x" * 50_000, omit_length=True))
    with pytest.raises(TooLarge):
        make_client(max_bytes=10_000).get(fault_server.url("/big"))


def test_gzip_bomb_is_capped_after_decompression(fault_server: FaultServer):
    import gzip

    payload = gzip.compress(b"0" * 2_000_000)
    fault_server.route("/bomb", Reply(payload, content_type="text/csv", headers={"Content-Encoding": "gzip"}))
    with pytest.raises(TooLarge):
        make_client(max_bytes=100_000).get(fault_server.url("/bomb"))


def test_stream_is_file_like_and_capped(fault_server: FaultServer):
    fault_server.route("/file.csv", Reply(b"0123456789" * 1000, content_type="text/csv"))
    client = make_client(max_bytes=20_000)
    with client.stream(fault_server.url("/file.csv")) as body:
        assert body.status == 200 and body.headers["Content-Type"] == "text/csv"
        assert body.read(5) == b"01234"
        assert body.read(5) == b"56789"
        assert len(body.read()) == 9990
    fault_server.route("/huge.csv", Reply(b"a" * 50_000, omit_length=True))
    with pytest.raises(TooLarge):
        with client.stream(fault_server.url("/huge.csv")) as body:
            for _chunk in body:
                pass


def test_stream_retries_before_body(fault_server: FaultServer):
    fault_server.route("/s", Reply.error(503, retry_after=0), Reply(b"ok"))
    with make_client().stream(fault_server.url("/s")) as body:
        assert body.read() == b"ok"
    assert len(fault_server.requests_to("/s")) == 2


# --------------------------------------------------------------------------- conditional GET

def test_etag_conditional_get(fault_server: FaultServer):
    fault_server.route("/catalog.rdf", Reply(b"<rdf/>", content_type="application/rdf+xml", etag='"v1"'))
    client = make_client()
    first = client.get(fault_server.url("/catalog.rdf"))
    second = client.get(fault_server.url("/catalog.rdf"), etag=first.etag)
    assert second.status == 304 and second.not_modified and second.content == b""
    assert fault_server.requests_to("/catalog.rdf")[1].header("If-None-Match") == '"v1"'
    changed = client.get(fault_server.url("/catalog.rdf"), etag='"v0"')
    assert changed.status == 200 and changed.content == b"<rdf/>"


def test_last_modified_conditional_get(fault_server: FaultServer):
    stamp = http_date(1_700_000_000)
    fault_server.route("/data.csv", Reply(b"a\n1\n", last_modified=stamp))
    client = make_client()
    first = client.get(fault_server.url("/data.csv"))
    assert first.last_modified == stamp
    again = client.get(fault_server.url("/data.csv"), last_modified=first.last_modified)
    assert again.not_modified
    assert fault_server.requests_to("/data.csv")[1].header("If-Modified-Since") == stamp
    with client.stream(fault_server.url("/data.csv"), last_modified=stamp) as body:
        assert body.not_modified and body.read() == b""


# --------------------------------------------------------------------------- redirects

def test_redirect_chain_is_followed(fault_server: FaultServer):
    fault_server.route("/a", Reply.redirect("/b", 301))
    fault_server.route("/b", Reply.redirect(fault_server.url("/c"), 307))
    fault_server.route("/c", Reply.json({"at": "c"}))
    response = make_client().get(fault_server.url("/a"))
    assert response.json() == {"at": "c"}
    assert response.url == fault_server.url("/c")
    assert response.redirects == (fault_server.url("/a"), fault_server.url("/b"))


def test_redirect_loop_stops(fault_server: FaultServer):
    fault_server.route("/loop", Reply.redirect("/loop"))
    with pytest.raises(TooManyRedirects) as caught:
        make_client(max_redirects=4).get(fault_server.url("/loop"))
    assert len(fault_server.requests_to("/loop")) == 5
    assert "4" in caught.value.message["fr"]


def test_credentials_dropped_on_redirect_to_other_host(fault_server: FaultServer):
    fault_server.route("/start", Reply.redirect(f"http://localhost:{fault_server.port}/end"))
    fault_server.route("/end", Reply.json({}))
    make_client().get(fault_server.url("/start"), headers={"Authorization": "Apikey secret"})
    assert fault_server.requests_to("/start")[0].header("Authorization") == "Apikey secret"
    assert fault_server.requests_to("/end")[0].header("Authorization") is None


# --------------------------------------------------------------------------- SSRF guard

@pytest.mark.parametrize("url", [
    "http://127.0.0.1:{port}/x",
    "http://localhost:{port}/x",
    "http://10.1.2.3/x",
    "http://192.168.1.1/x",
    "http://172.16.0.1/x",
    "http://169.254.169.254/latest/meta-data/",
    "http://100.64.0.1/x",
    "http://0.0.0.0:{port}/x",
    "http://224.0.0.1/x",
    "http://[::1]:{port}/x",
    "http://[::ffff:127.0.0.1]:{port}/x",
    "http://[::ffff:169.254.169.254]/x",
    "http://[fe80::1]/x",
    "http://[fc00::1]/x",
    "http://2130706433:{port}/x",  # 127.0.0.1 written as one integer
    "http://127.1:{port}/x",
])
def test_internal_addresses_are_refused(fault_server: FaultServer, url: str):
    fault_server.route("/x", Reply.json({}))
    with pytest.raises(UnsafeURL) as caught:
        HttpClient(retries=0).get(url.format(port=fault_server.port))
    assert caught.value.code == "unsafe_url.private"
    assert "adresse interne" in caught.value.message["fr"]
    assert fault_server.requests == []


@pytest.mark.parametrize("url", ["file:///etc/passwd", "gopher://127.0.0.1:70/_x", "ftp://example.org/a.csv",
                                 "dict://127.0.0.1:11211/", "data:text/plain,hello", "//example.org/x"])
def test_non_http_schemes_are_refused(url: str):
    with pytest.raises(UnsafeURL) as caught:
        HttpClient(allow_private=True).get(url)
    assert caught.value.code == "unsafe_url.scheme"
    assert "http et https" in caught.value.message["fr"]


def test_allowed_host_is_exempt(fault_server: FaultServer):
    fault_server.route("/x", Reply.json({"ok": 1}))
    assert HttpClient(allowed_hosts=["127.0.0.1"]).get_json(fault_server.url("/x")) == {"ok": 1}


@pytest.mark.parametrize("target", [
    "http://localhost:{port}/x",
    "http://169.254.169.254/latest/meta-data/",
    "http://10.0.0.1/admin",
    "http://[::1]:{port}/x",
])
def test_redirect_from_allowed_to_refused_host(fault_server: FaultServer, target: str):
    fault_server.route("/go", Reply.redirect(target.format(port=fault_server.port)))
    fault_server.route("/x", Reply.json({}))
    with pytest.raises(UnsafeURL) as caught:
        HttpClient(allowed_hosts=["127.0.0.1"], retries=0).get(fault_server.url("/go"))
    assert caught.value.code == "unsafe_url.private"
    assert [r.path for r in fault_server.requests] == ["/go"]


def test_redirect_to_non_http_scheme_is_refused(fault_server: FaultServer):
    fault_server.route("/go", Reply.redirect("file:///etc/passwd"))
    with pytest.raises(UnsafeURL) as caught:
        make_client().get(fault_server.url("/go"))
    assert caught.value.code == "unsafe_url.scheme"


def test_name_with_any_internal_address_is_refused(fault_server: FaultServer, monkeypatch):
    real = socket.getaddrinfo

    def fake(host, port, *args, **kwargs):
        if host == "mixed.example":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("8.8.8.8", port)),
                    (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    with pytest.raises(UnsafeURL):
        HttpClient(retries=0).get(f"http://mixed.example:{fault_server.port}/")
    assert fault_server.requests == []


def test_address_is_checked_where_the_socket_connects(fault_server: FaultServer, monkeypatch):
    """DNS rebinding: a name that answers a public address to the check and a
    loopback address afterwards must never reach the loopback server."""
    real = socket.getaddrinfo
    calls: list[str] = []

    def public_then_loopback(host, port, *args, **kwargs):
        if host == "rebind.example":
            calls.append(host)
            ip = "8.8.8.8" if len(calls) == 1 else "127.0.0.1"
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", public_then_loopback)
    with pytest.raises(FetchError):
        # Connects (or fails to connect) to 8.8.8.8, the address it checked.
        HttpClient(retries=0, connect_timeout=0.5, total_timeout=3).get(
            f"http://rebind.example:{fault_server.port}/")
    assert fault_server.requests == []
    assert calls == ["rebind.example"]


# --------------------------------------------------------------------------- politeness

def test_per_host_concurrency_limit(fault_server: FaultServer):
    lock = threading.Lock()
    state = {"now": 0, "max": 0}

    def slow(_request):
        with lock:
            state["now"] += 1
            state["max"] = max(state["max"], state["now"])
        time.sleep(0.15)
        with lock:
            state["now"] -= 1
        return Reply.json({})

    fault_server.route("/slow", slow)
    client = make_client(per_host_concurrency=2)
    threads = [threading.Thread(target=client.get, args=(fault_server.url("/slow"),)) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(fault_server.requests_to("/slow")) == 6
    assert state["max"] <= 2


def test_per_host_minimum_interval(fault_server: FaultServer):
    fault_server.route("/p", Reply.json({}))
    client = make_client(per_host_interval=0.2)
    for _ in range(3):
        client.get(fault_server.url("/p"))
    times = [r.at for r in fault_server.requests_to("/p")]
    assert all(later - earlier >= 0.15 for earlier, later in zip(times, times[1:]))


# --------------------------------------------------------------------------- config

def test_from_ckan_config_reads_plain_string_values(fault_server: FaultServer):
    config = {
        "ckanext.opendatalocale.http.timeout.connect": "2.5",
        "ckanext.opendatalocale.http.timeout.read": "12",
        "ckanext.opendatalocale.http.max_bytes": "2048",
        "ckanext.opendatalocale.http.retries": "1",
        "ckanext.opendatalocale.http.max_retry_wait": "30",
        "ckanext.opendatalocale.http.allow_private": "false",
        "ckanext.opendatalocale.http.allowed_hosts": "127.0.0.1, intranet.example",
        "ckanext.opendatalocale.http.user_agent_contact": "https://atd56.example.fr/contact",
        "ckanext.opendatalocale.http.per_host_concurrency": "3",
        "ckanext.opendatalocale.http.per_host_interval": "0.5",
        "unrelated.key": "x",
    }
    client = from_ckan_config(config)
    assert (client.connect_timeout, client.read_timeout, client.max_bytes, client.retries) == (2.5, 12.0, 2048, 1)
    assert client.max_retry_wait == 30 and client.per_host_concurrency == 3 and client.per_host_interval == 0.5
    assert client.guard.allow_private is False
    assert client.guard.allowed_hosts == frozenset({"127.0.0.1", "intranet.example"})
    assert "https://atd56.example.fr/contact" in client.user_agent
    fault_server.route("/x", Reply(b"x" * 4096))
    with pytest.raises(TooLarge):
        client.get(fault_server.url("/x"))


def test_from_ckan_config_defaults():
    client = from_ckan_config({})
    assert client.guard.allow_private is False and client.guard.allowed_hosts == frozenset()
    assert (client.connect_timeout, client.read_timeout, client.max_bytes) == (5.0, 30.0, http.DEFAULT_MAX_BYTES)


def test_config_declaration_lists_every_key():
    import yaml
    from pathlib import Path

    declaration = yaml.safe_load((Path(http.__file__).parent / "config_declaration.yaml").read_text())
    keys = {option["key"] for group in declaration["groups"] for option in group["options"]}
    assert keys == {http.CONFIG_PREFIX + suffix for suffix in http.CONFIG_KEYS}


def test_server_wait_forms():
    now = datetime(2026, 1, 1, 12, 0, tzinfo=timezone.utc)
    assert server_wait({"Retry-After": "120"}, now=now) == 120
    assert server_wait({"Retry-After": "Thu, 01 Jan 2026 12:01:00 GMT"}, now=now) == 60
    assert server_wait({}, {"reset_time": "2026-01-01T13:00:00Z"}, now=now) == 3600
    assert server_wait({}, {"reset_time": "2021-01-26T00:00:00Z"}, now=now) is None
    assert server_wait({"X-RateLimit-Reset": str(int(now.timestamp()) + 30)}, now=now) == 30
    assert server_wait({"Retry-After": "soon"}, now=now) is None
