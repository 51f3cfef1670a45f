"""The outcomes report as one self-contained HTML page: inline CSS (with the A4 print rules),
inline SVG charts, no script, nothing fetched. Open it, print it, or make a PDF of it."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from assembly.models import Event
from assembly.render import document_env
from assembly.report.build import build
from assembly.report.charts import chart_html


async def report_html(db: AsyncSession, event: Event, *, names: bool = False) -> str:
    """The whole outcomes report page of ``event``; authors' names only when ``names``."""
    report = await build(db, event, names=names)
    env = document_env()
    template = env.get_template("report/report.html")
    return template.render(report=report, chart=lambda c: chart_html(env, c))
