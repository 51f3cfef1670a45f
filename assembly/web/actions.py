"""Participant actions, each a form post: name, contribution, upvote, ballot, delete, leave."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from assembly import domain
from assembly.domain import Refused
from assembly.domain.closing import grace_left
from assembly.kinds import Answer, parse_ballot
from assembly.models import Event, Participant, utcnow
from assembly.push import oob_insert
from assembly.web.common import (
    checked_form,
    client_address,
    done,
    fragment,
    idempotency_key,
    is_htmx,
    page,
    path_int,
    repeated,
    state,
)
from assembly.web.identity import (
    cookie_name,
    event_and_me,
    event_and_me_batched,
    me_or_new,
    remember,
)
from assembly.web.replies import PollReplies

# What a post/redirect/get tells a person without JavaScript, by key (never text from the URL).
SAID = {
    "sent": "Sent. It is at the top of the feed.",
    "held": "Waiting for a moderator: it appears in the feed once they approve it.",
    "table": "Your table's summary is in the feed.",
    "voted": "Your vote is counted. You can change it until the poll closes.",
    "secret": domain.SECRET_IN,
    "name": "Your name is saved.",
    "group": "Your group is saved.",
    "statement": "Your statement is added. Everyone who loads the poll can answer it.",
    "statement_held": "Sent to the facilitators; your statement appears once they approve it.",
}

# The poll widget a ballot's reply carries, rendered once per tally and answer.
_replies = PollReplies()

T = TypeVar("T")
Action = Callable[[AsyncSession, Event, Participant, FormData], Awaitable[T]]


@dataclass
class _Checked:
    """A participant's POST that passed the cheap checks (no turn at the writer yet)."""

    form: FormData
    event: Event
    known: Participant | None  # None: the cookie is missing or forged; one is made on writing
    key: str | None
    repeated: bool  # the idempotency key shows it was done before


async def _check(
    request: Request, limit: str, observers: bool = False, batched: bool = False
) -> _Checked:
    """CSRF, identity, role, rate limits and a reused key: everything that can refuse cheaply
    happens before taking a turn at the writer, so a flood of refused requests from one phone
    does not hold up everyone else's. ``batched``: the identity is looked up together with
    other requests' (the ballot's hot path)."""
    form = await checked_form(request)
    st = state(request)
    key = idempotency_key(request, form)
    if batched:
        event, known, used = await event_and_me_batched(request, key)
    else:
        async with st.db.read() as db:
            event, known, used = await event_and_me(request, db, key)
    if known is not None and used:
        return _Checked(form, event, known, key, repeated=True)
    if known is not None and known.role == "observer" and not observers:
        raise Refused(
            "Observers can follow the assembly but not take part in it. "
            "Ask the organisers if you should be taking part.",
            403,
        )
    address = client_address(request)
    if known is None:
        await st.limits.check("join", None, address)
    if limit:
        await st.limits.check(limit, known.id if known else None, address)
    return _Checked(form, event, known, key, repeated=False)


async def _act(
    request: Request, limit: str, action: Action[T], observers: bool = False
) -> tuple[Event, Participant, T | None]:
    """Run a participant's POST: the cheap checks, then in one transaction the identity (a new
    participant if the cookie is missing or forged), the idempotency key and ``action``. The
    result is None when the key shows the request was already done."""
    checked = await _check(request, limit, observers)
    if checked.repeated:
        assert checked.known is not None
        return checked.event, checked.known, None  # answered, not redone
    return await _write(request, checked, action)


async def _write(
    request: Request, checked: _Checked, action: Action[T]
) -> tuple[Event, Participant, T | None]:
    event = checked.event
    async with state(request).db.write() as db:
        me, _ = await me_or_new(request, db, event)
        if not await domain.claim_key(db, me.id, checked.key):
            return event, me, None
        result = await action(db, event, me, checked.form)
    return event, me, result


async def set_name(request: Request) -> Response:
    async def name(db: AsyncSession, event: Event, me: Participant, form: FormData) -> bool:
        domain.set_display_name(event, me, form.get("display_name"))
        return True

    event, me, ok = await _act(request, "name", name)
    if ok is None:
        return repeated(request, f"/e/{event.slug}")
    html = state(request).render("participant/_name.html", event=event, me=me, csrf="")
    who = me.display_name or "anonymous"
    response = done(request, html, f"/e/{event.slug}?said=name", f"Your name is now {who}.")
    return remember(request, response, event, me)


async def set_group(request: Request) -> Response:
    async def group(db: AsyncSession, event: Event, me: Participant, form: FormData) -> bool:
        domain.set_group(event, me, form.get("group_name"))
        return True

    event, me, ok = await _act(request, "group", group)
    if ok is None:
        return repeated(request, f"/e/{event.slug}")
    html = state(request).render("participant/_group.html", event=event, me=me, csrf="")
    said = f"Your group is now {me.group_name}." if me.group_name else "You gave no group."
    response = done(request, html, f"/e/{event.slug}?said=group", said)
    return remember(request, response, event, me)


async def post_contribution(request: Request) -> Response:
    async def contribute(db: AsyncSession, event: Event, me: Participant, form: FormData) -> Any:
        if form.get("display_name"):  # the name asked for before a first post (optional)
            domain.set_display_name(event, me, form.get("display_name"))
        return await domain.post_contribution(db, event, me, form.get("kind"), form.get("text"))

    event, me, c = await _act(request, "contribution", contribute)
    if c is None:
        return repeated(request, f"/e/{event.slug}#feed")
    st = state(request)
    # Committed: only now is it acknowledged and shown to anyone.
    await st.push.contribution_added(event, c)
    said = "sent" if c.status == "visible" else "held"
    html = st.render("participant/_form.html", event=event, me=me, csrf="")
    if me.display_name:  # a name given with the post: the name box below says it too
        html += st.render("participant/_name.html", event=event, me=me, csrf="", oob="true")
    if c.status == "pending":  # the author's own item, "waiting for a moderator", on their page
        own = st.render("participant/_contribution.html", c=c, event=event, mine=False)
        html += oob_insert(own, "#feed-items")
    response = done(request, html, f"/e/{event.slug}?said={said}#feed", SAID[said])
    return remember(request, response, event, me)


async def upvote(request: Request) -> Response:
    async def up(db: AsyncSession, event: Event, me: Participant, form: FormData) -> Any:
        on = form.get("on") != "0"
        c, changed = await domain.set_upvote(db, event, me, path_int(request.path_params["id"]), on)
        return c, changed, on

    event, me, result = await _act(request, "upvote", up)
    if result is None:
        return repeated(request, f"/e/{event.slug}")
    # Upvoting is idempotent: whether or not it changed, the state is now what was asked.
    c, changed, mine = result
    st = state(request)
    if changed:
        st.push.upvotes_changed(c.id)
    html = st.render("participant/_upvote.html", event=event, c=c, mine=mine, csrf="")
    return remember(request, done(request, html, f"/e/{event.slug}#c-{c.id}"), event, me)


async def ballot(request: Request) -> Response:
    poll_id = path_int(request.path_params["poll"])
    checked = await _check(request, "ballot", batched=True)
    event, me = checked.event, checked.known
    if checked.repeated:
        return repeated(request, f"/e/{event.slug}#poll")
    answer = parse_ballot(checked.form)  # a 422 before any turn at the writer
    if me is not None:
        # A known participant's ballot joins the writer's next group commit.
        poll = await state(request).ballots.cast(event, me, poll_id, answer, checked.key)
        if poll is None:
            return repeated(request, f"/e/{event.slug}#poll")
    else:
        # This browser's first action: the participant is created with the ballot.
        async def vote(db: AsyncSession, event: Event, me: Participant, form: FormData) -> Any:
            return await domain.cast_ballot(db, event, me, poll_id, answer)

        event, me, written = await _write(request, checked, vote)
        if written is None:
            return repeated(request, f"/e/{event.slug}#poll")
        async with state(request).db.read() as db:
            poll = await domain.poll(db, event, poll_id)
    st = state(request)
    st.push.ballot_cast(poll_id)
    said_key = "secret" if poll.secret else "voted"
    if not is_htmx(request):
        return remember(
            request, RedirectResponse(f"/e/{event.slug}?said={said_key}#poll", 303), event, me
        )
    # No recount per ballot: the reply shows the last tally; the coalesced push follows.
    view = await st.push.latest_view(poll)
    grace = grace_left(poll, utcnow()) if me.channel == "online" else 0
    # A secret choice is not shown back: the phone shows only that its ballot is in.
    mine = Answer(answer.kind) if poll.secret else answer
    html = _replies.widget(st.render, event, view, mine, grace)
    if poll.secret:
        said = domain.SECRET_IN
    elif answer.kind == "single":
        said = f"Vote for “{view.label(answer.options[0])}” counted."
    else:
        said = "Your ballot counted. You can change it until the poll closes."
    return remember(request, fragment(request, html, said), event, me)


async def delete_contribution(request: Request) -> Response:
    async def delete(db: AsyncSession, event: Event, me: Participant, form: FormData) -> Any:
        return await domain.delete_own_contribution(
            db, event, me, path_int(request.path_params["id"])
        )

    event, me, c = await _act(request, "", delete, observers=True)
    if c is not None:
        await state(request).push.contribution_removed(event, c)
    return done(request, "", f"/e/{event.slug}/me", "Deleted. Nobody can see it any more.")


async def leave(request: Request) -> Response:
    async def go(db: AsyncSession, event: Event, me: Participant, form: FormData) -> Any:
        return await domain.leave(db, event, me)

    event, me, left = await _act(request, "", go, observers=True)
    st = state(request)
    if left is not None:
        for c in left.contributions:
            await st.push.contribution_removed(event, c)
        for poll_id in left.polls:  # their ballots were withdrawn: recount
            st.push.ballot_cast(poll_id)
    st.push.joined(event.id)
    response = page(request, "participant/left.html", event=event)
    response.headers.append("set-cookie", f"{cookie_name(event)}=; Path=/; Max-Age=0; HttpOnly")
    return response


routes = [
    Route("/e/{event}/name", set_name, methods=["POST"], name="set_name"),
    Route("/e/{event}/group", set_group, methods=["POST"], name="set_group"),
    Route("/e/{event}/contributions", post_contribution, methods=["POST"], name="contribute"),
    Route("/e/{event}/c/{id}/upvote", upvote, methods=["POST"], name="upvote"),
    Route("/e/{event}/polls/{poll}/ballot", ballot, methods=["POST"], name="ballot"),
    Route("/e/{event}/c/{id}/delete", delete_contribution, methods=["POST"], name="delete_own"),
    Route("/e/{event}/leave", leave, methods=["POST"], name="leave"),
]
