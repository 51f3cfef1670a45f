"""Tables: a member at a table is made its facilitator in the console, and posts the table's
summaries from their phone (channel table, with the table's label)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from assembly.domain import desk
from assembly.models import Event, FacilitatorAccount, Participant
from assembly.web import actions
from assembly.web.auth import staff_act
from assembly.web.common import done, path_int, repeated, state
from assembly.web.identity import remember


async def table_facilitator(request: Request) -> Response:
    """Make a member their table's facilitator (``on=1``) or stop it (``on=0``)."""

    async def act(db: AsyncSession, event: Event, account: FacilitatorAccount, f: FormData) -> Any:
        member_id = path_int(request.path_params["id"])
        return await desk.set_table_facilitator(db, event, account, member_id, f.get("on") == "1")

    event, member = await staff_act(request, "run", act)
    back = f"/console/{event.slug}#tables"
    if member is None:
        return repeated(request, back)
    st = state(request)
    async with st.db.read() as db:
        tables = await desk.tables(db, event)
    html = st.render("console/_tables.html", event=event, tables=tables, csrf="")
    if member.table_facilitator:
        said = f"{member.name} now posts table {member.table_label}'s summaries."
    else:
        said = f"{member.name} no longer posts table {member.table_label}'s summaries."
    return done(request, html, back, said)


async def table_summary(request: Request) -> Response:
    """A table facilitator's summary of their table's discussion."""

    async def post(db: AsyncSession, event: Event, me: Participant, form: FormData) -> Any:
        c = await desk.post_table_summary(db, event, me, form.get("kind"), form.get("text"))
        return c, await desk.table_of(db, event, me)

    event, me, result = await actions._act(request, "contribution", post)
    if result is None:
        return repeated(request, f"/e/{event.slug}#table-summary")
    c, member = result
    st = state(request)
    await st.push.contribution_added(event, c)
    said = "table" if c.status == "visible" else "held"
    html = st.render("participant/_table_summary.html", event=event, table_lead=member, csrf="")
    sentence = actions.SAID[said]
    response = done(request, html, f"/e/{event.slug}?said={said}#feed", sentence)
    return remember(request, response, event, me)


routes = [
    Route(
        "/console/{event}/members/{id}/table",
        table_facilitator,
        methods=["POST"],
        name="table_facilitator",
    ),
    Route("/e/{event}/table", table_summary, methods=["POST"], name="table_summary"),
]
