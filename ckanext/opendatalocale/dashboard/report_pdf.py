"""The annual report as PDF, made on the server by WeasyPrint from the printable HTML page.

WeasyPrint is pure Python on Debian's pango (``scripts/pdf.sh`` installs it): no browser to
run in production, and the page's print styles (A4, page breaks, running footer) are the PDF's.
"""
from __future__ import annotations


def html_to_pdf(html: str, base_url: str | None = None) -> bytes:
    from weasyprint import HTML

    return HTML(string=html, base_url=base_url).write_pdf()
