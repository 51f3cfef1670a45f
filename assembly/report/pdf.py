"""The report as PDF, through WeasyPrint (the optional extra ``pdf``), imported only when
asked for: most installations never print, and WeasyPrint brings Pango with it."""

from __future__ import annotations

import importlib
from typing import Any

NEEDS_WEASYPRINT = (
    "PDF needs WeasyPrint: pip install 'assembly[pdf]' (or use --format html and print it)."
)


NEEDS_PANGO = (
    "PDF needs the Pango library that WeasyPrint draws with: on Debian or Ubuntu, "
    "apt-get install libpango-1.0-0 libpangoft2-1.0-0 (or use --format html and print it)."
)
# Said with either, on the organiser's pages: the report's page prints to A4 on its own.
PRINT_INSTEAD = "Meanwhile, open the report and use your browser's Print, then Save as PDF."

MODULE = "weasyprint"  # a name, so that a test can ask for a module that is not there


class PdfUnavailable(Exception):
    """WeasyPrint (or the system libraries it loads) is not installed here."""

    def __init__(self, message: str = NEEDS_WEASYPRINT) -> None:
        super().__init__(message)


def _weasyprint() -> Any:
    try:
        return importlib.import_module(MODULE)
    except ImportError as exc:
        raise PdfUnavailable() from exc
    except OSError as exc:  # the package is there, but not the system library it loads
        raise PdfUnavailable(NEEDS_PANGO) from exc


def pdf_available() -> bool:
    """Whether ``html_to_pdf`` can work here (WeasyPrint and Pango load); cached by Python's
    import system after the first call, so a page may ask it on every render."""
    try:
        _weasyprint()
    except PdfUnavailable:
        return False
    return True


def html_to_pdf(html: str) -> bytes:
    """The PDF of a self-contained HTML page (its @page rules give the paper size)."""
    weasyprint = _weasyprint()
    pdf: bytes = weasyprint.HTML(string=html).write_pdf()
    return pdf
