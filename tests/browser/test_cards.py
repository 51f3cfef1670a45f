"""The invite cards printed by Chromium: eight to an A4 page, each QR opening its member's card."""

from __future__ import annotations

import asyncio
import io
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import zxingcpp
from PIL import Image
from playwright.sync_api import Page

from assembly.config import Settings
from assembly.db import Database
from tests.browser.conftest import DESKTOP
from tests.conftest import PASSWORD, LiveServer

# A page object in the PDF ("/Type /Pages" is the tree above them).
_PAGE = re.compile(rb"/Type\s*/Page(?![a-zA-Z])")


def _roster(settings: Settings, n: int, organiser: bool = False) -> None:
    """Make the demo's roster ``n`` members long (and the organiser "olive" if asked)."""

    async def go() -> None:
        from sqlalchemy import delete

        from assembly.demo import add_account
        from assembly.domain import event_by_slug
        from assembly.domain.members import new_code
        from assembly.models import Member

        db = Database(settings.database_url)
        try:
            async with db.write() as s:
                if organiser:
                    await add_account(s, "olive", PASSWORD, organiser=True)
                demo = await event_by_slug(s, "demo")
                await s.execute(delete(Member))
                s.add_all(
                    Member(
                        event_id=demo.id,
                        name=f"Member number {i + 1} Lastname-Doubled",
                        table_label=str(i % 5 + 1),
                        code=new_code(),
                    )
                    for i in range(n)
                )
        finally:
            await db.dispose()

    # On another thread: playwright's sync API keeps an event loop running on this one.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, go()).result()


def _log_in(page: Page, base: str) -> None:
    page.goto(f"{base}/login?next=/organise/demo/cards")
    page.fill("#username", "olive")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/organise/demo/cards")


def test_cards_print_eight_to_an_a4_page(
    new_context: Callable[..., Any], server: LiveServer, settings: Settings, artifacts: Path
) -> None:
    _roster(settings, 0, organiser=True)
    page = new_context(**DESKTOP).new_page()
    _log_in(page, server.url)
    pages = {}
    for n in (0, 8, 9, 17):
        _roster(settings, n)
        page.goto(f"{server.url}/organise/demo/cards")
        assert page.locator(".card").count() == n
        pages[n] = len(_PAGE.findall(page.pdf(format="A4")))
    assert pages == {0: 1, 8: 1, 9: 2, 17: 3}
    # Nothing but the cards on paper: no navigation, no help text.
    page.emulate_media(media="print")
    assert not page.locator("nav").is_visible() and not page.locator(".cards-help").is_visible()
    page.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi
    page.locator(".sheet").first.screenshot(path=str(artifacts / "cards-one-page.png"))
    # The first card's QR opens that member's invite address, printed under it.
    page.emulate_media(media="screen")
    card = page.locator(".card").first
    image = Image.open(io.BytesIO(card.locator(".card-qr").screenshot()))
    decoded = [b.text for b in zxingcpp.read_barcodes(image)]
    code = card.locator(".card-code").inner_text().strip()
    assert decoded == [f"{server.url}/i/{code}"]
    assert re.fullmatch(r"[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}", code)
