"""Issue 14's "done": from an empty database, an organiser sets up and opens an assembly of their
own in Chromium (nothing taken from the demo), and phones join it by a printed card and by the
big screen's QR, and post."""

from __future__ import annotations

import asyncio
import io
import re
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import Locator, Page, expect

from assembly.db import Database, migrate
from assembly.demo import add_account
from tests.browser.conftest import DESKTOP, PHONE, SCREEN
from tests.browser.helpers import wait_connected
from tests.conftest import PASSWORD, LiveServer, make_settings

SLUG = "riverside-health-assembly"
ROSTER = "name;group;table\r\nAnn Smith;Patient;1\r\nSiân Jones;Carer;1\r\nZoë Brown;Patient;2\r\n"
_PAGE = re.compile(rb"/Type\s*/Page(?![a-zA-Z])")  # a page object in a PDF ("/Pages" is not)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    """The real server on a migrated, empty database: no demo, one installation organiser (as
    `assembly user add olu --organiser` makes)."""
    settings = make_settings(tmp_path)

    async def add() -> None:
        db = Database(settings.database_url)
        try:
            async with db.write() as s:
                await add_account(s, "olu", PASSWORD, organiser=True)
        finally:
            await db.dispose()

    # On another thread: playwright's sync API keeps an event loop running on this one.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(migrate, settings.database_url).result()
        pool.submit(asyncio.run, add()).result()
    with LiveServer(settings) as live:
        yield live


def _qr(locator: Locator) -> str:
    """What the one QR code drawn in ``locator`` says."""
    decoded = [b.text for b in zxingcpp.read_barcodes(Image.open(io.BytesIO(locator.screenshot())))]
    assert len(decoded) == 1, decoded
    return decoded[0]


def _post(phone: Page, text: str) -> None:
    phone.check("input[name=kind][value=idea]")
    phone.fill("#text", text)
    phone.click("#contribute button[type=submit]")
    expect(phone.locator("#feed-items > li", has_text=text)).to_have_count(1)


@pytest.mark.timeout(120)
def test_an_organiser_sets_up_and_opens_their_own_assembly_from_an_empty_database(
    server: LiveServer, new_context: Callable[..., Any], artifacts: Path, tmp_path: Path
) -> None:
    base = server.url
    organiser = new_context(**DESKTOP).new_page()
    assert organiser.goto(f"{base}/e/demo").status == 404  # nothing from the demo

    # Log in, New event.
    organiser.goto(f"{base}/login?next=/organise")
    organiser.fill("#username", "olu")
    organiser.fill("#password", PASSWORD)
    organiser.click("form button[type=submit]")
    organiser.wait_for_url(f"{base}/organise")
    organiser.fill("#new-event-title", "Riverside health assembly")
    organiser.click("#new-event button[type=submit]")
    organiser.wait_for_url(re.compile(rf"{re.escape(base)}/organise/{SLUG}(\?.*)?$"))
    expect(organiser.locator("h1 .status")).to_have_text("draft")

    # Settings: date, venue, the stakeholder groups.
    organiser.fill("#s-date", "2027-03-06")
    organiser.fill("#s-venue", "Riverside community hall")
    organiser.fill("#s-groups", "Patient\nCarer\nNHS staff")
    organiser.click("#settings button[type=submit]")
    expect(organiser.locator("main .flash")).to_have_text("The settings are saved.")

    # Two sessions, and a poll in the first.
    for title, prompt in (
        ("Welcome", "What brought you here today?"),
        ("Waiting times", "What would make waiting fairer?"),
    ):
        organiser.fill("#ns-title", title)
        organiser.fill("#ns-prompt", prompt)
        organiser.click("#agenda > form button[type=submit]")
        expect(organiser.locator(".setup-session h3", has_text=title)).to_have_count(1)
    first = organiser.locator(".setup-session", has_text="Welcome")
    first.locator("details", has_text="Add a poll").locator("summary").click()
    first.locator("input[name=question]").last.fill("How did you travel here?")
    first.locator("textarea[name=options]").last.fill("Bus\nCar\nOn foot")
    first.locator("form", has_text="Add the poll").locator("button").click()
    expect(organiser.locator(".setup-polls li")).to_contain_text("How did you travel here?")
    organiser.screenshot(path=artifacts / "own-assembly-setup.png", full_page=True)

    # Import the roster (semicolons, Windows-1252), after its preview.
    roster = tmp_path / "roster.csv"
    roster.write_bytes(ROSTER.encode("cp1252"))
    organiser.goto(f"{base}/organise/{SLUG}/members")
    organiser.set_input_files("#roster", str(roster))
    organiser.click("form button[type=submit]")
    organiser.click("text=Import these 3 members")
    expect(organiser.locator("table.roster tbody tr")).to_have_count(3)
    organiser.screenshot(path=artifacts / "own-assembly-members.png", full_page=True)

    # Print the cards: one A4 page for three members, each card's QR its member's address.
    organiser.goto(f"{base}/organise/{SLUG}/cards")
    expect(organiser.locator(".card")).to_have_count(3)
    assert len(_PAGE.findall(organiser.pdf(format="A4"))) == 1
    card = organiser.locator(".card", has_text="Ann Smith")
    card_url = _qr(card.locator(".card-qr"))
    assert re.fullmatch(rf"{re.escape(base)}/i/[2-9A-HJ-NP-Z]{{4}}-[2-9A-HJ-NP-Z]{{4}}", card_url)
    organiser.emulate_media(media="print")
    organiser.screenshot(path=artifacts / "own-assembly-cards-print.png", full_page=True)
    organiser.emulate_media(media="screen")

    # Open the event.
    organiser.goto(f"{base}/organise/{SLUG}")
    organiser.select_option("#status-choice", "open")
    organiser.click("#status button[type=submit]")
    expect(organiser.locator("h1 .status")).to_have_text("open")

    # The console, and the big screen from its secret address.
    organiser.goto(f"{base}/console/{SLUG}")
    wait_connected(organiser)
    screen = new_context(**SCREEN).new_page()
    screen.goto(organiser.locator("#screen-address").input_value())
    expect(screen).to_have_url(f"{base}/screen/{SLUG}")
    expect(screen.locator("#prompt")).to_contain_text("What brought you here today?")
    join_url = _qr(screen.locator("#qr"))
    assert join_url.startswith(f"{base}/j/"), join_url

    # A phone joins by Ann's card, another by the screen's QR; both post.
    by_card = new_context(**PHONE).new_page()
    by_card.goto(card_url)
    expect(by_card).to_have_url(f"{base}/e/{SLUG}")
    by_qr = new_context(**PHONE).new_page()
    by_qr.goto(join_url)
    expect(by_qr).to_have_url(f"{base}/e/{SLUG}")
    expect(by_qr.locator("header .where .tag")).to_have_text("In the room")
    by_qr.locator("#group-box summary").click()
    by_qr.select_option("#group_name", "Carer")
    by_qr.click("#group-box button[type=submit]")
    expect(by_qr.locator("#group-box summary")).to_have_text("Your group: Carer")
    for phone in (by_card, by_qr):
        wait_connected(phone)
    _post(by_card, "Evening clinics would help people who work.")
    _post(by_qr, "Carers need to know how long the wait will be.")

    feed = organiser.locator("#console-feed-items > li")
    expect(feed).to_have_count(2)
    from_card = feed.filter(has_text="Evening clinics")
    expect(from_card.locator(".meta")).to_contain_text("Patient")  # Ann's group, from the roster
    expect(feed.filter(has_text="Carers need").locator(".meta")).to_contain_text("Carer")
    expect(organiser.locator("#checkin-title")).to_have_text("Members: 1 of 3 checked in")
    organiser.screenshot(path=artifacts / "own-assembly-console.png", full_page=True)
