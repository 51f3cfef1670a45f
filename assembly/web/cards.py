"""Paper cards and spoken points: a helper types in contributions for people without a phone.

The form is made for speed: one key picks the kind, Enter sends and clears the text, the kind,
group and table stay for the next card, and the page counts the cards entered. It works as a
plain form too (post/redirect/get carries the count and the choices in the address).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from assembly.domain import desk
from assembly.models import KINDS, Event, FacilitatorAccount
from assembly.web.auth import require_staff, staff_act
from assembly.web.common import done, page, repeated, state


def _count(raw: object) -> int:
    text = raw if isinstance(raw, str) else ""
    return min(int(text), 99_999) if text.isdigit() and len(text) < 6 else 0


def _choices(values: Any) -> dict[str, Any]:
    """The form's sticky choices from a query string or a posted form (bad values: defaults)."""
    kind = str(values.get("kind") or "")
    kind = desk.KIND_KEYS.get(kind, kind)
    return {
        "kind": kind if kind in KINDS else "idea",
        "group": str(values.get("group") or "")[:100],
        "table": str(values.get("table") or "")[:40],
        "entered": _count(values.get("entered")),
    }


async def card_form(request: Request) -> Response:
    account, event, role = await require_staff(request, "type_in")
    return page(
        request,
        "console/cards.html",
        event=event,
        account=account,
        role=role,
        keys=desk.KIND_KEYS,
        **_choices(request.query_params),
    )


async def card_add(request: Request) -> Response:
    async def act(db: AsyncSession, event: Event, account: FacilitatorAccount, f: FormData) -> Any:
        c = await desk.type_in(
            db, event, account, f.get("kind"), f.get("text"), f.get("group"), f.get("table")
        )
        return c, _choices(f)

    event, done_ = await staff_act(request, "type_in", act)
    back = f"/console/{event.slug}/cards/new"
    if done_ is None:
        return repeated(request, back)
    c, choices = done_
    st = state(request)
    await st.push.contribution_added(event, c)
    choices["entered"] += 1
    again = f"{back}?{urlencode({**choices, 'kind': c.kind})}#card-text"
    html = st.render(
        "console/_card_form.html",
        event=event,
        keys=desk.KIND_KEYS,
        csrf="",
        autofocus=False,  # see the template
        **choices,
    )
    held = " It waits for a moderator." if c.status == "pending" else ""
    said = f"Card {choices['entered']} entered ({c.kind}).{held}"
    return done(request, html, again, said)


routes = [
    Route("/console/{event}/cards/new", card_form, name="card_form"),
    Route("/console/{event}/cards", card_add, methods=["POST"], name="card_add"),
]
