"""The second step before what cannot be undone: deleting a contribution, leaving an event.

A plain page (GET) that says what will go and holds the POST form: it works without JS, and a
tap on Delete or Leave alone changes nothing.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from assembly import domain
from assembly.domain import Refused
from assembly.web.common import page, path_int, state
from assembly.web.identity import event_and_me


async def confirm_delete(request: Request) -> Response:
    """Delete this? The contribution's text, "Yes, delete it" and "No, keep it"."""
    async with state(request).db.read() as db:
        event, me, _ = await event_and_me(request, db)
        c = await domain.contribution(db, event, path_int(request.path_params["id"]))
    if me is None or c.participant_id != me.id:
        raise Refused("You can only delete what you wrote yourself.", 403)
    return page(request, "participant/confirm_delete.html", event=event, c=c)


async def confirm_leave(request: Request) -> Response:
    """Leave? What leaving deletes and keeps, and the button that does it."""
    async with state(request).db.read() as db:
        event, me, _ = await event_and_me(request, db)
    return page(request, "participant/confirm_leave.html", event=event, me=me)


routes = [
    Route("/e/{event}/c/{id}/delete", confirm_delete, methods=["GET"], name="confirm_delete"),
    Route("/e/{event}/leave", confirm_leave, methods=["GET"], name="confirm_leave"),
]
