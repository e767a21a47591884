"""data.gouv.fr (udata API v1): the datasets of one organisation.

Source URL: ``https://www.data.gouv.fr`` (or any udata instance), or the
organisation page ``https://www.data.gouv.fr/fr/organizations/<slug>/``.
Config (JSON, plus the common keys)::

    {"organization": "<id, slug or SIRET>",
     "skip_harvested_from": ["opendata56.fr"],
     "filters": {"tag": "scdl"}}

Paging follows ``next_page``. Archived, deleted or private datasets are not
gathered, so they are withdrawn like any dataset gone from the source. A
dataset data.gouv.fr itself harvested (``harvest.domain`` / ``remote_url``)
from a host listed in ``skip_harvested_from``, or from a host another harvest
source of this portal points to, is skipped: it arrives once, from its origin.
Resources keep their declared ``schema``.
"""
from __future__ import annotations

import re
from typing import Any, Iterator, Mapping
from urllib.parse import urlsplit

from ckanext.opendatalocale.harvesters import common, detect
from ckanext.opendatalocale.harvesters.base import OpenDataLocaleHarvester
from ckanext.opendatalocale.harvesters.common import HarvestConfig, RemoteRecord, SourceError
from ckanext.opendatalocale.http import HttpClient, HTTPStatusError

PAGE_SIZE = 100
MAX_PAGES = 1000
FREQUENCIES = {"continuous", "daily", "weekly", "monthly", "quarterly", "semiannual", "annual", "irregular",
               "punctual"}


def api_base_and_org(url: str, config: HarvestConfig) -> tuple[str, str]:
    parts = urlsplit(url.rstrip("/"))
    base = f"{parts.scheme}://{parts.netloc}"
    org = config.get("organization") or ""
    match = re.search(r"/organizations/([^/]+)", parts.path)
    if not org and match:
        org = match.group(1)
    if not org:
        raise SourceError("source.not_found", ref=url)
    return base, str(org)


def resolve_organization(client: HttpClient, base: str, ref: str) -> dict[str, Any]:
    digits = re.sub(r"\s", "", ref)
    if digits.isdigit() and len(digits) in (9, 14):
        page = client.get_json(f"{base}/api/1/organizations/", params={"business_number_id": digits})
        for org in (page or {}).get("data") or []:
            if str(org.get("business_number_id") or "").startswith(digits):
                return org
        raise SourceError("source.not_found", ref=ref)
    try:
        org = client.get_json(f"{base}/api/1/organizations/{ref}/")
    except HTTPStatusError as exc:
        if exc.status in (404, 410):
            raise SourceError("source.not_found", ref=ref) from exc
        raise
    if not isinstance(org, dict) or not org.get("id"):
        raise SourceError("source.unexpected", url=f"{base}/api/1/organizations/{ref}/", detail="id")
    return org


def _harvest_hosts(dataset: Mapping[str, Any]) -> set[str]:
    harvest = dataset.get("harvest") or {}
    hosts = {str(harvest.get("domain") or "").lower()}
    for key in ("remote_url", "uri", "source_url"):
        value = harvest.get(key)
        if isinstance(value, str) and value:
            hosts.add((urlsplit(value).hostname or "").lower())
    hosts.discard("")
    return hosts


def gather(url: str, config: HarvestConfig, client: HttpClient, skip_hosts: set[str]) -> Iterator[RemoteRecord]:
    base, ref = api_base_and_org(url, config)
    org = resolve_organization(client, base, ref)
    skip = {h.lower() for h in common.as_list(config.get("skip_harvested_from"))} | skip_hosts
    params: dict[str, Any] | None = {"organization": org["id"], "page_size": PAGE_SIZE}
    if config.filters.get("tag"):
        params["tag"] = config.filters["tag"]
    next_url: str | None = f"{base}/api/1/datasets/"
    org_info = {"id": org.get("id"), "slug": org.get("slug"), "name": org.get("name"),
                "business_number_id": org.get("business_number_id")}
    pages = 0
    while next_url:
        page = client.get_json(next_url, params=params)
        if not isinstance(page, dict) or not isinstance(page.get("data"), list):
            raise SourceError("source.unexpected", url=next_url, detail="data/next_page")
        for dataset in page["data"]:
            if not isinstance(dataset, dict) or not dataset.get("id"):
                raise SourceError("source.unexpected", url=next_url, detail="dataset without id")
            if dataset.get("archived") or dataset.get("deleted") or dataset.get("private"):
                continue
            if skip and _harvest_hosts(dataset) & skip:
                continue
            yield RemoteRecord(guid=dataset["id"], data={"dataset": dataset, "organization": org_info},
                               remote_url=dataset.get("page") or f"{base}/datasets/{dataset.get('slug')}/",
                               title=str(dataset.get("title") or ""))
        next_url, params = page.get("next_page") or None, None
        pages += 1
        if pages >= MAX_PAGES:
            raise SourceError("source.unexpected", url=url, detail=f"more than {MAX_PAGES} pages")


def to_package(record: Mapping[str, Any], config: HarvestConfig) -> dict[str, Any]:
    dataset, org = record["dataset"], record.get("organization") or {}
    resources = []
    for resource in dataset.get("resources") or []:
        if not isinstance(resource, Mapping) or not resource.get("url"):
            continue
        detection = common.detect_resource(detect.describe_datagouv_resource(resource, dataset))
        resources.append({"name": resource.get("title") or "", "url": resource["url"],
                          "description": resource.get("description"),
                          "format": str(resource.get("format") or "").upper(), **detection})
    frequency = dataset.get("frequency")
    temporal = dataset.get("temporal_coverage") or {}
    return {
        "title": dataset.get("title"),
        "notes": dataset.get("description"),
        "keywords": dataset.get("tags") or [],
        "license_id": common.map_license(dataset.get("license"), default=config.default_license),
        "url": dataset.get("page"),
        "resources": resources,
        "publisher_key": org.get("slug") or org.get("id") or "",
        "siren_candidates": [org.get("business_number_id")],
        "harvest_source_type": "datagouv",
        "remote_url": dataset.get("page"),
        "extras_dict": {"datagouv_id": dataset.get("id"), "datagouv_slug": dataset.get("slug"),
                        "modified": dataset.get("last_modified"),
                        "frequency": frequency if frequency in FREQUENCIES else None,
                        "temporal_coverage_start": (temporal or {}).get("start"),
                        "temporal_coverage_end": (temporal or {}).get("end")},
    }


class DatagouvHarvester(OpenDataLocaleHarvester):
    kind = "datagouv"
    title = "data.gouv.fr (API v1)"
    description = "Jeux de données d'une organisation de data.gouv.fr — datasets of a data.gouv.fr organisation"
    extra_keys = {"organization": "id, slug or SIRET of the organisation",
                  "skip_harvested_from": "hosts whose datasets data.gouv.fr harvested: skipped"}
    filter_keys = ("tag",)

    def other_source_hosts(self, url: str) -> set[str]:
        """Hosts of the portal's other harvest sources (their datasets must not arrive twice)."""
        try:
            from ckan import model
            from ckanext.harvest.model import HarvestSource

            own = (urlsplit(url).hostname or "").lower()
            hosts = {(urlsplit(s.url).hostname or "").lower()
                     for s in model.Session.query(HarvestSource).filter(HarvestSource.active == True)}  # noqa: E712
        except Exception:  # noqa: BLE001 - no harvest tables (preview outside a portal)
            return set()
        return {h for h in hosts if h and h != own}

    def gather_records(self, url: str, config: HarvestConfig, client: HttpClient) -> Iterator[RemoteRecord]:
        return gather(url, config, client, self.other_source_hosts(url))

    def package_dict(self, record: Mapping[str, Any], config: HarvestConfig, client: HttpClient) -> dict[str, Any]:
        return to_package(record, config)
