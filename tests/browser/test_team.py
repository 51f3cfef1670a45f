"""An organiser invites someone onto the team in Chromium; they open the link on a phone 360 px
wide, create their account and land on the console. Every page passes axe and fits the width."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from assembly import cli
from assembly.config import Settings
from tests.browser.conftest import AXE, DESKTOP
from tests.browser.helpers import axe_violations, overflow
from tests.conftest import PASSWORD, LiveServer, _in_thread

NARROW = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}


def _fits_and_passes_axe(page: Page) -> None:
    assert axe_violations(page, str(AXE)) == [], page.url
    size = overflow(page)
    assert size["scroll"] <= size["width"], (page.url, size)


def test_an_organiser_invites_a_moderator_who_joins_from_a_phone(
    server: LiveServer,
    settings: Settings,
    new_context: Callable[..., Any],
    artifacts: Path,
    monkeypatch: Any,
) -> None:
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    add = ["user", "add", "olga", "--password", PASSWORD, "--event", "demo", "--role", "organiser"]
    assert _in_thread(lambda: cli.main(add)) == 0

    organiser = new_context(bypass_csp=True, **DESKTOP).new_page()
    organiser.goto(f"{server.url}/login?next=/organise/demo/team")
    organiser.fill("#username", "olga")
    organiser.fill("#password", PASSWORD)
    organiser.click("form button[type=submit]")
    organiser.wait_for_url(f"{server.url}/organise/demo/team")
    organiser.select_option("#invite-role", "moderator")
    organiser.fill("#invite-note", "Sam from the council")
    organiser.click("text=Make an invite link")
    link = organiser.locator("#new-invite-link").input_value()
    assert link.startswith(f"{server.url}/team/invite/")
    _fits_and_passes_axe(organiser)
    organiser.screenshot(path=str(artifacts / "organise-team.png"), full_page=True)

    phone = new_context(bypass_csp=True, **NARROW).new_page()
    phone.goto(link)
    expect(phone.locator("main")).to_contain_text("as moderator")
    _fits_and_passes_axe(phone)
    phone.screenshot(path=str(artifacts / "team-invite.png"), full_page=True)
    phone.fill("#username", "sam")
    phone.fill("#password", "a long enough password")
    phone.fill("#password_again", "a long enough password")
    phone.click("text=Create the account and join the team")
    phone.wait_for_url(f"{server.url}/console/demo")
    expect(phone.locator("header")).to_contain_text("sam")
    phone.click("header a[href='/account']")
    phone.wait_for_url(f"{server.url}/account")
    _fits_and_passes_axe(phone)

    organiser.goto(f"{server.url}/organise/demo/team")
    expect(organiser.locator(".team-list")).to_contain_text("sam: moderator")
    expect(organiser.locator("#pending-title + p")).to_have_text("None.")
    organiser.set_viewport_size({"width": 360, "height": 740})
    _fits_and_passes_axe(organiser)
