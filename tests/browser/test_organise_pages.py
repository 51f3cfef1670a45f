"""The organiser pages in Chromium: an installation organiser creates an event, writes its
agenda and opens it with the plain forms; every organiser page passes axe and reflows at 360 px,
and so do the participant's pages of a draft and of a closed event."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from assembly.config import Settings
from assembly.db import Database
from assembly.demo import add_account
from tests.browser.conftest import AXE, DESKTOP
from tests.browser.helpers import axe_violations, overflow
from tests.conftest import PASSWORD, LiveServer


def _add_organiser(settings: Settings) -> None:
    async def add() -> None:
        db = Database(settings.database_url)
        try:
            async with db.write() as s:
                await add_account(s, "boss", PASSWORD, organiser=True)
        finally:
            await db.dispose()

    # On another thread: playwright's sync API keeps an event loop running on this one.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, add()).result()


def _log_in(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/login?next=/organise")
    page.fill("#username", "boss")
    page.fill("#password", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(f"{base_url}/organise")


def test_an_organiser_sets_up_and_opens_an_event_and_every_page_passes(
    server: LiveServer,
    settings: Settings,
    new_context: Callable[..., Any],
    artifacts: Path,
) -> None:
    _add_organiser(settings)
    page = new_context(bypass_csp=True, **DESKTOP).new_page()
    _log_in(page, server.url)
    found: dict[str, list[dict[str, Any]]] = {"events": axe_violations(page, str(AXE))}

    page.fill("#new-event-title", "Spring assembly")
    page.click("#new-event button[type=submit]")
    page.wait_for_url(f"{server.url}/organise/spring-assembly?said=created")
    expect(page.locator("h1 .status")).to_have_text("draft")
    page.fill("#ns-title", "Opening")
    page.fill("#ns-prompt", "What brings you here?")
    page.click("#agenda > form button[type=submit]")
    expect(page.locator(".setup-session h3")).to_have_text("Opening Current")
    page.locator(".setup-session details", has_text="Add a poll").locator("summary").click()
    page.locator(".setup-session input[name=question]").last.fill("Ready?")
    page.locator(".setup-session textarea[name=options]").last.fill("Yes\nNot yet")
    page.locator(".setup-session form", has_text="Add the poll").locator("button").click()
    expect(page.locator(".setup-polls li")).to_contain_text("Ready?")
    page.fill("#s-date", "2027-01-12")
    page.click("#settings button[type=submit]")
    expect(page.locator("main .flash")).to_have_text("The settings are saved.")
    page.locator(".setup-session details", has_text="Edit this session").locator("summary").click()
    found["setup"] = axe_violations(page, str(AXE))
    page.screenshot(path=artifacts / "organise-setup.png", full_page=True)

    anyone = new_context(bypass_csp=True, **DESKTOP).new_page()
    anyone.goto(f"{server.url}/e/spring-assembly")
    expect(anyone.locator("main .notice")).to_contain_text("Opens on Tuesday 12 January 2027")
    found["participant draft"] = axe_violations(anyone, str(AXE))

    page.goto(f"{server.url}/organise")
    page.set_input_files(
        "#import-file",
        files=[
            {"name": "bad.yaml", "mimeType": "application/yaml", "buffer": b"event:\n  slug: Bad\n"}
        ],
    )
    page.click("#import button[type=submit]")
    expect(page.locator(".problems li")).to_have_count(2)
    found["plan problems"] = axe_violations(page, str(AXE))

    page.goto(f"{server.url}/organise/spring-assembly")
    page.select_option("#status-choice", "open")
    page.click("#status button[type=submit]")
    expect(page.locator("h1 .status")).to_have_text("open")
    anyone.goto(f"{server.url}/e/spring-assembly")
    expect(anyone.locator("#prompt, .prompt").first).to_contain_text("What brings you here?")
    page.select_option("#status-choice", "closed")
    page.click("#status button[type=submit]")
    anyone.goto(f"{server.url}/e/spring-assembly")
    expect(anyone.locator(".closed-notice")).to_contain_text("This assembly has closed")
    found["participant closed"] = axe_violations(anyone, str(AXE))
    assert {k: v for k, v in found.items() if v} == {}

    wide: dict[str, Any] = {}
    narrow = new_context(
        storage_state=page.context.storage_state(), viewport={"width": 360, "height": 740}
    ).new_page()
    for path in ["/organise", "/organise/spring-assembly", "/organise/demo"]:
        narrow.goto(server.url + path)
        seen = overflow(narrow)
        if seen["scroll"] > seen["width"]:
            wide[path] = seen
    narrow.screenshot(path=artifacts / "organise-setup-360px.png", full_page=True)
    assert wide == {}, f"pages wider than the window: {wide}"
