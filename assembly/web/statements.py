"""Statements participants add to a statements poll, and their moderation; hiding open text
answers. The participant's route is checked as their other actions are (``actions``); the
console's need the ``moderate`` capability."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from assembly import domain
from assembly.models import Event, FacilitatorAccount, Participant
from assembly.web.actions import SAID, _act
from assembly.web.auth import staff_act
from assembly.web.common import done, path_int, repeated, state
from assembly.web.identity import remember

ADDED = {"visible": "statement", "pending": "statement_held"}  # keys of SAID


async def add_statement(request: Request) -> Response:
    poll_id = path_int(request.path_params["poll"])

    async def add(db: AsyncSession, event: Event, me: Participant, form: FormData) -> Any:
        return await domain.add_statement(db, event, me, poll_id, form.get("text"))

    # The same rate as contributions: a statement is a short contribution others answer.
    event, me, option = await _act(request, "contribution", add)
    if option is None:
        return repeated(request, f"/e/{event.slug}#poll")
    st = state(request)
    st.push.ballot_cast(poll_id)  # the result (and the console's moderation list) shows it
    html = st.render(
        "participant/_add_statement.html", event=event, poll_id=poll_id, csrf="", added=True
    )
    said = ADDED[option.status]
    response = done(request, html, f"/e/{event.slug}?said={said}#poll", SAID[said])
    return remember(request, response, event, me)


async def moderate_statement(request: Request) -> Response:
    params = request.path_params
    poll_id, option_id = path_int(params["poll"]), path_int(params["id"])

    async def act(db: AsyncSession, event: Event, account: FacilitatorAccount, _: FormData) -> Any:
        return await domain.moderate_statement(
            db, event, account, poll_id, option_id, params["action"]
        )

    event, option = await staff_act(request, "moderate", act)
    if option is None:
        return repeated(request, f"/console/{event.slug}#agenda")
    state(request).push.ballot_cast(poll_id)
    said = "Statement approved." if option.status == "visible" else "Statement hidden."
    return done(request, "", f"/console/{event.slug}#agenda", said)


async def moderate_answer(request: Request) -> Response:
    params = request.path_params
    poll_id, ballot_id = path_int(params["poll"]), path_int(params["id"])

    async def act(db: AsyncSession, event: Event, account: FacilitatorAccount, _: FormData) -> Any:
        return await domain.moderate_answer(
            db, event, account, poll_id, ballot_id, params["action"]
        )

    event, ballot = await staff_act(request, "moderate", act)
    if ballot is None:
        return repeated(request, f"/console/{event.slug}#agenda")
    state(request).push.ballot_cast(poll_id)
    said = "Answer hidden from the list and the cloud." if ballot.hidden else "Answer shown again."
    return done(request, "", f"/console/{event.slug}#agenda", said)


routes = [
    Route(
        "/e/{event}/polls/{poll}/statements",
        add_statement,
        methods=["POST"],
        name="add_statement",
    ),
    Route(
        "/console/{event}/polls/{poll}/statements/{id}/{action}",
        moderate_statement,
        methods=["POST"],
        name="moderate_statement",
    ),
    Route(
        "/console/{event}/polls/{poll}/answers/{id}/{action}",
        moderate_answer,
        methods=["POST"],
        name="moderate_answer",
    ),
]
