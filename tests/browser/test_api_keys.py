"""Issue 12 in Chromium: an organiser makes an API key and revokes it at 360 px, and the API keys
page and a theme's round-up page pass axe and reflow."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from assembly.config import Settings
from tests.browser.conftest import AXE
from tests.browser.helpers import axe_violations, overflow
from tests.browser.test_organise_pages import _add_organiser, _log_in
from tests.conftest import LiveServer

NARROW = {"viewport": {"width": 360, "height": 740}}


def test_an_organiser_makes_and_revokes_a_key_and_the_pages_pass(
    server: LiveServer,
    settings: Settings,
    new_context: Callable[..., Any],
    artifacts: Path,
) -> None:
    _add_organiser(settings)
    page = new_context(bypass_csp=True, **NARROW).new_page()
    _log_in(page, server.url)
    page.goto(f"{server.url}/organise/demo/api")
    page.fill("#key-label", "Hashtag bridge")
    page.locator("form", has_text="Make a key").locator("button").click()
    key = page.locator("#new-key")
    expect(key).to_be_visible()
    assert len(key.input_value()) >= 43
    found = {"api keys, a new key shown": axe_violations(page, str(AXE))}
    seen = overflow(page)
    assert seen["scroll"] <= seen["width"], seen
    page.screenshot(path=artifacts / "organise-api-keys-360.png", full_page=True)

    page.locator("li", has_text="Hashtag bridge").get_by_role("button", name="Revoke").click()
    expect(page.locator(".api-keys li")).to_contain_text("revoked")
    expect(page.locator("#new-key")).to_have_count(0)  # shown once only

    page.goto(f"{server.url}/organise/demo/roundups/unthemed.html")
    expect(page.locator("h1")).to_have_text("Not themed yet")
    found["round-up"] = axe_violations(page, str(AXE))
    seen = overflow(page)
    assert seen["scroll"] <= seen["width"], seen
    assert not any(found.values()), found
