"""Results people can read (issue 10, points 2, 4 and 7): a motion with members and public
side by side and the console's splits, checked with axe and at 360 px on the console, the
screen and a phone."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

from playwright.sync_api import expect

from assembly.config import Settings
from assembly.db import Database
from tests.browser.conftest import AXE, DESKTOP
from tests.browser.helpers import axe_violations, log_in, overflow, staff
from tests.conftest import LiveServer

QUESTION = "Adopt recommendation 3 as written?"


def _motion(settings: Settings) -> None:
    """The first poll of "Rights and pledges" as a motion with a majority rule and a quorum,
    and 30 ballots from members and the public in the room and online, in three groups."""

    async def go() -> None:
        from sqlalchemy import delete, select, update

        from assembly.models import Ballot, Member, Poll, PollOption, Session

        db = Database(settings.database_url)
        try:
            async with db.write() as s:
                session = await s.scalar(select(Session).where(Session.title.startswith("Rights")))
                assert session is not None
                poll = await s.scalar(
                    select(Poll).where(Poll.session_id == session.id).order_by(Poll.position)
                )
                assert poll is not None
                await s.execute(
                    update(Poll)
                    .where(Poll.id == poll.id)
                    .values(question=QUESTION, majority="two_thirds", quorum=0.5)
                )
                await s.execute(delete(PollOption).where(PollOption.poll_id == poll.id))
                labels = ("For", "Against", "Abstain")
                options = [
                    PollOption(poll_id=poll.id, position=i, label=x) for i, x in enumerate(labels)
                ]
                s.add_all(options)
                await s.flush()
                now = datetime.now(UTC)
                for i in range(12):  # checked in at the door: 10 members' ballots meet 0.5
                    code = f"RESULTS{i:03d}"
                    s.add(
                        Member(event_id=poll.event_id, name=f"M{i}", code=code, checked_in_at=now)
                    )
                for i in range(30):
                    role = "member" if i < 10 else "public"
                    choice = options[0] if i % 3 else options[1 + (i % 2)]
                    s.add(
                        Ballot(
                            poll_id=poll.id,
                            option_id=choice.id,
                            marks="",
                            channel=("room", "online")[i % 2],
                            role=role,
                            group_name=("Residents", "Businesses", "Young people")[i % 3],
                        )
                    )
        finally:
            await db.dispose()

    with ThreadPoolExecutor(1) as pool:  # playwright's loop runs on this thread
        pool.submit(asyncio.run, go()).result()


def test_side_by_side_and_splits_read_well_and_fit_360px(
    server: LiveServer, settings: Settings, new_context: Callable[..., Any]
) -> None:
    _motion(settings)
    with staff(server.url) as facilitator:
        facilitator.make_current("Rights and pledges")
        facilitator.poll(QUESTION, "open")
        screen_address = facilitator.screen_address()
    found: dict[str, list[dict[str, Any]]] = {}
    wide: dict[str, Any] = {}
    console = new_context(bypass_csp=True, **DESKTOP).new_page()
    log_in(console, server.url)
    logged_in = console.context.storage_state()
    expect(console.locator(".poll-admin .compare")).to_contain_text("Members")
    expect(console.locator(".poll-admin caption", has_text="By group")).to_be_visible()
    found["console"] = axe_violations(console, str(AXE))
    screen = new_context(bypass_csp=True, **DESKTOP).new_page()
    screen.goto(screen_address)
    expect(screen.locator("#screen-poll .outcome")).to_contain_text("two-thirds")
    expect(screen.locator("#screen-poll caption")).to_contain_text("Members and public")
    found["screen"] = axe_violations(screen, str(AXE))
    narrow = new_context(storage_state=logged_in, viewport={"width": 360, "height": 740}).new_page()
    for label, path in (
        ("console", "/console/demo"),
        ("phone", "/e/demo"),
        ("screen", "/screen/demo"),
    ):
        narrow.goto(server.url + path)
        expect(narrow.locator(".results").first).to_be_visible()
        seen = overflow(narrow)
        if seen["scroll"] > seen["width"]:
            wide[label] = seen
    assert not any(found.values()), found
    assert wide == {}, f"pages wider than 360 px: {wide}"
