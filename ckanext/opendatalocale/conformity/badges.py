"""SVG badges of the four conformity states, embeddable on any website.

Flat, self-contained SVG (no external font or image); the text is escaped and
the width computed from the characters, so the badge needs no renderer.
"""
from __future__ import annotations

from xml.sax.saxutils import escape

from .status import COLOURS, STATUS_UNCHECKED, SYMBOLS, label

LEFT_COLOUR = "#3b4a5a"
HEIGHT = 20

# Rough Verdana 11px advance widths, enough to size the boxes.
_NARROW = set("fijlrtI.,:;!'|() ")
_WIDE = set("mwMW@%")


def text_width(text: str) -> int:
    width = 0.0
    for char in text:
        if char in _NARROW:
            width += 4.0
        elif char in _WIDE:
            width += 10.0
        elif char.isupper():
            width += 8.0
        else:
            width += 6.8
    return int(round(width))


def render(status: str, lang: str = "fr", subject: str | None = None) -> str:
    """The SVG of a badge for ``status`` (valid, invalid, error, unchecked)."""
    if status not in COLOURS:
        status = STATUS_UNCHECKED
    left = subject or ("conformité SCDL" if lang == "fr" else "SCDL conformity")
    right = f"{SYMBOLS[status]} {label(status, lang)}"
    left_w = text_width(left) + 12
    right_w = text_width(right) + 12
    total = left_w + right_w
    title = f"{left} : {label(status, lang)}" if lang == "fr" else f"{left}: {label(status, lang)}"
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{total}" height="{HEIGHT}" role="img" '
        f'aria-label="{escape(title, {chr(34): "&quot;"})}" data-status="{status}">'
        f"<title>{escape(title)}</title>"
        f'<rect width="{left_w}" height="{HEIGHT}" rx="3" fill="{LEFT_COLOUR}"/>'
        f'<rect x="{left_w}" width="{right_w}" height="{HEIGHT}" rx="3" fill="{COLOURS[status]}"/>'
        f'<rect x="{left_w}" width="4" height="{HEIGHT}" fill="{COLOURS[status]}"/>'
        f'<g fill="#fff" font-family="Verdana,DejaVu Sans,sans-serif" font-size="11">'
        f'<text x="{left_w / 2:.1f}" y="14" text-anchor="middle">{escape(left)}</text>'
        f'<text x="{left_w + right_w / 2:.1f}" y="14" text-anchor="middle">{escape(right)}</text>'
        f"</g></svg>"
    )
