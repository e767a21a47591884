"""Another CKAN portal, through its Action API ``package_search``.

Source URL: the portal's root (``https://ckan.example.org``).
Config (JSON, plus the common keys)::

    {"filters": {"fq": "organization:ville-de-x", "q": "*:*"}, "rows": 100}

Like ckanext-harvest's CKANHarvester, with our timeouts, withdrawals of
datasets gone from the source, SCDL detection (resource ``schema``,
``conforms_to``, schema URLs in metadata) and organisation/SIREN mapping
(keyed by the remote organisation's name).
"""
from __future__ import annotations

from typing import Any, Iterator, Mapping

from ckanext.opendatalocale.harvesters import common, detect
from ckanext.opendatalocale.harvesters.base import OpenDataLocaleHarvester
from ckanext.opendatalocale.harvesters.common import HarvestConfig, RemoteRecord, SourceError
from ckanext.opendatalocale.http import HttpClient

SEARCH = "/api/3/action/package_search"
SIREN_KEYS = ("collectivites_siren", "siren", "siret", "COLL_SIRET")


def gather(url: str, config: HarvestConfig, client: HttpClient) -> Iterator[RemoteRecord]:
    base = url.rstrip("/")
    for suffix in (SEARCH, "/api/3/action", "/api/3"):
        if base.endswith(suffix):
            base = base[: -len(suffix)]
    rows = int(config.get("rows") or 100)
    start = 0
    while True:
        params = {"rows": rows, "start": start, "sort": "id asc", "q": config.filters.get("q") or "*:*"}
        if config.filters.get("fq"):
            params["fq"] = config.filters["fq"]
        answer = client.get_json(base + SEARCH, params=params)
        result = answer.get("result") if isinstance(answer, dict) and answer.get("success") else None
        if not isinstance(result, dict) or not isinstance(result.get("results"), list) \
                or not isinstance(result.get("count"), int):
            raise SourceError("source.unexpected", url=base + SEARCH, detail="success/result")
        for package in result["results"]:
            if not isinstance(package, dict) or not package.get("id"):
                raise SourceError("source.unexpected", url=base + SEARCH, detail="dataset without id")
            if package.get("private") or package.get("state", "active") != "active":
                continue
            yield RemoteRecord(guid=package["id"], data={"portal": base, "package": package},
                               remote_url=f"{base}/dataset/{package.get('name') or package['id']}",
                               title=str(package.get("title") or ""))
        start += rows
        if start >= result["count"]:
            return
        if not result["results"]:
            raise SourceError("source.unexpected", url=base + SEARCH, detail=f"empty page at {start - rows}")


def _extras(package: Mapping[str, Any]) -> dict[str, Any]:
    return {e.get("key"): e.get("value") for e in package.get("extras") or [] if isinstance(e, Mapping)}


def to_package(record: Mapping[str, Any], config: HarvestConfig) -> dict[str, Any]:
    base, package = record["portal"], record["package"]
    extras = _extras(package)
    resources = []
    for resource in package.get("resources") or []:
        if not isinstance(resource, Mapping) or not resource.get("url"):
            continue
        detection = common.detect_resource(detect.describe_ckan_resource(resource, package))
        resources.append({"name": resource.get("name") or "", "url": resource["url"],
                          "description": resource.get("description"),
                          "format": resource.get("format") or "", **detection})
    organization = package.get("organization") or {}
    sirens = [package.get(k) or extras.get(k) for k in SIREN_KEYS]
    sirens.append((organization.get("siren") if isinstance(organization, Mapping) else None))
    return {
        "title": package.get("title") or package.get("name"),
        "notes": package.get("notes"),
        "keywords": [t.get("name") for t in package.get("tags") or [] if isinstance(t, Mapping)],
        "license_id": common.map_license(package.get("license_id"), package.get("license_title"),
                                         package.get("license_url"), default=config.default_license),
        "url": package.get("url") or "",
        "resources": resources,
        "publisher_key": organization.get("name", "") if isinstance(organization, Mapping) else "",
        "siren_candidates": [s for s in sirens if s],
        "harvest_source_type": "ckan",
        "remote_url": f"{base}/dataset/{package.get('name') or package.get('id')}",
        "extras_dict": {"ckan_remote_id": package.get("id"), "ckan_remote_name": package.get("name"),
                        "modified": package.get("metadata_modified"),
                        "contact_name": package.get("maintainer") or package.get("author"),
                        "contact_email": package.get("maintainer_email") or package.get("author_email")},
    }


class CkanHarvester(OpenDataLocaleHarvester):
    kind = "ckan"
    title = "CKAN (package_search)"
    description = "Un autre portail CKAN — another CKAN portal"
    extra_keys = {"rows": "datasets per page (default 100)"}
    filter_keys = ("fq", "q")

    def gather_records(self, url: str, config: HarvestConfig, client: HttpClient) -> Iterator[RemoteRecord]:
        return gather(url, config, client)

    def package_dict(self, record: Mapping[str, Any], config: HarvestConfig, client: HttpClient) -> dict[str, Any]:
        return to_package(record, config)
