"""One's own account: accepting a team invite link (logged in, or by creating an account), and
changing one's password."""

from __future__ import annotations

import re

import anyio
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from assembly import domain
from assembly.accounts import revoke_logins
from assembly.domain import Refused
from assembly.models import FacilitatorAccount
from assembly.security import hash_password, verify_password
from assembly.web.auth import current_account, logged_in, require_login
from assembly.web.common import checked_form, client_address, page, state

MIN_PASSWORD = 12
MAX_PASSWORD = 1000  # argon2 hashes whatever it is given: bound the work a form can ask for
USERNAME = re.compile(r"[^\s]{2,60}")
_USERNAME_RULE = "A username is 2 to 60 letters, digits or signs, without spaces."
_TAKEN = "The username “{name}” is taken. Choose another, or log in if it is yours."


def _new_password(form_new: object, form_again: object) -> str:
    """The new password a form gives twice, checked; a 422 sentence otherwise."""
    new = form_new if isinstance(form_new, str) else ""
    if new != (form_again if isinstance(form_again, str) else ""):
        raise Refused("The two new passwords are not the same. Type them again.", 422)
    if len(new) < MIN_PASSWORD:
        raise Refused(f"Choose a password of at least {MIN_PASSWORD} characters.", 422)
    if len(new) > MAX_PASSWORD:
        raise Refused(f"Choose a password of at most {MAX_PASSWORD} characters.", 422)
    return new


# --- the invite link ------------------------------------------------------------------------


async def _invite_page(
    request: Request, status: int = 200, error: str = "", username: str = ""
) -> Response:
    token = request.path_params["token"]
    async with state(request).db.read() as db:
        invite, event = await domain.open_invite(db, token)
    return page(
        request,
        "team/invite.html",
        status=status,
        invite=invite,
        event=event,
        token=token,
        account=await current_account(request),
        error=error,
        username=username,
        min_password=MIN_PASSWORD,
    )


async def invite_page(request: Request) -> Response:
    """The link itself is the credential: anyone holding it sees which event and role."""
    return await _invite_page(request)


async def invite_join(request: Request) -> Response:
    """The logged-in account joins the team the invite is for."""
    account = await require_login(request)
    await checked_form(request)
    async with state(request).db.write() as db:
        event, role = await domain.accept_invite(db, request.path_params["token"], account)
        domain.audit(db, event, account, "team.join", f"{account.username}: {role}"[:80])
    return RedirectResponse(f"/console/{event.slug}", 303)


async def invite_signup(request: Request) -> Response:
    """Create an account from the invite, log it in and put it on the team, all or nothing."""
    form = await checked_form(request)
    st = state(request)
    token = request.path_params["token"]
    username = str(form.get("username") or "").strip()
    async with st.db.read() as db:
        await domain.open_invite(db, token)  # a dead link is told so before anything else
    try:
        password = _new_password(form.get("password"), form.get("password_again"))
        if not USERNAME.fullmatch(username) or not username.isprintable():
            raise Refused(_USERNAME_RULE, 422)
    except Refused as exc:
        return await _invite_page(request, exc.status, exc.message, username[:60])
    await st.limits.check("signup", None, client_address(request))
    async with st.db.read() as db:
        taken = await db.scalar(
            select(FacilitatorAccount.id).where(FacilitatorAccount.username == username)
        )
    if taken is not None:
        return await _invite_page(request, 409, _TAKEN.format(name=username), username)
    # argon2 is slow on purpose: in a thread, so that it does not stall every live page.
    password_hash = await anyio.to_thread.run_sync(hash_password, password)
    account = FacilitatorAccount(username=username, password_hash=password_hash, role="staff")
    revoke_logins(account)  # a first login nonce
    try:
        async with st.db.write() as db:
            db.add(account)
            await db.flush()
            event, role = await domain.accept_invite(db, token, account)
            domain.audit(db, event, account, "team.join", f"{username}: {role} (new account)"[:80])
    except IntegrityError:  # the same username was taken a moment ago
        return await _invite_page(request, 409, _TAKEN.format(name=username), username)
    return logged_in(request, account, f"/console/{event.slug}")


# --- one's own account ----------------------------------------------------------------------


async def account_page(request: Request) -> Response:
    account = await require_login(request)
    async with state(request).db.read() as db:
        events = await domain.events_of(db, account)
    return page(
        request,
        "auth/account.html",
        account=account,
        events=events,
        min_password=MIN_PASSWORD,
        changed=request.query_params.get("changed") == "1",
    )


async def change_password(request: Request) -> Response:
    """Change the logged-in account's password: its other logins end, this browser's goes on."""
    account = await require_login(request)
    form = await checked_form(request)
    st = state(request)
    address = client_address(request)
    wait = st.limits.login_wait(account.username, address)
    if wait:
        raise Refused(f"Too many wrong passwords. Try again in {wait} seconds.", 429, wait)
    current = form.get("current")
    ok = await anyio.to_thread.run_sync(
        verify_password, account.password_hash, current if isinstance(current, str) else ""
    )
    if not ok:
        st.limits.login_failed(account.username, address)
        raise Refused("That is not your current password. Nothing was changed: type it again.", 403)
    st.limits.login_succeeded(account.username, address)
    new = _new_password(form.get("password"), form.get("password_again"))
    password_hash = await anyio.to_thread.run_sync(hash_password, new)
    async with st.db.write() as db:
        stored = await db.get(FacilitatorAccount, account.id)
        # Changed or logged out elsewhere meanwhile: that login ended, so this one has too.
        if stored is None or stored.login_nonce != account.login_nonce:
            raise Refused("Your login has expired. Log in again, then retry.", 403)
        stored.password_hash = password_hash
        revoke_logins(stored)
        domain.audit(db, None, stored, "account.password", stored.username)
    await st.guard.sweep()  # its consoles open elsewhere close now on this process
    return logged_in(request, stored, "/account?changed=1")


routes = [
    Route("/team/invite/{token}", invite_page, name="invite"),
    Route("/team/invite/{token}/join", invite_join, methods=["POST"], name="invite_join"),
    Route("/team/invite/{token}/account", invite_signup, methods=["POST"], name="invite_signup"),
    Route("/account", account_page, name="account"),
    Route("/account/password", change_password, methods=["POST"], name="account_password"),
]
