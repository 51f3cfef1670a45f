"""The console's desk: the moderation queue (by keyboard) and the audit log."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from assembly import domain
from assembly.domain import desk
from assembly.models import Event, FacilitatorAccount
from assembly.web.auth import require_staff, staff_act
from assembly.web.common import done, page, path_int, repeated, state

# The queue's two decisions, as the console's moderation actions.
QUEUE_ACTIONS = {"approve": "show", "hide": "hide"}


async def desk_context(db: AsyncSession, event: Event, table: str) -> dict[str, Any]:
    """What the console's desk parts show: the queue, the tables, the table filter."""
    labels = await desk.table_labels(db, event)
    return {
        "table": table if table in labels else "",
        "table_labels": labels,
        "tables": await desk.tables(db, event),
        "modqueue": await desk.pending(db, event),
    }


async def queue_decide(request: Request) -> Response:
    """Approve or hide a contribution waiting in the moderation queue."""
    action = QUEUE_ACTIONS.get(request.path_params["action"], "")

    async def act(db: AsyncSession, event: Event, account: FacilitatorAccount, _: FormData) -> Any:
        if not action:
            raise domain.Refused("In the queue, approve or hide a contribution.", 400)
        return await domain.moderate(
            db, event, account, path_int(request.path_params["id"]), action
        )

    event, before = await staff_act(request, "moderate", act)
    back = f"/console/{event.slug}#modqueue"
    if before is None:
        return repeated(request, back)
    await state(request).push.contribution_moderated(event, before)
    said = "Approved: it is in the feed." if action == "show" else "Hidden."
    return done(request, "", back, said)


def _page_number(raw: str) -> int:
    return int(raw) if raw.isdigit() and 0 < len(raw) < 6 else 1


async def audit_page(request: Request) -> Response:
    """Who did what, when, on this event: newest first, filtered by action and person."""
    account, event, role = await require_staff(request, "moderate")
    q = request.query_params
    action, who = q.get("action", "")[:40], q.get("who", "")[:60]
    number = _page_number(q.get("page", ""))
    async with state(request).db.read() as db:
        rows, more = await desk.audit_log(db, event, action, who, number)
        actions, names = await desk.audit_choices(db, event)
    return page(
        request,
        "console/audit.html",
        event=event,
        account=account,
        role=role,
        rows=rows,
        more=more,
        number=number,
        action=action,
        who=who,
        actions=actions,
        names=names,
    )


routes = [
    Route(
        "/console/{event}/modqueue/{id}/{action}",
        queue_decide,
        methods=["POST"],
        name="queue_decide",
    ),
    Route("/console/{event}/audit", audit_page, name="audit"),
]
