"""Every harvester through the same faults, after a first good harvest.

In every case the job finishes; a failure leaves a readable error (French,
then English) and changes nothing: no dataset lost, withdrawn or duplicated.
A dataset deleted at the source is withdrawn; an id renamed at the source
keeps its dataset.
"""
from __future__ import annotations

import socket
from typing import Iterator

import pytest
from ckanext.harvest import model as harvest_model

from ckanext.opendatalocale.harvesters import ods
from tests.harvesters.conftest import HARVEST_CONFIG_MARKS, FakeSource
from tests.harvesters.lib import Source, extra, harvested, make_source, run_job
from tests.harvesters.scenarios import SCENARIOS, Scenario
from tests.http_server import FaultServer, RecordedRequest, Reply

pytestmark = HARVEST_CONFIG_MARKS

MATRIX = ["ods", "datagouv", "ckan", "dcat", "scdl-catalogue", "files"]


@pytest.fixture
def stalled_port() -> Iterator[int]:
    """A port whose accept queue is full: connections hang (connect timeout)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(0)
    fillers = []
    for _ in range(3):
        filler = socket.socket()
        filler.setblocking(False)
        filler.connect_ex(server.getsockname())
        fillers.append(filler)
    yield server.getsockname()[1]
    for sock in fillers + [server]:
        sock.close()


def _closed_port() -> int:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


def _move_source(source: Source, url: str) -> None:
    obj = harvest_model.HarvestSource.get(source.id)
    obj.url = url
    obj.save()


ERROR_FAULTS = ["connect_timeout", "read_timeout", "500", "503_retry_after", "429", "malformed", "truncated",
                "html_200", "unreachable", "mid_run", "empty"]


def _baseline(fault_server: FaultServer, scenario: Scenario, monkeypatch) -> tuple[FakeSource, Source, dict]:
    monkeypatch.setattr(ods, "PAGE", 2)
    fake = scenario.fake(fault_server)
    source = make_source(fault_server.url(scenario.path), scenario.kind, scenario.config(fake))
    first = run_job(source)
    assert first.gather_errors == [] and first.object_errors == [], first
    packages = harvested(source)
    assert len(packages) == 3
    return fake, source, {extra(p, "harvest_guid"): p["id"] for p in packages}


@pytest.mark.parametrize("fault", ERROR_FAULTS)
@pytest.mark.parametrize("kind", MATRIX)
def test_failures_change_nothing_and_report_readably(kind, fault, fault_server, monkeypatch, request):
    scenario = SCENARIOS[kind]
    fake, source, before = _baseline(fault_server, scenario, monkeypatch)
    if fault in ("connect_timeout", "unreachable"):
        port = request.getfixturevalue("stalled_port") if fault == "connect_timeout" else _closed_port()
        if scenario.redirect_to_fail:
            fake.fault = lambda r, normal: Reply.redirect(f"http://127.0.0.1:{port}{r.path}")
        else:
            _move_source(source, f"http://127.0.0.1:{port}{scenario.path}")
    elif fault == "empty":
        fake.datasets.clear()
    else:
        faults = {
            "read_timeout": lambda r, normal: normal.but(delay=1.2),
            "500": lambda r, normal: Reply.error(500),
            "503_retry_after": lambda r, normal: Reply.error(503, retry_after=3600),
            "429": lambda r, normal: Reply.error(429, retry_after=0),
            "malformed": lambda r, normal: scenario.malformed,
            "truncated": lambda r, normal: normal.but(extra_length=500),
            "html_200": lambda r, normal: Reply.html_error_page(),
            "mid_run": lambda r, normal: normal.but(reset_after=40) if scenario.second_page(r) else None,
        }
        fake.fault = faults[fault]

    result = run_job(source)

    assert result.status == "Finished"
    errors = result.gather_errors + result.object_errors
    assert errors, result
    french, english = errors[0].split("\n— ")
    assert french and english and french != english
    after = harvested(source)
    assert {extra(p, "harvest_guid"): p["id"] for p in after} == before  # none lost, none duplicated
    assert all(p["private"] is False for p in after)


@pytest.mark.parametrize("kind", MATRIX)
def test_dataset_deleted_at_source_is_withdrawn(kind, fault_server, monkeypatch):
    scenario = SCENARIOS[kind]
    fake, source, before = _baseline(fault_server, scenario, monkeypatch)
    gone = scenario.remove_second(fake, source.id)

    result = run_job(source)

    assert result.status == "Finished" and result.gather_errors == [] and result.object_errors == []
    after = {extra(p, "harvest_guid"): p for p in harvested(source)}
    assert {g: p["id"] for g, p in after.items()} == before
    assert [g for g, p in after.items() if p["private"]] == [gone]


# A plain file has no identifier but its URL: nothing to rename.
@pytest.mark.parametrize("kind", [kind for kind in MATRIX if kind != "files"])
def test_id_renamed_at_source_keeps_the_dataset(kind, fault_server, monkeypatch):
    scenario = SCENARIOS[kind]
    fake, source, before = _baseline(fault_server, scenario, monkeypatch)
    scenario.rename(fake)

    result = run_job(source)

    assert result.status == "Finished" and result.gather_errors == [] and result.object_errors == []
    after = harvested(source)
    assert len(after) == 3 and sorted(p["id"] for p in after) == sorted(before.values())
    assert all(p["private"] is False for p in after)


@pytest.mark.parametrize("kind", MATRIX)
def test_transient_errors_are_retried(kind, fault_server, monkeypatch):
    scenario = SCENARIOS[kind]
    fake, source, before = _baseline(fault_server, scenario, monkeypatch)
    calls: list[int] = []

    def once(request: RecordedRequest, normal: Reply) -> Reply | None:
        calls.append(1)
        return Reply.error(503, retry_after=0) if len(calls) == 1 else None

    fake.fault = once
    result = run_job(source)
    assert result.gather_errors == [] and set(result.statuses.values()) == {"not modified"}
