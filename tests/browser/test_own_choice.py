"""Issue 10, point 6: after any push (a poll added, a close, a session change) a phone still shows
the choice it made, without a reload. Pushes are the same for everyone and cannot carry it: the
page keeps its own (static/app.js) and the server renders it on every reload."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.sync_api import expect

from tests.browser.helpers import staff, wait_connected
from tests.browser.test_kinds import PHONE_360
from tests.conftest import LiveServer

SINGLE = "How well do you know the NHS Constitution?"
MULTIPLE = "Which of these have you relied on in your own care? Tick up to three."


def test_a_phone_keeps_its_choice_through_every_push(
    server: LiveServer, new_context: Callable[..., Any]
) -> None:
    with staff(server.url) as facilitator:
        facilitator.poll(SINGLE, "open")
        phone = new_context(**PHONE_360).new_page()
        phone.goto(f"{server.url}/e/demo")
        wait_connected(phone)
        chosen = phone.locator("#poll label.choice").nth(1)
        label = chosen.inner_text().strip()
        chosen.click()
        phone.locator("#poll button[type=submit]").click()
        mine = phone.locator("#poll .mine")
        poll = phone.locator("#poll").get_attribute("data-poll") or ""
        expect(mine).to_contain_text(f"You voted for “{label}”")

        # A poll added in the console re-renders the agenda for everyone (a push of #poll).
        facilitator._post("/polls/new", question="Tea now?", options="Yes\nNo", kind="single")
        expect(phone.locator("#poll")).to_have_attribute("data-poll", poll)
        expect(phone.get_by_role("radio", name=label)).to_be_checked()
        expect(mine).to_contain_text("You can change it until the poll closes")
        expect(phone.locator("#poll button[type=submit]")).to_have_text("Change my vote")

        # Closing it: the form goes, the choice stays, and no longer says it can change.
        facilitator.poll(SINGLE, "close")
        expect(phone.locator("#poll form.ballot")).to_have_count(0)
        expect(mine).to_contain_text(f"You voted for “{label}”")
        expect(mine).not_to_contain_text("change it")

        # Another poll, then a choice made but not sent: a push keeps it too.
        facilitator.poll(MULTIPLE, "open")
        expect(phone.locator("#poll h2")).to_contain_text("Tick up to three")
        first = phone.locator("#poll input[type=checkbox]").first
        first.check()
        facilitator._post("/polls/new", question="Coffee?", options="Yes\nNo", kind="single")
        expect(phone.locator("#poll h2")).to_contain_text("Tick up to three")
        expect(first).to_be_checked()
        # A reload shows what the server holds: nothing sent yet, nothing ticked.
        phone.reload()
        expect(phone.locator("#poll input[type=checkbox]:checked")).to_have_count(0)
