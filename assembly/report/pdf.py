"""The report as PDF, through WeasyPrint (the optional extra ``pdf``), imported only when
asked for: most installations never print, and WeasyPrint brings Pango with it."""

from __future__ import annotations

import importlib
from typing import Any

NEEDS_WEASYPRINT = (
    "PDF needs WeasyPrint: pip install 'assembly[pdf]' (or use --format html and print it)."
)


MODULE = "weasyprint"  # a name, so that a test can ask for a module that is not there


class PdfUnavailable(Exception):
    """WeasyPrint (or the system libraries it loads) is not installed here."""

    def __init__(self, message: str = NEEDS_WEASYPRINT) -> None:
        super().__init__(message)


def _weasyprint() -> Any:
    try:
        return importlib.import_module(MODULE)
    except (ImportError, OSError) as exc:  # OSError: the package is there but Pango is not
        raise PdfUnavailable() from exc


def html_to_pdf(html: str) -> bytes:
    """The PDF of a self-contained HTML page (its @page rules give the paper size)."""
    weasyprint = _weasyprint()
    pdf: bytes = weasyprint.HTML(string=html).write_pdf()
    return pdf
