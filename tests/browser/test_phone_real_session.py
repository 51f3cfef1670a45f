"""Issue 17 on a phone and at home: a poll announced in view, replies you cannot miss, posting
that does what people mean, the stream beside the page, and a mistyped room code."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from assembly.config import Settings
from tests.browser.helpers import staff, visitor, wait_connected
from tests.browser.shoot_phone import POSTS, room_code
from tests.conftest import LiveServer

POLL = "Which pledge matters most to you?"
SMALL_PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}


def _feed(base_url: str) -> None:
    """Enough in the feed that its end is far below the poll."""
    for start in range(0, len(POSTS), 2):  # two each: one person may not post faster
        with visitor(base_url) as person:
            for text in POSTS[start : start + 2]:
                person.post(text, "question" if text.endswith("?") else "idea")


def _room_phone(server: LiveServer, new_context: Callable[..., Any]) -> Page:
    phone: Page = new_context(**SMALL_PHONE).new_page()
    phone.goto(f"{server.url}/j/{room_code(server.url)}")
    expect(phone).to_have_url(f"{server.url}/e/demo")
    wait_connected(phone)
    return phone


def test_a_phone_scrolled_to_the_feed_is_told_a_poll_opened_and_closed(
    server: LiveServer, new_context: Callable[..., Any]
) -> None:
    _feed(server.url)
    with staff(server.url) as facilitator:
        facilitator.make_current("Rights and pledges")
    phone = _room_phone(server, new_context)
    phone.locator("#feed-items > li").last.scroll_into_view_if_needed()
    banner = phone.locator("#poll-banner")
    expect(banner).not_to_contain_text("A poll is open")

    with staff(server.url) as facilitator:
        facilitator.poll(POLL, "open")
    expect(banner).to_contain_text("A poll is open: vote now")
    expect(banner).to_be_in_viewport()  # whatever the phone was reading
    expect(banner).to_have_attribute("role", "status")
    banner.get_by_role("link", name="Go to the poll").click()
    expect(phone.locator("#poll form.ballot")).to_be_in_viewport()

    # A choice tapped, not sent: when voting closes the phone says it was not counted.
    phone.locator("#poll form.ballot input[type=radio]").first.check()
    phone.locator("#feed-items > li").last.scroll_into_view_if_needed()
    with staff(server.url) as facilitator:
        facilitator.poll(POLL, "close")
    expect(banner).to_contain_text("Voting has closed")
    expect(banner).to_contain_text("was not sent before voting closed, so it was not counted")
    expect(banner).to_be_in_viewport()
    expect(banner.get_by_role("link", name=re.compile("See the (result|poll)"))).to_be_visible()


def test_a_reply_is_counted_in_the_header_and_its_link_goes_to_it(
    server: LiveServer, new_context: Callable[..., Any]
) -> None:
    _feed(server.url)
    phone = _room_phone(server, new_context)
    phone.check("input[name=kind][value=question]")
    phone.fill("#text", "Who checks that a trust keeps its pledges?")
    phone.click("#contribute button[type=submit]")
    mine = phone.locator("#feed-items > li", has_text="Who checks that a trust")
    expect(mine).to_have_count(1)
    own_id = int((mine.get_attribute("id") or "c-0")[2:])
    _feed(server.url)  # more after it: the reply ends up far below
    with staff(server.url) as facilitator:
        facilitator.respond(own_id, "The regulator will, every year, in public.")
    count = phone.locator("header #unread-count")
    expect(count).to_have_text("1 unread reply")
    note = phone.locator("#replies-items a")
    expect(note).to_contain_text("The facilitators responded to your question")
    phone.reload()  # lasting: still there after a reload, counted by the server
    expect(count).to_have_text("1 unread reply")
    count.click()
    phone.locator("#replies-items a").first.click()
    expect(phone).to_have_url(f"{server.url}/e/demo/me#c-{own_id}")
    reply = phone.locator(f"#c-{own_id} .response")
    expect(reply).to_contain_text("The regulator will")
    expect(reply).to_be_in_viewport()
    phone.goto(f"{server.url}/e/demo")  # seen now: nothing unread
    expect(count).to_be_hidden()
    expect(phone.locator("#replies")).to_be_hidden()


def test_posting_asks_the_name_and_kind_first_and_counts_characters(
    server: LiveServer, new_context: Callable[..., Any]
) -> None:
    phone = _room_phone(server, new_context)
    form = phone.locator("#contribute")
    # The name is asked above Send; the kind has no preset and must be chosen.
    assert form.locator("input[name=kind]:checked").count() == 0
    name_box = form.locator("#post-name")
    send = form.locator("button[type=submit]")
    assert name_box.bounding_box()["y"] < send.bounding_box()["y"]  # type: ignore[index]
    counter = phone.locator("#text-count")
    phone.fill("#text", "Short and sweet")
    expect(counter).to_have_text("15 of 1,000")
    said = phone.locator("#text-count-said")
    expect(said).to_have_attribute("aria-live", "polite")
    expect(said).to_have_text("")
    phone.fill("#text", "x" * 950)
    expect(said).to_contain_text("Nearly at the limit: 50 characters left")
    phone.fill("#text", "x" * 1200)  # a paste is not cut at the limit: the counter says so
    expect(counter).to_have_text("1,200 of 1,000")
    expect(said).to_contain_text("200 characters too many")
    assert len(phone.input_value("#text")) == 1200
    # Sent without a kind: the browser asks for one (nothing is sent).
    phone.fill("#text", "Put the pledges on the wall of every ward.")
    posts: list[str] = []
    phone.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    send.click()
    assert phone.evaluate("() => document.querySelector('#contribute').checkValidity()") is False
    # The browser held it back: no POST left the page (one made by the click would be logged
    # before this later request's answer comes back).
    phone.evaluate("() => fetch('/healthz').then((r) => r.status)")
    assert posts == []
    phone.check("input[name=kind][value=idea]")
    name_box.fill("Maggie")
    send.click()
    first = phone.locator("#feed-items > li").first
    expect(first).to_contain_text("Put the pledges on the wall")
    expect(first.locator(".byline")).to_contain_text("Maggie")
    expect(phone.locator("#name-box summary")).to_have_text("Your name: Maggie")


def test_delete_and_leave_ask_first(server: LiveServer, new_context: Callable[..., Any]) -> None:
    phone = _room_phone(server, new_context)
    phone.check("input[name=kind][value=concern]")
    phone.fill("#text", "My words, which I may regret.")
    phone.click("#contribute button[type=submit]")
    expect(phone.locator("#feed-items > li").first).to_contain_text("which I may regret")
    phone.goto(f"{server.url}/e/demo/me")
    phone.get_by_role("link", name=re.compile("^Delete")).click()
    expect(phone.locator("h1")).to_have_text("Delete this?")
    expect(phone.locator("main")).to_contain_text("My words, which I may regret.")
    phone.get_by_role("link", name="No, keep it").click()
    expect(phone.locator("#main .feed")).to_contain_text("which I may regret")  # still there
    phone.get_by_role("link", name=re.compile("^Delete")).click()
    phone.get_by_role("button", name="Yes, delete it").click()
    expect(phone.locator("main")).to_contain_text("You have not posted anything yet.")
    phone.get_by_role("link", name=re.compile("^Leave and delete")).click()
    expect(phone.locator("h1")).to_contain_text("Leave")
    phone.get_by_role("link", name="No, stay").click()
    expect(phone.locator("#leave-title")).to_be_visible()  # still joined


def test_at_home_the_stream_stays_in_view_beside_the_feed(
    server: LiveServer, settings: Settings, new_context: Callable[..., Any]
) -> None:
    if not settings.database_url.startswith("sqlite"):
        pytest.skip("sets the stream address in the SQLite file")
    path = settings.database_url.split("///", 1)[1]
    with sqlite3.connect(path) as db:
        db.execute(
            "UPDATE event SET stream_url = ? WHERE slug = 'demo'",
            ("https://www.youtube.com/watch?v=abc123",),
        )
    _feed(server.url)
    laptop: Page = new_context(viewport={"width": 1280, "height": 800}).new_page()
    laptop.goto(f"{server.url}/e/demo")
    video = laptop.locator("#stream iframe")
    expect(video).to_be_attached()
    laptop.locator("#feed-items > li").last.scroll_into_view_if_needed()
    assert laptop.evaluate("() => window.scrollY") > 300  # scrolled well down
    expect(video).to_be_in_viewport()
    form, stream = laptop.locator("#contribute").bounding_box(), video.bounding_box()
    assert form and stream and form["x"] > stream["x"] + stream["width"]  # beside, not below


def test_a_mistyped_room_code_says_so_and_asks_again(
    server: LiveServer, new_context: Callable[..., Any]
) -> None:
    phone: Page = new_context(**SMALL_PHONE).new_page()
    phone.goto(f"{server.url}/j/ABCDE2")  # one wrong letter, most likely: never a code
    problem = phone.get_by_role("alert")
    expect(problem).to_contain_text("That is not a room code we know")
    expect(problem).not_to_contain_text("expired")
    expect(phone).not_to_have_url(re.compile(r"/e/demo"))  # not silently joined online
    phone.fill("#code", room_code(server.url))
    phone.get_by_role("button", name="Join").click()
    expect(phone).to_have_url(f"{server.url}/e/demo")
    expect(phone.locator("header .where .tag")).to_have_text("In the room")
