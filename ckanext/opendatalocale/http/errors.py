"""Errors of the HTTP client and their bilingual user-facing messages.

Every error is a :class:`FetchError` carrying a ``code`` and a ``message``
({"fr": ..., "en": ...}) that the CKAN glue can show as is. The duration and
size formatters live here because the messages are their main users.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # only for an annotation: response.py imports this module
    from .response import HttpResponse


def _seconds(value: float) -> str:
    return f"{value:.0f}" if float(value).is_integer() or value >= 10 else f"{value:.1f}"


def seconds_text(value: float, lang: str = "en") -> str:
    """A duration for a message: "1.5" in English, "1,5" in French."""
    text = _seconds(value)
    return text.replace(".", ",") if lang == "fr" else text


def _size(value: int) -> str:
    """In English units; FetchError writes the French ones (Mio, Kio, octets)."""
    if value >= 1024 * 1024:
        return f"{value / (1024 * 1024):.1f} MiB"
    if value >= 1024:
        return f"{value / 1024:.1f} KiB"
    return f"{value} bytes"


_FRENCH_UNITS = ((" MiB", " Mio"), (" KiB", " Kio"), (" bytes", " octets"))


def _french(value: str) -> str:
    value = _DECIMAL.sub(r"\1,\2", value)
    for english, french in _FRENCH_UNITS:
        value = value.replace(english, french)
    return value


# code -> (French, English); params are filled with str.format.
MESSAGES: dict[str, tuple[str, str]] = {
    "unsafe_url.scheme": (
        "L'adresse {url} est refusée : seuls les protocoles http et https sont autorisés",
        "The address {url} is refused: only the http and https schemes are allowed",
    ),
    "unsafe_url.invalid": (
        "L'adresse {url} n'est pas une URL valide",
        "The address {url} is not a valid URL",
    ),
    "unsafe_url.private": (
        "L'adresse {url} est refusée : l'hôte {host} désigne une adresse interne ({ip})",
        "The address {url} is refused: the host {host} points to an internal address ({ip})",
    ),
    "dns": (
        "Le nom d'hôte {host} est introuvable",
        "The host name {host} could not be resolved",
    ),
    "connection_failed": (
        "Impossible de se connecter au serveur distant {host}",
        "Could not connect to the remote server {host}",
    ),
    "timeout.connect": (
        "Le serveur distant {host} n'a pas accepté la connexion dans le délai de {seconds} s",
        "The remote server {host} did not accept the connection within {seconds} s",
    ),
    "timeout.read": (
        "Le serveur distant n'a pas répondu dans le délai de {seconds} s",
        "The remote server did not respond within {seconds} s",
    ),
    "timeout.total": (
        "Le téléchargement de {url} a dépassé la durée maximale de {seconds} s",
        "Downloading {url} took longer than the maximum of {seconds} s",
    ),
    "timeout.deadline": (
        "Le délai de {seconds} s accordé à cette opération est écoulé ({url})",
        "The {seconds} s allowed for this operation have run out ({url})",
    ),
    "truncated": (
        "La connexion avec le serveur distant a été interrompue avant la fin de la réponse ({url})",
        "The connection to the remote server was cut before the end of the response ({url})",
    ),
    "too_large": (
        "La réponse de {url} dépasse la taille maximale autorisée ({limit})",
        "The response from {url} is larger than the allowed maximum ({limit})",
    ),
    "too_many_redirects": (
        "Trop de redirections (plus de {limit}) depuis {url}",
        "Too many redirects (more than {limit}) from {url}",
    ),
    "http_status": (
        "Le serveur distant a répondu avec l'erreur HTTP {status} pour {url}",
        "The remote server answered with HTTP error {status} for {url}",
    ),
    "rate_limited": (
        "Le serveur distant demande d'attendre {seconds} s avant de réessayer, "
        "au-delà de l'attente maximale de {limit} s ({url})",
        "The remote server asks to wait {seconds} s before retrying, "
        "more than the maximum wait of {limit} s ({url})",
    ),
    "not_json": (
        "Le serveur distant a renvoyé une page {kind} au lieu de données JSON ({url})",
        "The remote server returned a {kind} page instead of JSON data ({url})",
    ),
    "malformed_json": (
        "Les données JSON reçues de {url} sont invalides : {detail}",
        "The JSON data received from {url} is invalid: {detail}",
    ),
    "decode": (
        "La réponse de {url} n'a pas pu être décompressée",
        "The response from {url} could not be decompressed",
    ),
}


_DECIMAL = re.compile(r"^(\d+)\.(\d+)")


class FetchError(Exception):
    """Base of every error raised by :class:`HttpClient`."""

    default_code = "fetch_error"

    def __init__(self, code: str | None = None, *, url: str | None = None, **params: Any):
        self.code = code or self.default_code
        self.url = url
        self.params = {"url": url or "", **params}
        fr, en = MESSAGES.get(self.code, ("Erreur de téléchargement ({url})", "Download error ({url})"))
        # French writes decimals with a comma and its own units: "0,5 s", "1,5 Mio".
        fr_params = {k: _french(v) if k in ("seconds", "limit") and isinstance(v, str) else v
                     for k, v in self.params.items()}
        self.message = {"fr": fr.format(**fr_params), "en": en.format(**self.params)}
        super().__init__(self.message["en"])


class UnsafeURL(FetchError):
    default_code = "unsafe_url.invalid"


class ConnectionFailed(FetchError):
    default_code = "connection_failed"


class TruncatedBody(ConnectionFailed):
    default_code = "truncated"


class FetchTimeout(FetchError):
    default_code = "timeout.read"


class DeadlineExceeded(FetchTimeout):
    """The client's overall deadline passed: the request was not started, or cut."""

    default_code = "timeout.deadline"


class TooLarge(FetchError):
    default_code = "too_large"


class TooManyRedirects(FetchError):
    default_code = "too_many_redirects"


class HTTPStatusError(FetchError):
    """A final non-success status. ``response`` holds the (capped) error body."""

    default_code = "http_status"

    def __init__(self, code: str | None = None, *, url: str | None = None,
                 status: int = 0, response: "HttpResponse | None" = None, **params: Any):
        self.status = status
        self.response = response
        super().__init__(code, url=url, status=status, **params)


class RateLimited(HTTPStatusError):
    """The server asked us to wait longer than ``max_retry_wait``."""

    default_code = "rate_limited"


class MalformedResponse(FetchError):
    default_code = "malformed_json"

