"""The clock's pushes (issue 11): a session's timer, and the stream or a private session's notice,
sent on a change only, never per second (each page counts down on its own)."""

from __future__ import annotations

from dataclasses import dataclass

from assembly.models import Event, Session
from assembly.render import Renderer
from assembly.topics import console_run_topic, public_topic, screen_topic
from live import Hub


@dataclass(frozen=True)
class Clock:
    """The timer (and, for phones, the stream or its private notice) as each audience gets it."""

    timer: str
    stream: str
    console: str


class ClockPushes:
    """Part of ``assembly.push.Pusher``."""

    hub: Hub
    render: Renderer

    # --- the clock (issue 11): pushed on a change only, never per second ---

    def _clock(self, event: Event, session: Session | None, stream: bool = True) -> Clock:
        """The clock's fragments; the stream's too when the session changed (``stream``)."""
        timer = self.render("_timer.html", event=event, session=session, oob="true")
        console = self.render("console/_clock.html", event=event, session=session, oob="true")
        # Only an online page has a live #stream; the room's has a still one (see app.js).
        player = (
            self.render(
                "participant/_stream.html", event=event, session=session, online=True, oob="true"
            )
            if stream
            else ""
        )
        return Clock(timer=timer, stream=player, console=console)

    async def timer_changed(self, event: Event, session: Session) -> None:
        """The current session's timer started, paused, gained minutes or was reset."""
        clock = self._clock(event, session, stream=False)  # a timer does not change the stream
        await self.hub.publish(public_topic(event.id), clock.timer)
        await self.hub.publish(screen_topic(event.id), clock.timer)
        await self.hub.publish(console_run_topic(event.id), clock.console)
