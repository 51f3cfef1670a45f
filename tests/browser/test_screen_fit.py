"""Issue 17: the big screen shows everything it claims on one screen (1920x1080 and 1280x720),
and the console's "On screen" tags are exactly what it shows."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import Visitor, log_in, staff, wait_connected
from tests.conftest import LiveServer

LONG = (
    "When my father was discharged nobody told him which of the pledges applied to him, and "
    "we only found the Constitution afterwards, on a leaflet in another hospital. If it is "
    "meant to protect patients it has to be told to them when it matters, in plain words, by "
    "the people treating them, and it has to say what happens when a pledge is broken: who "
    "answers for it and what a patient can do next. Number {}."
)
QUESTION = "Which of these have you relied on in your own care? Tick up to three."

# Everything the screen shows must be inside its viewport, with nothing to scroll.
FITS = """() => {
  const h = innerHeight;
  const selectors = ['.quote footer', '#screen-poll .results li', '#screen-poll .total',
                     '.code', '.prompt h2'];
  const parts = selectors.flatMap((s) => [...document.querySelectorAll(s)]);
  return {scroll: document.documentElement.scrollHeight, inner: h,
          missing: selectors.filter((s) => !document.querySelector(s)),
          out: parts.filter((e) => e.getBoundingClientRect().bottom > h + 1)
                    .map((e) => e.textContent.trim().slice(0, 40))};
}"""


def _featured(url: str, count: int) -> list[int]:
    """``count`` long posts, each featured; the poll with many options open, with votes."""
    people = [Visitor(url) for _ in range(count)]
    ids = []
    with staff(url) as s:
        for i, p in enumerate(people):
            ids.append(p.post(LONG.format(i + 1)))
            s.moderate(ids[-1], "feature")
        s.poll(QUESTION, "open")
        page = people[0].page()
        poll = re.search(r"/polls/(\d+)/ballot", page)
        options = re.findall(r'name="option" value="(\d+)"', page)
        assert poll and options
        for i, p in enumerate(people):
            r = p.http.post(
                f"/e/demo/polls/{poll.group(1)}/ballot",
                data={
                    "option": options[i % len(options)],
                    "kind": "multiple",
                    "csrf_token": p.token,
                },
            )
            assert r.status_code in (200, 303), r.text
        address = s.screen_address()
    for p in people:
        p.close()
    return [address, *ids]  # type: ignore[list-item]


@pytest.mark.parametrize("size", [(1920, 1080), (1280, 720)])
def test_a_poll_and_three_long_quotes_fit_the_screen(
    server: LiveServer, new_context: Callable[..., Any], size: tuple[int, int]
) -> None:
    address = _featured(server.url, 3)[0]
    screen = new_context(viewport={"width": size[0], "height": size[1]}).new_page()
    screen.goto(str(address))
    expect(screen.locator(".quote")).to_have_count(3)
    expect(screen.locator("#screen-poll h2")).to_have_text(QUESTION)
    fits = screen.evaluate(FITS)
    assert not fits["missing"], fits  # each part is on the screen to be measured
    assert fits["scroll"] <= fits["inner"] and not fits["out"], fits
    # The quote is shortened on the screen (the console keeps the whole text).
    clamped = screen.evaluate(
        "() => [...document.querySelectorAll('.quote p')]"
        ".every(p => p.scrollHeight > p.clientHeight)"
    )
    assert clamped


def test_featuring_a_fourth_takes_the_oldest_off_and_says_so(
    server: LiveServer, new_context: Callable[..., Any]
) -> None:
    address, *ids = _featured(server.url, 3)
    console = new_context(viewport={"width": 1366, "height": 768}).new_page()
    log_in(console, server.url)
    screen = new_context(viewport={"width": 1920, "height": 1080}).new_page()
    screen.goto(str(address))
    for page in (console, screen):
        wait_connected(page)
    v = Visitor(server.url)
    fourth = v.post("A fourth point for the screen")
    v.close()
    item = console.locator(f"#c-{fourth}")
    item.get_by_role("button", name="Show on screen").click()
    expect(console.locator("#flash")).to_contain_text("three at most")
    expect(console.locator(f"#c-{ids[0]} .tag.featured")).to_have_count(0)
    expect(screen.locator(".quote")).to_have_count(3)
    expect(screen.locator(".quote").first).to_contain_text("A fourth point")
    tagged = console.locator("#console-feed-items > li:has(.tag.featured)")
    expect(tagged).to_have_count(3)
