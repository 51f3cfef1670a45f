"""What the author of a contribution gets on their own topic when the facilitators respond."""

from __future__ import annotations

from assembly.models import Contribution, Event
from assembly.render import Renderer


def reply_note(render: Renderer, event: Event, c: Contribution) -> str:
    """A lasting marker with a link to the reply, added to the page's "Replies to you" (its
    header counts them, static/app.js), and the status line that says it once."""
    note = render("participant/_reply_note.html", event=event, c=c)
    flash = render(
        "_flash.html",
        message=f"The facilitators responded to your {c.kind}.",
        error=False,
        oob="true",
    )
    return f'<div hx-swap-oob="beforeend:#replies-items">{note}</div>{flash}'
