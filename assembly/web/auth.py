"""Team login: password form, one-time links, the staff cookie, and who may do what."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from typing import TypeVar

import anyio
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData
from starlette.requests import HTTPConnection, Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from assembly import domain
from assembly.accounts import revoke_logins
from assembly.domain import Refused
from assembly.models import Event, FacilitatorAccount
from assembly.security import (
    CSRF_COOKIE,
    STAFF_COOKIE,
    STAFF_MAX_AGE,
    cookie_header,
    verify_nobody,
    verify_password,
)
from assembly.web.common import (
    checked_form,
    client_address,
    idempotency_key,
    is_htmx,
    page,
    secure_cookies,
    state,
)

ONE_TIME_LINK_MAX_AGE = 24 * 3600


async def current_account(conn: HTTPConnection) -> FacilitatorAccount | None:
    """The logged-in facilitator, or None; logging out elsewhere (a new nonce) ends the cookie."""
    st = state(conn)
    found = st.signer.staff(conn.cookies.get(STAFF_COOKIE))
    if found is None:
        return None
    async with st.db.read() as db:
        account = await db.get(FacilitatorAccount, found[0])
    if account is None or account.login_nonce != found[1]:
        return None
    return account


async def require_login(request: Request) -> FacilitatorAccount:
    """The logged-in account, or a redirect to the login page (a 403 sentence for htmx
    requests and posts). What it may do on an event is ``require_staff``'s question."""
    account = await current_account(request)
    if account is not None:
        return account
    if is_htmx(request) or request.method != "GET":
        raise Refused("Your login has expired. Log in again in a new tab, then retry.", 403)
    raise LoginRequired(request.url.path)


async def require_staff(
    request: Request, capability: str = "view"
) -> tuple[FacilitatorAccount, Event, str]:
    """The logged-in account, the event the path names, and the account's role on that event's
    team, when the role allows ``capability``; else a login redirect or a 403 sentence."""
    account = await require_login(request)
    async with state(request).db.read() as db:
        event = await domain.event_by_slug(db, request.path_params["event"])
        role = await domain.authorize(db, account, event, capability)
    return account, event, role


T = TypeVar("T")
StaffAction = Callable[[AsyncSession, Event, FacilitatorAccount, FormData], Awaitable[T]]


async def staff_act(
    request: Request, capability: str, action: StaffAction[T], max_files: int = 0
) -> tuple[Event, T | None]:
    """Run a team member's POST on the event the path names: login, CSRF, then in one
    transaction the role's ``capability`` on that event, ``action`` and the idempotency key.
    The result is None when the key shows it was already done."""
    account = await require_login(request)
    form = await checked_form(request, max_files)
    try:
        async with state(request).db.write() as db:
            event = await domain.event_by_slug(db, request.path_params["event"])
            await domain.authorize(db, account, event, capability)
            actor = f"staff:{account.id}"
            if not await domain.claim_key(db, actor, idempotency_key(request, form)):
                return event, None
            return event, await action(db, event, account, form)
    finally:
        await form.close()  # an uploaded file's temporary file, whatever happened


class LoginRequired(Exception):
    def __init__(self, next_path: str) -> None:
        self.next_path = next_path


async def login_required(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, LoginRequired)
    return RedirectResponse(f"/login?next={exc.next_path}", 303)


def _safe_next(raw: object) -> str:
    # Only paths on this site: a login link must not bounce people elsewhere.
    return raw if isinstance(raw, str) and raw.startswith("/") and not raw.startswith("//") else "/"


def _new_csrf(request: Request, response: Response) -> Response:
    """Give the browser a new CSRF token: one seen before a login or logout is of no use after."""
    token = state(request).signer.csrf_cookie(secrets.token_urlsafe(24))
    response.headers.append(
        "set-cookie", cookie_header(CSRF_COOKIE, token, secure_cookies(request))
    )
    return response


def logged_in(request: Request, account: FacilitatorAccount, to: str) -> Response:
    """A redirect to ``to`` that logs this browser in as ``account`` (its current login
    nonce), with a new CSRF token."""
    st = state(request)
    response = RedirectResponse(to, 303)
    response.headers.append(
        "set-cookie",
        cookie_header(
            STAFF_COOKIE,
            st.signer.staff_cookie(account.id, account.login_nonce),
            secure_cookies(request),
            STAFF_MAX_AGE,
        ),
    )
    return _new_csrf(request, response)


async def login_form(request: Request) -> Response:
    return page(
        request,
        "auth/login.html",
        next=_safe_next(request.query_params.get("next")),
        error="",
        username="",
    )


async def login(request: Request) -> Response:
    form = await checked_form(request)
    st = state(request)
    username = str(form.get("username") or "").strip()[:60]
    password = str(form.get("password") or "")
    nxt = _safe_next(form.get("next"))
    address = client_address(request)
    await st.limits.check("login", None, address)
    wait = st.limits.login_wait(username, address)
    if wait:
        raise Refused(
            f"Too many failed logins for this account from here. Try again in {wait} seconds.",
            429,
            wait,
        )
    async with st.db.read() as db:
        account = await db.scalar(
            select(FacilitatorAccount).where(FacilitatorAccount.username == username)
        )
    # argon2 is slow on purpose; in a thread it does not stall every live page meanwhile. An
    # unknown username costs the same check, so the time taken does not say which exist.
    if account is None:
        ok = await anyio.to_thread.run_sync(verify_nobody, password)
    else:
        ok = await anyio.to_thread.run_sync(verify_password, account.password_hash, password)
    if account is None or not ok:
        st.limits.login_failed(username, address)
        return page(
            request,
            "auth/login.html",
            status=401,
            next=nxt,
            username=username,
            error="That username and password do not match. Check them and try again.",
        )
    st.limits.login_succeeded(username, address)
    return logged_in(request, account, nxt)


async def one_time_login(request: Request) -> Response:
    """A login link printed by the server; the nonce changes on use, so it works once."""
    st = state(request)
    found = st.signer.check_one_time_login(request.path_params["token"], ONE_TIME_LINK_MAX_AGE)
    nxt = _safe_next(request.query_params.get("next"))
    async with st.db.write() as db:
        account = await db.get(FacilitatorAccount, found[0]) if found else None
        if account is None or found is None or account.link_nonce != found[1]:
            raise Refused(
                "This login link has been used or has expired. "
                "Log in with your password, or restart the server for a new link.",
                403,
            )
        account.link_nonce = secrets.token_hex(8)
    return logged_in(request, account, nxt)


async def logout(request: Request) -> Response:
    """Log the account out on the server: every staff cookie and one-time link it had stops
    working, on every worker, and its open consoles close (see ``assembly.guard``)."""
    await checked_form(request)
    st = state(request)
    found = st.signer.staff(request.cookies.get(STAFF_COOKIE))
    if found is not None:
        async with st.db.write() as db:
            account = await db.get(FacilitatorAccount, found[0])
            # Only the login the cookie holds can end itself: a stale cookie changes nothing.
            if account is not None and account.login_nonce == found[1]:
                revoke_logins(account)
        await st.guard.sweep()  # this process at once; the others within a second
    response = RedirectResponse("/login", 303)
    response.headers.append("set-cookie", f"{STAFF_COOKIE}=; Path=/; Max-Age=0; HttpOnly")
    return _new_csrf(request, response)


routes = [
    Route("/login", login_form, name="login_form"),
    Route("/login", login, methods=["POST"], name="login"),
    Route("/login/once/{token}", one_time_login, name="one_time_login"),
    Route("/logout", logout, methods=["POST"], name="logout"),
]
