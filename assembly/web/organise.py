"""Organiser pages: the events an account may open, a new event (by form or plan file), one
event's setup page with its settings and status, and its plan file downloaded and uploaded."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from assembly import domain
from assembly.domain import Refused
from assembly.models import Event, FacilitatorAccount
from assembly.plan import Problem
from assembly.plan.checked import checked_plan
from assembly.plan.write import write_plan
from assembly.web import forms
from assembly.web.agenda import agenda_context
from assembly.web.auth import require_login, require_staff, staff_act
from assembly.web.common import checked_form, idempotency_key, page, state

MAX_PLAN_BYTES = 1_000_000

# What a redirect after a form tells the organiser, by key (never text from the URL).
SAID = {
    "created": "The event is created, as a draft: only its team sees it until you open it.",
    "imported": "The plan file is imported, as its file says.",
    "settings": "The settings are saved.",
    "status": "The event's status is changed.",
    "replaced": "The plan file replaced this event's plan.",
    "agenda": "The agenda is saved.",
}


def _said(request: Request) -> str:
    return SAID.get(request.query_params.get("said", ""), "")


async def events_page(request: Request) -> Response:
    """The events the logged-in account may open, with its role on each."""
    account = await require_login(request)
    async with state(request).db.read() as db:
        events = await domain.events_of(db, account)
    return page(
        request,
        "organise/events.html",
        account=account,
        events=events,
        can_create=domain.is_installation_organiser(account),
        said=_said(request),
    )


async def _creator(request: Request) -> tuple[FacilitatorAccount, FormData, str]:
    """An installation organiser's POST that makes an event: the account, its form, its key."""
    account = await require_login(request)
    if not domain.is_installation_organiser(account):
        raise Refused(
            "Only the installation's organisers create events. "
            "Ask one of them to create yours and invite you to its team.",
            403,
        )
    form = await checked_form(request, max_files=1)
    return account, form, f"staff:{account.id}"


async def new_event(request: Request) -> Response:
    account, form, actor = await _creator(request)
    await form.close()
    title, slug = forms.new_event(form)
    async with state(request).db.write() as db:
        if not await domain.claim_key(db, actor, idempotency_key(request, form)):
            return RedirectResponse("/organise", 303)
        event = await domain.create_event(db, account, title, slug)
    return RedirectResponse(f"/organise/{event.slug}?said=created", 303)


async def _plan_text(form: FormData) -> str:
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise Refused("Choose a plan file (.yaml) to upload, then send the form.", 422)
    data = await upload.read(MAX_PLAN_BYTES + 1)
    if len(data) > MAX_PLAN_BYTES:
        raise Refused("That file is over 1 MB; a plan file is much smaller. Check the file.", 413)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Refused(
            "That file is not UTF-8 text. Save the plan as UTF-8 and retry.", 422
        ) from None


class _Problems(Exception):
    """A plan file with problems: raised inside the transaction, so nothing is stored (not even
    the request's key, so the corrected file may be sent again from the same form)."""

    def __init__(self, problems: list[Problem], back: str) -> None:
        self.problems, self.back = problems, back


def _problems(request: Request, exc: _Problems) -> Response:
    ctx = {"problems": exc.problems, "back": exc.back}
    return page(request, "organise/plan_problems.html", status=422, **ctx)


async def import_new(request: Request) -> Response:
    """A new event from a plan file: as `assembly event import FILE`."""
    account, form, actor = await _creator(request)
    try:
        text = await _plan_text(form)
    finally:
        await form.close()
    try:
        async with state(request).db.write() as db:
            if not await domain.claim_key(db, actor, idempotency_key(request, form)):
                return RedirectResponse("/organise", 303)
            how = "by uploading this file on that event's setup page"
            plan, problems = await checked_plan(db, text, replace=False, how=how)
            if problems or plan is None:
                raise _Problems(problems, "/organise")
            event, _ = await domain.import_plan(db, plan)
            domain.audit(db, event, account, "event.import", f"event:{event.id}")
    except _Problems as exc:
        return _problems(request, exc)
    return RedirectResponse(f"/organise/{event.slug}?said=imported", 303)


async def setup_page(request: Request) -> Response:
    account, event, role = await require_staff(request, "organise")
    async with state(request).db.read() as db:
        ctx = await agenda_context(db, event)
    return page(
        request,
        "organise/setup.html",
        account=account,
        event=event,
        role=role,
        section="setup",
        said=_said(request),
        **ctx,
    )


async def save_settings(request: Request) -> Response:
    async def act(db: AsyncSession, event: Event, account: FacilitatorAccount, f: FormData) -> Any:
        await domain.update_settings(db, event, account, forms.event_settings(f, event.slug, ""))
        return event

    event, _ = await staff_act(request, "organise", act)
    return RedirectResponse(f"/organise/{event.slug}?said=settings#settings", 303)


async def save_status(request: Request) -> Response:
    async def act(db: AsyncSession, event: Event, account: FacilitatorAccount, f: FormData) -> Any:
        status = f.get("status")
        return await domain.set_status(
            db, event, account, status if isinstance(status, str) else ""
        )

    event, changed = await staff_act(request, "organise", act)
    if changed:
        await state(request).push.agenda_changed(event)  # an open poll closed with the event
    return RedirectResponse(f"/organise/{event.slug}?said=status#status", 303)


async def plan_download(request: Request) -> Response:
    """The event's plan file: exactly what `assembly event export` writes."""
    _, event, _ = await require_staff(request, "organise")
    async with state(request).db.read() as db:
        plan = await domain.export_plan(db, event.slug)
    return Response(
        write_plan(plan),
        media_type="application/yaml; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{event.slug}.yaml"'},
    )


async def plan_upload(request: Request) -> Response:
    """Replace a draft event's plan with a file's: as `assembly event import FILE --replace`."""

    async def act(db: AsyncSession, event: Event, account: FacilitatorAccount, f: FormData) -> Any:
        if event.status != "draft":
            raise Refused(
                f"This event is {event.status}: only a draft's plan can be replaced, since its "
                "participants and results would be lost. Edit the agenda below instead.",
                409,
            )
        plan, found = await checked_plan(db, await _plan_text(f), True, only_slug=event.slug)
        if found or plan is None:
            raise _Problems(found, f"/organise/{event.slug}#plan")
        await domain.import_plan(db, plan, replace=True)
        domain.audit(db, event, account, "plan.replace", f"event:{event.id}")
        return event

    try:
        event, replaced = await staff_act(request, "organise", act, max_files=1)
    except _Problems as exc:
        return _problems(request, exc)
    if replaced is not None:
        await state(request).push.agenda_changed(event)
    return RedirectResponse(f"/organise/{event.slug}?said=replaced", 303)


routes = [
    Route("/organise", events_page, name="organise"),
    Route("/organise/events", new_event, methods=["POST"], name="new_event"),
    Route("/organise/import", import_new, methods=["POST"], name="import_event"),
    Route("/organise/{event}", setup_page, name="organise_event"),
    Route("/organise/{event}/settings", save_settings, methods=["POST"], name="event_settings"),
    Route("/organise/{event}/status", save_status, methods=["POST"], name="event_status"),
    Route("/organise/{event}/plan.yaml", plan_download, name="plan_download"),
    Route("/organise/{event}/plan", plan_upload, methods=["POST"], name="plan_upload"),
]
