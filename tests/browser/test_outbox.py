"""Issue 13: phones in a real venue. What a phone makes while the network is down waits in its
outbox (static/outbox.js), survives a reload and is sent once when the network is back; a refusal
is told in words; a page that slept catches up as soon as it is visible (static/app.js)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from playwright.sync_api import Error, Page, expect

from assembly.config import Settings
from tests.browser.helpers import staff, visitor, wait_connected
from tests.browser.test_kinds import PHONE_360
from tests.browser.test_no_js import _room_code
from tests.conftest import LiveServer

SINGLE = "How well do you know the NHS Constitution?"
OUTBOX = "#outbox-items > li"
STATUS = "header .live-status"
# The page hidden or shown, as a phone's screen going dark and lighting up again.
SHOW = """state => {
  Object.defineProperty(document, 'visibilityState', {value: state, configurable: true});
  document.dispatchEvent(new Event('visibilitychange'));
}"""


def _counts(settings: Settings, text: str, poll_id: int) -> tuple[int, int]:
    """How many contributions say ``text``, and how many ballots ``poll_id`` holds."""
    from sqlalchemy import func, select

    from assembly.db import Database
    from assembly.models import Ballot, Contribution

    async def go() -> tuple[int, int]:
        db = Database(settings.database_url)
        try:
            async with db.read() as s:
                said = await s.scalar(select(func.count()).where(Contribution.text == text))
                votes = await s.scalar(select(func.count()).where(Ballot.poll_id == poll_id))
                return int(said or 0), int(votes or 0)
        finally:
            await db.dispose()

    with ThreadPoolExecutor(1) as pool:  # playwright's loop runs on this thread
        return pool.submit(asyncio.run, go()).result()


def _post(phone: Page, text: str) -> None:
    phone.check("#contribute input[name=kind][value=idea]")
    phone.fill("#text", text)
    phone.click("#contribute button[type=submit]")


def _vote(phone: Page, nth: int = 1) -> str:
    chosen = phone.locator("#poll label.choice").nth(nth)
    label = chosen.inner_text().strip()
    chosen.click()
    phone.locator("#poll button[type=submit]").click()
    return label


def test_what_a_phone_made_offline_is_sent_once_after_a_reload(
    server: LiveServer, settings: Settings, new_context: Callable[..., Any]
) -> None:
    text = "Written in the hall while the Wi-Fi was down."
    with staff(server.url) as facilitator:
        facilitator.poll(SINGLE, "open")
    context = new_context(**PHONE_360)
    phone = context.new_page()
    phone.goto(f"{server.url}/e/demo")
    wait_connected(phone)
    expect(phone.locator(STATUS)).to_have_text("Live")
    expect(phone.locator(STATUS)).to_have_attribute("role", "status")
    poll_id = int(phone.locator("#poll").get_attribute("data-poll") or 0)

    context.set_offline(True)
    expect(phone.locator(STATUS)).to_have_text("Offline")
    _post(phone, text)
    expect(phone.locator("#outbox")).to_be_visible()
    expect(phone.locator("#outbox")).to_contain_text("Saved on your phone")
    expect(phone.locator("#outbox")).to_contain_text("It will be sent when you are back online.")
    expect(phone.locator(OUTBOX).first).to_contain_text(text)
    expect(phone.locator(OUTBOX).first).to_contain_text("Waiting to be sent.")
    expect(phone.locator("#text")).to_have_value("")  # kept in the outbox, not in the form
    label = _vote(phone)
    expect(phone.locator(OUTBOX)).to_have_count(2)
    expect(phone.locator(OUTBOX).nth(1)).to_contain_text(f"Your vote in “Poll: {SINGLE}”: {label}")
    saved = phone.evaluate("() => JSON.stringify(localStorage)")
    assert _counts(settings, text, poll_id) == (0, 0)

    # A reload while offline fails (no page); the phone keeps what it saved.
    try:
        phone.reload()
    except Error:
        pass
    context.set_offline(False)
    phone.goto(f"{server.url}/e/demo")
    # The page that failed to reload may still be alive for a moment and send one of them
    # itself when the network returns (CI saw it): either page sending is right, so what is
    # checked is that nothing waits, and below that each is stored once and shown.
    expect(phone.locator(OUTBOX + ".outbox-waiting")).to_have_count(0)
    expect(phone.locator("#feed-items > li", has_text=text)).to_have_count(1)
    expect(phone.locator("#poll .mine")).to_contain_text(f"You voted for “{label}”")
    # Every other reason to send (the network back, the page shown, another socket) sends
    # nothing more.
    posts: list[str] = []
    phone.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    phone.evaluate(
        "() => { window.dispatchEvent(new Event('online'));"
        " document.dispatchEvent(new Event('visibilitychange')); }"
    )
    # A resend starts at once on those events: it would be logged before this later request's
    # answer comes back. None left (the database would keep one copy even if it had).
    phone.evaluate("() => fetch('/healthz').then((r) => r.status)")
    assert posts == []
    assert _counts(settings, text, poll_id) == (1, 1)

    # Sent, but the answer lost on the way (the phone still holds it): sent again, it is
    # stored once, with the same idempotency key.
    phone.evaluate(
        "saved => { for (const [k, v] of Object.entries(JSON.parse(saved)))"
        " localStorage.setItem(k, v); }",
        saved,
    )
    phone.goto(f"{server.url}/e/demo")
    expect(phone.locator(OUTBOX + ".outbox-sent")).to_have_count(2)
    assert phone.evaluate("() => JSON.stringify(Object.values(localStorage))") == json.dumps(["[]"])
    assert _counts(settings, text, poll_id) == (1, 1)
    expect(phone.locator("#feed-items > li", has_text=text)).to_have_count(1)


def test_a_resend_after_the_csrf_cookie_changed_uses_the_pages_token(
    server: LiveServer, settings: Settings, new_context: Callable[..., Any]
) -> None:
    text = "Saved before the browser lost its cookies."
    context = new_context(**PHONE_360)
    phone = context.new_page()
    phone.goto(f"{server.url}/e/demo")
    wait_connected(phone)
    context.set_offline(True)
    _post(phone, text)
    expect(phone.locator(OUTBOX)).to_have_count(1)
    # The browser's CSRF cookie goes (a restart, a cleared cookie): the next page gets a new
    # token, and the saved one would be refused.
    context.clear_cookies(name="asm_csrf")
    context.set_offline(False)
    phone.goto(f"{server.url}/e/demo")
    expect(phone.locator(OUTBOX + ".outbox-sent")).to_have_count(1)
    expect(phone.locator("#feed-items > li", has_text=text)).to_have_count(1)
    assert _counts(settings, text, 1)[0] == 1


def test_a_refusal_after_reconnect_is_told_in_words_and_the_text_kept(
    server: LiveServer, settings: Settings, new_context: Callable[..., Any]
) -> None:
    too_long = "A long story about the ward. " * 40  # over the server's 1,000 characters
    with staff(server.url) as facilitator:
        facilitator.poll(SINGLE, "open")
        context = new_context(**PHONE_360)
        phone = context.new_page()
        # In the room: a close is at once (no online grace).
        phone.goto(f"{server.url}/j/{_room_code(server.url)}")
        wait_connected(phone)
        poll_id = int(phone.locator("#poll").get_attribute("data-poll") or 0)
        context.set_offline(True)
        _vote(phone)
        _post(phone, too_long)
        expect(phone.locator(OUTBOX)).to_have_count(2)
        facilitator.poll(SINGLE, "close")
    context.set_offline(False)
    refused = phone.locator(OUTBOX + ".outbox-refused")
    expect(refused).to_have_count(2)
    expect(refused.first.locator(".state")).to_contain_text("Not sent: ")
    expect(refused.first.locator(".state")).to_contain_text("closed")
    expect(refused.nth(1).locator(".state")).to_contain_text("Not sent: ")
    expect(refused.nth(1).get_by_label("Your text, to copy")).to_have_value(too_long)
    assert _counts(settings, too_long, poll_id) == (0, 0)
    # Removed from the list once read.
    refused.first.get_by_role("button", name="Remove from this list").click()
    expect(refused).to_have_count(1)


def test_a_page_that_slept_catches_up_as_soon_as_it_is_visible(
    server: LiveServer, new_context: Callable[..., Any]
) -> None:
    text = "Posted while the screen of that phone was dark."
    phone = new_context(**PHONE_360).new_page()
    phone.goto(f"{server.url}/e/demo")
    wait_connected(phone)
    # Asleep: hidden, its socket cut, and the ws extension's backoff long (as after many tries).
    phone.evaluate("() => { htmx.config.wsReconnectDelay = () => 3600000; }")
    phone.evaluate(SHOW, "hidden")
    server.call(lambda st: st.hub.close_all())
    expect(phone.locator(STATUS)).to_have_text("Reconnecting…")
    with visitor(server.url) as other:
        other.post(text)
    expect(phone.locator("#feed-items > li", has_text=text)).to_have_count(0)

    phone.evaluate(SHOW, "visible")
    expect(phone.locator("#feed-items > li", has_text=text)).to_have_count(1, timeout=2000)
    expect(phone.locator(STATUS)).to_have_text("Live")
