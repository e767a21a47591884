"""Plain files a commune publishes (CSV, XLSX, ODS, XLS), and SCDL ``catalogue`` CSVs.

Source URL: the first file (or the catalogue). Config (JSON, plus the common keys)::

    {"files": ["https://ville.fr/subventions.csv",
               {"url": "https://ville.fr/deliberations.xlsx", "title": "Délibérations",
                "schema": "scdl/deliberations"}],
     "catalogue": false,
     "title": "Title of the source URL's dataset"}

Each file is one dataset with one resource; its schema is the declared one,
else detected from its header; its SIREN comes from the config, else from
``COLL_SIRET``-like columns. With ``"catalogue": true`` the source URL is an
SCDL catalogue CSV (scdl/catalogue): one dataset per row, guid
``COLL_SIRET`` + ``ID``, attributed to ``COLL_SIRET``, with a link resource
to the row's ``URL``.
"""
from __future__ import annotations

import hashlib
import posixpath
import tempfile
from typing import IO, Any, Callable, Iterator, Mapping
from urllib.parse import unquote, urlsplit

from ckanext.opendatalocale.conformity import messages, readers
from ckanext.opendatalocale.convert.tables import ConvertError, read_table
from ckanext.opendatalocale.harvesters import common, detect
from ckanext.opendatalocale.harvesters.base import OpenDataLocaleHarvester
from ckanext.opendatalocale.harvesters.common import HarvestConfig, RemoteRecord, SourceError
from ckanext.opendatalocale.http import HttpClient

OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # XLS (Excel 97-2003)
SAMPLE_ROWS = 50
SIRET_COLUMNS = ("COLL_SIRET", "coll_siret", "idAttribuant", "SIRET", "siret")
CATALOGUE_REQUIRED = {"COLL_SIRET", "ID", "TITRE"}


def _file_entries(url: str, config: HarvestConfig) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = [{"url": url, "title": config.get("title")}]
    for item in config.get("files") or []:
        entry = {"url": item} if isinstance(item, str) else dict(item)
        if entry.get("url") and entry["url"] != url:
            entries.append(entry)
    return entries


def _filename(url: str) -> str:
    return unquote(posixpath.basename(urlsplit(url).path)) or url


def read_rows(source: bytes | IO[bytes], limit: int | None = None, check: Callable[[], None] | None = None,
              url: str = "") -> tuple[list[str], list[dict[str, str]]]:
    """Header and first ``limit`` non-blank rows of a CSV, XLSX or ODS, read
    as a stream by the conformity readers (format, encoding and delimiter
    sniffed): a large file costs only the rows asked for. ``check`` is called
    while parsing and raises when the caller's time is up."""
    limits = readers.Limits()
    stream, _size, must_close = readers.open_source(source, limits)
    header: list[str] | None = None
    out: list[dict[str, str]] = []
    try:
        table = readers.open_table(stream, limits, lossy=True, check=check)
        for row in table.rows:
            if check is not None:
                check()
            if header is None:
                if any(cell.strip() for cell in row):
                    header = [cell.strip().lstrip("\ufeff") for cell in row]
                continue
            if limit is not None and len(out) >= limit:
                break
            if any(cell.strip() for cell in row):
                out.append({name: (row[i].strip() if i < len(row) else "") for i, name in enumerate(header)})
    except readers.ReadFailure as failure:
        raise unreadable(url, failure) from failure
    finally:
        if must_close:
            stream.close()
    return header or [], out


def unreadable(url: str, failure: readers.ReadFailure) -> SourceError:
    """The readers' bilingual reason inside the harvester's message."""
    return _unreadable(url, messages.render(failure.code, failure.params))


def _unreadable(url: str, detail: dict[str, str]) -> SourceError:
    error = SourceError("source.unreadable_file", url=url, detail=detail["en"])
    error.message = {lang: common.format_message("source.unreadable_file", url=url, detail=detail[lang])[lang]
                     for lang in ("fr", "en")}
    return error


def _sheet_rows(data: bytes, limit: int, url: str) -> tuple[list[str], list[dict[str, str]]]:
    """The first sheet of an XLS (xlrd) or ODS workbook, through the converter's table reader."""
    try:
        table = read_table(data)
    except ConvertError as error:
        raise _unreadable(url, {"fr": error.message_fr, "en": error.message_en}) from error
    return table.headers, [{name: readers.display_text(cells[i]).strip() for i, name in enumerate(table.headers)}
                           for cells in table.sample[:limit]]


def gather(url: str, config: HarvestConfig, client: HttpClient) -> Iterator[RemoteRecord]:
    if not config.get("catalogue"):
        for entry in _file_entries(url, config):
            yield RemoteRecord(guid=entry["url"], data={"file": entry}, remote_url=entry["url"],
                               title=entry.get("title") or _filename(entry["url"]))
        return
    response = client.get(url)
    if response.content.lstrip()[:15].lower().startswith((b"<!doctype", b"<html")):
        raise SourceError("source.unexpected", url=url, detail="HTML")
    header, rows = read_rows(response.content, url=url)
    if not CATALOGUE_REQUIRED <= set(header):
        raise SourceError("source.unexpected", url=url, detail="colonnes/columns " + ", ".join(
            sorted(CATALOGUE_REQUIRED - set(header))))
    for row in rows:
        siret = row.get("COLL_SIRET", "").split(".")[0]
        if not row.get("ID"):
            continue
        yield RemoteRecord(guid=f"{siret}:{row['ID']}", data={"row": row, "catalogue": url},
                           remote_url=row.get("URL") or "", title=row.get("TITRE") or row["ID"])


def fetch(record: dict[str, Any], client: HttpClient) -> dict[str, Any]:
    """Download a plain file once: content hash, header, SIRET values, validators."""
    if "file" not in record:
        return record
    entry = record["file"]
    digest = hashlib.sha256()
    # On disk past a few MiB: only the rows read below are ever decoded.
    with tempfile.SpooledTemporaryFile(max_size=readers.SPOOL_MEMORY) as spool:
        with client.stream(entry["url"]) as body:
            for chunk in body:
                digest.update(chunk)
                spool.write(chunk)
        spool.seek(0)
        sample = spool.read(readers.SAMPLE_BYTES)
        if sample.lstrip()[:15].lower().startswith((b"<!doctype", b"<html")):
            raise SourceError("source.unexpected", url=entry["url"], detail="HTML")
        spool.seek(0)
        try:
            fmt = "XLS" if sample.startswith(OLE_MAGIC) else readers.sniff_format(sample, spool).upper()
        except readers.ReadFailure as failure:
            raise unreadable(entry["url"], failure) from failure
        spool.seek(0)
        if fmt in ("XLS", "ODS"):
            # Whole-workbook formats (xlrd, ODF), already bounded by the size cap:
            # the converter's reader also finds the header below title rows.
            header, rows = _sheet_rows(spool.read(), SAMPLE_ROWS, entry["url"])
        else:
            header, rows = read_rows(spool, limit=SAMPLE_ROWS, url=entry["url"],
                                     check=lambda: client.check_deadline(entry["url"]))
    sirets = [row.get(col) for row in rows for col in SIRET_COLUMNS if row.get(col)]
    return {**record, "sha256": digest.hexdigest(), "format": fmt, "header": header,
            "sirets": sorted(set(sirets))[:20]}


def to_package(record: Mapping[str, Any], config: HarvestConfig) -> dict[str, Any]:
    if "row" in record:
        return _catalogue_package(record["row"], config)
    entry = record["file"]
    declared = [entry["schema"]] if entry.get("schema") else []
    detection = common.detect_resource(detect.DetectionInput(declared=declared, columns=record.get("header") or []))
    title = entry.get("title") or _filename(entry["url"])
    return {
        "title": title,
        "notes": entry.get("description"),
        "keywords": [],
        "license_id": common.map_license(entry.get("license"), default=config.default_license or "lo-2.0"),
        "resources": [{"name": _filename(entry["url"]), "url": entry["url"], "format": record.get("format"),
                       **detection}],
        "publisher_key": "",
        "siren_candidates": common.as_list(entry.get("siren")) + list(record.get("sirets") or []),
        "harvest_source_type": "file",
        "remote_url": entry["url"],
        "extras_dict": {"file_sha256": record.get("sha256")},
    }


def _catalogue_package(row: Mapping[str, str], config: HarvestConfig) -> dict[str, Any]:
    formats = [f.strip().upper() for f in (row.get("FORMAT_RESSOURCES") or "").split(";") if f.strip()]
    resources = []
    if row.get("URL"):
        resources.append({"name": row.get("TITRE") or row["URL"], "url": row["URL"],
                          "format": formats[0] if len(formats) == 1 else ""})
    return {
        "title": row.get("TITRE"),
        "notes": row.get("DESCRIPTION"),
        "keywords": [k for k in (row.get("MOTS_CLES") or "").split(";")] + common.as_list(row.get("THEME")),
        "license_id": common.map_license(row.get("LICENCE"), default=config.default_license),
        "resources": resources,
        "publisher_key": row.get("COLL_SIRET", ""),
        "siren_candidates": [row.get("COLL_SIRET")],
        "harvest_source_type": "scdl-catalogue",
        "remote_url": row.get("URL"),
        "extras_dict": {"contact_name": row.get("PRODUCTEUR_NOM"),
                        "temporal_coverage_start": row.get("COUV_TEMP_DEBUT"),
                        "temporal_coverage_end": row.get("COUV_TEMP_FIN"),
                        "modified": row.get("DATE_MAJ"), "catalogue_id": row.get("ID"),
                        "catalogue_frequency": row.get("FREQ_MAJ")},
    }


class FileHarvester(OpenDataLocaleHarvester):
    kind = "file"
    title = "Fichiers CSV/XLSX/ODS/XLS et catalogues SCDL"
    description = ("Fichiers publiés par une collectivité et catalogues SCDL — "
                   "files published by a collectivité, and SCDL catalogue CSVs")
    extra_keys = {"files": "more file URLs (strings or {url, title, schema, siren, license, description})",
                  "catalogue": "true: the source URL is an SCDL catalogue CSV",
                  "title": "title of the source URL's dataset"}

    def validate_config(self, config: str | None) -> str:
        text = super().validate_config(config)
        parsed = self.parse_config(text)
        files = parsed.get("files") or []
        if not isinstance(files, list) or not all(
                isinstance(f, str) or (isinstance(f, Mapping) and f.get("url")) for f in files):
            raise ValueError("« files » : liste d'URL ou d'objets {url, ...}\n— \"files\": list of URLs or {url, ...}")
        return text

    def gather_records(self, url: str, config: HarvestConfig, client: HttpClient) -> Iterator[RemoteRecord]:
        return gather(url, config, client)

    def fetch_record(self, record: dict[str, Any], config: HarvestConfig, client: HttpClient) -> dict[str, Any]:
        return fetch(record, client)

    def package_dict(self, record: Mapping[str, Any], config: HarvestConfig, client: HttpClient) -> dict[str, Any]:
        return to_package(record, config)
