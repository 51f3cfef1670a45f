"""Live updates: render each change once per audience and publish it to that audience's topic.

Topics: ``event:{id}:public`` (participants), ``event:{id}:console``, ``event:{id}:screen`` and
``participant:{id}``. Public fragments never carry anything a hidden contribution said.
"""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from assembly import domain
from assembly.db import Database
from assembly.domain import Moderated
from assembly.domain.closing import grace_left
from assembly.domain.consolepolls import console_polls
from assembly.models import Contribution, Event, Poll, utcnow
from assembly.presence import Presence
from assembly.pushclock import Clock, ClockPushes
from assembly.pushreply import reply_note
from assembly.render import Renderer
from assembly.topics import (
    console_run_topic,
    console_topic,
    console_topic_for,
    oob_delete,
    oob_insert,
    participant_topic,
    public_topic,
    queue_append,
    screen_topic,
)
from live import Coalescer, Hub

# Topics and wrappers live in ``assembly.topics``; these names stay importable from here.
__all__ = [
    "Clock",
    "Pusher",
    "console_run_topic",
    "console_topic",
    "console_topic_for",
    "oob_delete",
    "oob_insert",
    "participant_topic",
    "public_topic",
    "screen_topic",
]


class Pusher(ClockPushes):
    """Turns domain changes into pushed fragments; bursts are coalesced per tick."""

    def __init__(self, hub: Hub, db: Database, render: Renderer, interval: float) -> None:
        self.hub = hub
        self.db = db
        self.render = render
        self.tallies: Coalescer[int] = Coalescer(self._flush_tallies, interval)
        self.upvotes: Coalescer[int] = Coalescer(self._flush_upvotes, interval)
        self.presence: Coalescer[int] = Coalescer(self._flush_presence, interval)
        self.presence_counts = Presence(hub, self._peers_changed)
        # The last recount of each open poll: a ballot's own reply shows it instead of
        # recounting once per ballot (the next push, a tick later, brings the newer count).
        # Only open polls take ballots, and an event has at most one: the size is bounded by
        # the events running a poll, and a poll's view goes when it closes.
        self.views: dict[int, domain.PollView] = {}
        self._later: list[asyncio.TimerHandle] = []  # recounts due when a grace ends

    async def to_console(self, event_id: int, html: str) -> None:
        """What every role's console shows: to both console topics."""
        await self.hub.publish(console_topic(event_id), html)
        await self.hub.publish(console_run_topic(event_id), html)

    async def start(self) -> None:
        for c in (self.tallies, self.upvotes, self.presence):
            await c.start()
        await self.presence_counts.start()

    async def stop(self) -> None:
        for handle in self._later:
            handle.cancel()
        self._later = []
        await self.presence_counts.stop()
        for c in (self.tallies, self.upvotes, self.presence):
            await c.stop()

    # --- contributions ---

    async def contribution_added(self, event: Event, c: Contribution) -> None:
        console = self.render("console/_contribution.html", c=c, event=event)
        console = oob_insert(console, "#console-feed-items")
        if c.status == "pending":  # the moderation queue's (every console has its list)
            queued = self.render("console/_modqueue_item.html", c=c, event=event)
            console += queue_append(queued)
        await self.to_console(event.id, console)
        if c.status == "visible":
            public = self.render("participant/_contribution.html", c=c, event=event, mine=False)
            await self.hub.publish(public_topic(event.id), oob_insert(public, "#feed-items"))

    async def contribution_moderated(self, event: Event, before: Moderated) -> None:
        c = before.contribution
        console = self.render("console/_contribution.html", c=c, event=event, oob="true")
        if before.was_pending and c.status != "pending":
            console += f'<li id="q-{c.id}" hx-swap-oob="delete"></li>'
        await self.to_console(event.id, console)
        visible = c.status == "visible"
        if visible and before.was_visible:
            # Only the tags change: the item itself carries each viewer's own upvote state.
            public = self.render("participant/_meta.html", c=c, oob="true")
        elif visible:
            public = self.render("participant/_contribution.html", c=c, event=event, mine=False)
            public = oob_insert(public, "#feed-items")
        elif before.was_visible:
            public = oob_delete(c)
        else:
            public = ""
        if public:
            await self.hub.publish(public_topic(event.id), public)
        if c.featured or before.was_featured:
            await self.featured_changed(event)

    async def contribution_removed(self, event: Event, c: Contribution) -> None:
        """A contribution was deleted by its author: it disappears from every screen."""
        gone = oob_delete(c)
        queued = f'<li id="q-{c.id}" hx-swap-oob="delete"></li>' if c.status == "pending" else ""
        await self.to_console(event.id, gone + queued)
        if c.status == "visible":
            await self.hub.publish(public_topic(event.id), gone)
        if c.featured:
            await self.featured_changed(event)

    async def responded(self, event: Event, c: Contribution) -> None:
        html = self.render("_responses.html", c=c, oob="true")
        await self.to_console(event.id, html)
        if c.status == "visible":
            await self.hub.publish(public_topic(event.id), html)
            if c.participant_id:  # issue 17: a lasting marker, counted in the page header
                notice = reply_note(self.render, event, c)
                await self.hub.publish(participant_topic(c.participant_id), notice)

    async def featured_changed(self, event: Event) -> None:
        async with self.db.read() as s:
            items = await domain.featured(s, event)
        html = self.render("screen/_featured.html", event=event, featured=items, oob="true")
        await self.hub.publish(screen_topic(event.id), html)

    def upvotes_changed(self, contribution_id: int) -> None:
        self.upvotes.mark(contribution_id)

    async def _flush_upvotes(self, ids: set[int]) -> None:
        async with self.db.read() as s:
            rows = await s.scalars(select(Contribution).where(Contribution.id.in_(ids)))
            by_event: dict[int, list[Contribution]] = {}
            for c in rows:
                by_event.setdefault(c.event_id, []).append(c)
        for event_id, items in by_event.items():
            counts = {
                c.id: f'<span id="c-{c.id}-up" hx-swap-oob="true">{c.upvotes}</span>' for c in items
            }
            await self.to_console(event_id, "".join(counts.values()))
            public = "".join(counts[c.id] for c in items if c.status == "visible")
            if public:
                await self.hub.publish(public_topic(event_id), public)

    # --- sessions and polls ---

    async def latest_view(self, poll: Poll) -> domain.PollView:
        """The poll as last recounted (counted now if it never was)."""
        view = self.views.get(poll.id)
        stale = view is not None and view.poll.revealed_at != poll.revealed_at
        if view is None or view.poll.status != poll.status or stale:
            async with self.db.read() as s:
                view = await domain.poll_view(s, poll)
            self._keep(view)
        return view

    def _keep(self, view: domain.PollView) -> None:
        """Remember the newest recount of an open poll; forget a poll that is not open."""
        poll_id = view.poll.id
        if view.poll.status != "open":
            self.views.pop(poll_id, None)
        elif poll_id not in self.views or self.views[poll_id].revision <= view.revision:
            self.views[poll_id] = view

    async def agenda_changed(self, event: Event) -> None:
        """The current session or a poll's status changed: every audience re-renders its widgets."""
        async with self.db.read() as s:
            session = await domain.current_session(s, event)
            sessions = await domain.sessions_of(s, event)
            polls = [await domain.poll_view(s, p) for p in await console_polls(s, event, session)]
            shown = await domain.shown_poll(s, event)
        # The poll on the phones is one of the session's polls: counted once, kept for replies.
        for v in polls:
            self._keep(v)
        self.polls_closed([v.poll for v in polls if v.poll.status == "closed"])
        shown_view = next((v for v in polls if shown and v.poll.id == shown.id), None)
        prompt = self.render("_prompt.html", event=event, session=session, oob="true")
        public_poll = self.render(
            "participant/_poll.html", event=event, view=shown_view, mine=None, oob="true"
        )
        screen_poll = self.render("screen/_poll.html", event=event, view=shown_view, oob="true")
        clock = self._clock(event, session)  # issue 11: the new session's timer and stream
        await self.hub.publish(
            public_topic(event.id), prompt + public_poll + clock.timer + clock.stream
        )
        await self.hub.publish(screen_topic(event.id), prompt + screen_poll + clock.timer)
        console = self.render(
            "console/_agenda.html",
            event=event,
            sessions=sessions,
            session=session,
            polls=polls,
            oob="true",
        )
        await self.hub.publish(console_run_topic(event.id), console + clock.console)

    def ballot_cast(self, poll_id: int) -> None:
        """A ballot was stored or withdrawn: the poll's tally is recounted and pushed soon."""
        self.tallies.mark(poll_id)

    def polls_closed(self, polls: list[Poll]) -> None:
        """These polls closed: a secret one shows its whole tally once nobody can vote in it
        any more, so it is recounted and pushed when its online voters' grace ends."""
        loop = asyncio.get_running_loop()
        self._later = [h for h in self._later if not h.cancelled() and h.when() > loop.time()]
        for poll in polls:
            left = grace_left(poll, utcnow()) if poll.secret else 0  # whole seconds, rounded up
            if left:
                self._later.append(loop.call_later(left + 0.05, self.ballot_cast, poll.id))

    async def _flush_tallies(self, poll_ids: set[int]) -> None:
        for poll_id in poll_ids:
            async with self.db.read() as s:
                poll = await s.get(Poll, poll_id)
                if poll is None:
                    continue
                view = await domain.poll_view(s, poll)
                moderated = poll.kind in ("statements", "open_text")
                event = await s.get(Event, poll.event_id) if moderated else None
            self._keep(view)
            # The results widget has the same id everywhere: the console's shows everything
            # (splits; a result not yet revealed), the room's (phones, screen) what it may see.
            console = self.render("_results.html", view=view, full=True, oob="true")
            room = self.render("_results.html", view=view, oob="true")
            await self.hub.publish(console_run_topic(poll.event_id), console)
            if event is not None:  # the moderation list: every console (moderators'), no phone
                await self.to_console(
                    poll.event_id,
                    self.render(
                        "console/_poll_moderation.html", view=view, event=event, oob="true"
                    ),
                )
            await self.hub.publish(public_topic(poll.event_id), room)
            await self.hub.publish(screen_topic(poll.event_id), room)

    # --- presence ---

    def socket_opened(self, event_id: int, channel: str, participant_id: str | None) -> None:
        """A participant's page connected; ``None``: a socket without a participant, which is
        nobody the console counts."""
        if participant_id and self.presence_counts.opened(event_id, channel, participant_id):
            self.presence.mark(event_id)

    def socket_closed(self, event_id: int, channel: str, participant_id: str | None) -> None:
        if participant_id and self.presence_counts.closed(event_id, channel, participant_id):
            self.presence.mark(event_id)

    def joined(self, event_id: int) -> None:
        self.presence.mark(event_id)

    def _peers_changed(self, event_ids: set[int]) -> None:
        for event_id in event_ids:
            self.presence.mark(event_id)

    def connected_by_channel(self, event_id: int) -> dict[str, int]:
        """People with the event's page open now, in every process (see assembly/presence.py)."""
        return self.presence_counts.connected(event_id)

    async def _flush_presence(self, event_ids: set[int]) -> None:
        # Before the fragment: the other processes count this process's sockets too.
        await self.presence_counts.report()
        for event_id in event_ids:
            async with self.db.read() as s:
                event = await s.get(Event, event_id)
                if event is None:
                    continue
                joined = await domain.presence_counts(s, event)
            html = self.render(
                "console/_presence.html",
                event=event,
                joined=joined,
                connected=self.connected_by_channel(event_id),
                oob="true",
            )
            await self.to_console(event_id, html)
