"""The issue 17 screenshot of a phone when a poll opens: not a check, so not collected by the
suite. Run it by name to write docs/screenshots/real-session/{before,after}-phone.png:

    ASSEMBLY_SHOTS=after .venv/bin/python -m pytest -q -n 0 tests/browser/shoot_phone.py
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ROOT
from tests.browser.helpers import staff, visitor, wait_connected
from tests.conftest import LiveServer

SHOTS = os.environ.get("ASSEMBLY_SHOTS", "")
POLL = "Which pledge matters most to you?"
POSTS = [
    "Put the patient rights in plain English, on one page.",
    "Will patients be able to see their own records online?",
    "My GP surgery never told me I could complain, or how.",
    "Nobody told my mum why her operation kept being moved.",
    "Could the pledges be read out at the start of every appointment?",
    "Carers need to be named in the Constitution, not just patients.",
    "How will anyone know if a trust breaks a pledge?",
    "Translate it into the ten most spoken languages in each area.",
]


def room_code(base_url: str) -> str:
    with staff(base_url) as facilitator:
        html = facilitator.http.get("/screen/demo").text
    match = re.search(r'<p class="code">([^<]+)</p>', html)
    assert match, "no room code on the big screen"
    return match.group(1).strip()


@pytest.mark.skipif(SHOTS not in ("before", "after"), reason="screenshots on demand only")
def test_phone_screenshot_when_a_poll_opens(
    server: LiveServer, new_context: Callable[..., Any]
) -> None:
    for i, text in enumerate(POSTS):  # a few people: one may not post this fast
        if i % 2 == 0:
            person = visitor(server.url)
            other = person.__enter__()
        other.post(text, "question" if text.endswith("?") else "idea")
        if i % 2 == 1:
            person.__exit__(None, None, None)
    with staff(server.url) as facilitator:
        facilitator.make_current("Rights and pledges")
    phone = new_context(
        viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True
    ).new_page()
    phone.goto(f"{server.url}/j/{room_code(server.url)}")
    expect(phone).to_have_url(f"{server.url}/e/demo")
    wait_connected(phone)
    phone.locator("#feed-items > li").last.scroll_into_view_if_needed()
    with staff(server.url) as facilitator:
        facilitator.poll(POLL, "open")
    expect(phone.locator("#poll[data-status=open]")).to_have_count(1)
    phone.wait_for_timeout(300)  # let the swap settle before the picture (a screenshot only)
    out = ROOT / "docs" / "screenshots" / "real-session" / f"{SHOTS}-phone.png"
    phone.screenshot(path=str(out))
