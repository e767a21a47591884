"""OpenDataSoft (Huwise) portals, Explore API v2.1.

Source URL: the portal's public address (``https://data.example.fr``).
Config (JSON, plus the keys every harvester accepts, see common.COMMON_KEYS)::

    {"filters": {"where": "ODSQL expression", "refine": ["publisher:Ville de X"],
                 "themes": ["Environnement"]},
     "siren": "215600750", "withdrawal": "delete-after-days 30"}

The catalogue is paged 100 at a time. The API refuses ``offset + limit >=
10000``, so a larger catalogue is cut into ``modified`` date ranges, each
under the wall, halved until it fits. ``dataset_uid`` is the guid (the
``dataset_id`` slug can be renamed). SCDL detection uses the dataset's fields,
without downloading data.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Iterator, Mapping

from ckanext.opendatalocale.harvesters import common, detect
from ckanext.opendatalocale.harvesters.base import OpenDataLocaleHarvester
from ckanext.opendatalocale.harvesters.common import HarvestConfig, RemoteRecord, SourceError
from ckanext.opendatalocale.http import HttpClient

API = "/api/explore/v2.1/catalog/datasets"
PAGE = 100
WALL = 10000
EXPORTS = (("csv", "CSV", {"use_labels": "true"}), ("json", "JSON", {}), ("geojson", "GeoJSON", {}))


def portal_base(url: str) -> str:
    url = url.rstrip("/")
    for suffix in (API, "/api/explore/v2.1", "/explore"):
        if url.endswith(suffix):
            return url[: -len(suffix)]
    return url


def _where(config: HarvestConfig, extra: str | None = None) -> str | None:
    parts = [p for p in (config.filters.get("where"), extra) if p]
    return " AND ".join(f"({p})" for p in parts) or None


def _params(config: HarvestConfig, where: str | None, offset: int, limit: int, order: str) -> dict[str, Any]:
    params: dict[str, Any] = {"limit": limit, "offset": offset, "order_by": order}
    if where:
        params["where"] = where
    refine = common.as_list(config.filters.get("refine"))
    if refine:
        params["refine"] = refine
    return params


def _page(client: HttpClient, base: str, params: Mapping[str, Any]) -> dict[str, Any]:
    data = client.get_json(base + API, params=params)
    if not isinstance(data, dict) or not isinstance(data.get("results"), list) \
            or not isinstance(data.get("total_count"), int):
        raise SourceError("source.unexpected", url=base + API, detail="total_count/results")
    return data


def _iso(value: dt.datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%S")


def _slices(client: HttpClient, base: str, config: HarvestConfig, wall: int) -> Iterator[tuple[str | None, int]]:
    """(where clause, count) pieces each small enough to page through."""
    oldest = _page(client, base, _params(config, _where(config, "modified is not null"), 0, 1, "modified asc"))
    newest = _page(client, base, _params(config, _where(config, "modified is not null"), 0, 1, "modified desc"))
    undated = _page(client, base, _params(config, _where(config, "modified is null"), 0, 0, "dataset_uid"))
    if undated["total_count"]:
        if undated["total_count"] > wall:
            raise SourceError("source.unexpected", url=base + API,
                              detail=f"{undated['total_count']} datasets without a modification date")
        yield "modified is null", undated["total_count"]
    if not oldest["results"]:
        return

    def parse(item: Mapping[str, Any]) -> dt.datetime:
        text = str(((item.get("metas") or {}).get("default") or {}).get("modified") or "")
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).replace(tzinfo=None)

    ranges = [(parse(oldest["results"][0]), parse(newest["results"][0]) + dt.timedelta(seconds=1))]
    while ranges:
        start, end = ranges.pop(0)
        clause = f"modified >= date'{_iso(start)}' AND modified < date'{_iso(end)}'"
        count = _page(client, base, _params(config, _where(config, clause), 0, 0, "dataset_uid"))["total_count"]
        if count <= wall:
            if count:
                yield clause, count
        elif end - start <= dt.timedelta(seconds=1):
            raise SourceError("source.unexpected", url=base + API, detail=f"{count} datasets modified at {start}")
        else:
            middle = start + (end - start) / 2
            middle = middle.replace(microsecond=0)
            ranges[:0] = [(start, middle), (middle, end)]


def gather(url: str, config: HarvestConfig, client: HttpClient, wall: int = WALL) -> Iterator[RemoteRecord]:
    base = portal_base(url)
    first = _page(client, base, _params(config, _where(config), 0, PAGE, "dataset_uid"))
    pieces: list[tuple[str | None, int]]
    if first["total_count"] + PAGE <= wall:
        pieces = [(None, first["total_count"])]
    else:
        pieces = list(_slices(client, base, config, wall - PAGE))
    themes = {t.lower() for t in common.as_list(config.filters.get("themes"))}
    for clause, count in pieces:
        offset = 0
        while offset < count:
            page = first if clause is None and offset == 0 else _page(
                client, base, _params(config, _where(config, clause), offset, PAGE, "dataset_uid"))
            if not page["results"] and offset < page["total_count"]:
                raise SourceError("source.unexpected", url=base + API, detail=f"empty page at offset {offset}")
            for item in page["results"]:
                if not isinstance(item, dict) or not (item.get("dataset_uid") or item.get("dataset_id")):
                    raise SourceError("source.unexpected", url=base + API, detail="dataset without id")
                if themes and not themes & {t.lower() for t in _themes(item)}:
                    continue
                dataset_id = item.get("dataset_id") or item["dataset_uid"]
                yield RemoteRecord(guid=item.get("dataset_uid") or dataset_id, data={"portal": base, "dataset": item},
                                   remote_url=f"{base}/explore/dataset/{dataset_id}/",
                                   title=str(_metas(item).get("title") or dataset_id))
            if not page["results"]:
                break
            offset += PAGE


def _metas(item: Mapping[str, Any]) -> Mapping[str, Any]:
    return (item.get("metas") or {}).get("default") or {}


def _themes(item: Mapping[str, Any]) -> list[str]:
    return common.as_list(_metas(item).get("theme"))


def to_package(record: Mapping[str, Any], config: HarvestConfig) -> dict[str, Any]:
    base, item = record["portal"], record["dataset"]
    metas = _metas(item)
    dataset_id = item.get("dataset_id") or item.get("dataset_uid")
    detection = common.detect_resource(detect.describe_ods_dataset(item))
    resources = []
    if item.get("has_records", True):
        geo = "geo" in (item.get("features") or [])
        for fmt, label, params in EXPORTS:
            if fmt == "geojson" and not geo:
                continue
            query = "&".join(f"{k}={v}" for k, v in params.items())
            url = f"{base}{API}/{dataset_id}/exports/{fmt}" + (f"?{query}" if query else "")
            # SCDL schemas describe tables: only the CSV export follows one
            # (the JSON and GeoJSON exports would be checked, and fail, as CSV).
            resources.append({"name": f"{metas.get('title') or dataset_id} ({label})", "url": url,
                              "format": label, **(detection if fmt == "csv" else {})})
    for attachment in item.get("attachments") or []:
        if not isinstance(attachment, Mapping) or not attachment.get("id"):
            continue
        resources.append({"name": attachment.get("title") or attachment["id"],
                          "url": f"{base}{API}/{dataset_id}/attachments/{attachment['id']}",
                          "format": str(attachment.get("mimetype") or "").split("/")[-1].upper()})
    keywords = common.as_list(metas.get("keyword")) + _themes(item)
    dcat = (item.get("metas") or {}).get("dcat") or {}
    return {
        "title": metas.get("title") or dataset_id,
        "notes": metas.get("description"),
        "keywords": keywords,
        "license_id": common.map_license(metas.get("license"), metas.get("license_url"),
                                         default=config.default_license),
        "url": f"{base}/explore/dataset/{dataset_id}/",
        "resources": resources,
        "publisher_key": metas.get("publisher") or "",
        "siren_candidates": common.as_list(metas.get("siren") or metas.get("siret")),
        "harvest_source_type": "ods",
        "remote_url": f"{base}/explore/dataset/{dataset_id}/",
        "extras_dict": {"ods_dataset_id": dataset_id, "ods_dataset_uid": item.get("dataset_uid"),
                        "modified": metas.get("modified"), "publisher": metas.get("publisher"),
                        "ods_themes": ", ".join(_themes(item)), "references": metas.get("references"),
                        "contact_name": dcat.get("contact_name"), "contact_email": dcat.get("contact_email")},
    }


class OdsHarvester(OpenDataLocaleHarvester):
    kind = "ods"
    title = "OpenDataSoft (Explore v2.1)"
    description = "Portails OpenDataSoft / Huwise (API Explore v2.1) — OpenDataSoft portals"
    filter_keys = ("where", "refine", "themes")
    wall = WALL

    def gather_records(self, url: str, config: HarvestConfig, client: HttpClient) -> Iterator[RemoteRecord]:
        return gather(url, config, client, self.wall)

    def package_dict(self, record: Mapping[str, Any], config: HarvestConfig, client: HttpClient) -> dict[str, Any]:
        return to_package(record, config)
