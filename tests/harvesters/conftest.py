"""Fake sources on the real fault server, and a synchronous harvest runner.

Each fake source keeps a list of datasets the test can edit between runs
(rename, delete, change), and a ``fault`` hook: a function of the request
returning a faulty :class:`Reply`, or None to answer normally.
"""
from __future__ import annotations

import copy
import csv
import io
import json
from typing import Any, Callable

import pytest

from tests.helpers import fixture_path
from tests.http_server import FaultServer, RecordedRequest, Reply

HARVEST_PLUGINS = ("opendatalocale_search opendatalocale_harvest harvest opendatalocale_ods_harvester "
                   "opendatalocale_datagouv_harvester opendatalocale_ckan_harvester "
                   "opendatalocale_dcat_harvester opendatalocale_file_harvester")

# What every harvester test runs with: fast retries, local server allowed.
# The CLI tests give the same options to the ``ckan`` processes they start.
HARVEST_OPTIONS = {
    "ckan.plugins": HARVEST_PLUGINS,
    "ckanext.opendatalocale.http.allow_private": "true",
    "ckanext.opendatalocale.http.backoff": "0.01",
    "ckanext.opendatalocale.http.max_retry_wait": "0.5",
    "ckanext.opendatalocale.http.retries": "1",
    "ckanext.opendatalocale.http.timeout.connect": "0.5",
    "ckanext.opendatalocale.http.timeout.read": "0.5",
    "ckanext.opendatalocale.http.timeout.total": "10",
}
HARVEST_CONFIG_MARKS = [pytest.mark.ckan_config(key, value) for key, value in HARVEST_OPTIONS.items()] + [
    pytest.mark.usefixtures("with_plugins", "harvest_db"),
]

SUBVENTIONS_FIELDS = ["nomAttribuant", "idAttribuant", "dateConvention", "referenceDecision", "nomBeneficiaire",
                      "idBeneficiaire", "rnaBeneficiaire", "objet", "montant", "nature", "conditionsVersement",
                      "datesPeriodeVersement", "idRAE", "notificationUE", "pourcentageSubvention",
                      "dispositifAide"]
# A fault hook: (request, the normal reply) -> the reply to send instead, or None.
Fault = Callable[[RecordedRequest, Reply], "Reply | None"]


class FakeSource:
    """Routes whose normal answers can be replaced by a fault."""

    def __init__(self, server: FaultServer):
        self.server = server
        self.fault: Fault | None = None

    def serve(self, path: str, answer: Callable[[RecordedRequest], Reply]) -> None:
        def handle(request: RecordedRequest) -> Reply:
            normal = answer(request)
            return (self.fault(request, normal) if self.fault else None) or normal

        self.server.route(path, handle)


@pytest.fixture
def harvest_db(odl_db, migrate_db_for):
    migrate_db_for("harvest")


def _query(request: RecordedRequest, key: str, default: str = "") -> str:
    return (request.query.get(key) or [default])[0]


class FakeOds(FakeSource):
    """An Explore v2.1 catalogue: limit/offset, the 10,000 wall, ``modified`` ranges."""

    def __init__(self, server: FaultServer, count: int = 3, wall: int = 10000):
        super().__init__(server)
        template = json.loads(fixture_path("samples", "harvest", "opendatasoft",
                                          "explore-v2.1_GET_catalog-datasets.example.json").read_text())
        self.template = template["results"][0]
        self.wall = wall
        self.datasets = [self.make(i) for i in range(count)]
        self.serve("/api/explore/v2.1/catalog/datasets", self.handle)

    def make(self, i: int, **changes: Any) -> dict[str, Any]:
        item = copy.deepcopy(self.template)
        item["dataset_uid"] = f"da_{i:05d}"
        item["dataset_id"] = f"jeu-{i}"
        metas = item["metas"]["default"]
        metas["title"] = f"Jeu de données {i}"
        metas["modified"] = f"2024-01-{1 + i % 28:02d}T{i % 24:02d}:{i % 60:02d}:00+00:00"
        metas["license"] = "Licence Ouverte v2.0 (Etalab)"
        metas["publisher"] = "Ville de Vannes"
        item.update(changes)
        return item

    def handle(self, request: RecordedRequest) -> Reply:
        limit, offset = int(_query(request, "limit", "10")), int(_query(request, "offset", "0"))
        if offset + limit > self.wall or limit > 100:
            return Reply.json({"error_code": "InvalidRESTParameterError",
                               "message": "offset+limit must be < 10000"}, status=400)
        items = list(self.datasets)
        where = _query(request, "where")
        if "modified is null" in where:
            items = [d for d in items if not d["metas"]["default"].get("modified")]
        elif "modified is not null" in where:
            items = [d for d in items if d["metas"]["default"].get("modified")]
        if "modified >= date'" in where:
            low = where.split("modified >= date'")[1].split("'")[0]
            high = where.split("modified < date'")[1].split("'")[0]
            items = [d for d in items if low <= d["metas"]["default"]["modified"][:19] < high]
        order = _query(request, "order_by", "dataset_uid")
        key = (lambda d: d["metas"]["default"]["modified"]) if order.startswith("modified") else (
            lambda d: d["dataset_uid"])
        items.sort(key=key, reverse=order.endswith("desc"))
        return Reply.json({"total_count": len(items), "results": items[offset:offset + limit]})


class FakeDatagouv(FakeSource):
    """udata API v1: one organisation, its datasets paged with next_page."""

    def __init__(self, server: FaultServer, count: int = 3, page_size: int = 2):
        super().__init__(server)
        self.page_size = page_size
        template = json.loads(fixture_path("samples", "harvest", "datagouv",
                                          "api1_GET_datasets-id_catalogue-datagouv.json").read_text())
        self.template = template
        self.datasets = [self.make(i) for i in range(count)]
        self.org = {"id": "org-vannes", "slug": "ville-de-vannes", "name": "Ville de Vannes",
                    "business_number_id": "21560260800014"}
        server.route("/api/1/organizations/ville-de-vannes/", Reply.json(self.org))
        server.route("/api/1/organizations/", lambda r: Reply.json(
            {"data": [self.org] if _query(r, "business_number_id") in ("21560260800014", "215602608") else [],
             "next_page": None, "page": 1, "page_size": 20, "total": 1}))
        self.serve("/api/1/datasets/", self.handle)

    def make(self, i: int, **changes: Any) -> dict[str, Any]:
        item = copy.deepcopy(self.template)
        item.update({"id": f"dg{i:04d}", "slug": f"jeu-{i}", "title": f"Jeu data.gouv {i}", "harvest": None,
                     "page": f"https://www.data.gouv.fr/fr/datasets/jeu-{i}/", "archived": None})
        item["resources"] = [dict(item["resources"][0], id=f"r{i}", url=f"https://example.org/{i}.csv",
                                  title=f"Ressource {i}", schema=None)]
        item.update(changes)
        return item

    def handle(self, request: RecordedRequest) -> Reply:
        page = int(_query(request, "page", "1"))
        start = (page - 1) * self.page_size
        items = self.datasets[start:start + self.page_size]
        more = start + self.page_size < len(self.datasets)
        return Reply.json({"data": items, "page": page, "page_size": self.page_size, "total": len(self.datasets),
                           "next_page": self.server.url(f"/api/1/datasets/?page={page + 1}") if more else None,
                           "previous_page": None})


class FakeCkan(FakeSource):
    """CKAN Action API package_search with rows/start."""

    def __init__(self, server: FaultServer, count: int = 3):
        super().__init__(server)
        self.datasets = [self.make(i) for i in range(count)]
        self.serve("/api/3/action/package_search", self.handle)

    def make(self, i: int, **changes: Any) -> dict[str, Any]:
        item = {"id": f"ckan-{i:04d}", "name": f"jeu-{i}", "title": f"Jeu CKAN {i}", "notes": "Description",
                "license_id": "odc-odbl", "license_title": "Open Data Commons Open Database License (ODbL)",
                "state": "active", "private": False, "tags": [{"name": "budget"}],
                "organization": {"name": "ville-de-lorient"}, "extras": [],
                "resources": [{"url": f"https://example.org/ckan-{i}.csv", "name": "Fichier", "format": "CSV"}]}
        item.update(changes)
        return item

    def handle(self, request: RecordedRequest) -> Reply:
        rows, start = int(_query(request, "rows", "10")), int(_query(request, "start", "0"))
        items = sorted(self.datasets, key=lambda d: d["id"])
        return Reply.json({"success": True, "result": {"count": len(items), "results": items[start:start + rows]}})


class FakeDcat(FakeSource):
    """A Turtle DCAT catalogue paged with hydra:next, ``page_size`` datasets a page."""

    def __init__(self, server: FaultServer, count: int = 3, page_size: int = 2):
        super().__init__(server)
        self.page_size = page_size
        self.datasets = [self.make(i) for i in range(count)]
        self.serve("/catalog.ttl", self.handle)

    def make(self, i: int, **changes: Any) -> dict[str, Any]:
        item = {"identifier": f"dcat-{i}", "title": f"Jeu DCAT {i}", "landing": f"https://ville.example/jeu/{i}",
                "conforms_to": "", "description": "Description"}
        item.update(changes)
        return item

    def handle(self, request: RecordedRequest) -> Reply:
        page = int(_query(request, "page", "1"))
        start = (page - 1) * self.page_size
        items = self.datasets[start:start + self.page_size]
        lines = ["@prefix dcat: <http://www.w3.org/ns/dcat#> .", "@prefix dct: <http://purl.org/dc/terms/> .",
                 "@prefix hydra: <http://www.w3.org/ns/hydra/core#> .", ""]
        for item in items:
            uri = f"<https://ville.example/dataset/{item['identifier']}>"
            conforms = f"; dct:conformsTo <{item['conforms_to']}> " if item["conforms_to"] else ""
            lines.append(
                f"{uri} a dcat:Dataset ; dct:identifier \"{item['identifier']}\" ; dct:title \"{item['title']}\"@fr ;"
                f" dct:description \"{item['description']}\" ; dcat:landingPage <{item['landing']}> ;"
                f" dct:license <https://www.etalab.gouv.fr/licence-ouverte-open-licence> ;"
                f" dcat:keyword \"budget\" ;"
                f" dcat:distribution [ a dcat:Distribution ; dct:title \"CSV\" ; dct:format \"CSV\" ;"
                f" dcat:downloadURL <https://ville.example/files/{item['identifier']}.csv> {conforms}] .")
        if start + self.page_size < len(self.datasets):
            lines.append(f"<{self.server.url('/catalog.ttl')}?page={page}> a hydra:PartialCollectionView ;"
                         f" hydra:next <{self.server.url('/catalog.ttl')}?page={page + 1}> .")
        return Reply.text("\n".join(lines) + "\n", "text/turtle; charset=utf-8")


CATALOGUE_HEADER = ["COLL_NOM", "COLL_SIRET", "ID", "TITRE", "DESCRIPTION", "THEME", "PRODUCTEUR_NOM",
                    "PRODUCTEUR_SIRET", "COUV_SPAT_MAILLE", "COUV_SPAT_NOM", "COUV_TEMP_DEBUT", "COUV_TEMP_FIN",
                    "DATE_PUBL", "FREQ_MAJ", "DATE_MAJ", "MOTS_CLES", "LICENCE", "NOMBRE_RESSOURCES",
                    "FORMAT_RESSOURCES", "URL"]


class FakeCatalogue(FakeSource):
    """An SCDL catalogue CSV (scdl/catalogue 0.1.3), one row per dataset."""

    def __init__(self, server: FaultServer, count: int = 3):
        super().__init__(server)
        self.datasets = [self.make(i) for i in range(count)]
        self.serve("/catalogue.csv", self.handle)

    def make(self, i: int, **changes: Any) -> dict[str, str]:
        row = dict.fromkeys(CATALOGUE_HEADER, "")
        row.update({"COLL_NOM": "Vannes", "COLL_SIRET": "21560260800014", "ID": f"cat-{i}",
                    "TITRE": f"Jeu catalogue {i}", "DESCRIPTION": "Décrit ; avec point-virgule",
                    "MOTS_CLES": "budget;finances", "LICENCE": "Licence Ouverte v2.0", "FORMAT_RESSOURCES": "csv",
                    "URL": f"https://data.vannes.example/jeu/{i}"})
        row.update(changes)
        return row

    def handle(self, request: RecordedRequest) -> Reply:
        out = io.StringIO()
        writer = csv.DictWriter(out, CATALOGUE_HEADER, delimiter=";")
        writer.writeheader()
        writer.writerows(self.datasets)
        return Reply.text(out.getvalue(), "text/csv; charset=utf-8")


class FakeFiles(FakeSource):
    """Plain CSV files of a commune at ``/fichiers/jeu-<i>.csv``, one dataset each.

    ``datasets`` maps each served file's name to its rows; a file missing
    from it is served empty (a broken export). :meth:`config` lists the files
    after the first, whose URL is the source's.
    """

    def __init__(self, server: FaultServer, count: int = 3):
        super().__init__(server)
        self.names = [f"jeu-{i}.csv" for i in range(count)]
        self.datasets = {name: self.make(i) for i, name in enumerate(self.names)}
        for name in self.names:
            self.serve(f"/fichiers/{name}", lambda request, name=name: self.handle(name))

    @staticmethod
    def make(i: int, label: str = "Subvention") -> list[list[str]]:
        return [["nomAttribuant", "idAttribuant", "objet", "montant"],
                ["Ville de Vannes", "21560260800014", f"{label} {i} : fonctionnement de l'association", str(100 + i)]]

    def config(self) -> dict[str, Any]:
        return {"files": [self.server.url(f"/fichiers/{name}") for name in self.names[1:]]}

    def handle(self, name: str) -> Reply:
        out = io.StringIO()
        csv.writer(out, delimiter=";").writerows(self.datasets.get(name, []))
        return Reply.text(out.getvalue(), "text/csv; charset=utf-8")
