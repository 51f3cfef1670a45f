"""With JavaScript off, a phone can still join from the room, post, upvote and vote."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import PHONE
from tests.browser.helpers import staff, visitor
from tests.conftest import LiveServer

POLL = "Which pledge matters most to you?"


def _room_code(base_url: str) -> str:
    with staff(base_url) as facilitator:  # the big screen is for the team
        html = facilitator.http.get("/screen/demo").text
    match = re.search(r'<p class="code">([^<]+)</p>', html)
    assert match, "no room code on the big screen"
    return match.group(1).strip()


def test_a_phone_without_javascript_takes_part(
    server: LiveServer, new_context: Callable[..., Any], artifacts: Path
) -> None:
    with visitor(server.url) as other, staff(server.url) as facilitator:
        other.post("Put the patient rights in plain English, on one page.")
        facilitator.make_current("Rights and pledges")
        facilitator.poll(POLL, "open")
    phone = new_context(**PHONE, java_script_enabled=False).new_page()
    assert phone.evaluate("() => 1") == 1  # playwright's own evaluate still works
    documents: list[str] = []
    phone.on(
        "response",
        lambda r: (
            documents.append(f"{r.status} {r.request.method} {r.url}")
            if r.request.resource_type == "document"
            else None
        ),
    )

    # Join by typing the room code into the join form.
    phone.goto(f"{server.url}/j")
    phone.fill("#code", _room_code(server.url).lower())
    phone.click("form button[type=submit]")
    expect(phone).to_have_url(f"{server.url}/e/demo")
    expect(phone.locator("header .where .tag")).to_have_text("In the room")
    assert phone.evaluate("() => typeof window.htmx") == "undefined"

    # Post: the form posts, the server redirects, the page says so and shows it.
    phone.check("input[name=kind][value=concern]")
    phone.fill("#text", "Nobody told my mum why her operation kept being moved.")
    phone.click("#contribute button[type=submit]")
    expect(phone).to_have_url(re.compile(r"/e/demo\?said=sent#feed$"))
    expect(phone.locator("main .flash")).to_have_text("Sent. It is at the top of the feed.")
    first = phone.locator("#feed-items > li").first
    expect(first).to_contain_text("Nobody told my mum")
    expect(first.locator(".meta")).to_contain_text("Concern")

    # Upvote someone else's contribution, then take it back.
    theirs = phone.locator("#feed-items > li", has_text="plain English")
    button = theirs.locator("form.upvote button")
    expect(button).to_have_attribute("aria-pressed", "false")
    button.click()
    expect(phone).to_have_url(re.compile(r"/e/demo#c-\d+$"))
    expect(button).to_have_attribute("aria-pressed", "true")
    expect(button).to_contain_text("Upvoted 1")
    button.click()
    expect(button).to_have_attribute("aria-pressed", "false")
    expect(button).to_contain_text("Upvote 0")

    # Vote, then change the vote.
    phone.get_by_role("radio", name="Being treated with dignity and respect").check()
    phone.locator("#poll button[type=submit]").click()
    expect(phone).to_have_url(re.compile(r"/e/demo\?said=voted#poll$"))
    expect(phone.locator("#poll .mine")).to_contain_text("Being treated with dignity and respect")
    expect(phone.locator("#poll .total")).to_have_text("1 vote")
    expect(phone.locator("#poll button[type=submit]")).to_have_text("Change my vote")
    phone.get_by_role("radio", name="Access to my own records").check()
    phone.locator("#poll button[type=submit]").click()
    expect(phone.locator("#poll .mine")).to_contain_text("Access to my own records")
    expect(phone.locator("#poll .total")).to_have_text("1 vote")

    phone.screenshot(path=artifacts / "phone-no-js.png", full_page=True)

    # Every step was a full page: a POST answered by a redirect, then a GET.
    posts = [d for d in documents if " POST " in d]
    assert len(posts) == 5 and all(d.startswith("303 ") for d in posts), documents
