"""Members in Chromium: the invite cards printed eight to an A4 page, each QR opening its
member's card; the roster imported and a member checked in by hand on a narrow screen."""

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
from playwright.sync_api import Page, expect

from assembly.config import Settings
from assembly.db import Database
from tests.browser.conftest import AXE, DESKTOP
from tests.browser.helpers import axe_violations, overflow
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


def _log_in(page: Page, base: str, next_path: str = "/organise/demo/cards") -> None:
    page.goto(f"{base}/login?next={next_path}")
    page.fill("#username", "olive")
    page.fill("#password", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(f"{base}{next_path}")


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


def test_an_organiser_imports_a_roster_and_a_helper_checks_in_at_360px(
    new_context: Callable[..., Any],
    server: LiveServer,
    settings: Settings,
    artifacts: Path,
    tmp_path: Path,
) -> None:
    """The whole path by hand, as narrow as a phone: upload, preview, import, check in; every
    page passes axe (serious and critical) and nothing sticks out sideways."""
    _roster(settings, 0, organiser=True)
    found: dict[str, list[dict[str, Any]]] = {}
    page = new_context(bypass_csp=True, viewport={"width": 360, "height": 740}).new_page()

    def check(state: str) -> None:
        found[state] = axe_violations(page, str(AXE))
        wide = overflow(page)
        assert wide["scroll"] <= wide["width"], (state, wide)

    _log_in(page, server.url, "/organise/demo/members")
    check("members, empty")
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"name;table\r\nAnn Smith;1\r\n;2\r\n")
    page.set_input_files("#roster", str(bad))
    page.click("form button[type=submit]")
    expect(page.locator(".problems li")).to_have_text(["line 3: the name is missing"])
    check("preview with a problem")
    good = tmp_path / "good.csv"
    good.write_bytes("name;table\r\nAnn Smith;1\r\nZoë Brown;2\r\n".encode("cp1252"))
    page.goto(f"{server.url}/organise/demo/members")
    page.set_input_files("#roster", str(good))
    page.click("form button[type=submit]")
    page.click("text=Import these 2 members")
    expect(page.locator("table.roster tbody tr")).to_have_count(2)
    expect(page.locator("table.roster")).to_contain_text("Zoë Brown")
    check("members with a roster")
    page.screenshot(path=str(artifacts / "organise-members.png"), full_page=True)
    page.goto(f"{server.url}/organise/demo/cards")
    check("cards")
    page.goto(f"{server.url}/console/demo/checkin?q=zo")
    page.click("text=Check in")
    expect(page.locator("main .flash")).to_have_text("Zoë Brown is checked in.")
    expect(page.locator("#checkin-title")).to_have_text("Members: 1 of 2 checked in")
    check("check-in after checking one in")
    assert not any(found.values()), found
