"""The organiser's "API keys" page: make a key (shown once), see the keys, revoke one."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from assembly.domain.apikeys import create_key, keys_of, revoke_key
from assembly.models import ApiKey, Event, FacilitatorAccount
from assembly.web.auth import require_staff, staff_act
from assembly.web.common import base_url, page, path_int, repeated, state


def _url(event: Event) -> str:
    return f"/organise/{event.slug}/api"


async def _page(
    request: Request,
    account: FacilitatorAccount,
    event: Event,
    made: ApiKey | None = None,
    token: str = "",
) -> Response:
    async with state(request).db.read() as db:
        keys = await keys_of(db, event)
    return page(
        request,
        "organise/api.html",
        section="api",
        event=event,
        account=account,
        keys=keys,
        made=made,
        token=token,
        endpoint=f"{base_url(request)}/api/events/{event.slug}",
    )


async def api_keys(request: Request) -> Response:
    account, event, _ = await require_staff(request, "organise")
    return await _page(request, account, event)


async def create(request: Request) -> Response:
    """Make a key. The answer is the page showing the key, once (as a team invite link is): a
    redirect would carry it in an address. A reload re-sends the form's idempotency key, so it
    makes no second key and shows the page without the first."""

    async def act(
        db: AsyncSession, event: Event, account: FacilitatorAccount, form: FormData
    ) -> tuple[ApiKey, str, FacilitatorAccount]:
        key, token = await create_key(db, event, account, form.get("label"))
        return key, token, account

    event, made = await staff_act(request, "organise", act)
    if made is None:
        return repeated(request, _url(event))
    key, token, account = made
    return await _page(request, account, event, made=key, token=token)


async def revoke(request: Request) -> Response:
    async def act(db: AsyncSession, event: Event, account: FacilitatorAccount, _: FormData) -> Any:
        return await revoke_key(db, event, account, path_int(request.path_params["id"]))

    event, _ = await staff_act(request, "organise", act)
    return RedirectResponse(_url(event), 303)


routes = [
    Route("/organise/{event}/api", api_keys, name="api_keys"),
    Route("/organise/{event}/api/keys", create, methods=["POST"], name="api_key_create"),
    Route(
        "/organise/{event}/api/keys/{id}/revoke", revoke, methods=["POST"], name="api_key_revoke"
    ),
]
