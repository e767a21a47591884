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
from .cells import cell_key, cell_text  # noqa: F401 - part of this module's interface
from .numbers import example_precision, number_style, parse_number  # noqa: F401
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

_DMY = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})(?:[ t]+(\d{1,2})[:h](\d{2})(?::(\d{2}))?)?$")
_YMD = re.compile(r"^(\d{4})[/.\-](\d{1,2})[/.\-](\d{1,2})(?:[ t]+(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?)?(z|[+-]\d{2}:?\d{2})?$")
_WORDY = re.compile(r"^(?:[a-z]+\.?\s+)?(\d{1,2})(?:er)?\s+([a-z]+)\.?\s+(\d{4})$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_LIST_SEPARATOR = re.compile(r"\s*;\s*")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_URI = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.\-]*://\S+$")
_DECIMAL = re.compile(r"\d+(\.\d+)?")
_YEAR = re.compile(r"(?<!\d)(\d{4})(?:[.,]0+)?(?!\d)")
_YEAR_TEXT = re.compile(r"\D{0,20}\d{4}([.,]0+)?\D{0,3}")


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


def _plain(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


def _number_normaliser(field: Mapping[str, Any], integer: bool, style: str) -> Normaliser:
    constraints = field.get("constraints") or {}
    maximum = constraints.get("maximum")
    fraction_unit = maximum is not None and float(maximum) <= 1  # a share written as 0.45
    bounded = "minimum" in constraints or "maximum" in constraints

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
        return text, (_range_problem(text, constraints) if bounded else None)

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
    close = [m for k, m in keys.items() if _similar(key, k) or (len(key) >= 4 and k.startswith(key + " "))]
    shown = ", ".join(members[:8]) + (" …" if len(members) > 8 else "")
    if len(close) == 1:
        return close[0], None
    if len(close) > 1:
        return None, ("enum-ambiguous", {"values": ", ".join(close)})
    return None, ("enum-unknown", {"values": shown})


def _similar(a: str, b: str) -> bool:
    matcher = difflib.SequenceMatcher(None, a, b)  # the quick ratios are upper bounds of ratio()
    return matcher.real_quick_ratio() >= 0.85 and matcher.quick_ratio() >= 0.85 and matcher.ratio() >= 0.85


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
    if not (matcher or members or soft or is_list or postal or fmt in ("email", "uri")
            or max_length is not None or min_length is not None):
        return as_text

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


def as_text(cell: Any) -> tuple[str, Problem]:
    """The normaliser of a field with no rule: the cell's text, trimmed (callers may skip it)."""
    return cell_text(cell), None


def compile_field(field: Mapping[str, Any], checks: set[str] = frozenset(), samples: list[Any] = (),
                  *, memo: bool = True) -> Normaliser:
    """The normaliser for one schema field; ``samples`` of its column settle the number style.

    With ``memo`` (the default) each distinct cell is converted once; a caller
    that keeps its own cache (the conversion loop) asks for the bare normaliser.
    """
    ftype = field.get("type") or "string"
    fmt = field.get("format")
    if ftype in ("number", "integer"):
        inner = _number_normaliser(field, ftype == "integer", number_style(list(samples), example_precision(field)))
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
        inner = as_text  # other types pass through, trimmed

    def bare(cell: Any) -> tuple[str, Problem]:
        return ("", None) if cell is None or cell == "" else inner(cell)

    if not memo:
        return inner if inner is as_text else bare
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
