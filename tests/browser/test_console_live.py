"""Issue 17: a console that stays put under the facilitator's hand, fits a long session at
1366x768, and keeps an open poll in view when the session changes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from playwright.sync_api import Page, expect

from tests.browser.helpers import Visitor, log_in, staff, wait_connected
from tests.conftest import LiveServer

LAPTOP = {"viewport": {"width": 1366, "height": 768}}
QUESTION = "How well do you know the NHS Constitution?"


def _posts(url: str, texts: list[str]) -> None:
    """Post ``texts`` from a few participants (each has a rate limit)."""
    people = [Visitor(url) for _ in range(min(7, len(texts)))]
    try:
        for i, text in enumerate(texts):
            people[i % len(people)].post(text)
    finally:
        for p in people:
            p.close()


def _console(url: str, new_context: Callable[..., Any]) -> Page:
    page: Page = new_context(**LAPTOP).new_page()
    log_in(page, url)
    wait_connected(page)
    return page


def test_what_is_under_the_pointer_stays_while_posts_arrive(
    server: LiveServer, new_context: Callable[..., Any]
) -> None:
    _posts(server.url, [f"Earlier point number {i}" for i in range(12)])
    page = _console(server.url, new_context)
    item = page.locator("#console-feed-items > li", has_text="Earlier point number 6")
    hide = item.get_by_role("button", name="Hide")
    hide.scroll_into_view_if_needed()
    box = hide.bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    _posts(server.url, ["Newer point one", "Newer point two", "Newer point three"])
    # The three have reached the page (shown or held), whatever the page does with them.
    page.wait_for_function("() => document.querySelectorAll('li.item[id^=c-]').length >= 15")
    after = hide.bounding_box()
    assert after is not None and abs(after["y"] - box["y"]) < 1, (box, after)
    under = page.evaluate(
        "([x, y]) => document.elementFromPoint(x, y).closest('li.item').id", [x, y]
    )
    assert under == item.get_attribute("id")
    bar = page.get_by_role("button", name="3 new posts")
    expect(bar).to_be_visible()
    bar.click()
    expect(page.locator("#console-feed-items > li").first).to_contain_text("Newer point three")
    expect(page.locator("#feed-new-status")).to_contain_text("3 new posts shown")


def test_a_typed_response_survives_a_pin_from_another_console(
    server: LiveServer, new_context: Callable[..., Any]
) -> None:
    _posts(server.url, ["Please keep the waiting-time pledges"])
    mine = _console(server.url, new_context)
    other = _console(server.url, new_context)
    item = mine.locator("#console-feed-items > li").first
    item.locator("summary", has_text="Respond").click()
    box = item.get_by_label("Response, shown under")
    box.fill("We will take this to the ")
    other.locator("#console-feed-items > li").first.get_by_role("button", name="Pin").click()
    expect(item.locator(".tag.pinned")).to_be_visible()
    expect(box).to_have_value("We will take this to the ")
    expect(box).to_be_visible()
    expect(box).to_be_focused()
    mine.keyboard.type("board.")
    expect(box).to_have_value("We will take this to the board.")


def test_close_poll_stays_in_view_with_the_feed_scrolled_to_the_bottom(
    server: LiveServer, new_context: Callable[..., Any]
) -> None:
    _posts(server.url, [f"A point of view, number {i}" for i in range(20)])
    with staff(server.url) as s:
        s.poll(QUESTION, "open")
    page = _console(server.url, new_context)
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    page.wait_for_function("() => scrollY > 0")
    close = page.get_by_role("button", name="Close poll")
    expect(close).to_be_in_viewport()
    expect(page.locator("#agenda .poll-admin.status-open .results")).to_be_in_viewport()


def test_switching_session_keeps_the_open_poll_on_the_console(
    server: LiveServer, new_context: Callable[..., Any]
) -> None:
    with staff(server.url) as s:
        s.poll(QUESTION, "open")
    page = _console(server.url, new_context)
    page.on("dialog", lambda d: d.accept())
    page.locator("#agenda li", has_text="Rights and pledges").get_by_role(
        "button", name="Make current"
    ).click()
    expect(page.locator("#agenda li.current")).to_contain_text("Rights and pledges")
    poll = page.locator("#agenda .poll-admin", has_text=QUESTION)
    expect(poll).to_be_visible()
    expect(poll).to_contain_text("Closing for online voters")
    page.reload()
    expect(page.locator("#agenda .poll-admin", has_text=QUESTION)).to_be_visible()


def test_filter_search_and_session_without_a_reload(
    server: LiveServer, new_context: Callable[..., Any]
) -> None:
    _posts(server.url, ["Dentistry is missing", "100% of pledges kept", "Carers matter"])
    page = _console(server.url, new_context)
    page.evaluate("window.__kept = true")  # gone if the page reloads
    page.get_by_label("Search the feed").fill("100%")
    expect(page.locator("#console-feed-items > li")).to_have_count(1)
    expect(page.locator("#console-feed-items > li")).to_contain_text("100% of pledges kept")
    expect(page).to_have_url(f"{server.url}/console/demo?q=100%25")
    page.get_by_label("Search the feed").fill("")
    page.get_by_label("Session", exact=True).select_option(label="Rights and pledges")
    expect(page.locator("#console-feed .empty")).to_be_visible()
    assert page.evaluate("window.__kept === true")
