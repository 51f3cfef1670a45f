"""Pages keep the newest tally (the poll's highest revision): a reply older than a push, or a
recount with fewer ballots after one was withdrawn."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import httpx2 as httpx
from playwright.sync_api import expect

from tests.browser.conftest import PHONE
from tests.browser.helpers import csrf_token, staff, wait_connected
from tests.conftest import LiveServer


def _phone_with_an_open_poll(server: LiveServer, new_context: Callable[..., Any]) -> Any:
    """A phone on the participant page, its socket open, with the pledge poll open."""
    with staff(server.url) as facilitator:
        facilitator.make_current("Rights and pledges")
        facilitator.poll("Which pledge matters most to you?", "open")
    phone = new_context(**PHONE).new_page()
    phone.goto(f"{server.url}/e/demo")
    wait_connected(phone)
    return phone


def test_a_ballot_reply_older_than_the_pushed_tally_does_not_replace_it(
    server: LiveServer, new_context: Callable[..., Any]
) -> None:
    phone = _phone_with_an_open_poll(server, new_context)
    phone.evaluate(
        "() => { window.__pushes = 0;"
        " document.addEventListener('htmx:wsBeforeMessage', () => { window.__pushes += 1; }); }"
    )
    held: list[Any] = []
    phone.route("**/polls/*/ballot", lambda route: held.append(route))  # answered below
    phone.locator("#poll input[name=option]").first.check()
    with phone.expect_request("**/polls/*/ballot"):
        phone.locator("#poll button[type=submit]").click()
    # The request's event can reach us before the route's: each round trip to the page hands
    # over what the browser has sent meanwhile, the route among it.
    for _ in range(50):
        if held:
            break
        phone.evaluate("() => 0")
    assert len(held) == 1
    # The ballot reaches the server now; its reply (the tally as last recounted, before this
    # ballot) is kept back until the coalesced push with the new count has reached the page.
    reply = held[0].fetch()
    phone.wait_for_function("() => window.__pushes >= 1")
    expect(phone.locator("#poll .total")).to_have_text("1 vote")
    held[0].fulfill(response=reply)
    expect(phone.locator("#poll .mine")).to_contain_text("You voted for")
    expect(phone.locator("#poll .total")).to_have_text("1 vote")


def test_a_tally_with_a_withdrawn_ballot_replaces_the_one_before(
    server: LiveServer, new_context: Callable[..., Any]
) -> None:
    """The newest ballot is withdrawn (its voter leaves): the recount has fewer votes and an
    older newest ballot, yet it is the newer tally, and the page shows it."""
    phone = _phone_with_an_open_poll(server, new_context)
    phone.locator("#poll input[name=option]").first.check()
    phone.locator("#poll button[type=submit]").click()
    expect(phone.locator("#poll .total")).to_have_text("1 vote")
    with httpx.Client(base_url=server.url) as other:
        token = csrf_token(other.get("/e/demo").text)
        option = re.findall(r'name="option" value="(\d+)"', other.get("/e/demo").text)[0]
        poll = re.findall(r"/polls/(\d+)/ballot", other.get("/e/demo").text)[0]
        r = other.post(f"/e/demo/polls/{poll}/ballot", data={"option": option, "csrf_token": token})
        assert r.status_code == 303, r.text
        expect(phone.locator("#poll .total")).to_have_text("2 votes")
        r = other.post("/e/demo/leave", data={"csrf_token": token})
        assert r.status_code == 200, r.text
    expect(phone.locator("#poll .total")).to_have_text("1 vote")
