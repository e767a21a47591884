"""One fake source per harvester kind, and what a test may do to it.

The fault matrix and the indexing tests run every harvester through the same
steps; a :class:`Scenario` says how each kind is served and changed.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Callable

from ckanext.harvest.model import HarvestSource

from tests.harvesters.conftest import (
    FakeCatalogue, FakeCkan, FakeDatagouv, FakeDcat, FakeFiles, FakeOds, FakeSource)
from tests.http_server import FaultServer, RecordedRequest, Reply


def _q(request: RecordedRequest, key: str) -> str:
    return (request.query.get(key) or [""])[0]


@dataclass
class Scenario:
    kind: str
    fake: Callable[[FaultServer], FakeSource]
    path: str
    config: Callable[[Any], dict]  # of the fake
    second_page: Callable[[RecordedRequest], bool]
    malformed: Reply
    rename: Callable[[Any], None]
    change: Callable[[Any], None]  # every dataset changes at the source
    remove_second: Callable[[Any, str], str]  # (fake, source id) -> guid of the dataset gone
    # Sources gathered from their config (plain files) are known by URL: a
    # moved source would be new datasets, so an unreachable host is reached
    # through a redirect instead.
    redirect_to_fail: bool = False


def _rename_ods(fake: FakeOds) -> None:
    fake.datasets[0]["dataset_id"] = "nouveau-nom"


def _rename_datagouv(fake: FakeDatagouv) -> None:
    fake.datasets[0]["slug"] = "nouveau-nom"


def _rename_ckan(fake: FakeCkan) -> None:
    fake.datasets[0]["name"] = "nouveau-nom"


def _rename_dcat(fake: FakeDcat) -> None:
    # A new identifier, same landing page: the dataset is taken over, not duplicated.
    fake.datasets[0]["identifier"] = "dcat-0-v2"


def _rename_catalogue(fake: FakeCatalogue) -> None:
    fake.datasets[0]["ID"] = "cat-0-renomme"


def _retitle(key: str, metas: bool = False) -> Callable[[Any], None]:
    def change(fake: Any) -> None:
        for item in fake.datasets:
            target = item["metas"]["default"] if metas else item
            target[key] = f"{target[key]} (mis à jour)"
    return change


def _change_files(fake: FakeFiles) -> None:
    for i, name in enumerate(fake.names):
        fake.datasets[name] = fake.make(i, label="Aide")


def _pop_second(guid: str) -> Callable[[Any, str], str]:
    def remove(fake: Any, source_id: str) -> str:
        fake.datasets.pop(1)
        return guid
    return remove


def _unlist_second_file(fake: FakeFiles, source_id: str) -> str:
    """The operator takes the second file out of the source's list."""
    url = fake.server.url(f"/fichiers/{fake.names[1]}")
    source = HarvestSource.get(source_id)
    config = json.loads(source.config)
    config["files"].remove(url)
    source.config = json.dumps(config)
    source.save()
    return url


def _no_rename(fake: FakeSource) -> None:
    raise AssertionError("a plain file is known by its URL: it has no identifier to rename")


SCENARIOS = {
    "ods": Scenario("ods", lambda s: FakeOds(s, 3), "/", lambda f: {}, lambda r: _q(r, "offset") == "2",
                    Reply.malformed_json(), _rename_ods, _retitle("title", metas=True), _pop_second("da_00001")),
    "datagouv": Scenario("datagouv", lambda s: FakeDatagouv(s, 3, page_size=2), "/fr/organizations/ville-de-vannes/",
                         lambda f: {}, lambda r: _q(r, "page") == "2", Reply.malformed_json(), _rename_datagouv,
                         _retitle("title"), _pop_second("dg0001")),
    "ckan": Scenario("ckan", lambda s: FakeCkan(s, 3), "/", lambda f: {"rows": 2}, lambda r: _q(r, "start") == "2",
                     Reply.malformed_json(), _rename_ckan, _retitle("title"), _pop_second("ckan-0001")),
    "dcat": Scenario("dcat", lambda s: FakeDcat(s, 3, page_size=2), "/catalog.ttl", lambda f: {},
                     lambda r: _q(r, "page") == "2",
                     Reply.text('@prefix dcat: <http://www.w3.org/ns/dcat#> .\n<a> dcat:title "x', "text/turtle"),
                     _rename_dcat, _retitle("title"), _pop_second("dcat-1")),
    # A single document: "mid-run" is the connection cut in the middle of it.
    "scdl-catalogue": Scenario("file", lambda s: FakeCatalogue(s, 3), "/catalogue.csv", lambda f: {"catalogue": True},
                               lambda r: True, Reply.text("pas;un;catalogue\n1;2;3\n", "text/csv"),
                               _rename_catalogue, _retitle("TITRE"), _pop_second("21560260800014:cat-1")),
    # Plain files: gathered from the config, each downloaded at the fetch stage.
    "files": Scenario("file", lambda s: FakeFiles(s, 3), "/fichiers/jeu-0.csv", lambda f: f.config(),
                      lambda r: r.path == "/fichiers/jeu-1.csv", Reply.text("%PDF-1.4\n\x00\x01binaire", "text/csv"),
                      _no_rename, _change_files, _unlist_second_file, redirect_to_fail=True),
}
