"""The agenda on an event's setup page: sessions and their polls added, edited, moved and
deleted, each a plain form that posts and comes back to the page (post/redirect/get)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from assembly import domain
from assembly.kinds import KINDS
from assembly.models import Ballot, Contribution, Event, FacilitatorAccount, Poll, Session
from assembly.plan import rules
from assembly.web import forms
from assembly.web.auth import staff_act
from assembly.web.common import path_int, state


@dataclass
class PollRow:
    poll: Poll
    options: tuple[str, ...]
    ballots: int


@dataclass
class SessionRow:
    session: Session
    contributions: int
    polls: list[PollRow]


async def agenda_context(db: AsyncSession, event: Event) -> dict[str, Any]:
    """The agenda as the setup page shows it: each session with how many contributions it
    holds, and its polls with their options and how many ballots each has."""
    sessions = await domain.sessions_of(db, event)
    said = dict(
        (
            await db.execute(
                select(Contribution.session_id, func.count())
                .where(Contribution.event_id == event.id)
                .group_by(Contribution.session_id)
            )
        ).all()
    )
    votes = dict(
        (
            await db.execute(
                select(Ballot.poll_id, func.count())
                .join(Poll, Poll.id == Ballot.poll_id)
                .where(Poll.event_id == event.id)
                .group_by(Ballot.poll_id)
            )
        ).all()
    )
    rows = []
    for s in sessions:
        polls = [
            PollRow(p, await domain.options_of(db, p), votes.get(p.id, 0))
            for p in await domain.polls_of_session(db, s)
        ]
        rows.append(SessionRow(s, said.get(s.id, 0), polls))
    kinds = [(name, k.title) for name, k in KINDS.items()]
    return {"agenda": rows, "poll_kinds": kinds, "default_labels": rules.DEFAULT_LABELS}


Edit = Callable[[AsyncSession, Event, FacilitatorAccount, FormData, int], Awaitable[Any]]


async def _edit(request: Request, action: Edit, anchor: Callable[[Any], str]) -> Response:
    """Run one agenda form for the organiser (capability "organise"), tell every page whose
    agenda changed, and go back to the setup page at the thing changed."""
    item_id = path_int(request.path_params["id"]) if "id" in request.path_params else 0

    async def act(db: AsyncSession, event: Event, account: FacilitatorAccount, f: FormData) -> Any:
        return await action(db, event, account, f, item_id)

    event, result = await staff_act(request, "organise", act)
    if result is not None:
        await state(request).push.agenda_changed(event)
    where = anchor(result) if result is not None else "agenda"
    return RedirectResponse(f"/organise/{event.slug}?said=agenda#{where}", 303)


def _direction(f: FormData) -> str:
    value = f.get("direction")
    return value if isinstance(value, str) else ""


def _session_anchor(s: Session) -> str:
    return f"session-{s.id}"


def _poll_anchor(p: Poll) -> str:
    return f"poll-{p.id}"


async def session_add(request: Request) -> Response:
    return await _edit(
        request,
        lambda db, e, a, f, _: domain.add_session(db, e, a, forms.session(f)),
        _session_anchor,
    )


async def session_edit(request: Request) -> Response:
    return await _edit(
        request,
        lambda db, e, a, f, i: domain.edit_session(db, e, a, i, forms.session(f)),
        _session_anchor,
    )


async def session_move(request: Request) -> Response:
    return await _edit(
        request,
        lambda db, e, a, f, i: domain.move_session(db, e, a, i, _direction(f)),
        _session_anchor,
    )


async def session_delete(request: Request) -> Response:
    return await _edit(
        request, lambda db, e, a, f, i: domain.delete_session(db, e, a, i), lambda _: "agenda"
    )


async def poll_add(request: Request) -> Response:
    return await _edit(
        request,
        lambda db, e, a, f, i: domain.add_poll(db, e, a, i, forms.poll(f)),
        _poll_anchor,
    )


async def poll_edit(request: Request) -> Response:
    return await _edit(
        request,
        lambda db, e, a, f, i: domain.edit_poll(db, e, a, i, forms.poll(f)),
        _poll_anchor,
    )


async def poll_move(request: Request) -> Response:
    return await _edit(
        request,
        lambda db, e, a, f, i: domain.move_poll(db, e, a, i, _direction(f)),
        _poll_anchor,
    )


async def poll_delete(request: Request) -> Response:
    return await _edit(
        request,
        lambda db, e, a, f, i: domain.delete_poll(db, e, a, i),
        lambda p: f"session-{p.session_id}",
    )


_S = "/organise/{event}/sessions"
_P = "/organise/{event}/polls"
routes = [
    Route(_S, session_add, methods=["POST"], name="session_add"),
    Route(_S + "/{id}", session_edit, methods=["POST"], name="session_edit"),
    Route(_S + "/{id}/move", session_move, methods=["POST"], name="session_move"),
    Route(_S + "/{id}/delete", session_delete, methods=["POST"], name="session_delete"),
    Route(_S + "/{id}/polls", poll_add, methods=["POST"], name="poll_add"),
    Route(_P + "/{id}", poll_edit, methods=["POST"], name="poll_edit"),
    Route(_P + "/{id}/move", poll_move, methods=["POST"], name="poll_move"),
    Route(_P + "/{id}/delete", poll_delete, methods=["POST"], name="poll_delete"),
]
