"""A page whose socket the server dropped reconnects and shows what it missed meanwhile."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import PHONE
from tests.browser.helpers import staff, visitor, wait_connected
from tests.conftest import LiveServer

MISSED = "Posted while the phone was disconnected"
# What the page tells its reader about the connection (issue 13: words, a polite status).
STATUS = "() => document.querySelector('.live-status').textContent"


def _phone_that_waits_to_reconnect(server: LiveServer, new_context: Callable[..., Any]) -> Any:
    """A connected phone page that, once dropped, reconnects only when the test says so."""
    phone = new_context(**PHONE).new_page()
    phone.goto(f"{server.url}/e/demo")
    wait_connected(phone)
    phone.evaluate("() => { htmx.config.wsReconnectDelay = () => 3600000; }")
    return phone


def test_a_dropped_page_reconnects_and_shows_what_it_missed(
    server: LiveServer, new_context: Callable[..., Any]
) -> None:
    phone = _phone_that_waits_to_reconnect(server, new_context)

    server.call(lambda st: st.hub.close_all())
    expect(phone.locator("body")).to_contain_class("offline")
    assert phone.evaluate(STATUS) == "Reconnecting…"
    assert phone.evaluate("() => window.__ws.wrapper !== null")

    # While it is away: a contribution, a new session and an open poll.
    with visitor(server.url) as other, staff(server.url) as facilitator:
        other.post(MISSED)
        facilitator.make_current("Rights and pledges")
        facilitator.poll("Which pledge matters most to you?", "open")
    fresh = new_context(**PHONE).new_page()
    fresh.goto(f"{server.url}/e/demo")
    expect(fresh.locator("#feed-items > li", has_text=MISSED)).to_have_count(1)
    # The dropped page cannot have heard of any of it.
    expect(phone.locator("#feed-items > li", has_text=MISSED)).to_have_count(0)
    expect(phone.locator("#prompt")).not_to_contain_text("Rights and pledges")
    expect(phone.locator("#poll form")).to_have_count(0)

    with phone.expect_request(f"{server.url}/e/demo/w/feed"):
        phone.evaluate("() => window.__ws.wrapper.reconnect()")
    wait_connected(phone, 2)
    expect(phone.locator("#feed-items > li", has_text=MISSED)).to_have_count(1)
    expect(phone.locator("#prompt")).to_contain_text("Rights and pledges")
    expect(phone.locator("#poll h2")).to_have_text("Poll: Which pledge matters most to you?")
    expect(phone.locator("#poll input[name=option]")).to_have_count(4)
    expect(phone.locator("body")).not_to_contain_class("offline")
    assert phone.evaluate(STATUS) == "Live"

    # Live again: the next push arrives without any re-fetch.
    with visitor(server.url) as other:
        other.post("Posted after the reconnect")
    expect(phone.locator("#feed-items > li").first).to_contain_text("Posted after the reconnect")


def test_a_push_that_lands_during_the_resync_is_not_wiped_by_its_reply(
    server: LiveServer, new_context: Callable[..., Any]
) -> None:
    phone = _phone_that_waits_to_reconnect(server, new_context)
    held: list[Any] = []
    phone.route("**/e/demo/w/feed", lambda route: held.append(route))  # answered below

    phone.evaluate(
        "() => { window.__pushes = 0;"
        " document.addEventListener('htmx:wsBeforeMessage', () => { window.__pushes += 1; }); }"
    )
    server.call(lambda st: st.hub.close_all())
    expect(phone.locator("body")).to_contain_class("offline")
    with phone.expect_request(f"{server.url}/e/demo/w/feed"):
        phone.evaluate("() => window.__ws.wrapper.reconnect()")
    wait_connected(phone, 2)
    assert len(held) == 1
    snapshot = held[0].fetch()  # the feed as the server renders it now: without the post below
    with visitor(server.url) as other:
        other.post("Pushed while the re-fetch was on its way")
    # The push reaches the page (over the new socket) before the older reply: only then is the
    # reply delivered. The page must keep the pushed item.
    phone.wait_for_function("() => window.__pushes >= 1")
    held[0].fulfill(response=snapshot)
    expect(phone.locator("#feed-items > li", has_text="Pushed while the re-fetch")).to_have_count(1)


def test_a_push_between_the_render_and_the_first_socket_is_not_missed(
    server: LiveServer, new_context: Callable[..., Any]
) -> None:
    phone = new_context(**PHONE).new_page()
    waiting: list[Any] = []
    # Hold the page's socket before it reaches the server, as a slow phone network would.
    phone.route_web_socket("**/ws/e/demo", lambda ws: waiting.append(ws))
    phone.goto(f"{server.url}/e/demo")
    phone.wait_for_function("() => document.querySelector('#feed-items') !== null")
    with visitor(server.url) as other:
        other.post("Posted before the socket of this page opened")
    expect(phone.locator("#feed-items > li", has_text="before the socket")).to_have_count(0)
    assert len(waiting) == 1
    waiting[0].connect_to_server()
    expect(phone.locator("#feed-items > li", has_text="before the socket")).to_have_count(1)
