"""Issue 11, you said, we did: a phone posts a question; the console (Chromium, logged in) tags
it with a theme and sets "not taken forward" with a reason; the phone shows the outcome live and
on "What you have said"; the console's share-of-voice panel shows the room answered and
featured while online was not, and says so. Screenshots: room-outcome-phone.png,
room-share-of-voice.png."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from assembly import domain
from tests.browser.conftest import DESKTOP, PHONE
from tests.browser.helpers import contribution_id, log_in, staff, wait_connected
from tests.browser.test_no_js import _room_code
from tests.conftest import LiveServer

QUESTION = "Will the Constitution say how complaints are handled?"
REASON = "The complaints process is set by law, outside this review."


def _themes(server: LiveServer, *themes: str) -> None:
    """Give the demo themes (an organiser's setting; the demo's facilitator is not one)."""

    async def go() -> None:
        async with server.server.lifespan.state["app"].db.write() as db:
            event = await domain.event_by_slug(db, "demo")
            event.themes = list(themes)

    asyncio.run_coroutine_threadsafe(go(), server.loop).result(10)


def _post(phone: Page, text: str, kind: str = "question") -> None:
    phone.check(f"#contribute input[name=kind][value={kind}]")
    phone.fill("#text", text)
    phone.click("#contribute button[type=submit]")
    expect(phone.locator("#feed-items li", has_text=text)).to_be_visible()


def test_an_outcome_reaches_its_author_and_share_of_voice_shows(
    server: LiveServer, new_context: Callable[..., Any], artifacts: Path
) -> None:
    _themes(server, "awareness", "staff culture", "complaints")
    room = new_context(**PHONE).new_page()
    room.goto(f"{server.url}/j/{_room_code(server.url)}")
    _post(room, "Put the Constitution on every ward wall.", "idea")
    online = new_context(**PHONE).new_page()
    online.goto(f"{server.url}/e/demo")
    wait_connected(online)
    _post(online, QUESTION)
    with staff(server.url) as facilitator:  # the room's idea is answered and on the screen
        room_id = contribution_id(facilitator.console(), "every ward wall")
        facilitator.moderate(room_id, "answered")
        facilitator.moderate(room_id, "feature")

    console = new_context(**DESKTOP).new_page()
    log_in(console, server.url)
    wait_connected(console)
    item = console.locator("#console-feed-items > li", has_text=QUESTION)
    item.locator("summary", has_text="Outcome and themes").click()
    item.get_by_role("checkbox", name="complaints").check()
    item.get_by_role("button", name="Save themes").click()
    item = console.locator("#console-feed-items > li", has_text=QUESTION)
    expect(item.locator(".tag.theme")).to_have_text("complaints")
    item.locator("summary", has_text="Outcome and themes").click()
    item.get_by_role("radio", name="Not taken forward").check()
    item.get_by_label("Reason (required for “not taken forward”)").fill(REASON)
    item.get_by_role("button", name="Set outcome").click()
    expect(console.locator("#flash")).to_contain_text("Outcome: Not taken forward.")

    # The author's phone, live: the item's outcome and a sentence for them alone.
    mine = online.locator("#feed-items li", has_text=QUESTION).locator(".outcome")
    expect(mine).to_contain_text("Not taken forward")
    expect(mine).to_contain_text(REASON)
    expect(online.locator("#flash")).to_contain_text("What became of your question")
    online.screenshot(path=str(artifacts / "room-outcome-phone.png"), full_page=True)
    expect(room.locator("#flash")).not_to_contain_text("What became of")  # not the room's

    # Share of voice: numbers and bars, and online under-surfaced (half the contributions,
    # none of what was featured or answered).
    voice = console.locator("#voice")
    expect(voice).to_be_visible()
    expect(voice).to_contain_text("Online voices are under-surfaced")
    expect(voice.locator("progress").first).to_be_visible()
    voice.scroll_into_view_if_needed()
    voice.screenshot(path=str(artifacts / "room-share-of-voice.png"))

    online.goto(f"{server.url}/e/demo/me")
    said = online.locator("li.item", has_text=QUESTION)
    expect(said).to_contain_text("Not taken forward")
    expect(said).to_contain_text(REASON)
    expect(said.locator(".tag.theme")).to_have_text("complaints")
