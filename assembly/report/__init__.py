"""The outcomes report: what difference involvement made, each session's story, polls as
server-drawn charts; as one printable HTML page, as PDF, and (cut for the public) the story
at ``/e/{event}/outcomes``. docs/report.md says what it holds and how each figure is made."""

from assembly.report.page import report_html
from assembly.report.pdf import NEEDS_WEASYPRINT, PdfUnavailable, html_to_pdf

__all__ = ["NEEDS_WEASYPRINT", "PdfUnavailable", "html_to_pdf", "report_html"]
