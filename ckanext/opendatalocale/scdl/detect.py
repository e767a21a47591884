"""The one SCDL detector: which schema (name and version) does a dataset or
resource follow, how was that found, and how sure are we.

Pure Python, no CKAN import. Every harvester turns what its source says into
a :class:`DetectionInput` (``harvesters/detect.py`` adapts data.gouv.fr,
OpenDataSoft and CKAN) and calls :func:`detect`; conformity uses the header
matching to suggest a schema for an uploaded file. Signals, strongest first:

1. ``declared``: a schema the source states (data.gouv.fr ``resource.schema``,
   DCAT ``dct:conformsTo``, CKAN ``schema`` / ``conforms_to``), resolved
   through the schema registry. Statements that name a coordinate reference
   system, an ISO/INSPIRE standard or a DCAT-AP profile are dropped first:
   ``conformsTo`` is used for all of those and none is a data schema.
2. ``metadata-url``: a schema URL (or ``scdl/<name>``) written in the title,
   description, references or other metadata.
3. ``header``: the columns (a CSV header, OpenDataSoft field names and
   labels) compared with every version of every schema; the confidence is
   the share of the schema's required fields present, and the version kept is
   the one whose fields match best.
"""
from __future__ import annotations

import codecs
import csv
import io
import json
import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

__all__ = [
    "Detection",
    "DetectionInput",
    "HeaderMatch",
    "detect",
    "match_columns",
    "is_false_positive",
    "normalize_name",
    "sniff_csv_header",
]

DECLARED = "declared"
METADATA_URL = "metadata-url"
HEADER = "header"

# Confidence of each non-header method: a URL is precise, a bare name less so.
URL_CONFIDENCE = 0.9
NAME_CONFIDENCE = 0.8
# Columns matched only after case/accent/separator folding are a little less sure.
FOLDED_PENALTY = 0.95
DEFAULT_MIN_CONFIDENCE = 0.6
# A schema with many optional fields and three required ones must not be
# claimed from two common column names.
MIN_MATCHED_REQUIRED = 3


@dataclass(frozen=True)
class Detection:
    name: str
    version: str
    url: str
    method: str  # "declared" | "metadata-url" | "header"
    confidence: float
    evidence: str


@dataclass(frozen=True)
class DetectionInput:
    """What a source says about one resource (or dataset), normalised.

    ``declared``: schema statements, each a string (name, ``name@version`` or
    URL), a ``{name, version, url}`` mapping (data.gouv.fr), a DCAT
    ``conformsTo`` node as a mapping (``uri``, ``title``, ``type``,
    ``version``...) or an inline Table Schema descriptor.
    ``texts``: free text that may mention a schema (title, description,
    URLs, metadata values).
    ``columns``: one entry per column; a string, or a tuple of alternative
    names for the same column (OpenDataSoft ``(name, label)``).
    """

    declared: Sequence[Any] = ()
    texts: Sequence[str] = ()
    columns: Sequence[str | Sequence[str]] = ()


@dataclass(frozen=True)
class HeaderMatch:
    name: str
    version: str
    url: str
    required_share: float
    field_share: float
    matched_required: tuple[str, ...]
    missing_required: tuple[str, ...]
    folded: tuple[str, ...]  # fields found only after case/accent folding
    confidence: float


# --------------------------------------------------------------------------- false positives

_NOT_A_SCHEMA = re.compile(
    r"epsg|opengis\.net|\bcrs\b|spatial ?reference ?system|reference ?system|lambert|rgf ?93|"
    r"wgs ?84|etrs ?89|\biso[ _:-]?\d{4,5}|inspire|1089/2010|2007/2/ec|976/2009|"
    r"dcat[-_ ]?ap|geodcat|data\.europa\.eu/(930|r5r)|w3\.org/ns/dcat|project-open-data|"
    r"\bogc\b|\bwms\b|\bwfs\b",
    re.IGNORECASE,
)


def _statement_texts(ref: Any) -> list[str]:
    if isinstance(ref, Mapping):
        keys = ("uri", "url", "identifier", "@id", "name", "title", "label", "type", "prefLabel", "inScheme")
        return [str(ref[k]) for k in keys if ref.get(k)]
    return [str(ref)] if ref else []


def is_false_positive(ref: Any) -> bool:
    """True when a ``conformsTo``-like statement names something that is not
    a data schema: a CRS (EPSG, Lambert-93, RGF93, WGS 84), an ISO or INSPIRE
    specification, an OGC standard or a DCAT-AP profile."""
    return any(_NOT_A_SCHEMA.search(text) for text in _statement_texts(ref))


# --------------------------------------------------------------------------- names

def normalize_name(name: str) -> str:
    """Fold a column name for comparison: no accents, case, spaces or separators.

    ``COLL_NOM``, ``coll_nom``, ``Coll nom`` and ``collNom`` all give ``collnom``.
    """
    text = unicodedata.normalize("NFKD", str(name).replace("\ufeff", ""))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"[^0-9a-z]", "", text.lower())


# --------------------------------------------------------------------------- detection

def _registry(registry: Any) -> Any:
    if registry is not None:
        return registry
    from ckanext.opendatalocale.scdl.registry import get_registry

    return get_registry()


def _found(entry: Any, method: str, confidence: float, evidence: str) -> Detection:
    return Detection(entry.name, entry.version, entry.url, method, round(confidence, 3), evidence)


def _declared_refs(ref: Any) -> Iterable[tuple[str, str]]:
    """(reference to resolve, how to describe it) for one declared statement."""
    if isinstance(ref, str):
        text = ref.strip()
        if text.startswith("{"):
            try:
                ref = json.loads(text)
            except ValueError:
                return
        else:
            if text:
                yield text, text
            return
    if not isinstance(ref, Mapping):
        return
    name = ref.get("name")
    version = ref.get("version") or ref.get("versionInfo")
    if name and isinstance(name, str):
        if version:
            yield f"{name}@{version}", f"{name} {version}"
        else:
            yield name, name
    for key in ("url", "uri", "identifier", "@id", "path", "$id"):
        value = ref.get(key)
        if isinstance(value, str) and value.strip():
            yield value.strip(), value.strip()


def _detect_declared(declared: Sequence[Any], registry: Any) -> Detection | None:
    for ref in declared:
        if not ref or is_false_positive(ref):
            continue
        for candidate, shown in _declared_refs(ref):
            entry = registry.resolve(candidate)
            if entry is not None:
                return _found(entry, DECLARED, 1.0, f"declared schema {shown}")
    return None


_URL_RE = re.compile(r"https?://[^\s\"'<>()\[\]{}]+", re.IGNORECASE)
_NAME_RE = re.compile(r"(?<![\w/.-])((?:scdl|etalab|atlasante)/[a-z0-9][a-z0-9_-]*)(?:@([0-9][\w.-]*))?",
                      re.IGNORECASE)


def _detect_in_texts(texts: Sequence[str], registry: Any) -> Detection | None:
    best: Detection | None = None
    for text in texts:
        if not isinstance(text, str) or not text:
            continue
        for match in _URL_RE.finditer(text):
            url = match.group(0).rstrip(".,;:!?")
            if is_false_positive(url):
                continue
            entry = registry.resolve(url)
            if entry is not None:
                return _found(entry, METADATA_URL, URL_CONFIDENCE, f"schema URL in metadata: {url}")
        # Names only outside URLs: a URL to an unknown version must not turn
        # into "latest" through the name it contains.
        for match in _NAME_RE.finditer(_URL_RE.sub(" ", text)):
            name, version = match.group(1), match.group(2)
            entry = registry.resolve(f"{name}@{version}" if version else name)
            if entry is not None and best is None:
                best = _found(entry, METADATA_URL, NAME_CONFIDENCE, f"schema name in metadata: {match.group(0)}")
    return best


@dataclass(frozen=True)
class _Prepared:
    """One schema version with its field names folded once, not per call:
    a harvest runs the header match on thousands of datasets."""

    entry: Any
    fields: tuple[tuple[str, str], ...]  # (name, folded name)
    required: tuple[tuple[str, str], ...]
    order: int  # position among the schema's versions, newest highest


_prepared_cache: dict[int, tuple[Any, list[_Prepared]]] = {}


def _prepared(registry: Any) -> list[_Prepared]:
    cached = _prepared_cache.get(id(registry))
    if cached is not None and cached[0] is registry:
        return cached[1]
    prepared = []
    for name in registry.names():
        for order, version in enumerate(registry.versions(name)):
            entry = registry.get(name, version)
            fields = tuple((f, normalize_name(f)) for f in entry.field_names)
            required = tuple((f, normalize_name(f)) for f in entry.required_fields) or fields
            if fields:
                prepared.append(_Prepared(entry, fields, required, order))
    _prepared_cache.clear()
    _prepared_cache[id(registry)] = (registry, prepared)
    return prepared


def _column_sets(columns: Sequence[str | Sequence[str]]) -> tuple[set[str], set[str], int]:
    exact: set[str] = set()
    folded: set[str] = set()
    count = 0
    for column in columns:
        names = [column] if isinstance(column, str) else [n for n in column if isinstance(n, str)]
        names = [n.strip().replace("\ufeff", "") for n in names if n and n.strip()]
        if not names:
            continue
        count += 1
        exact.update(names)
        folded.update(normalize_name(n) for n in names)
    folded.discard("")
    return exact, folded, count


def match_columns(columns: Sequence[str | Sequence[str]], registry: Any = None,
                  names: Iterable[str] | None = None) -> list[HeaderMatch]:
    """Every schema version the columns match at all, best first.

    Used by :func:`detect` and by the conformity suggestion ("this file looks
    like scdl/subventions 2.1.1, 10 of 11 required columns").
    """
    registry = _registry(registry)
    exact, folded, _count = _column_sets(columns)
    if not folded:
        return []
    wanted = set(names) if names is not None else None
    matches: list[tuple[tuple, HeaderMatch]] = []
    for prepared in _prepared(registry):
        entry = prepared.entry
        if wanted is not None and entry.name not in wanted:
            continue
        present = [f for f, key in prepared.fields if f in exact or key in folded]
        if not present:
            continue
        required_present = [f for f, key in prepared.required if f in exact or key in folded]
        missing = tuple(f for f, _key in prepared.required if f not in required_present)
        folded_only = tuple(f for f in present if f not in exact)
        required_share = len(required_present) / len(prepared.required)
        field_share = len(present) / len(prepared.fields)
        # Share of the columns the schema explains: tells a close version
        # from one that only shares the required core.
        explained = len(present) / max(1, len(folded))
        confidence = required_share * (FOLDED_PENALTY if set(folded_only) & set(required_present) else 1.0)
        if len(required_present) < min(MIN_MATCHED_REQUIRED, len(prepared.required)):
            confidence = 0.0
        match = HeaderMatch(entry.name, entry.version, entry.url, round(required_share, 3),
                            round(field_share, 3), tuple(required_present), missing, folded_only,
                            round(confidence, 3))
        key = (confidence, required_share, round(field_share * min(1.0, explained), 6), len(present),
               entry.is_latest, prepared.order)
        matches.append((key, match))
    matches.sort(key=lambda item: item[0], reverse=True)
    return [match for _key, match in matches]


def _detect_header(columns: Sequence[str | Sequence[str]], registry: Any,
                   min_confidence: float) -> Detection | None:
    matches = match_columns(columns, registry)
    if not matches or matches[0].confidence < min_confidence or matches[0].confidence <= 0:
        return None
    best = matches[0]
    entry = registry.get(best.name, best.version)
    evidence = (f"{len(best.matched_required)}/{len(best.matched_required) + len(best.missing_required)} "
                f"required fields of {best.name} {best.version} in the columns")
    if best.missing_required:
        evidence += "; missing: " + ", ".join(best.missing_required[:10])
    if best.folded:
        evidence += "; matched ignoring case/accents: " + ", ".join(best.folded[:10])
    return _found(entry, HEADER, best.confidence, evidence)


def detect(item: DetectionInput, registry: Any = None,
           min_confidence: float = DEFAULT_MIN_CONFIDENCE) -> Detection | None:
    """The schema ``item`` follows, or None when nothing points to one."""
    registry = _registry(registry)
    return (
        _detect_declared(item.declared, registry)
        or _detect_in_texts(item.texts, registry)
        or _detect_header(_all_columns(item), registry, min_confidence)
    )


def _all_columns(item: DetectionInput) -> list[str | Sequence[str]]:
    columns = list(item.columns)
    # An inline Table Schema declared without a resolvable URL still tells
    # us its field names.
    for ref in item.declared:
        descriptor = ref
        if isinstance(ref, str) and ref.strip().startswith("{"):
            try:
                descriptor = json.loads(ref)
            except ValueError:
                continue
        if isinstance(descriptor, Mapping) and isinstance(descriptor.get("fields"), list):
            columns.extend(f["name"] for f in descriptor["fields"]
                           if isinstance(f, Mapping) and isinstance(f.get("name"), str))
    return columns


# --------------------------------------------------------------------------- CSV header

_DELIMITERS = (";", ",", "\t", "|")


def _decode(data: bytes) -> str:
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8", errors="replace")
    for bom, encoding in ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
                          (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom):
            body = data[len(bom):]
            return body[: len(body) - len(body) % (4 if "32" in encoding else 2)].decode(encoding, errors="replace")
    sample = data[:200]
    if sample and sample.count(b"\x00") * 3 > len(sample):
        # UTF-16 without BOM: the zero bytes sit on the side of ASCII letters.
        encoding = "utf-16-le" if sample[1:2] == b"\x00" else "utf-16-be"
        return data[: len(data) - len(data) % 2].decode(encoding, errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sample is still UTF-8.
        if exc.start >= len(data) - 3:
            return data[: exc.start].decode("utf-8")
        return data.decode("cp1252", errors="replace")


def _count_outside_quotes(line: str, char: str) -> int:
    count, quoted = 0, False
    for c in line:
        if c == '"':
            quoted = not quoted
        elif c == char and not quoted:
            count += 1
    return count


def sniff_csv_header(data: bytes) -> list[str]:
    """Column names of a CSV from its first bytes (64 KiB are plenty).

    Handles a UTF-8/UTF-16 BOM, UTF-8, cp1252 and UTF-16, and the delimiters
    ``;`` (French default), ``,``, tab and ``|``.
    """
    text = _decode(data[: 256 * 1024]).lstrip("\ufeff")
    lines = text.splitlines()
    first = next((line for line in lines if line.strip()), "")
    if not first:
        return []
    delimiter = max(_DELIMITERS, key=lambda d: (_count_outside_quotes(first, d), -_DELIMITERS.index(d)))
    start = text.index(first)
    reader = csv.reader(io.StringIO(text[start:]), delimiter=delimiter)
    try:
        row = next(reader)
    except (StopIteration, csv.Error):
        return []
    names = [cell.strip().strip("\ufeff").strip() for cell in row]
    while names and not names[-1]:
        names.pop()
    return names
