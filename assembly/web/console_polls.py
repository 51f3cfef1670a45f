"""The console's agenda actions: the current session, and polls opened, closed, revealed and
added in the console (their panel is ``console/_agenda.html``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from assembly import domain
from assembly.domain import Refused
from assembly.models import Event, FacilitatorAccount
from assembly.web import forms
from assembly.web.auth import staff_act
from assembly.web.common import closed_said, done, path_id, repeated, state


async def make_current(request: Request) -> Response:
    async def act(db: AsyncSession, event: Event, account: FacilitatorAccount, _: FormData) -> Any:
        return await domain.set_current_session(db, event, path_id(request), account)

    event, changed = await staff_act(request, "run", act)
    if changed is None:
        return repeated(request, f"/console/{event.slug}")
    session, closed = changed
    await state(request).push.agenda_changed(event)
    message = f"“{session.title}” is now the current session." + closed_said(event, closed)
    return done(request, "", f"/console/{event.slug}", message)


async def poll_status(request: Request) -> Response:
    """Open, close or reveal a poll (``reveal``: an ``on_reveal`` poll's result to the room)."""
    action = request.path_params["action"]
    status = {"open": "open", "close": "closed"}.get(action, "")

    async def act(db: AsyncSession, event: Event, account: FacilitatorAccount, _: FormData) -> Any:
        if action == "reveal":
            return await domain.reveal_poll(db, event, account, path_id(request))
        return await domain.set_poll_status(db, event, account, path_id(request), status)

    event, poll = await staff_act(request, "run", act)
    if poll is None:
        return repeated(request, f"/console/{event.slug}")
    await state(request).push.agenda_changed(event)  # (a secret poll's tally after its grace)
    if action == "reveal":
        return done(request, "", f"/console/{event.slug}", f"Result revealed: {poll.question}")
    message = f"Poll {status}: {poll.question}"
    if poll.online_until:
        end = "" if message[-1] in ".?!" else "."
        message += f"{end} Online voters have {event.stream_delay} s more (the stream's delay)."
    return done(request, "", f"/console/{event.slug}", message)


async def add_poll(request: Request) -> Response:
    """A poll for the current session, made in the console: ready to open in seconds."""

    async def act(db: AsyncSession, event: Event, account: FacilitatorAccount, f: FormData) -> Any:
        if event.current_session_id is None:
            raise Refused("Make a session current first: the new poll joins it.", 409)
        return await domain.add_poll(db, event, account, event.current_session_id, forms.poll(f))

    event, poll = await staff_act(request, "run", act)
    if poll is None:
        return repeated(request, f"/console/{event.slug}")
    await state(request).push.agenda_changed(event)
    message = f"Poll added: {poll.question} Open it when you are ready."
    return done(request, "", f"/console/{event.slug}#agenda", message)


routes = [
    Route(
        "/console/{event}/sessions/{id}/current",
        make_current,
        methods=["POST"],
        name="make_current",
    ),
    Route(
        "/console/{event}/polls/{id}/{action}", poll_status, methods=["POST"], name="poll_status"
    ),
    Route("/console/{event}/polls/new", add_poll, methods=["POST"], name="console_poll_add"),
]
