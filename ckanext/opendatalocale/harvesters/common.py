"""What every harvester shares and that needs no CKAN: the source config,
text sanitising, licence mapping, content hashing, attribution and the
bilingual messages. The CKAN glue (``base.py``) and the ``preview`` command
both build on it.
"""
from __future__ import annotations

import hashlib
import html
import json
import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator, Mapping, Sequence

import nh3

from ckanext.opendatalocale.harvesters import detect
from ckanext.opendatalocale.http import HttpClient
from ckanext.opendatalocale.territories.codes import is_valid_siren, normalize_code, siren_of_siret

__all__ = [
    "ConfigError", "HarvestConfig", "RemoteRecord", "SourceError", "parse_config", "COMMON_KEYS",
    "sanitize_text", "sanitize_title", "map_license", "content_hash", "sirens_from", "as_list",
    "error_message", "format_message", "detect_resource", "client_for",
]

# Keys every source kind accepts; each harvester adds its own ``filters``.
COMMON_KEYS = {
    "organisation_mapping": "remote publisher / organisation -> CKAN organisation name",
    "siren": "SIREN (or list) of the collectivités every dataset concerns",
    "siren_mapping": "remote publisher / organisation -> SIREN or list of SIREN",
    "withdrawal": '"private" (default), "keep" or "delete-after-days N"',
    "filters": "source-specific filters",
    "timeouts": '{"connect": s, "read": s, "total": s}',
    "retries": "retries after 429/5xx/timeouts",
    "max_datasets": "stop after this many datasets (no withdrawals then)",
    "default_license": "CKAN licence id when the source gives none",
}

MESSAGES: dict[str, tuple[str, str]] = {
    "config.json": ("La configuration n'est pas un objet JSON valide : {detail}",
                    "The configuration is not a valid JSON object: {detail}"),
    "config.unknown_key": ("Clé de configuration inconnue : {key} (clés possibles : {allowed})",
                           "Unknown configuration key: {key} (allowed keys: {allowed})"),
    "config.bad_value": ("Valeur invalide pour « {key} » : {detail}",
                         "Invalid value for \"{key}\": {detail}"),
    "config.bad_siren": ("« {value} » n'est pas un SIREN valide (9 chiffres, clé de Luhn)",
                         "\"{value}\" is not a valid SIREN (9 digits, Luhn key)"),
    "gather.failed": ("La collecte a échoué, aucun jeu de données n'a été modifié ni retiré : {detail}",
                      "The gather failed, no dataset was changed or withdrawn: {detail}"),
    "gather.empty": ("La source ne renvoie aucun jeu de données alors que {count} avaient été moissonnés : "
                     "rien n'a été retiré par prudence",
                     "The source returned no datasets although {count} were harvested before: "
                     "nothing was withdrawn, as a precaution"),
    "gather.truncated": ("Collecte limitée à {limit} jeux de données : aucun retrait pour cette exécution",
                         "Gather limited to {limit} datasets: no withdrawal in this run"),
    "source.unexpected": ("Réponse inattendue de la source ({url}) : {detail}",
                          "Unexpected answer from the source ({url}): {detail}"),
    "source.malformed_rdf": ("Le document RDF de {url} est invalide : {detail}",
                             "The RDF document at {url} is invalid: {detail}"),
    "source.unreadable_file": ("Le fichier {url} n'a pas pu être lu : {detail}",
                               "The file {url} could not be read: {detail}"),
    "source.not_found": ("Organisation ou source introuvable : {ref}", "Organisation or source not found: {ref}"),
    "import.failed": ("L'import du jeu de données {guid} a échoué : {detail}",
                      "Importing dataset {guid} failed: {detail}"),
    "import.invalid": ("Le jeu de données {guid} est invalide pour CKAN : {detail}",
                       "Dataset {guid} is invalid for CKAN: {detail}"),
    "preview.too_slow": ("La source est trop lente : l'aperçu s'est arrêté au bout de {seconds} s, "
                         "avant d'avoir lu un jeu de données",
                         "The source is too slow: the preview stopped after {seconds} s, "
                         "before reading any dataset"),
    "preview.stopped": ("La source est trop lente : l'aperçu s'est arrêté au bout de {seconds} s ; "
                        "seuls les jeux de données lus jusque-là sont affichés",
                        "The source is too slow: the preview stopped after {seconds} s; "
                        "only the datasets read by then are shown"),
    "internal": ("Erreur interne du moissonneur : {detail}", "Internal harvester error: {detail}"),
}


def format_message(code: str, **params: Any) -> dict[str, str]:
    fr, en = MESSAGES[code]
    return {"fr": fr.format(**params), "en": en.format(**params)}


class ConfigError(ValueError):
    def __init__(self, code: str, **params: Any):
        self.code = code
        self.message = format_message(code, **params)
        super().__init__(self.message["fr"] + " / " + self.message["en"])


class SourceError(Exception):
    """The source answered, but not with what a complete catalogue looks like."""

    def __init__(self, code: str, **params: Any):
        self.code = code
        self.message = format_message(code, **params)
        super().__init__(self.message["en"])


def error_message(exc: BaseException) -> dict[str, str]:
    """A bilingual message for any exception: the client's and ours as they are."""
    message = getattr(exc, "message", None)
    if isinstance(message, Mapping) and "fr" in message:
        return dict(message)
    return format_message("internal", detail=f"{type(exc).__name__}: {exc}"[:500])


def as_list(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                return as_list(json.loads(text))
            except ValueError:
                pass
        return [part.strip() for part in re.split(r"[,;]", text) if part.strip()]
    if isinstance(value, (list, tuple, set)):
        out: list[str] = []
        for item in value:
            out.extend(as_list(item) if isinstance(item, str) else [str(item)] if item is not None else [])
        return out
    return [str(value)]


# --------------------------------------------------------------------------- config

@dataclass(frozen=True)
class Withdrawal:
    policy: str = "private"  # private | delete | keep
    days: int = 0


@dataclass(frozen=True)
class HarvestConfig:
    raw: Mapping[str, Any] = field(default_factory=dict)
    organisation_mapping: Mapping[str, str] = field(default_factory=dict)
    sirens: tuple[str, ...] = ()
    siren_mapping: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    withdrawal: Withdrawal = Withdrawal()
    filters: Mapping[str, Any] = field(default_factory=dict)
    timeouts: Mapping[str, float] = field(default_factory=dict)
    retries: int | None = None
    max_datasets: int | None = None
    default_license: str | None = None

    def get(self, key: str, default: Any = None) -> Any:
        return self.raw.get(key, default)


def _check_sirens(value: Any, key: str) -> tuple[str, ...]:
    sirens = []
    for item in as_list(value):
        code = normalize_code(item)
        code = siren_of_siret(code) or code
        if not is_valid_siren(code):
            raise ConfigError("config.bad_siren", value=item)
        sirens.append(code)
    return tuple(dict.fromkeys(sirens))


def _withdrawal(value: Any) -> Withdrawal:
    if value in (None, "", "private"):
        return Withdrawal("private")
    if value == "keep":
        return Withdrawal("keep")
    days: Any = None
    if isinstance(value, Mapping):
        days = value.get("delete_after_days", value.get("delete-after-days"))
    elif isinstance(value, str):
        match = re.fullmatch(r"delete[-_ ]after[-_ ]days[ =:]*(\d+)", value.strip())
        days = match.group(1) if match else None
    try:
        days = int(days)
    except (TypeError, ValueError):
        days = -1
    if days < 0:
        raise ConfigError("config.bad_value", key="withdrawal",
                          detail='"private", "keep" ou/or "delete-after-days N"')
    return Withdrawal("delete", days)


def parse_config(text: str | Mapping[str, Any] | None, extra_keys: Mapping[str, str] | None = None,
                 filter_keys: Iterable[str] = ()) -> HarvestConfig:
    """Parse and check a source config; raises :class:`ConfigError`."""
    if isinstance(text, Mapping):
        data = dict(text)
    else:
        try:
            data = json.loads(text) if text and text.strip() else {}
        except ValueError as exc:
            raise ConfigError("config.json", detail=str(exc)) from exc
        if not isinstance(data, dict):
            raise ConfigError("config.json", detail="not an object / pas un objet")
    allowed = {**COMMON_KEYS, **(extra_keys or {})}
    for key in data:
        if key not in allowed:
            raise ConfigError("config.unknown_key", key=key, allowed=", ".join(sorted(allowed)))

    def mapping(key: str) -> dict[str, Any]:
        value = data.get(key) or {}
        if not isinstance(value, Mapping):
            raise ConfigError("config.bad_value", key=key, detail="objet JSON attendu / JSON object expected")
        return dict(value)

    filters = mapping("filters")
    allowed_filters = set(filter_keys)
    for key in filters:
        if key not in allowed_filters:
            raise ConfigError("config.unknown_key", key=f"filters.{key}",
                              allowed=", ".join(sorted(allowed_filters)) or "-")
    timeouts = mapping("timeouts")
    checked_timeouts: dict[str, float] = {}
    for key, value in timeouts.items():
        if key not in ("connect", "read", "total"):
            raise ConfigError("config.unknown_key", key=f"timeouts.{key}", allowed="connect, read, total")
        try:
            checked_timeouts[key] = float(value)
        except (TypeError, ValueError):
            raise ConfigError("config.bad_value", key=f"timeouts.{key}", detail=repr(value)) from None
        if checked_timeouts[key] <= 0:
            raise ConfigError("config.bad_value", key=f"timeouts.{key}", detail=repr(value))

    def positive_int(key: str) -> int | None:
        value = data.get(key)
        if value is None:
            return None
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ConfigError("config.bad_value", key=key, detail=repr(value))
        return value

    return HarvestConfig(
        raw=data,
        organisation_mapping={str(k): str(v) for k, v in mapping("organisation_mapping").items()},
        sirens=_check_sirens(data.get("siren"), "siren"),
        siren_mapping={str(k): _check_sirens(v, "siren_mapping") for k, v in mapping("siren_mapping").items()},
        withdrawal=_withdrawal(data.get("withdrawal")),
        filters=filters,
        timeouts=checked_timeouts,
        retries=positive_int("retries"),
        max_datasets=positive_int("max_datasets"),
        default_license=data.get("default_license") or None,
    )


def client_for(config: HarvestConfig, ckan_config: Mapping[str, Any], **overrides: Any) -> HttpClient:
    """The shared client from CKAN's config, with the source's timeouts."""
    from ckanext.opendatalocale.http import from_ckan_config

    kwargs: dict[str, Any] = {}
    for key, argument in (("connect", "connect_timeout"), ("read", "read_timeout"), ("total", "total_timeout")):
        if key in config.timeouts:
            kwargs[argument] = config.timeouts[key]
    if config.retries is not None:
        kwargs["retries"] = config.retries
    kwargs.update(overrides)
    return from_ckan_config(ckan_config, **kwargs)


# --------------------------------------------------------------------------- records

@dataclass
class RemoteRecord:
    """One dataset as gathered: its stable id at the source and what we keep of it."""

    guid: str
    data: dict[str, Any]
    remote_url: str = ""
    title: str = ""


def dedupe(records: Iterable[RemoteRecord]) -> Iterator[RemoteRecord]:
    """Drop repeated guids: datasets move between pages while we page."""
    seen: set[str] = set()
    for record in records:
        if record.guid and record.guid not in seen:
            seen.add(record.guid)
            yield record


# --------------------------------------------------------------------------- text

_BLOCK_TAGS = re.compile(r"<\s*(br|/p|/div|/h[1-6]|/tr)\s*/?\s*>", re.IGNORECASE)
_LIST_ITEM = re.compile(r"<\s*li[^>]*>", re.IGNORECASE)
_LINK = re.compile(r"<a\s[^>]*href\s*=\s*[\"']?(https?://[^\"' >]+)[\"']?[^>]*>(.*?)</a\s*>",
                   re.IGNORECASE | re.DOTALL)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_TAG_START = re.compile(r"<(?=[A-Za-z/!?])")


def _strip_html(text: str) -> str:
    text = _LINK.sub(lambda m: f"[{m.group(2).strip()}]({m.group(1)})", text)
    text = _LIST_ITEM.sub("\n- ", _BLOCK_TAGS.sub("\n", text))
    # nh3 drops every tag and the content of script/style; then entities back
    # to characters, and any "<tag" they formed is neutralised.
    cleaned = html.unescape(nh3.clean(text, tags=set(), clean_content_tags={"script", "style"}))
    return _CONTROL.sub("", cleaned)


def sanitize_text(value: Any, limit: int = 20000) -> str:
    """Harvested description -> Markdown-safe plain text (no HTML at all)."""
    if not isinstance(value, str) or not value.strip():
        return ""
    text = _TAG_START.sub("&lt;", _strip_html(value))
    text = re.sub(r"\n{3,}", "\n\n", re.sub(r"[ \t]+\n", "\n", text))
    return text.strip()[:limit]


def sanitize_title(value: Any, limit: int = 300) -> str:
    if not isinstance(value, str):
        return ""
    return re.sub(r"\s+", " ", _TAG_START.sub("", _strip_html(value))).strip()[:limit]


def clean_tags(values: Iterable[Any]) -> list[str]:
    tags: list[str] = []
    for value in values:
        for part in as_list(value) if isinstance(value, str) else [str(value)]:
            tag = re.sub(r"[^\w \-.]", " ", sanitize_title(part), flags=re.UNICODE)
            tag = re.sub(r"\s+", " ", tag).strip()[:100]
            if len(tag) >= 2 and tag.lower() not in {t.lower() for t in tags}:
                tags.append(tag)
    return tags


# --------------------------------------------------------------------------- licences

_LICENSES = [
    (re.compile(r"licence[- ]ouverte.*(2\.0|v2)|open[- ]licen[cs]e.*2\.0|etalab-2\.0|\blov2\b|\blo-2\.0\b", re.I), "lo-2.0"),
    (re.compile(r"licence[- ]ouverte|open[- ]licen[cs]e|etalab|\bfr-lo\b|\blo-1\.0\b", re.I), "lo-1.0"),
    (re.compile(r"odbl|open ?database ?licen[cs]e", re.I), "odc-odbl"),
    (re.compile(r"cc[- ]?by[- ]?sa|attribution[- ]share", re.I), "cc-by-sa-4.0"),
    (re.compile(r"cc[- ]?by|creative commons attribution", re.I), "cc-by-4.0"),
    (re.compile(r"cc[- ]?0|cc-zero|public domain dedication|zero", re.I), "cc-zero"),
    (re.compile(r"pddl", re.I), "odc-pddl"),
    (re.compile(r"odc[- ]by", re.I), "odc-by"),
]


def map_license(*values: Any, default: str | None = None) -> str | None:
    """Free-text licence name or URL (ODS, data.gouv.fr, DCAT) -> CKAN licence id."""
    for value in values:
        if not isinstance(value, str) or not value.strip():
            continue
        for pattern, license_id in _LICENSES:
            if pattern.search(value):
                return license_id
    return default


# --------------------------------------------------------------------------- hashing, attribution

def content_hash(package: Mapping[str, Any]) -> str:
    """Stable hash of what we would write: unchanged hash -> no package_update."""
    body = json.dumps(package, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def sirens_from(values: Iterable[Any]) -> list[str]:
    """Valid SIREN found in SIREN/SIRET values (COLL_SIRET, business_number_id...)."""
    out: list[str] = []
    for value in values:
        for item in as_list(value):
            code = normalize_code(item).split(".")[0]  # SIRETs serialised as floats
            siren = siren_of_siret(code) or (code if is_valid_siren(code) else None)
            if siren and siren not in out:
                out.append(siren)
    return out


def detect_resource(item: detect.DetectionInput, registry: Any = None) -> dict[str, str]:
    """The resource fields for a detected schema, or {} when none."""
    found = detect.detect(item, registry)
    if found is None:
        return {}
    return {"schema_name": found.name, "schema_version": found.version, "schema_url": found.url,
            "schema_detection": found.method if found.method != detect.HEADER else "header"}


DATE_FIELDS = ("modified", "issued", "temporal_coverage_start", "temporal_coverage_end")
_DATE = re.compile(r"^\s*(\d{4}-\d{2}-\d{2})")
_EMAIL = re.compile(r"^[^@\s<>\"]+@[^@\s<>\"]+\.[A-Za-z]{2,}$")


def normalise_field(key: str, value: Any) -> Any:
    """Shared dataset fields in the form the portal's schema validates:
    ISO dates (a source's datetime cut to its day), plausible e-mails only."""
    if value is None:
        return None
    if key in DATE_FIELDS:
        match = _DATE.match(str(value))
        return match.group(1) if match else None
    if key == "contact_email":
        text = str(value).strip().removeprefix("mailto:")
        return text if _EMAIL.match(text) else None
    return value


def first(values: Sequence[Any]) -> Any:
    return next((v for v in values if v), None)
