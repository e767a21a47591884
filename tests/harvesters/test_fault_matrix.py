"""Every harvester through the same faults, after a first good harvest.

In every case the job finishes; a failure leaves a readable error (French,
then English) and changes nothing: no dataset lost, withdrawn or duplicated.
A dataset deleted at the source is withdrawn; an id renamed at the source
keeps its dataset.
"""
from __future__ import annotations

import socket
from dataclasses import dataclass
from typing import Callable, Iterator

import pytest
from ckanext.harvest import model as harvest_model

from ckanext.opendatalocale.harvesters import ods
from tests.harvesters.conftest import (
    HARVEST_CONFIG_MARKS, FakeCatalogue, FakeCkan, FakeDatagouv, FakeDcat, FakeOds, FakeSource)
from tests.harvesters.lib import Source, extra, harvested, make_source, run_job
from tests.http_server import FaultServer, RecordedRequest, Reply

pytestmark = HARVEST_CONFIG_MARKS


def _q(request: RecordedRequest, key: str) -> str:
    return (request.query.get(key) or [""])[0]


@dataclass
class Scenario:
    kind: str
    fake: Callable[[FaultServer], FakeSource]
    path: str
    config: dict
    second_page: Callable[[RecordedRequest], bool]
    malformed: Reply
    rename: Callable[[FakeSource], None]


def _rename_ods(fake: FakeSource) -> None:
    fake.datasets[0]["dataset_id"] = "nouveau-nom"


def _rename_datagouv(fake: FakeSource) -> None:
    fake.datasets[0]["slug"] = "nouveau-nom"


def _rename_ckan(fake: FakeSource) -> None:
    fake.datasets[0]["name"] = "nouveau-nom"


def _rename_dcat(fake: FakeSource) -> None:
    # A new identifier, same landing page: the dataset is taken over, not duplicated.
    fake.datasets[0]["identifier"] = "dcat-0-v2"


def _rename_catalogue(fake: FakeSource) -> None:
    fake.datasets[0]["ID"] = "cat-0-renomme"


SCENARIOS = {
    "ods": Scenario("ods", lambda s: FakeOds(s, 3), "/", {}, lambda r: _q(r, "offset") == "2",
                    Reply.malformed_json(), _rename_ods),
    "datagouv": Scenario("datagouv", lambda s: FakeDatagouv(s, 3, page_size=2), "/fr/organizations/ville-de-vannes/",
                         {}, lambda r: _q(r, "page") == "2", Reply.malformed_json(), _rename_datagouv),
    "ckan": Scenario("ckan", lambda s: FakeCkan(s, 3), "/", {"rows": 2}, lambda r: _q(r, "start") == "2",
                     Reply.malformed_json(), _rename_ckan),
    "dcat": Scenario("dcat", lambda s: FakeDcat(s, 3, page_size=2), "/catalog.ttl", {},
                     lambda r: _q(r, "page") == "2",
                     Reply.text('@prefix dcat: <http://www.w3.org/ns/dcat#> .\n<a> dcat:title "x', "text/turtle"),
                     _rename_dcat),
    # A single document: "mid-run" is the connection cut in the middle of it.
    "scdl-catalogue": Scenario("file", lambda s: FakeCatalogue(s, 3), "/catalogue.csv", {"catalogue": True},
                               lambda r: True, Reply.text("pas;un;catalogue\n1;2;3\n", "text/csv"),
                               _rename_catalogue),
}


SECOND_GUID = {"ods": "da_00001", "datagouv": "dg0001", "ckan": "ckan-0001", "dcat": "dcat-1",
               "scdl-catalogue": "21560260800014:cat-1"}


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
    source = make_source(fault_server.url(scenario.path), scenario.kind, scenario.config)
    first = run_job(source)
    assert first.gather_errors == [] and first.object_errors == [], first
    packages = harvested(source)
    assert len(packages) == 3
    return fake, source, {extra(p, "harvest_guid"): p["id"] for p in packages}


@pytest.mark.parametrize("fault", ERROR_FAULTS)
@pytest.mark.parametrize("kind", list(SCENARIOS))
def test_failures_change_nothing_and_report_readably(kind, fault, fault_server, monkeypatch, request):
    scenario = SCENARIOS[kind]
    fake, source, before = _baseline(fault_server, scenario, monkeypatch)
    if fault == "connect_timeout":
        port = request.getfixturevalue("stalled_port")
        _move_source(source, f"http://127.0.0.1:{port}{scenario.path}")
    elif fault == "unreachable":
        _move_source(source, f"http://127.0.0.1:{_closed_port()}{scenario.path}")
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


@pytest.mark.parametrize("kind", list(SCENARIOS))
def test_dataset_deleted_at_source_is_withdrawn(kind, fault_server, monkeypatch):
    scenario = SCENARIOS[kind]
    fake, source, before = _baseline(fault_server, scenario, monkeypatch)
    fake.datasets.pop(1)

    result = run_job(source)

    assert result.status == "Finished" and result.gather_errors == [] and result.object_errors == []
    after = {extra(p, "harvest_guid"): p for p in harvested(source)}
    assert {g: p["id"] for g, p in after.items()} == before
    assert [g for g, p in after.items() if p["private"]] == [SECOND_GUID[kind]]


@pytest.mark.parametrize("kind", list(SCENARIOS))
def test_id_renamed_at_source_keeps_the_dataset(kind, fault_server, monkeypatch):
    scenario = SCENARIOS[kind]
    fake, source, before = _baseline(fault_server, scenario, monkeypatch)
    scenario.rename(fake)

    result = run_job(source)

    assert result.status == "Finished" and result.gather_errors == [] and result.object_errors == []
    after = harvested(source)
    assert len(after) == 3 and sorted(p["id"] for p in after) == sorted(before.values())
    assert all(p["private"] is False for p in after)


@pytest.mark.parametrize("kind", list(SCENARIOS))
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
