"""The issue 13 screenshot of a phone with a contribution waiting in its outbox: not a check,
so not collected by the suite. Run it by name to write docs/screenshots/venue/outbox.png:

    ASSEMBLY_SHOTS=venue .venv/bin/python -m pytest -q -n 0 tests/browser/shoot_venue.py
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ROOT
from tests.browser.helpers import wait_connected
from tests.browser.shoot_phone import room_code
from tests.conftest import LiveServer

SHOTS = os.environ.get("ASSEMBLY_SHOTS", "")


@pytest.mark.skipif(SHOTS != "venue", reason="screenshots on demand only")
def test_phone_screenshot_with_a_contribution_in_the_outbox(
    server: LiveServer, new_context: Callable[..., Any]
) -> None:
    context = new_context(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    phone = context.new_page()
    phone.goto(f"{server.url}/j/{room_code(server.url)}")
    wait_connected(phone)
    context.set_offline(True)
    phone.check("#contribute input[name=kind][value=concern]")
    phone.fill("#text", "The hearing loop in this hall does not reach the back rows.")
    phone.click("#contribute button[type=submit]")
    expect(phone.locator("#outbox-items > li")).to_have_count(1)
    expect(phone.locator("header .live-status")).to_have_text("Offline")
    phone.evaluate("() => window.scrollTo(0, 0)")
    out = ROOT / "docs" / "screenshots" / "venue" / "outbox.png"
    out.parent.mkdir(parents=True, exist_ok=True)
    phone.screenshot(path=str(out))
