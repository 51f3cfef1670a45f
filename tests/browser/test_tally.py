"""A tally pushed while a reply was on its way is newer than the reply's: the page keeps it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import PHONE
from tests.browser.helpers import staff, wait_connected
from tests.conftest import LiveServer


def test_a_ballot_reply_older_than_the_pushed_tally_does_not_replace_it(
    server: LiveServer, new_context: Callable[..., Any]
) -> None:
    with staff(server.url) as facilitator:
        facilitator.make_current("Rights and pledges")
        facilitator.poll("Which pledge matters most to you?", "open")
    phone = new_context(**PHONE).new_page()
    phone.goto(f"{server.url}/e/demo")
    wait_connected(phone)
    phone.evaluate(
        "() => { window.__pushes = 0;"
        " document.addEventListener('htmx:wsBeforeMessage', () => { window.__pushes += 1; }); }"
    )
    held: list[Any] = []
    phone.route("**/polls/*/ballot", lambda route: held.append(route))  # answered below
    phone.locator("#poll input[name=option]").first.check()
    with phone.expect_request("**/polls/*/ballot"):
        phone.locator("#poll button[type=submit]").click()
    assert len(held) == 1
    # The ballot reaches the server now; its reply (the tally as last recounted, before this
    # ballot) is kept back until the coalesced push with the new count has reached the page.
    reply = held[0].fetch()
    phone.wait_for_function("() => window.__pushes >= 1")
    expect(phone.locator("#poll .total")).to_have_text("1 vote")
    held[0].fulfill(response=reply)
    expect(phone.locator("#poll .mine")).to_contain_text("You voted for")
    expect(phone.locator("#poll .total")).to_have_text("1 vote")
