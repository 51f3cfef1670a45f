"""An event's team page for its organisers: who has which role, changing and removing them,
and one-time invite links onto the team."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from assembly import domain
from assembly.domain.invites import INVITE_DAYS
from assembly.models import TEAM_ROLES, Event, FacilitatorAccount, TeamInvite
from assembly.web.auth import require_staff, staff_act
from assembly.web.common import base_url, page, path_int, repeated, state


def _team_url(event: Event) -> str:
    return f"/organise/{event.slug}/team"


async def _team_page(
    request: Request,
    account: FacilitatorAccount,
    event: Event,
    new_link: str = "",
    new_invite: TeamInvite | None = None,
) -> Response:
    async with state(request).db.read() as db:
        team = await domain.team_of(db, event)
        invites = await domain.pending_invites(db, event)
        organisers = await domain.installation_organisers(db)
    return page(
        request,
        "organise/team.html",
        section="team",
        event=event,
        account=account,
        team=team,
        invites=invites,
        organisers=organisers,
        roles=TEAM_ROLES,
        invite_days=INVITE_DAYS,
        new_link=new_link,
        new_invite=new_invite,
    )


async def team_page(request: Request) -> Response:
    account, event, _ = await require_staff(request, "organise")
    return await _team_page(request, account, event)


async def invite(request: Request) -> Response:
    """Create an invite link. The answer is the team page showing the link, once: a redirect
    would have to carry the token in its address (history, logs). A reload re-sends the same
    idempotency key, so it creates nothing and lands on the team page without the link."""

    async def act(
        db: AsyncSession, event: Event, account: FacilitatorAccount, form: FormData
    ) -> tuple[TeamInvite, str, FacilitatorAccount]:
        made, token = await domain.create_invite(
            db, event, account, form.get("role"), form.get("note")
        )
        domain.audit(db, event, account, "team.invite", f"{made.role}: {made.note}"[:80])
        return made, token, account

    event, made = await staff_act(request, "organise", act)
    if made is None:
        return repeated(request, _team_url(event))
    new, token, account = made
    link = f"{base_url(request)}/team/invite/{token}"
    return await _team_page(request, account, event, new_link=link, new_invite=new)


async def withdraw(request: Request) -> Response:
    async def act(db: AsyncSession, event: Event, account: FacilitatorAccount, _: FormData) -> Any:
        role, note = await domain.withdraw_invite(db, event, path_int(request.path_params["id"]))
        domain.audit(db, event, account, "team.withdraw", f"{role}: {note}"[:80])
        return role

    event, _ = await staff_act(request, "organise", act)
    return RedirectResponse(_team_url(event), 303)


async def change_role(request: Request) -> Response:
    async def act(db: AsyncSession, event: Event, account: FacilitatorAccount, f: FormData) -> Any:
        who, role = await domain.change_team_role(
            db, event, account, path_int(request.path_params["account"]), f.get("role")
        )
        domain.audit(db, event, account, "team.role", f"{who.username}: {role}"[:80])
        return who

    event, _ = await staff_act(request, "organise", act)
    return RedirectResponse(_team_url(event), 303)


async def remove(request: Request) -> Response:
    """Take someone off the team: their logins end at once (see ``domain.remove_from_team``)."""

    async def act(db: AsyncSession, event: Event, account: FacilitatorAccount, _: FormData) -> bool:
        who = await domain.take_off_team(
            db, event, account, path_int(request.path_params["account"])
        )
        domain.audit(db, event, account, "team.remove", who.username)
        return who.id == account.id

    event, themselves = await staff_act(request, "organise", act)
    await state(request).guard.sweep()  # their consoles on this process close now, others' soon
    # Someone who took themselves off the team has just ended their own login.
    return RedirectResponse("/login" if themselves else _team_url(event), 303)


routes = [
    Route("/organise/{event}/team", team_page, name="team"),
    Route("/organise/{event}/team/invites", invite, methods=["POST"], name="team_invite"),
    Route(
        "/organise/{event}/team/invites/{id}/withdraw",
        withdraw,
        methods=["POST"],
        name="team_withdraw",
    ),
    Route(
        "/organise/{event}/team/{account}/role",
        change_role,
        methods=["POST"],
        name="team_role",
    ),
    Route(
        "/organise/{event}/team/{account}/remove",
        remove,
        methods=["POST"],
        name="team_remove",
    ),
]
