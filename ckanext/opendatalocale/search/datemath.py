"""Solr date values and date math (``NOW/DAY-7DAYS``, ``2024-01-01T00:00:00Z+1MONTH``)."""
from __future__ import annotations

import datetime as dt
import re

from dateutil.parser import isoparse
from dateutil.relativedelta import relativedelta

_UNITS = {
    "YEAR": "years", "YEARS": "years",
    "MONTH": "months", "MONTHS": "months",
    "DAY": "days", "DAYS": "days", "DATE": "days",
    "HOUR": "hours", "HOURS": "hours",
    "MINUTE": "minutes", "MINUTES": "minutes",
    "SECOND": "seconds", "SECONDS": "seconds",
    "MILLI": "microseconds", "MILLIS": "microseconds",
    "MILLISECOND": "microseconds", "MILLISECONDS": "microseconds",
}
_ROUNDING = ("years", "months", "days", "hours", "minutes", "seconds")
_OP_RE = re.compile(r"([+\-/])(\d*)([A-Z]+)")


class DateMathError(ValueError):
    pass


def parse_date(value: str, now: dt.datetime | None = None) -> dt.datetime:
    """Turn a Solr date expression into an aware UTC datetime."""
    text = value.strip()
    now = now or dt.datetime.now(dt.timezone.utc)
    if text.upper().startswith("NOW"):
        base, ops = now, text[3:].upper()
    else:
        split = _first_math_operator(text)
        anchor, ops = text[:split], text[split:].upper()
        try:
            base = isoparse(anchor)
        except ValueError as exc:
            raise DateMathError(f"Invalid date: {value!r}") from exc
        if base.tzinfo is None:
            base = base.replace(tzinfo=dt.timezone.utc)
    return _apply_math(base.astimezone(dt.timezone.utc), ops, value)


def _first_math_operator(text: str) -> int:
    # Date math starts after the ISO timestamp: a '+'/'-' followed by a
    # number and unit, or a '/' followed by a unit. Skip the date's own '-'.
    match = re.search(r"(?<=Z)[+\-/]|(?<=\d)/[A-Z]|(?<=\d)[+](?=\d+[A-Z])", text.upper())
    return match.start() if match else len(text)


def _apply_math(base: dt.datetime, ops: str, original: str) -> dt.datetime:
    position = 0
    while position < len(ops):
        match = _OP_RE.match(ops, position)
        if not match:
            raise DateMathError(f"Invalid date math: {original!r}")
        operator, amount, unit_name = match.groups()
        unit = _UNITS.get(unit_name)
        if unit is None:
            raise DateMathError(f"Unknown date unit {unit_name!r} in {original!r}")
        if operator == "/":
            base = _round_down(base, unit)
        else:
            if not amount:
                raise DateMathError(f"Missing amount in {original!r}")
            count = int(amount) * (1000 if unit == "microseconds" else 1)
            try:
                delta = relativedelta(**{unit: count})
                base = base + delta if operator == "+" else base - delta
            except (OverflowError, ValueError) as exc:  # past year 9999 or before year 1
                raise DateMathError(f"Date out of range: {original!r}") from exc
        position = match.end()
    return base


def _round_down(value: dt.datetime, unit: str) -> dt.datetime:
    if unit == "microseconds":
        return value.replace(microsecond=(value.microsecond // 1000) * 1000)
    keep = _ROUNDING.index(unit)
    reset = {
        "months": 1, "days": 1, "hours": 0, "minutes": 0, "seconds": 0,
    }
    fields = {name: reset[name] for name in _ROUNDING[keep + 1:]}
    fields["microsecond"] = 0
    mapping = {"months": "month", "days": "day", "hours": "hour", "minutes": "minute",
               "seconds": "second"}
    return value.replace(**{mapping.get(k, k): v for k, v in fields.items()})
