"""You said, we did, from the console: a contribution's outcome and themes, and share of voice.

Both actions need the ``moderate`` capability, as responding does: they are said about one
contribution on its card, and "Mark answered" (the outcome "answered") was a moderator's
action before outcomes existed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from assembly import domain
from assembly.models import Contribution, Event, FacilitatorAccount
from assembly.outcomes.voice import share_of_voice
from assembly.push import participant_topic, public_topic
from assembly.web.auth import require_staff, staff_act
from assembly.web.common import State, done, page, path_id, repeated, state


async def voice_context(
    db: AsyncSession,
    event: Event,
    spoken_session: Mapping[str, int] | None = None,
    spoken_event: Mapping[str, int] | None = None,
) -> dict[str, Any]:
    """What the share-of-voice panel shows: the current session's and the whole event's. The
    speaking time by channel is read here unless the caller has it (the console page's queue)."""
    session = await domain.current_session(db, event)
    now = None
    if session is not None:
        counts = await domain.voice_counts(db, event, session.id)
        if spoken_session is None:
            spoken_session = await domain.speaking_seconds_by_channel(db, event, session.id)
        now = share_of_voice(counts, spoken_session)
    if spoken_event is None:
        spoken_event = await domain.speaking_seconds_by_channel(db, event)
    whole = share_of_voice(await domain.voice_counts(db, event), spoken_event)
    return {"voice_session": session, "voice_now": now, "voice_event": whole}


async def _pushed(st: State, event: Event, c: Contribution, told: str) -> None:
    """The card to the console, the item's outcome and tags to everyone who sees it, a
    sentence to its author's own phone, and the share of voice to the console."""
    card = st.render("console/_contribution.html", event=event, c=c, oob="true")
    async with st.db.read() as db:
        voice = await voice_context(db, event)
    panel = st.render("console/_voice.html", event=event, oob="true", **voice)
    await st.push.to_console(event.id, card + panel)
    if c.status == "visible":
        public = st.render("participant/_meta.html", c=c, oob="true")
        public += st.render("_outcome.html", c=c, oob="true")
        await st.hub.publish(public_topic(event.id), public)
    if told and c.participant_id:
        notice = st.render("_flash.html", message=told, error=False, oob="true")
        await st.hub.publish(participant_topic(c.participant_id), notice)


def _told(c: Contribution) -> str:
    """What the author reads on their phone when the outcome changes."""
    if c.outcome == "open":
        return f"Your {c.kind} is open again: the facilitators have not settled it yet."
    said = f"What became of your {c.kind}: {domain.OUTCOMES[c.outcome].lower()}."
    if c.outcome_reason:
        said += f" The reason: {c.outcome_reason}"
    return said + " It is on “What you have said”."


async def set_outcome(request: Request) -> Response:
    async def act(db: AsyncSession, event: Event, account: FacilitatorAccount, f: FormData) -> Any:
        return await domain.set_outcome(
            db, event, account, path_id(request), f.get("outcome"), f.get("reason")
        )

    event, c = await staff_act(request, "moderate", act)
    if c is None:
        return repeated(request, f"/console/{event.slug}")
    st = state(request)
    await _pushed(st, event, c, _told(c))
    html = st.render("console/_contribution.html", event=event, c=c)
    flash = f"Outcome: {domain.OUTCOMES[c.outcome]}. Its author sees it."
    return done(request, html, f"/console/{event.slug}#c-{c.id}", flash)


async def set_themes(request: Request) -> Response:
    async def act(db: AsyncSession, event: Event, account: FacilitatorAccount, f: FormData) -> Any:
        themes = [t for t in f.getlist("theme") if isinstance(t, str)]
        return await domain.set_themes(db, event, account, path_id(request), themes)

    event, c = await staff_act(request, "moderate", act)
    if c is None:
        return repeated(request, f"/console/{event.slug}")
    st = state(request)
    await _pushed(st, event, c, "")
    html = st.render("console/_contribution.html", event=event, c=c)
    tags = ", ".join(t.theme for t in c.theme_tags) or "none"
    return done(request, html, f"/console/{event.slug}#c-{c.id}", f"Themes: {tags}.")


async def voice_panel(request: Request) -> Response:
    """The share-of-voice panel as it is now (it refreshes itself, and after a reconnect)."""
    _, event, _ = await require_staff(request)
    async with state(request).db.read() as db:
        ctx = await voice_context(db, event)
    return page(request, "console/_voice.html", event=event, **ctx)


routes = [
    Route("/console/{event}/outcome/{id}", set_outcome, methods=["POST"], name="set_outcome"),
    Route("/console/{event}/themes/{id}", set_themes, methods=["POST"], name="set_themes"),
    Route("/console/{event}/voice", voice_panel, name="share_of_voice"),
]
