"""Issue 11.1 in Chromium: the facilitator starts a 2-minute timer in the console; the big
screen and a phone count it down themselves (nothing is pushed per second); Pause freezes it
everywhere, Add minutes moves it; a timer in its last minute turns red. Screenshots:
room-timer-console.png, room-timer-screen.png, room-timer-phone.png."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from tests.browser.conftest import SCREEN
from tests.browser.helpers import log_in, wait_connected
from tests.browser.test_kinds import PHONE_360
from tests.conftest import LiveServer


def _seconds(page: Page) -> int:
    """The timer a page shows, in seconds (from m:ss)."""
    text = page.locator("#timer .left").inner_text().strip()
    minutes, seconds = text.split(":")
    return int(minutes) * 60 + int(seconds)


def _goes_below(page: Page, seconds: int) -> None:
    """Wait (at most 10 s) until the page's countdown shows fewer than ``seconds``."""
    page.wait_for_function(
        """(limit) => {
          const [m, s] = document.querySelector("#timer .left").textContent.trim().split(":");
          return Number(m) * 60 + Number(s) < limit;
        }""",
        arg=seconds,
        timeout=10_000,
    )


def _timer(console: Page, button: str, minutes: str = "") -> None:
    console.locator("#timer-minutes").fill(minutes)
    console.locator("#clock").get_by_role("button", name=button, exact=True).click()


def test_a_timer_counts_down_on_the_screen_and_a_phone_and_pauses_and_grows(
    server: LiveServer, new_context: Callable[..., Any], artifacts: Path
) -> None:
    console = new_context(viewport={"width": 1280, "height": 900}).new_page()
    log_in(console, server.url)
    address = console.locator("#screen-address").get_attribute("value") or ""
    screen = new_context(**SCREEN).new_page()
    screen.goto(address)
    phone = new_context(**PHONE_360).new_page()
    phone.goto(f"{server.url}/e/demo")
    for page in (console, screen, phone):
        wait_connected(page)
    sockets = phone.evaluate("window.__ws.open")

    # Start: two minutes, shown on every page within a moment of the click.
    _timer(console, "Start", "2")
    for page in (console, screen, phone):
        expect(page.locator("#timer [data-clock] .left")).to_have_text(
            re.compile(r"^(2:00|1:5\d)$")
        )
    for page in (screen, phone):  # it goes down by itself (a loaded machine may lag a bit)
        _goes_below(page, _seconds(page) - 2)
    expect(phone.locator("#timer")).not_to_have_class(re.compile("last-minute"))
    expect(console.locator("#clock")).to_contain_text("Pause")
    console.screenshot(path=str(artifacts / "room-timer-console.png"), full_page=True)
    screen.screenshot(path=str(artifacts / "room-timer-screen.png"))
    phone.screenshot(path=str(artifacts / "room-timer-phone.png"), full_page=True)

    # Pause: frozen everywhere at what the server says was left.
    _timer(console, "Pause")
    for page in (screen, phone):
        expect(page.locator("#timer .clock-note")).to_have_text("Paused")
    frozen = _seconds(phone)
    assert _seconds(screen) == frozen and 100 <= frozen <= 118
    phone.wait_for_timeout(1500)
    assert _seconds(phone) == frozen and _seconds(screen) == frozen

    # Add minutes: three more, still paused; then resumed, it counts down again from there.
    _timer(console, "Add minutes", "3")
    expected = frozen + 180
    for page in (screen, phone):
        expect(page.locator("#timer .left")).to_have_text(f"{expected // 60}:{expected % 60:02}")
    _timer(console, "Resume")
    expect(phone.locator("#timer [data-clock]")).to_have_count(1)
    _goes_below(phone, expected - 1)
    assert _seconds(phone) >= expected - 15

    # The last minute is red (and says so once, for screen readers).
    _timer(console, "Reset")
    expect(phone.locator("#timer .left")).to_have_count(0)
    _timer(console, "Start", "1")
    for page in (screen, phone):
        expect(page.locator("#timer")).to_have_class(re.compile("last-minute"))
        expect(page.locator("#timer .clock-note")).to_have_text("Last minute.")
    color = phone.locator("#timer .clock").evaluate("el => getComputedStyle(el).color")
    assert color == "rgb(176, 0, 32)", color  # --error
    # All of that arrived over the one socket the phone opened: no reconnects, no reloads.
    assert phone.evaluate("window.__ws.open") == sockets
