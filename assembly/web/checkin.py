"""Checking members in at the door: a helper finds a member by name and presses "Check in"
(a member without a phone counts too). The console's check-in widget follows live."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from assembly.domain import members as roster_of
from assembly.models import Event, FacilitatorAccount
from assembly.web.auth import require_staff, staff_act
from assembly.web.common import page, path_int, state


async def push_check_in(request: Request, event: Event) -> None:
    """Send the console's check-in widget as it is now to every open console of ``event``."""
    st = state(request)
    async with st.db.read() as db:
        counts = await roster_of.check_in_counts(db, event)
    html = st.render("console/_checkin.html", event=event, checkin=counts, oob="true")
    await st.push.to_console(event.id, html)


def _query(raw: object) -> str:
    return " ".join(str(raw or "").split())[:120]


async def checkin_page(request: Request) -> Response:
    """The door: search the roster by name, check people in (or undo it)."""
    account, event, role = await require_staff(request, "checkin")
    q = _query(request.query_params.get("q"))
    async with state(request).db.read() as db:
        found = await roster_of.find_members(db, event, q)
        counts = await roster_of.check_in_counts(db, event)
    return page(
        request,
        "console/checkin.html",
        event=event,
        account=account,
        role=role,
        q=q,
        found=found,
        checkin=counts,
        done=request.query_params.get("done", ""),
    )


async def check_in(request: Request) -> Response:
    async def act(db: AsyncSession, event: Event, account: FacilitatorAccount, f: FormData) -> Any:
        member_id = path_int(request.path_params["id"])
        return await roster_of.set_checked_in(db, event, account, member_id, f.get("on") != "0")

    event, m = await staff_act(request, "checkin", act)
    form = await request.form()
    query = {"q": _query(form.get("q"))}
    if m is None:  # done before: nothing to say again
        return RedirectResponse(f"/console/{event.slug}/checkin?{urlencode(query)}", 303)
    await push_check_in(request, event)
    query["done"] = f"{'in' if m.checked_in_at else 'out'}:{m.id}"
    return RedirectResponse(f"/console/{event.slug}/checkin?{urlencode(query)}#m-{m.id}", 303)


routes = [
    Route("/console/{event}/checkin", checkin_page, name="checkin_page"),
    Route("/console/{event}/members/{id}/checkin", check_in, methods=["POST"], name="checkin"),
]
