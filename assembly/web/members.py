"""The members' roster for organisers (import with a preview, re-issue, remove), the printable
invite cards, and ``/i/{code}``: a member's card opened on a phone."""

from __future__ import annotations

from typing import Any

import anyio
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from assembly import domain
from assembly.domain import Refused
from assembly.domain import members as roster_of
from assembly.models import Event, FacilitatorAccount
from assembly.roster import MAX_BYTES, Roster, parse_roster, to_csv
from assembly.web.auth import require_staff, staff_act
from assembly.web.checkin import push_check_in
from assembly.web.common import (
    base_url,
    checked_form,
    client_address,
    page,
    path_int,
    repeated,
    state,
)
from assembly.web.identity import cookie_id, remember
from assembly.web.screen import qr_svg

# The sentence after a post/redirect/get, by key (never text from the URL).
_SAID = {
    "imported": "The members were imported. Print their cards on the Invite cards page.",
    "reissued": "A new card was issued: print it; the old code no longer works.",
    "removed": "The member was removed from the roster; their card no longer works.",
}


async def roster_page(request: Request) -> Response:
    account, event, _ = await require_staff(request, "organise")
    async with state(request).db.read() as db:
        members = await roster_of.members_of(db, event)
        counts = await roster_of.check_in_counts(db, event)
    return page(
        request,
        "organise/members.html",
        event=event,
        account=account,
        section="members",
        members=members,
        counts=counts,
        show_code=roster_of.show_code,
        said=_SAID.get(request.query_params.get("said", ""), ""),
        limit=MAX_BYTES,
    )


async def _checked(request: Request, event: Event, roster: Roster) -> Roster:
    """``roster`` with problems for rows already on the event's roster."""
    async with state(request).db.read() as db:
        held = await roster_of.members_of(db, event)
    roster.problems += roster_of.already_on_roster(roster.rows, held)
    return roster


def _preview(request: Request, event: Event, account: FacilitatorAccount, r: Roster) -> Response:
    return page(
        request,
        "organise/members_preview.html",
        status=422 if r.problems else 200,
        event=event,
        account=account,
        section="members",
        roster=r,
        carried=to_csv(r.rows) if not r.problems else "",
    )


async def preview(request: Request) -> Response:
    """The uploaded roster, read and checked: every problem, every row; nothing stored."""
    account, event, _ = await require_staff(request, "organise")
    try:
        form = await checked_form(request, max_files=1)
        upload = form.get("roster")
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise Refused("Choose the roster's CSV file, then press Preview.", 422)
        data = await upload.read(MAX_BYTES + 1)
    finally:
        await request.close()  # the upload's temporary file, whatever happened
    roster = await _checked(request, event, parse_roster(data, event.groups))
    return _preview(request, event, account, roster)


async def import_roster(request: Request) -> Response:
    """Store the previewed rows, checked again (the page could be old, the file edited)."""
    account, event, _ = await require_staff(request, "organise")
    form = await checked_form(request)
    carried = form.get("roster")
    roster = parse_roster(carried if isinstance(carried, str) else "", event.groups)
    roster = await _checked(request, event, roster)
    if roster.problems:
        return _preview(request, event, account, roster)

    async def store(
        db: AsyncSession, event: Event, account: FacilitatorAccount, _: FormData
    ) -> Any:
        return await roster_of.import_members(db, event, account, roster.rows)

    event, stored = await staff_act(request, "organise", store)
    if stored is None:
        return repeated(request, f"/organise/{event.slug}/members")
    await push_check_in(request, event)
    return RedirectResponse(f"/organise/{event.slug}/members?said=imported", 303)


async def reissue(request: Request) -> Response:
    async def act(db: AsyncSession, event: Event, account: FacilitatorAccount, _: FormData) -> Any:
        return await roster_of.reissue(db, event, account, path_int(request.path_params["id"]))

    event, m = await staff_act(request, "organise", act)
    if m is None:
        return repeated(request, f"/organise/{event.slug}/members")
    return RedirectResponse(f"/organise/{event.slug}/members?said=reissued#m-{m.id}", 303)


async def remove(request: Request) -> Response:
    async def act(db: AsyncSession, event: Event, account: FacilitatorAccount, _: FormData) -> Any:
        return await roster_of.remove_member(
            db, event, account, path_int(request.path_params["id"])
        )

    event, m = await staff_act(request, "organise", act)
    if m is not None:
        await push_check_in(request, event)
    return RedirectResponse(f"/organise/{event.slug}/members?said=removed", 303)


def _date(event: Event) -> str:
    d = event.starts_on
    return f"{d:%A} {d.day} {d:%B %Y}" if d else ""


async def cards(request: Request) -> Response:
    """Every member's invite card, eight to an A4 page, ready to print."""
    account, event, _ = await require_staff(request, "organise")
    async with state(request).db.read() as db:
        members = await roster_of.members_of(db, event)
    base = base_url(request)
    urls = [f"{base}/i/{roster_of.show_code(m.code)}" for m in members]
    # About 14 ms a code: drawn in a thread, so the live pages are not held up meanwhile.
    qrs = await anyio.to_thread.run_sync(lambda: [qr_svg(u) for u in urls])
    return page(
        request,
        "organise/cards.html",
        event=event,
        account=account,
        section="cards",
        cards=[
            {"member": m, "code": roster_of.show_code(m.code), "qr": q, "url": u}
            for m, q, u in zip(members, qrs, urls, strict=True)
        ],
        date=_date(event),
    )


_NOT_OPEN = {
    "draft": "This assembly has not opened yet. Keep your card: it works once the assembly opens.",
    "closed": "This assembly has closed, so its invite cards no longer work.",
}


async def invite(request: Request) -> Response:
    """A member's card: whoever opens it becomes that member and lands on the event's page."""
    st = state(request)
    await st.limits.check("invite", None, client_address(request))
    async with st.db.write() as db:
        m = await roster_of.member_by_code(db, request.path_params["code"])
        event = await db.get(Event, m.event_id) if m is not None else None
        if m is None or event is None:
            raise Refused(roster_of.NO_SUCH_CODE, 404)
        if event.status != "open":
            raise Refused(_NOT_OPEN.get(event.status, _NOT_OPEN["draft"]), 409)
        existing = await domain.participant(db, event, cookie_id(request, event))
        me, _ = await domain.join(db, event, existing, "online")
        await roster_of.claim(db, m, me)
    st.push.joined(event.id)
    await push_check_in(request, event)
    return remember(request, RedirectResponse(f"/e/{event.slug}", 303), event, me)


routes = [
    Route("/organise/{event}/members", roster_page, name="members"),
    Route("/organise/{event}/members/preview", preview, methods=["POST"], name="members_preview"),
    Route(
        "/organise/{event}/members/import",
        import_roster,
        methods=["POST"],
        name="members_import",
    ),
    Route(
        "/organise/{event}/members/{id}/reissue", reissue, methods=["POST"], name="member_reissue"
    ),
    Route("/organise/{event}/members/{id}/remove", remove, methods=["POST"], name="member_remove"),
    Route("/organise/{event}/cards", cards, name="cards"),
    Route("/i/{code}", invite, name="member_card"),
]
