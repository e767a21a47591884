"""Turn an agent's cell into the text a schema field expects, or say why not.

Each field gets one compiled normaliser, built from its type, format and
constraints (and the custom checks declared on it). A normaliser takes a cell
(text from CSV/ODS, or a typed value from XLSX/XLS) and returns
``(text, problem)``: the converted text and None, or the original text and a
problem ``(code, params)`` when it cannot be converted with certainty —
nothing is guessed and nothing is dropped.
"""
from __future__ import annotations

import difflib
import json
import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Callable, Mapping

from . import identifiers
from .text import fold

Problem = tuple[str, dict] | None
Normaliser = Callable[[Any], tuple[str, Problem]]

MONTHS = {
    "janvier": 1, "janv": 1, "jan": 1, "fevrier": 2, "fevr": 2, "fev": 2, "mars": 3, "mar": 3,
    "avril": 4, "avr": 4, "mai": 5, "juin": 6, "juillet": 7, "juil": 7, "aout": 8, "septembre": 9,
    "sept": 9, "sep": 9, "octobre": 10, "oct": 10, "novembre": 11, "nov": 11, "decembre": 12, "dec": 12,
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
}
TRUE_WORDS = frozenset("oui o yes y vrai true 1 x v ok".split() + ["✓", "✔"])
FALSE_WORDS = frozenset("non n no faux false 0 -".split())
EXCEL_EPOCH = date(1899, 12, 30)
SERIAL_RANGE = (10000, 80000)  # 1927..2119: a plausible date written as an Excel serial number
MEMO_SIZE = 65536

_SPACES = re.compile(r"[\s\u00a0\u202f\u2009']+")
_DMY = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})(?:[ t]+(\d{1,2})[:h](\d{2})(?::(\d{2}))?)?$")
_YMD = re.compile(r"^(\d{4})[/.\-](\d{1,2})[/.\-](\d{1,2})(?:[ t]+(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?)?(z|[+-]\d{2}:?\d{2})?$")
_WORDY = re.compile(r"^(?:[a-z]+\.?\s+)?(\d{1,2})(?:er)?\s+([a-z]+)\.?\s+(\d{4})$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_NUMBER_CHARS = re.compile(r"^[+\-−]?\d[\d.,]*$")
_LIST_SEPARATOR = re.compile(r"\s*;\s*")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_URI = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.\-]*://\S+$")
_DECIMAL = re.compile(r"\d+(\.\d+)?")
# Numbers no thousands/decimal convention can read otherwise: digits grouped by spaces, 1 or 2 decimals.
_PLAIN_NUMBER = re.compile(r"([0-9]{1,3}(?:[ \u00a0\u202f][0-9]{3})+|[0-9]+)(?:,([0-9]{1,2}))?(?: ?€)?")
_CURRENCY = re.compile(r"(?i)€|eur(os?)?\b|\$|%|k€")
_EN_GROUPS = re.compile(r"\d{1,3}(,\d{3})+")
_FR_DOT_GROUPS = re.compile(r"\d{1,3}(\.\d{3})+")
_YEAR = re.compile(r"(?<!\d)(\d{4})(?:[.,]0+)?(?!\d)")
_YEAR_TEXT = re.compile(r"\D{0,20}\d{4}([.,]0+)?\D{0,3}")


def cell_text(cell: Any) -> str:
    """The text of a cell as the agent sees it (numbers without a trailing ``.0``)."""
    if cell is None:
        return ""
    if isinstance(cell, str):
        return cell.strip()
    if isinstance(cell, bool):
        return "oui" if cell else "non"
    if isinstance(cell, float):
        if cell.is_integer() and abs(cell) < 1e15:
            return str(int(cell))
        return format(cell, ".15g")
    if isinstance(cell, datetime):
        return cell.date().isoformat() if cell.time() == time() else cell.isoformat()
    if isinstance(cell, date):
        return cell.isoformat()
    return str(cell).strip()


# --------------------------------------------------------------------------- dates


def _year(text: str) -> int:
    year = int(text)
    if len(text) == 2:
        year += 2000 if year <= (date.today().year % 100) + 10 else 1900
    return year


def parse_moment(cell: Any) -> datetime | date | None:
    """A date (or date and time) from a French, ISO or Excel value; French day/month order."""
    if isinstance(cell, datetime):
        return cell.date() if cell.time() == time() else cell
    if isinstance(cell, date):
        return cell
    if isinstance(cell, (int, float)) and not isinstance(cell, bool):
        if SERIAL_RANGE[0] <= cell <= SERIAL_RANGE[1]:
            moment = datetime.combine(EXCEL_EPOCH, time()) + timedelta(days=float(cell))
            return moment.date() if moment.time() == time() else moment.replace(microsecond=0)
        return None
    text = fold(cell_text(cell))
    if not text:
        return None
    try:
        if _DECIMAL.fullmatch(text) and not _COMPACT.match(text):
            return parse_moment(float(text))
        for pattern, order in ((_YMD, "ymd"), (_DMY, "dmy")):
            match = pattern.match(text)
            if match:
                g = match.groups()
                y, m, d = (int(g[0]), int(g[1]), int(g[2])) if order == "ymd" else (_year(g[2]), int(g[1]), int(g[0]))
                if g[3] is not None:
                    return datetime(y, m, d, int(g[3]), int(g[4]), int(g[5] or 0))
                return date(y, m, d)
        match = _WORDY.match(text)
        if match and match.group(2) in MONTHS:
            return date(int(match.group(3)), MONTHS[match.group(2)], int(match.group(1)))
        match = _COMPACT.match(text)
        if match:
            return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None
    return None


def _date_normaliser(fmt: str | None, with_time: bool) -> Normaliser:
    strftime = fmt if fmt and "%" in fmt else None

    def normalise(cell: Any) -> tuple[str, Problem]:
        moment = parse_moment(cell)
        if moment is None:
            return cell_text(cell), ("not-a-datetime" if with_time else "not-a-date", {})
        if with_time:
            if not isinstance(moment, datetime):
                moment = datetime.combine(moment, time())
            return (moment.strftime(strftime) if strftime else moment.isoformat()), None
        day = moment.date() if isinstance(moment, datetime) else moment
        return (day.strftime(strftime) if strftime else day.isoformat()), None

    return normalise


# --------------------------------------------------------------------------- numbers


def number_style(samples: list[Any]) -> str:
    """How a column groups thousands: ``en`` (1,234.5), ``fr-dots`` (1.234,5) or ``fr`` (1 234,5)."""
    votes = {"en": 0, "fr-dots": 0, "fr": 0}
    for cell in samples:
        if not isinstance(cell, str):
            continue
        text = _SPACES.sub("", cell)
        if re.search(r"\d,\d{3}\.\d", text) or re.fullmatch(r"[+\-]?\d{1,3}(,\d{3}){2,}(\.\d+)?", text):
            votes["en"] += 1
        elif re.search(r"\d\.\d{3},\d", text) or re.fullmatch(r"[+\-]?\d{1,3}(\.\d{3}){2,}(,\d+)?", text):
            votes["fr-dots"] += 1
        elif re.search(r",(\d{1,2}|\d{4,})$", text):
            votes["fr"] += 1
    best = max(votes, key=lambda k: (votes[k], k == "fr"))
    return best if votes[best] else "fr"


def parse_number(cell: Any, style: str = "fr") -> tuple[str, bool] | None:
    """(number as plain text with a dot, had a % sign), or None."""
    if isinstance(cell, bool):
        return None
    if isinstance(cell, (int, float)):
        return cell_text(cell), False
    text = cell_text(cell)
    quick = _PLAIN_NUMBER.fullmatch(text)
    if quick:  # 1234, 12,5, 2 441,50 €: read the same by any style, no need for the general rules
        integer, fraction = quick.groups()
        integer = _SPACES.sub("", integer)
        return (integer + "." + fraction if fraction else integer), False
    return _parse_text_number(text, style)


def _parse_text_number(text: str, style: str) -> tuple[str, bool] | None:
    percent = "%" in text
    negative = False
    text = _CURRENCY.sub("", text)
    text = _SPACES.sub("", text).replace("−", "-")
    if text.startswith("(") and text.endswith(")"):
        negative, text = True, text[1:-1]
    if text.endswith("-") and not text.startswith("-"):
        negative, text = True, text[:-1]
    if text.startswith("+"):
        text = text[1:]
    if text.startswith("-"):
        negative, text = not negative, text[1:]
    if not text or not _NUMBER_CHARS.match(text):
        return None
    commas, dots = text.count(","), text.count(".")
    if commas and dots:
        decimal_sep = "," if text.rfind(",") > text.rfind(".") else "."
    elif commas:
        decimal_sep = "." if (commas > 1 or (style == "en" and _EN_GROUPS.fullmatch(text))) else ","
    elif dots:
        decimal_sep = "," if (dots > 1 or (style == "fr-dots" and _FR_DOT_GROUPS.fullmatch(text))) else "."
    else:
        decimal_sep = "."
    thousands = "," if decimal_sep == "." else "."
    integer, _, fraction = text.replace(thousands, "").partition(decimal_sep)
    if not integer.isdigit() and integer != "" or (fraction and not fraction.isdigit()) or decimal_sep in fraction:
        return None
    result = (integer or "0") + ("." + fraction if fraction else "")
    return ("-" + result if negative and result.strip("0.") else result), percent


def _plain(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


def _number_normaliser(field: Mapping[str, Any], integer: bool, style: str) -> Normaliser:
    constraints = field.get("constraints") or {}
    maximum = constraints.get("maximum")
    fraction_unit = maximum is not None and float(maximum) <= 1  # a share written as 0.45

    def normalise(cell: Any) -> tuple[str, Problem]:
        parsed = parse_number(cell, style)
        if parsed is None:
            return cell_text(cell), ("not-an-integer" if integer else "not-a-number", {})
        text, percent = parsed
        if percent and fraction_unit:
            text = _plain(Decimal(text) / 100)
        if integer:
            try:
                value = Decimal(text)
            except InvalidOperation:
                return cell_text(cell), ("not-an-integer", {})
            if value != value.to_integral_value():
                return cell_text(cell), ("not-an-integer", {})
            text = str(int(value))
        return text, _range_problem(text, constraints)

    return normalise


def _range_problem(text: str, constraints: Mapping[str, Any]) -> Problem:
    try:
        value = Decimal(text)
        if "minimum" in constraints and value < Decimal(str(constraints["minimum"])):
            return "out-of-range", {}
        if "maximum" in constraints and value > Decimal(str(constraints["maximum"])):
            return "out-of-range", {}
    except InvalidOperation:
        return None
    return None


def _year_normaliser() -> Normaliser:
    def normalise(cell: Any) -> tuple[str, Problem]:
        if isinstance(cell, (date, datetime)):
            return str(cell.year), None
        text = cell_text(cell)
        found = _YEAR.findall(text)
        if len(found) == 1 and _YEAR_TEXT.fullmatch(text):
            return found[0], None
        return text, ("not-a-year", {})

    return normalise


# --------------------------------------------------------------------------- booleans, enums, lists


def _boolean_normaliser(field: Mapping[str, Any]) -> Normaliser:
    trues = list(field.get("trueValues") or ["true", "True", "TRUE", "1"])
    falses = list(field.get("falseValues") or ["false", "False", "FALSE", "0"])
    values = " / ".join(trues[:1] + falses[:1])

    def normalise(cell: Any) -> tuple[str, Problem]:
        if isinstance(cell, bool):
            return (trues[0] if cell else falses[0]), None
        text = cell_text(cell)
        if text in trues or text in falses:
            return text, None
        word = fold(text).strip(" .!")
        if word in TRUE_WORDS or word in {fold(v) for v in trues}:
            return trues[0], None
        if word in FALSE_WORDS or word in {fold(v) for v in falses}:
            return falses[0], None
        return text, ("not-a-boolean", {"values": values})

    return normalise


def enum_key(text: str) -> str:
    return " ".join(_LIST_SEPARATOR.sub(";", fold(text)).replace("’", "'").split())


def match_enum(text: str, members: list[str]) -> tuple[str | None, Problem]:
    """The allowed value ``text`` stands for, matched without case, accents or list spacing.

    A value close to exactly one member (a typo, a shortened form) takes it;
    close to several, it is never guessed.
    """
    if text in members:
        return text, None
    keys = {enum_key(m): m for m in members}
    key = enum_key(text)
    if key in keys:
        return keys[key], None
    close = [m for k, m in keys.items() if difflib.SequenceMatcher(None, key, k).ratio() >= 0.85
             or (len(key) >= 4 and k.startswith(key + " "))]
    shown = ", ".join(members[:8]) + (" …" if len(members) > 8 else "")
    if len(close) == 1:
        return close[0], None
    if len(close) > 1:
        return None, ("enum-ambiguous", {"values": ", ".join(close)})
    return None, ("enum-unknown", {"values": shown})


def implied_values(field: Mapping[str, Any]) -> list[str]:
    """Values a description lists in quotes ("'unique', 'échelonné' ou 'autre'")."""
    description = str(field.get("description") or "")
    if not re.search(r"(?i)valeurs?|choix|parmi", description):
        return []
    return [v for v in re.findall(r"'([^'\n]{1,40})'", description) if not v.startswith(("http", "["))]


# --------------------------------------------------------------------------- strings

_DATE_TOKEN = re.compile(r"\d{1,4}[/.\-]\d{1,2}[/.\-]\d{1,4}|\d{1,2}(?:er)? [a-zéû]+\.? \d{4}")
_CONNECTORS = re.compile(r"(?i)^[\s/\-–—→au]*(du|le|depuis)?[\s/\-–—→]*(au|a|à|jusqu'au)?[\s/\-–—→]*$")


def _dates_text(text: str) -> str | None:
    """``01/03/2024 - 30/06/2024`` → ``2024-03-01/2024-06-30`` (one or two dates)."""
    tokens = _DATE_TOKEN.findall(text)
    if not 1 <= len(tokens) <= 2:
        return None
    rest = _DATE_TOKEN.sub(" ", text)
    if rest.strip() and not _CONNECTORS.match(rest.replace(" ", " ")):
        return None
    moments = [parse_moment(token) for token in tokens]
    if any(m is None for m in moments):
        return None
    return "/".join((m.date() if isinstance(m, datetime) else m).isoformat() for m in moments)


def _pattern_candidates(text: str, cell: Any) -> list[str]:
    """Other spellings of a value to try against a field's pattern, most faithful first."""
    candidates = [" ".join(text.split())]
    dated = _dates_text(text) if not isinstance(cell, (date, datetime)) else cell_text(cell)
    if dated:
        candidates.append(dated)
    candidates.append(text.replace(",", "."))
    compact = re.sub(r"[\s.\-_\u00a0\u202f]", "", text)
    if sum(c.isdigit() for c in compact) * 2 >= len(compact):  # an identifier typed with separators
        candidates.append(compact)
    candidates += [text.upper(), text.lower()]
    if compact.isdigit():
        candidates += [compact.zfill(n) for n in range(len(compact) + 1, len(compact) + 3)]
    return candidates


def _string_normaliser(field: Mapping[str, Any], checks: set[str]) -> Normaliser:
    constraints = field.get("constraints") or {}
    pattern = constraints.get("pattern")
    matcher = re.compile(f"^(?:{pattern})$").match if pattern else None
    members = [str(m) for m in constraints.get("enum") or []]
    soft = [] if members else implied_values(field)
    max_length = constraints.get("maxLength")
    min_length = constraints.get("minLength")
    fmt = field.get("format")
    words = fold(f"{field.get('name', '')} {field.get('title', '')}")
    is_list = any(";" in m for m in members) or "point-virgule" in fold(str(field.get("description") or "")) \
        or ";" in str(field.get("example") or "")
    postal = "postal" in words and not pattern

    for kind, length, patterns in (("siret", 14, (r"^\d{14}$", r"\d{14}")), ("siren", 9, (r"^\d{9}$", r"\d{9}"))):
        if kind in checks or pattern in patterns:
            valid = identifiers.validator(kind) if kind in checks else str.isdigit
            on_text = identifiers.normaliser(kind, length, valid)
            return lambda cell: on_text(cell_text(cell))

    def normalise(cell: Any) -> tuple[str, Problem]:
        text = cell_text(cell)
        if not text:
            return "", None
        if is_list:
            text = _LIST_SEPARATOR.sub(";", text)
        if members:
            found, problem = match_enum(text, members)
            return (found, None) if found is not None else (text, problem)
        if soft:
            key = enum_key(text)
            text = next((v for v in soft if enum_key(v) == key), text)
        if fmt == "email":
            text = re.sub(r"(?i)^mailto:", "", text).strip()
            if not _EMAIL.match(text):
                return text, ("pattern", {})
        elif fmt == "uri":
            if text.lower().startswith("www."):
                text = "https://" + text
            if not _URI.match(text):
                return text, ("pattern", {})
        if postal and text.isdigit() and len(text) == 4:
            text = text.zfill(5)
        if matcher is not None and not matcher(text):
            found_text = next((c for c in _pattern_candidates(text, cell) if matcher(c)), None)
            if found_text is None:
                kind = "bad-insee" if pattern and "2[AB" in pattern else "pattern"
                return text, (kind, {})
            text = found_text
        if min_length is not None and len(text) < int(min_length):
            return text, ("pattern", {})
        if max_length is not None and len(text) > int(max_length):
            return text, ("too-long", {"limit": max_length})
        return text, None

    return normalise


def _array_normaliser(field: Mapping[str, Any]) -> Normaliser:
    item = field.get("arrayItem") or {}
    members = [str(m) for m in (item.get("constraints") or {}).get("enum") or []]

    def normalise(cell: Any) -> tuple[str, Problem]:
        text = cell_text(cell)
        if not text:
            return "", None
        try:
            items = json.loads(text)
            if not isinstance(items, list):
                raise ValueError
        except ValueError:
            items = [part for part in re.split(r"\s*[;,|\n]\s*", text) if part]
        result = []
        for part in items:
            part = str(part).strip()
            if members:
                found, problem = match_enum(part, members)
                if found is None:
                    return text, problem
                part = found
            result.append(part)
        return json.dumps(result, ensure_ascii=False), None

    return normalise


# --------------------------------------------------------------------------- entry point


def compile_field(field: Mapping[str, Any], checks: set[str] = frozenset(), samples: list[Any] = (),
                  *, memo: bool = True) -> Normaliser:
    """The normaliser for one schema field; ``samples`` of its column settle the number style.

    With ``memo`` (the default) each distinct cell is converted once; a caller
    that keeps its own cache (the conversion loop) asks for the bare normaliser.
    """
    ftype = field.get("type") or "string"
    fmt = field.get("format")
    if ftype in ("number", "integer"):
        inner = _number_normaliser(field, ftype == "integer", number_style(list(samples)))
    elif ftype == "date":
        inner = _date_normaliser(fmt, with_time=False)
    elif ftype == "datetime":
        inner = _date_normaliser(fmt, with_time=True)
    elif ftype == "year":
        inner = _year_normaliser()
    elif ftype == "boolean":
        inner = _boolean_normaliser(field)
    elif ftype == "array":
        inner = _array_normaliser(field)
    elif ftype == "string":
        inner = _string_normaliser(field, set(checks))
    else:
        inner = lambda cell: (cell_text(cell), None)  # noqa: E731 - other types pass through, trimmed

    def bare(cell: Any) -> tuple[str, Problem]:
        return ("", None) if cell is None or cell == "" else inner(cell)

    if not memo:
        return bare
    cache: dict[Any, tuple[str, Problem]] = {}

    def normalise(cell: Any) -> tuple[str, Problem]:
        key = cell_key(cell)
        found = cache.get(key)
        if found is None:
            found = bare(cell)
            if len(cache) < MEMO_SIZE:
                cache[key] = found
        return found

    return normalise


def cell_key(cell: Any) -> Any:
    """A cache key for a cell: 1, 1.0 and True are equal in Python but not the same cell."""
    return cell if cell.__class__ is str else (cell.__class__, cell)
