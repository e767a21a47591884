"""DCAT catalogues (DCAT-AP, DCAT-AP-FR, GeoDCAT-AP) in RDF/XML, Turtle or JSON-LD.

Source URL: the catalogue document. Config (JSON, plus the common keys)::

    {"format": "xml | turtle | json-ld (default: from Content-Type)", "max_pages": 500}

Hydra paging (``hydra:next`` / ``hydra:nextPage``) is followed until no next
page, a repeated page, or ``max_pages``. The guid is ``dct:identifier``, else
the dataset URI. ``dct:conformsTo`` on distributions and datasets goes through
the SCDL detector, which drops CRS, ISO/INSPIRE and DCAT-AP statements and
unknown schema versions.
"""
from __future__ import annotations

import hashlib
from typing import Any, Iterator, Mapping

import rdflib
from rdflib import RDF, BNode, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL

from ckanext.opendatalocale.harvesters import common, detect
from ckanext.opendatalocale.harvesters.base import OpenDataLocaleHarvester
from ckanext.opendatalocale.harvesters.common import HarvestConfig, RemoteRecord, SourceError
from ckanext.opendatalocale.http import HttpClient

HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
ADMS = Namespace("http://www.w3.org/ns/adms#")
FORMATS = {"application/rdf+xml": "xml", "application/xml": "xml", "text/xml": "xml", "text/turtle": "turtle",
           "application/x-turtle": "turtle", "application/ld+json": "json-ld", "application/json": "json-ld",
           "text/n3": "n3"}


def _guess_format(content: bytes, content_type: str, forced: str | None) -> str:
    if forced:
        return forced
    if content_type in FORMATS:
        return FORMATS[content_type]
    head = content.lstrip()[:200]
    if head.startswith((b"[", b"{")):
        return "json-ld"
    if head.startswith(b"<"):
        return "xml"
    return "turtle"


def parse(content: bytes, url: str, content_type: str = "", forced: str | None = None) -> rdflib.Graph:
    fmt = _guess_format(content, content_type, forced)
    head = content.lstrip()[:100].lower()
    if head.startswith((b"<!doctype html", b"<html")):
        raise SourceError("source.malformed_rdf", url=url, detail="HTML")
    graph = rdflib.Graph()
    try:
        graph.parse(data=content, format=fmt, publicID=url)
    except Exception as exc:  # noqa: BLE001 - every parser raises its own kind
        raise SourceError("source.malformed_rdf", url=url, detail=_syntax_error(fmt, exc)) from exc
    return graph


def _syntax_error(fmt: str, exc: BaseException) -> str:
    """Where the document breaks, never what it holds: parsers quote the body
    around the error, and the body is not ours to show (nor safe to echo)."""
    line = None
    if callable(getattr(exc, "getLineNumber", None)):
        line = exc.getLineNumber()
    elif isinstance(getattr(exc, "lines", None), int):  # rdflib's BadSyntax counts from 0
        line = exc.lines + 1
    elif isinstance(getattr(exc, "lineno", None), int):
        line = exc.lineno
    where = f", l. {line}" if isinstance(line, int) and line > 0 else ""
    return f"{fmt} ({type(exc).__name__}{where})"


def _text(graph: rdflib.Graph, subject: Any, *predicates: URIRef) -> str:
    for predicate in predicates:
        values = list(graph.objects(subject, predicate))
        literals = [v for v in values if isinstance(v, Literal)]
        for lang in ("fr", None, "en"):
            for value in literals:
                if lang is None or value.language == lang:
                    return str(value)
        for value in values:
            if isinstance(value, URIRef):
                return str(value)
            if isinstance(value, BNode):
                label = _text(graph, value, FOAF.name, VCARD.fn, DCTERMS.title, DCTERMS.identifier)
                if label:
                    return label
    return ""


def _node(graph: rdflib.Graph, node: Any) -> Any:
    """A conformsTo value as the detector wants it."""
    if isinstance(node, Literal):
        return str(node)
    info = {"uri": str(node) if isinstance(node, URIRef) else "",
            "identifier": _text(graph, node, DCTERMS.identifier), "title": _text(graph, node, DCTERMS.title),
            "version": _text(graph, node, OWL.versionInfo), "type": _text(graph, node, DCTERMS.type)}
    return {k: v for k, v in info.items() if v}


def _next_page(graph: rdflib.Graph) -> str | None:
    for predicate in (HYDRA.next, HYDRA.nextPage):
        for value in graph.objects(None, predicate):
            return str(value)
    return None


def dataset_records(graph: rdflib.Graph) -> Iterator[dict[str, Any]]:
    for subject in set(graph.subjects(RDF.type, DCAT.Dataset)):
        identifier = _text(graph, subject, DCTERMS.identifier) or _text(graph, subject, ADMS.identifier)
        title = _text(graph, subject, DCTERMS.title)
        guid = identifier or (str(subject) if isinstance(subject, URIRef) else "")
        if not guid:
            # A blank node without identifier: its title is the only stable handle.
            guid = "title:" + hashlib.sha1(title.encode("utf-8")).hexdigest() if title else ""
        if not guid:
            continue
        distributions = []
        for dist in graph.objects(subject, DCAT.distribution):
            url = _text(graph, dist, DCAT.downloadURL) or _text(graph, dist, DCAT.accessURL)
            if not url:
                continue
            distributions.append({
                "url": url, "title": _text(graph, dist, DCTERMS.title),
                "description": _text(graph, dist, DCTERMS.description),
                "format": _text(graph, dist, DCTERMS.format) or _text(graph, dist, DCAT.mediaType),
                "license": _text(graph, dist, DCTERMS.license),
                "conforms_to": [_node(graph, n) for n in graph.objects(dist, DCTERMS.conformsTo)],
            })
        yield {
            "guid": guid, "uri": str(subject) if isinstance(subject, URIRef) else "",
            "title": title, "description": _text(graph, subject, DCTERMS.description),
            "keywords": [str(k) for k in graph.objects(subject, DCAT.keyword)],
            "themes": [str(t) for t in graph.objects(subject, DCAT.theme)],
            "license": _text(graph, subject, DCTERMS.license), "modified": _text(graph, subject, DCTERMS.modified),
            "publisher": _text(graph, subject, DCTERMS.publisher),
            "landing_page": _text(graph, subject, DCAT.landingPage),
            "contact_name": _text(graph, subject, DCAT.contactPoint),
            "frequency": _text(graph, subject, DCTERMS.accrualPeriodicity),
            "conforms_to": [_node(graph, n) for n in graph.objects(subject, DCTERMS.conformsTo)],
            "distributions": distributions,
        }


def gather(url: str, config: HarvestConfig, client: HttpClient) -> Iterator[RemoteRecord]:
    seen_pages: set[str] = set()
    seen_hashes: set[str] = set()
    page_url: str | None = url
    max_pages = int(config.get("max_pages") or 500)
    while page_url and page_url not in seen_pages and len(seen_pages) < max_pages:
        seen_pages.add(page_url)
        response = client.get(page_url, headers={
            "Accept": "application/rdf+xml, text/turtle;q=0.9, application/ld+json;q=0.8"})
        digest = hashlib.sha256(response.content).hexdigest()
        if digest in seen_hashes:
            break
        seen_hashes.add(digest)
        graph = parse(response.content, page_url, response.content_type, config.get("format"))
        for record in dataset_records(graph):
            yield RemoteRecord(guid=record["guid"], data=record,
                               remote_url=record["landing_page"] or record["uri"], title=record["title"])
        page_url = _next_page(graph)
    if page_url and page_url not in seen_pages:
        # Pages left unread: the catalogue is incomplete, so nothing may be withdrawn.
        raise SourceError("source.unexpected", url=url, detail=f"more than {max_pages} pages")


def to_package(record: Mapping[str, Any]) -> dict[str, Any]:
    resources = []
    for dist in record.get("distributions") or []:
        declared = list(dist.get("conforms_to") or []) + list(record.get("conforms_to") or [])
        detection = common.detect_resource(detect.DetectionInput(
            declared=declared, texts=[t for t in (dist.get("title"), dist.get("url")) if t]))
        resources.append({"name": dist.get("title") or "", "url": dist["url"],
                          "description": dist.get("description"),
                          "format": str(dist.get("format") or "").rsplit("/", 1)[-1].upper(), **detection})
    license_text = record.get("license") or next(
        (d.get("license") for d in record.get("distributions") or [] if d.get("license")), "")
    return {
        "title": record.get("title"),
        "notes": record.get("description"),
        "keywords": record.get("keywords") or [],
        "license_id": common.map_license(license_text),
        "url": record.get("landing_page") or "",
        "resources": resources,
        "publisher_key": record.get("publisher") or "",
        "siren_candidates": [],
        "harvest_source_type": "dcat",
        "remote_url": record.get("landing_page") or record.get("uri"),
        "extras_dict": {"dcat_identifier": record.get("guid"), "dcat_uri": record.get("uri"),
                        "modified": record.get("modified"), "publisher": record.get("publisher"),
                        "contact_name": record.get("contact_name"),
                        "dcat_themes": ", ".join(record.get("themes") or [])},
    }


class DcatHarvester(OpenDataLocaleHarvester):
    kind = "dcat"
    title = "DCAT (RDF/XML, Turtle, JSON-LD)"
    description = "Catalogues DCAT-AP / DCAT-AP-FR, pagination Hydra — DCAT catalogues with Hydra paging"
    extra_keys = {"format": "RDF syntax when the Content-Type is wrong: xml, turtle, json-ld",
                  "max_pages": "Hydra pages followed at most (default 500)"}

    def gather_records(self, url: str, config: HarvestConfig, client: HttpClient) -> Iterator[RemoteRecord]:
        return gather(url, config, client)

    def package_dict(self, record: Mapping[str, Any], config: HarvestConfig, client: HttpClient) -> dict[str, Any]:
        package = to_package(record)
        package["license_id"] = package["license_id"] or config.default_license
        return package
