"""Issue 11, the speaker queue in Chromium: a room phone and an online phone raise a hand with a
topic (a second room participant too); the facilitator, logged in to the console, turns on
alternation and calls the next: the room phone hears a microphone is coming, and after it the
online phone is preferred over the second room hand and sees "You're on" with the call link.
Each is marked speaking and done, and the console shows speaking time per channel."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx2 as httpx
from playwright.sync_api import Page, expect

from assembly.config import Settings
from tests.browser.helpers import csrf_token, log_in, overflow, wait_connected
from tests.browser.test_kinds import PHONE_360
from tests.browser.test_no_js import _room_code
from tests.conftest import LiveServer

CALL = "https://meet.example.org/nhs-assembly"


def _named(page: Page, name: str) -> None:
    page.click("#name-box summary")  # folded: the name is asked above Send now (issue 17)
    page.fill("#display_name", name)
    page.get_by_role("button", name="Save name").click()
    expect(page.locator("#name-box summary")).to_contain_text(name)


def _raise(page: Page, topic: str) -> None:
    page.fill("#hand-topic", topic)
    page.get_by_role("button", name="Raise your hand").click()
    expect(page.locator("#hand")).to_contain_text(f"Your hand is raised: “{topic}”")


def test_the_console_calls_room_and_online_speakers_in_turn(
    server: LiveServer, settings: Settings, new_context: Callable[..., Any], artifacts: Path
) -> None:
    with sqlite3.connect(settings.database_url.split(":///", 1)[1]) as db:
        db.execute("update event set call_url = ? where slug = 'demo'", (CALL,))
    console = new_context(viewport={"width": 1280, "height": 1000}).new_page()
    log_in(console, server.url)
    code = _room_code(server.url)
    room = new_context(**PHONE_360).new_page()
    room.goto(f"{server.url}/j/{code}")
    online = new_context(**PHONE_360).new_page()
    online.goto(f"{server.url}/e/demo")
    for page in (console, room, online):
        wait_connected(page)
    _named(room, "Tom")
    _named(online, "Priya")

    # Tom (room) first, then Sam (room, plain HTTP), then Priya (online).
    _raise(room, "Parking at the hospital")
    with httpx.Client(base_url=server.url) as sam:
        sam.get(f"/j/{code}")
        token = csrf_token(sam.get("/e/demo").text)
        sam.post("/e/demo/name", data={"display_name": "Sam", "csrf_token": token})
        r = sam.post("/e/demo/hand", data={"topic": "Evening GP hours", "csrf_token": token})
        assert r.status_code == 303
    _raise(online, "Waiting lists for people at home")
    queue = console.locator("#queue")
    expect(queue.locator("h2")).to_have_text("Speaker queue: 3 waiting")
    expect(queue.locator("li.hand").nth(2)).to_contain_text("Waiting lists for people at home")
    expect(queue.locator("li.hand").nth(2)).to_contain_text("Online")

    # The waiting time counts on in the page, with no push.
    first = queue.locator("li.hand").first.locator(".since")
    before = first.inner_text()
    expect(first).not_to_have_text(before, timeout=3000)

    alternate = console.get_by_role("button", name="Alternate room and online")
    alternate.click()
    expect(alternate).to_have_attribute("aria-pressed", "true")

    console.get_by_role("button", name="Call next").click()
    expect(room.locator("#hand")).to_contain_text("Your turn: a microphone is coming.")
    console.get_by_role("button", name=re.compile(r"^Speaking\s*:\s*Tom$")).click()
    expect(room.locator("#hand")).to_contain_text("You're speaking now.")
    console.get_by_role("button", name=re.compile(r"^Done\s*:\s*Tom$")).click()
    expect(room.locator("#hand")).to_contain_text("Raise your hand")

    # After a room speaker, the online hand comes before Sam's, raised earlier in the room.
    console.get_by_role("button", name="Call next").click()
    you = online.locator("#hand .youre-on")
    expect(you).to_contain_text("You're on.")
    expect(you.get_by_role("link", name=CALL)).to_have_attribute("href", CALL)
    expect(queue.locator("li.hand.status-called")).to_contain_text("Priya")
    expect(queue.locator("li.hand.status-waiting")).to_contain_text("Sam")
    assert overflow(online)["scroll"] <= 360
    # The phone as its owner sees it: the notice just below the status line that also says it.
    online.locator("#hand").evaluate(
        "el => window.scrollTo(0, el.getBoundingClientRect().top + window.scrollY - 130)"
    )
    online.screenshot(path=str(artifacts / "room-youre-on-phone.png"))

    console.get_by_role("button", name=re.compile(r"^Speaking\s*:\s*Priya$")).click()
    expect(online.locator("#hand")).to_contain_text("You're speaking now.")
    expect(queue.locator("li.hand.status-speaking")).to_contain_text("Speaking for")
    console.wait_for_timeout(1200)  # a second or so of speaking to show
    console.get_by_role("button", name=re.compile(r"^Done\s*:\s*Priya$")).click()
    expect(online.locator("#hand")).to_contain_text("Raise your hand")
    expect(queue.locator("h2")).to_have_text("Speaker queue: 1 waiting")
    spoken = queue.locator("table.spoken")
    expect(spoken.locator("tr", has_text="Online")).to_contain_text(re.compile(r"[1-9] s"))
    queue.scroll_into_view_if_needed()
    console.screenshot(path=str(artifacts / "room-queue-console.png"), full_page=True)
