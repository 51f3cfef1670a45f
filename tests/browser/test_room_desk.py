"""Issue 11's desk in Chromium: a helper enters three paper cards by keyboard alone and the
console shows them live; under pre-moderation a phone's contribution waits ("waiting for a
moderator"), a moderator approves it from the keyboard queue and it reaches another phone.
Screenshots: room-helper-cards.png, room-moderation-queue.png."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect
from starlette.testclient import TestClient

from assembly.app import create_app
from assembly.config import Settings
from tests.browser.helpers import log_in, wait_connected
from tests.browser.test_kinds import PHONE_360
from tests.conftest import PASSWORD, LiveServer
from tests.test_privacy import _set
from tests.test_team import _member as _staff

CARDS = [
    ("q", "Who pays for parking at the new clinic?"),
    ("c", "The bus stops an hour away from the hospital."),
    ("", "Nobody answers the phone after five."),  # the kind stays: a concern
]


def _log_in_as(page: Page, base_url: str, username: str, next_path: str) -> None:
    page.goto(f"{base_url}/login?next={next_path}")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base_url}{next_path}")


def test_a_helper_types_cards_and_a_moderator_works_the_queue_by_keyboard(
    server: LiveServer,
    settings: Settings,
    new_context: Callable[..., Any],
    artifacts: Path,
) -> None:
    with TestClient(create_app(settings)) as client:
        _staff(client, "hal", "helper")
        _staff(client, "mo", "moderator")

    console = new_context(viewport={"width": 1280, "height": 900}).new_page()
    log_in(console, server.url)
    wait_connected(console)

    # The helper: keyboard only, from the text field the page focuses.
    helper = new_context(viewport={"width": 1024, "height": 768}).new_page()
    _log_in_as(helper, server.url, "hal", "/console/demo/cards/new")
    expect(helper.locator("#card-text")).to_be_focused()
    for n, (key, text) in enumerate(CARDS, start=1):
        if key:
            helper.keyboard.press("Escape")  # to the kinds: one key picks and comes back
            helper.keyboard.press(key)
        expect(helper.locator("#card-text")).to_be_focused()
        helper.keyboard.type(text)
        helper.keyboard.press("Enter")
        expect(helper.locator("#card-count strong")).to_have_text(str(n))
        expect(helper.locator("#card-text")).to_have_value("")
        expect(helper.locator("#card-text")).to_be_focused()
    expect(helper.locator('#card input[value="concern"]')).to_be_checked()
    helper.screenshot(path=str(artifacts / "room-helper-cards.png"), full_page=True)
    for _, text in CARDS:
        item = console.locator("#console-feed-items li", has_text=text)
        expect(item).to_be_visible()
        expect(item.locator(".channel-paper")).to_be_visible()
        expect(item.locator(".text")).to_have_text(text)  # no kind's key typed into it
    kinds = [
        console.locator("#console-feed-items li", has_text=t).get_attribute("data-kind")
        for _, t in CARDS
    ]
    assert kinds == ["question", "concern", "concern"]

    # Pre-moderation: a phone's contribution waits, and says so on its author's page.
    _set_pre(settings)
    moderator = new_context(viewport={"width": 1280, "height": 900}).new_page()
    _log_in_as(moderator, server.url, "mo", "/console/demo")
    wait_connected(moderator)
    expect(moderator.locator("#agenda")).to_have_count(0)  # moderators run no agenda
    author = new_context(**PHONE_360).new_page()
    author.goto(f"{server.url}/e/demo")
    reader = new_context(**PHONE_360).new_page()
    reader.goto(f"{server.url}/e/demo")
    wait_connected(reader)
    for text in ("Could the pharmacy open on Saturdays?", "A second thought to hide"):
        author.check("#contribute input[name=kind][value=idea]")  # no preset (issue 17)
        author.fill("#text", text)
        author.locator("#contribute button[type=submit]").click()
        mine = author.locator("#feed-items li", has_text=text)
        expect(mine.locator(".warn")).to_have_text("Waiting for a moderator")
    queue = moderator.locator("#modqueue-items > li")
    expect(queue).to_have_count(2)  # pushed live, oldest first
    moderator.screenshot(path=str(artifacts / "room-moderation-queue.png"), full_page=True)

    # The keyboard queue: m lands on the first item; a approves and the focus moves on.
    moderator.keyboard.press("m")
    expect(queue.first).to_be_focused()
    moderator.keyboard.press("j")
    expect(queue.nth(1)).to_be_focused()
    moderator.keyboard.press("k")
    expect(queue.first).to_be_focused()
    moderator.keyboard.press("a")
    expect(queue).to_have_count(1)
    expect(queue.first).to_contain_text("A second thought to hide")
    expect(queue.first).to_be_focused()
    moderator.keyboard.press("h")
    expect(queue).to_have_count(0)
    expect(reader.locator("#feed-items li", has_text="Could the pharmacy open")).to_be_visible()
    expect(reader.locator("#feed-items li", has_text="A second thought")).to_have_count(0)
    approved = author.locator("#feed-items li", has_text="Could the pharmacy open")
    expect(approved).not_to_contain_text("Waiting for a moderator")  # the push replaced it


def _set_pre(settings: Settings) -> None:
    with TestClient(create_app(settings)) as client:
        _set(client, "update event set moderation = 'pre' where slug = 'demo'")
