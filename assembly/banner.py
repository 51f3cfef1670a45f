"""The start-up banner of `assembly serve`: each event's addresses, a login link, the room QR."""

from __future__ import annotations

import io
import secrets

from sqlalchemy import select

from assembly.config import Settings
from assembly.db import opened
from assembly.models import Event, FacilitatorAccount
from assembly.security import Signer, room_code


async def startup_facts(settings: Settings, base: str) -> list[str]:
    """A fresh one-time console login link, and the demo's room QR, for the start-up banner."""
    from assembly.app import _secret_key

    lines: list[str] = []
    async with opened(settings.database_url) as db:
        signer = Signer(await _secret_key(db, settings.secret_key))
        async with db.write() as s:
            # The installation's first organiser (the one `make run` made), else any account.
            account = await s.scalar(
                select(FacilitatorAccount)
                .order_by((FacilitatorAccount.role == "organiser").desc(), FacilitatorAccount.id)
                .limit(1)
            )
            events = list(await s.scalars(select(Event).where(Event.status == "open")))
            if account is not None:
                account.link_nonce = secrets.token_hex(8)
                token = signer.one_time_login(account.id, account.link_nonce)
                target = f"/console/{events[0].slug}" if events else "/organise"
        for event in events:
            lines += [
                f"  {event.title}",
                f"    participants (online):  {base}/e/{event.slug}",
                f"    big screen (secret):    {base}/screen/{event.slug}/open/{event.screen_key}",
                f"    facilitator console:    {base}/console/{event.slug}",
            ]
        if account is not None:
            lines += [
                "",
                f"  Your own assembly (organiser pages): {base}/organise",
                f"  One-time login for {account.username!r} (works once, for 24 hours):",
                f"    {base}/login/once/{token}?next={target}",
            ]
        else:
            lines += ["", "  No facilitator account yet: `assembly user add NAME` creates one."]
        if events:
            code = room_code(events[0].room_secret, settings.room_code_period)
            url = f"{base}/j/{code}"
            lines += [
                "",
                f"  Room QR for {events[0].slug} (code {code}; it rotates every "
                f"{settings.room_code_period // 60} min, the big screen always "
                f"shows the current one): {url}",
                _terminal_qr(url),
            ]
    return lines


def _terminal_qr(data: str) -> str:
    import qrcode

    qr = qrcode.QRCode(border=1)
    qr.add_data(data)
    out = io.StringIO()
    qr.print_ascii(out=out, invert=True)
    return out.getvalue()
