"""The public story of an event's outcomes, ``GET /e/{event}/outcomes`` (stable contract).

Only when the organisers publish it (the event's ``outcomes_public``). It is the outcomes
report cut for everyone: no names, nothing hidden or awaiting moderation, no private session,
no poll result the room was not shown; told in order, session by session.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from assembly import domain
from assembly.domain import Refused
from assembly.report import read
from assembly.report.build import build
from assembly.report.charts import chart_html
from assembly.web.common import page, state

NOT_PUBLISHED = (
    "The outcomes of this event are not published. The organisers publish them on the "
    "event's settings page; until then, ask them what became of it."
)


async def outcomes(request: Request) -> Response:
    st = state(request)
    async with st.db.read() as db:
        event = await domain.event_by_slug(db, request.path_params["event"])
        # Checked on every request: turning the page off takes effect at once.
        if not event.outcomes_public or event.status == "draft":
            raise Refused(NOT_PUBLISHED, 404)
        audited = await read.last_audit(db, event)  # a moderation or setup action: build anew

    async def content() -> tuple[Any, Any]:
        async with st.db.read() as db:
            return await build(db, event, public=True), await read.last_change(db, event)

    report, updated = await st.stories.get(event.id, content, audited)
    env = st.render.env
    return page(
        request,
        "report/story.html",
        event=event,
        report=report,
        updated=updated,
        chart=lambda c: chart_html(env, c),
    )


routes = [Route("/e/{event}/outcomes", outcomes, name="outcomes")]
