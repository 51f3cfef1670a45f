"""One meeting, every role at once: console, big screen, two phones from the QR, a remote viewer."""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import Page, expect

from tests.browser.conftest import DESKTOP, PHONE, SCREEN
from tests.browser.helpers import log_in, wait_connected
from tests.conftest import LiveServer

QUESTION = "Will the Constitution say how patients can hold their trust to account?"
POLL = "Which pledge matters most to you?"
RESPONSE = "Yes: the draft adds a duty to publish how complaints changed services."


def _watch(page: Page, problems: list[str], who: str) -> Page:
    """Collect script errors and CSP refusals: a live page must not log any."""
    page.on("pageerror", lambda e: problems.append(f"{who}: {e}"))
    page.on(
        "console",
        lambda m: problems.append(f"{who}: {m.text}") if m.type == "error" else None,
    )
    return page


def _join_url_from_qr(screen: Page) -> tuple[str, str]:
    """(the URL decoded from a screenshot of the QR, the room code printed under it)."""
    for _ in range(3):  # the code may rotate between reading it and taking the picture
        code = screen.locator("#qr .code").inner_text().strip()
        image = Image.open(io.BytesIO(screen.locator("#qr").screenshot()))
        decoded = [b.text for b in zxingcpp.read_barcodes(image)]
        if code == screen.locator("#qr .code").inner_text().strip():
            assert len(decoded) == 1, f"expected one QR code on the screen, decoded {decoded}"
            return decoded[0], code
    raise AssertionError("the room code kept changing")


@pytest.mark.timeout(120)
def test_a_meeting_with_every_role(
    server: LiveServer, new_context: Callable[..., Any], artifacts: Path
) -> None:
    problems: list[str] = []

    console = _watch(new_context(**DESKTOP).new_page(), problems, "console")
    log_in(console, server.url)
    # The projector opens the secret screen address the console shows: no login on it.
    address = console.locator("#screen-address").input_value()
    screen = _watch(new_context(**SCREEN).new_page(), problems, "screen")
    screen.goto(address)
    expect(screen).to_have_url(f"{server.url}/screen/demo")

    # The QR on the screen is what phones in the room scan: it must carry the code shown.
    join_url, code = _join_url_from_qr(screen)
    assert join_url == f"{server.url}/j/{code}"

    phones = [_watch(new_context(**PHONE).new_page(), problems, f"phone {i}") for i in (1, 2)]
    for phone in phones:
        phone.goto(join_url)
        expect(phone).to_have_url(f"{server.url}/e/demo")
        expect(phone.locator("header .where .tag")).to_have_text("In the room")
    remote = _watch(new_context(**DESKTOP).new_page(), problems, "remote")
    remote.goto(f"{server.url}/e/demo")
    expect(remote.locator("header .where .tag")).to_have_text("Online")
    for page in (console, screen, *phones, remote):
        wait_connected(page)

    # A phone posts a question; the console has it within a second.
    author = phones[0]
    author.check("input[name=kind][value=question]")
    author.fill("#text", QUESTION)
    posted = time.monotonic()
    author.click("#contribute button[type=submit]")
    item = console.locator("#console-feed-items > li", has_text=QUESTION)
    item.wait_for(timeout=1000)
    assert time.monotonic() - posted < 1.0
    expect(item.locator(".meta")).to_contain_text("Question")
    expect(item.locator(".meta")).to_contain_text("In the room")
    mine = author.locator("#feed-items > li", has_text=QUESTION)
    expect(mine).to_have_count(1)
    expect(remote.locator("#feed-items > li", has_text=QUESTION)).to_have_count(1)
    expect(author.locator("#text")).to_have_value("")
    cid = mine.get_attribute("id")
    assert cid is not None and item.get_attribute("id") == cid

    # The facilitator puts it on the big screen.
    item.get_by_role("button", name="Show on screen").click()
    expect(screen.locator("#featured .quote", has_text=QUESTION)).to_be_visible()
    expect(console.locator(f"#{cid} .meta")).to_contain_text("On screen")

    # Next session, and its first poll: everyone votes, the screen counts three.
    console.locator("#agenda li", has_text="Rights and pledges").get_by_role(
        "button", name="Make current"
    ).click()
    for page in (screen, *phones, remote):
        expect(page.locator("#prompt")).to_contain_text("Rights and pledges")
    expect(console.locator("#agenda li.current")).to_contain_text("Rights and pledges")
    console.locator("#agenda .poll-admin", has_text=POLL).get_by_role(
        "button", name="Open poll"
    ).click()
    expect(screen.locator("#screen-poll h2")).to_have_text(POLL)
    for choice, page in enumerate((*phones, remote)):
        page.locator("#poll input[name=option]").nth(choice).check()
        page.locator("#poll button[type=submit]").click()
        expect(page.locator("#poll .mine")).to_contain_text("You voted for")
    expect(screen.locator("#screen-poll .total")).to_have_text("3 votes")
    expect(screen.locator("#screen-poll .results .n")).to_have_text(["(1)", "(1)", "(1)", "(0)"])
    expect(console.locator("#agenda .poll-admin", has_text=POLL).locator(".total")).to_have_text(
        "3 votes"
    )

    # The facilitator responds; every phone shows it under the question, and its author is told.
    item.locator("details.respond summary").click()
    item.locator("details.respond textarea").fill(RESPONSE)
    item.get_by_role("button", name="Send response").click()
    expect(console.locator(f"#{cid}-responses")).to_contain_text(RESPONSE)
    for page in (*phones, remote):
        expect(page.locator(f"#{cid}-responses")).to_contain_text(RESPONSE)
    expect(author.locator("#flash")).to_contain_text("The facilitators responded to your question")
    expect(phones[1].locator("#flash")).not_to_contain_text("responded")

    author.screenshot(path=artifacts / "phone.png", full_page=True)
    remote.screenshot(path=artifacts / "remote.png", full_page=True)
    console.screenshot(path=artifacts / "console.png", full_page=True)
    screen.screenshot(path=artifacts / "screen.png")
    assert problems == []
