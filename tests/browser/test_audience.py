"""A members-only poll opened live: the push holds no form, and each phone fetches its own at
once, so a member's phone shows the ballot and a public phone says who the poll is for."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from playwright.sync_api import expect

from assembly.config import Settings
from assembly.db import Database
from tests.browser.conftest import DESKTOP, PHONE
from tests.browser.helpers import log_in, wait_connected
from tests.conftest import LiveServer

CODE = "K7M3QX9P"


def _members_poll(settings: Settings) -> str:
    """Make the first poll of "Rights and pledges" members-only and put one member on the
    roster (their card's code is CODE); returns the poll's question."""

    async def go() -> str:
        from sqlalchemy import select, update

        from assembly.domain import event_by_slug
        from assembly.models import Member, Poll, Session

        db = Database(settings.database_url)
        try:
            async with db.write() as s:
                demo = await event_by_slug(s, "demo")
                session = await s.scalar(select(Session).where(Session.title.startswith("Rights")))
                assert session is not None
                poll = await s.scalar(
                    select(Poll).where(Poll.session_id == session.id).order_by(Poll.position)
                )
                assert poll is not None
                await s.execute(update(Poll).where(Poll.id == poll.id).values(audience="members"))
                s.add(Member(event_id=demo.id, name="Ann Smith", code=CODE))
                return poll.question
        finally:
            await db.dispose()

    with ThreadPoolExecutor(1) as pool:  # playwright's loop runs on this thread
        return pool.submit(asyncio.run, go()).result()


def test_a_members_poll_reaches_members_as_a_ballot_and_the_public_as_a_sentence(
    server: LiveServer, settings: Settings, new_context: Callable[..., Any]
) -> None:
    question = _members_poll(settings)
    console = new_context(**DESKTOP).new_page()
    log_in(console, server.url)
    member = new_context(**PHONE).new_page()
    member.goto(f"{server.url}/i/{CODE}")
    expect(member).to_have_url(f"{server.url}/e/demo")
    public = new_context(**PHONE).new_page()
    public.goto(f"{server.url}/e/demo")
    for page in (console, member, public):
        wait_connected(page)
    console.locator("#agenda li", has_text="Rights and pledges").get_by_role(
        "button", name="Make current"
    ).click()
    expect(console.locator("#agenda li.current")).to_contain_text("Rights and pledges")
    console.locator("#agenda .poll-admin", has_text=question).get_by_role(
        "button", name="Open poll"
    ).click()
    expect(member.locator("#poll input[name=option]").first).to_be_visible()
    expect(member.locator("#poll-title")).to_contain_text("Members only")
    expect(public.locator("#poll")).to_contain_text("members only: you can follow its result")
    expect(public.locator("#poll input[name=option]")).to_have_count(0)
    member.locator("#poll input[name=option]").first.check()
    member.locator("#poll button[type=submit]").click()
    expect(member.locator("#poll .mine")).to_contain_text("You voted for")
