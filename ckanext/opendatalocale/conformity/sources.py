"""Where a conformity check reads a resource's bytes: CKAN's file storage for uploads, the
suite's HTTP client (SSRF guard, caps) for links, spooled to a temporary file while hashed.
The converter and the consolidation read resources the same way."""
from __future__ import annotations

import hashlib
import os
import tempfile
from typing import IO, Any, Iterator

import ckan.plugins.toolkit as tk

from .readers import SPOOL_MEMORY

CHUNK = 64 * 1024


class SourceUnavailable(Exception):
    def __init__(self, code: str, note: dict[str, str] | str):
        super().__init__(code)
        self.code = code
        self.note = note


def _upload_chunks(resource: dict[str, Any]) -> Iterator[bytes]:
    """The bytes of an uploaded file, read from CKAN's storage (2.11 disk or 2.12 file storages)."""
    from ckan.lib import uploader

    upload = uploader.get_resource_uploader(dict(resource))
    path = upload.get_path(resource["id"])
    storage = getattr(upload, "storage", None)
    if storage is not None and hasattr(storage, "stream"):
        from ckan.lib import files

        location = files.Location(path)
        try:
            data = files.FileData(location, size=storage.size(location))
            yield from storage.stream(data)
        except files.exc.LocationError as exc:
            raise SourceUnavailable("download-failed", str(exc)) from exc
        return
    if not path or not os.path.isfile(path):
        raise SourceUnavailable("download-failed", {"fr": "fichier déposé introuvable", "en": "uploaded file not found"})
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            yield chunk


def url_chunks(url: str) -> Iterator[bytes]:
    """The bytes behind a URL, through the suite's HTTP client (SSRF guard, caps)."""
    from ckanext.opendatalocale import http

    client = http.from_ckan_config(tk.config)
    try:
        with client.stream(url) as body:
            while chunk := body.read(CHUNK):
                yield chunk
    except http.FetchError as exc:
        raise SourceUnavailable("download-failed", exc.message) from exc


def resource_chunks(resource: dict[str, Any]) -> Iterator[bytes]:
    if resource.get("url_type") == "upload":
        return _upload_chunks(resource)
    url = (resource.get("url") or "").strip()
    if not url:
        raise SourceUnavailable("no-file", "")
    return url_chunks(url)


def spool(chunks: Iterator[bytes], max_bytes: int) -> tuple[IO[bytes], str, int]:
    """Copy the chunks to a temporary file while hashing them.

    Stops one byte past ``max_bytes`` so the engine reports "too large"
    without the whole file being stored.
    """
    digest = hashlib.sha256()
    spooled = tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY)
    size = 0
    for chunk in chunks:
        room = max_bytes + 1 - size
        if room <= 0:
            break
        chunk = chunk[:room]
        digest.update(chunk)
        spooled.write(chunk)
        size += len(chunk)
    spooled.seek(0)
    return spooled, digest.hexdigest(), size
