"""Charts drawn as SVG text on the server (no JavaScript, no CDN: they print and work offline).
Every chart carries a title and a description for screen readers; the pages put its table
beside it. Pure Python."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape

FONT = "font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif"
BAR = "#0b5a80"
MARK = "#c2410c"


def format_number(value: float | None, decimals: int = 1, lang: str = "fr") -> str:
    """1 234,5 in French (narrow no-break spaces), 1,234.5 in English; "—" for no value."""
    if value is None:
        return "—"
    text = f"{value:,.{decimals}f}"
    if lang == "fr":
        text = text.replace(",", "\u202f").replace(".", ",")
    return text


def _open(width: int, height: int, title: str, description: str, ident: str) -> list[str]:
    return [f'<svg xmlns="http://www.w3.org/2000/svg" class="odl-chart" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img" aria-labelledby="{ident}-t {ident}-d" style="{FONT}">',
            f'<title id="{ident}-t">{escape(title)}</title><desc id="{ident}-d">{escape(description)}</desc>',
            f'<rect width="{width}" height="{height}" fill="#fff"/>']


def bars(items: Sequence[tuple[str, float | None]], title: str, ident: str = "chart", width: int = 560,
         fmt: Callable[[float | None], str] = format_number, highlight: str | None = None,
         reference: tuple[str, float] | None = None) -> str:
    """Horizontal bars, one per (label, value); ``highlight`` names the bar drawn in the accent
    colour, ``reference`` adds a dashed line (e.g. the median)."""
    row, label_width, top = 24, min(220, width // 2), 8
    height = top * 2 + row * max(len(items), 1) + (18 if reference else 0)
    values = [v for _, v in items if v is not None] + ([reference[1]] if reference else [])
    high = max(values, default=0) or 1
    span = width - label_width - 90
    description = "; ".join(f"{label}: {fmt(value)}" for label, value in items)
    out = _open(width, height, title, description, ident)
    for i, (label, value) in enumerate(items):
        y = top + i * row
        short = label if len(label) <= 32 else label[:31] + "…"
        out.append(f'<text x="{label_width - 6}" y="{y + 16}" font-size="12" text-anchor="end" fill="#24292f">'
                   f'{escape(short)}</text>')
        length = 0 if value is None else max(value, 0) / high * span
        colour = MARK if highlight is not None and label == highlight else BAR
        out.append(f'<rect x="{label_width}" y="{y + 4}" width="{length:.1f}" height="{row - 8}" fill="{colour}"/>')
        out.append(f'<text x="{label_width + length + 4:.1f}" y="{y + 16}" font-size="12" fill="#24292f">'
                   f'{escape(fmt(value))}</text>')
    if reference:
        x = label_width + max(reference[1], 0) / high * span
        bottom = top + row * len(items)
        out.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{bottom}" stroke="#57606a" '
                   f'stroke-dasharray="4 3"/>')
        out.append(f'<text x="{x:.1f}" y="{bottom + 14}" font-size="11" text-anchor="middle" fill="#57606a">'
                   f'{escape(reference[0])} {escape(fmt(reference[1]))}</text>')
    out.append("</svg>")
    return "".join(out)


def columns(items: Sequence[tuple[str, float | None]], title: str, ident: str = "trend", width: int = 560,
            height: int = 200, fmt: Callable[[float | None], str] = format_number) -> str:
    """Vertical columns over ordered labels (years, months): a trend."""
    bottom, top = height - 24, 18
    values = [v for _, v in items if v is not None]
    high = max(values, default=0) or 1
    step = (width - 20) / max(len(items), 1)
    bar = min(48.0, step * 0.7)
    description = "; ".join(f"{label}: {fmt(value)}" for label, value in items)
    out = _open(width, height, title, description, ident)
    out.append(f'<line x1="10" y1="{bottom}" x2="{width - 10}" y2="{bottom}" stroke="#8c959f"/>')
    for i, (label, value) in enumerate(items):
        x = 10 + i * step + (step - bar) / 2
        length = 0 if value is None else max(value, 0) / high * (bottom - top)
        out.append(f'<rect x="{x:.1f}" y="{bottom - length:.1f}" width="{bar:.1f}" height="{length:.1f}" fill="{BAR}"/>')
        centre = x + bar / 2
        out.append(f'<text x="{centre:.1f}" y="{bottom - length - 4:.1f}" font-size="11" text-anchor="middle" '
                   f'fill="#24292f">{escape(fmt(value))}</text>')
        if len(items) <= 16 or i % max(len(items) // 12, 1) == 0:
            out.append(f'<text x="{centre:.1f}" y="{bottom + 15}" font-size="11" text-anchor="middle" '
                       f'fill="#57606a">{escape(label)}</text>')
    out.append("</svg>")
    return "".join(out)


def card(title: str, value: str, unit: str, lines: Sequence[str], source: str, width: int = 360,
         height: int = 170, ident: str = "card") -> str:
    """The embeddable card of one indicator for a commune's own site."""
    out = _open(width, height, title, f"{value} {unit}. " + " ".join(lines), ident)
    out.append(f'<rect x="0.5" y="0.5" width="{width - 1}" height="{height - 1}" rx="8" fill="#f6f8fa" stroke="#d0d7de"/>')
    out.append(f'<text x="16" y="28" font-size="15" font-weight="600" fill="#3d4752">{escape(title)}</text>')
    out.append(f'<text x="16" y="70" font-size="32" font-weight="700" fill="{BAR}">{escape(value)}</text>')
    out.append(f'<text x="16" y="92" font-size="13" fill="#57606a">{escape(unit)}</text>')
    for i, line in enumerate(lines[:2]):
        out.append(f'<text x="16" y="{116 + i * 18}" font-size="12" fill="#24292f">{escape(line)}</text>')
    out.append(f'<text x="16" y="{height - 10}" font-size="10" fill="#57606a">{escape(source)}</text>')
    out.append("</svg>")
    return "".join(out)
