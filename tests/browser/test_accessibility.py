"""Accessibility: axe on every page in its main states, the keyboard alone, narrow screens, zoom."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import AXE, DESKTOP, PHONE, SCREEN
from tests.browser.helpers import (
    FOCUS,
    Staff,
    axe_violations,
    log_in,
    overflow,
    staff,
    visitor,
    wait_connected,
)
from tests.conftest import LiveServer

POLL = "Which pledge matters most to you?"
# No spaces to break at: a pasted link must wrap, not push the page sideways.
LONG_WORD = "example.org/" + "averylongaddresswithnowheretobreak" * 4


def _stage(base_url: str, facilitator: Staff) -> dict[str, int]:
    """Contributions in every state a page shows, and the second session's first poll open."""
    with visitor(base_url) as one, visitor(base_url) as two:
        ids = {
            "answered": one.post("Will patients be able to see their own records?", "question"),
            "featured": two.post("Put the patient rights in plain English, on one page."),
            "hidden": one.post("Something the facilitators chose to hide.", "concern"),
            "long": two.post(f"My experience, with a link: {LONG_WORD}", "experience"),
        }
    facilitator.respond(ids["answered"], "Yes: online, from next spring.")
    facilitator.moderate(ids["answered"], "answered")
    facilitator.moderate(ids["answered"], "pin")
    facilitator.moderate(ids["featured"], "feature")
    facilitator.moderate(ids["hidden"], "hide")
    facilitator.make_current("Rights and pledges")
    facilitator.poll(POLL, "open")
    return ids


def _report(found: dict[str, list[dict[str, Any]]]) -> str:
    lines = []
    for state, violations in found.items():
        for v in violations:
            lines.append(f"{state}: {v['id']} ({v['impact']}) {v['help']}: {v['targets'][:5]}")
    return "\n".join(lines)


@pytest.mark.timeout(120)
def test_axe_finds_nothing_serious_on_any_page(
    server: LiveServer, new_context: Callable[..., Any]
) -> None:
    # The pages forbid inline scripts, and that is how axe is injected: bypass the CSP for axe.
    found: dict[str, list[dict[str, Any]]] = {}

    def check(page: Page, state: str) -> None:
        found[state] = axe_violations(page, str(AXE))

    anyone = new_context(bypass_csp=True, **DESKTOP).new_page()
    for state, path in [("home", "/"), ("join", "/j"), ("error", "/e/nope"), ("login", "/login")]:
        anyone.goto(server.url + path)
        check(anyone, state)
    anyone.fill("#username", "facilitator")
    anyone.fill("#password", "not the password")
    anyone.click("form button[type=submit]")
    expect(anyone.locator(".flash.error")).to_be_visible()
    check(anyone, "login failed")

    phone = new_context(bypass_csp=True, **PHONE).new_page()
    phone.goto(f"{server.url}/e/demo")
    expect(phone.locator("#feed .empty")).to_be_visible()
    check(phone, "participant empty")
    screen = new_context(bypass_csp=True, **SCREEN).new_page()
    with staff(server.url) as facilitator:
        screen.goto(facilitator.screen_address())
    check(screen, "screen empty")

    with staff(server.url) as facilitator:
        ids = _stage(server.url, facilitator)
        phone.goto(f"{server.url}/e/demo")
        expect(phone.locator("#feed-items > li")).to_have_count(3)
        expect(phone.locator("#poll form")).to_be_visible()
        check(phone, "participant with contributions and an open poll")
        wait_connected(phone)
        phone.locator("#poll input[name=option]").first.check()
        phone.locator("#poll button[type=submit]").click()
        expect(phone.locator("#poll .mine")).to_be_visible()
        check(phone, "participant after voting")

        screen.goto(f"{server.url}/screen/demo")
        expect(screen.locator("#featured .quote")).to_have_count(1)
        expect(screen.locator("#screen-poll .total")).to_have_text("1 vote")
        check(screen, "screen with poll and featured contribution")

        console = new_context(bypass_csp=True, **DESKTOP).new_page()
        log_in(console, server.url)
        expect(console.locator(f"#c-{ids['hidden']} .meta")).to_contain_text("Hidden")
        console.locator(f"#c-{ids['featured']} details.respond summary").click()
        check(console, "console with items, one hidden, one response form open")
        console.goto(f"{server.url}/console/demo?channel=online&kind=idea")
        expect(console.locator("#console-feed-items > li:visible")).to_have_count(1)
        check(console, "console filtered")
        console.goto(f"{server.url}/console/demo?channel=paper")
        expect(console.locator("#console-feed .empty")).to_be_visible()
        check(console, "console filtered to nothing")
        # Issue 17: a post arriving while the facilitator points at the feed waits behind
        # the "N new posts" bar (a button, announced politely).
        console.goto(f"{server.url}/console/demo")
        wait_connected(console)
        console.locator("#console-feed-items > li").first.hover()
        with visitor(server.url) as late:
            late.post("A late point, held behind the bar")
        expect(console.get_by_role("button", name="1 new post")).to_be_visible()
        check(console, "console with the new posts bar")

        facilitator.poll(POLL, "close")
    expect(phone.locator("#poll .total")).to_contain_text("poll closed")
    check(phone, "participant with a closed poll's results")

    # A refused post: the sentence appears in #flash (maxlength removed to let it through).
    phone.check("#contribute input[name=kind][value=idea]")  # a required choice (issue 17)
    phone.fill("#text", "x" * 1001)
    phone.locator("#contribute button[type=submit]").click()
    expect(phone.locator("#flash .flash.error")).to_contain_text("1,000")
    check(phone, "participant with an error in #flash")
    phone.fill("#text", "A contribution of my own.")
    phone.locator("#contribute button[type=submit]").click()
    expect(phone.locator("#flash")).to_contain_text("Sent.")
    phone.goto(f"{server.url}/e/demo?said=sent&code=expired")
    expect(phone.locator("main .notice")).to_be_visible()
    check(phone, "participant after a no-JS post, with the expired-code notice")
    phone.goto(f"{server.url}/e/demo/me")
    expect(phone.locator("#main li.item")).to_have_count(1)
    check(phone, "participant's own contributions")

    assert len(found) == 18
    assert not any(found.values()), "serious or critical axe violations:\n" + _report(found)


@pytest.mark.timeout(120)
def test_axe_finds_nothing_serious_in_the_phone_states_of_issue_17(
    server: LiveServer, new_context: Callable[..., Any]
) -> None:
    """The poll banner, a reply's marker and count, the counter past the limit, the confirm
    pages, a mistyped room code and the stream beside the page."""
    found: dict[str, list[dict[str, Any]]] = {}

    def check(page: Page, state: str) -> None:
        found[state] = axe_violations(page, str(AXE))

    phone = new_context(bypass_csp=True, **PHONE).new_page()
    phone.goto(f"{server.url}/j/ABCDE2")
    expect(phone.get_by_role("alert")).to_contain_text("not a room code we know")
    check(phone, "join with an unknown code")
    phone.goto(f"{server.url}/e/demo")
    wait_connected(phone)
    phone.check("#contribute input[name=kind][value=question]")
    phone.fill("#text", "Who checks the pledges are kept?")
    phone.locator("#contribute button[type=submit]").click()
    mine = phone.locator("#feed-items > li", has_text="Who checks")
    expect(mine).to_have_count(1)
    own = int((mine.get_attribute("id") or "c-0")[2:])
    phone.fill("#text", "x" * 1100)
    expect(phone.locator("#text-count")).to_have_text("1,100 of 1,000")
    check(phone, "participant with the counter past the limit")
    with staff(server.url) as facilitator:
        facilitator.respond(own, "The regulator, every year.")
        facilitator.make_current("Rights and pledges")
        facilitator.poll(POLL, "open")
    expect(phone.locator("#unread-count")).to_have_text("1 unread reply")
    expect(phone.locator("#poll-banner")).to_contain_text("A poll is open")
    check(phone, "participant with a poll announced and a reply unread")
    phone.goto(f"{server.url}/e/demo/c/{own}/delete")
    check(phone, "confirm delete")
    phone.goto(f"{server.url}/e/demo/leave")
    check(phone, "confirm leave")
    assert len(found) == 5
    assert not any(found.values()), "serious or critical axe violations:\n" + _report(found)


def test_axe_finds_nothing_serious_in_the_venue_states_of_issue_13(
    server: LiveServer, new_context: Callable[..., Any]
) -> None:
    """The connection's state in the header (live, offline), the outbox with a contribution
    waiting, then one sent and one refused with its text kept to copy."""
    found: dict[str, list[dict[str, Any]]] = {}

    def check(page: Page, state: str) -> None:
        found[state] = axe_violations(page, str(AXE))

    context = new_context(bypass_csp=True, **PHONE)
    phone = context.new_page()
    phone.goto(f"{server.url}/e/demo")
    wait_connected(phone)
    status = phone.locator("header .live-status")
    expect(status).to_have_text("Live")
    check(phone, "participant, live")
    context.set_offline(True)
    expect(status).to_have_text("Offline")
    for text in ("Sent from the outbox once the Wi-Fi is back.", "y" * 1100):
        phone.check("#contribute input[name=kind][value=idea]")
        phone.fill("#text", text)
        phone.locator("#contribute button[type=submit]").click()
    expect(phone.locator("#outbox-items > li.outbox-waiting")).to_have_count(2)
    check(phone, "participant offline, two contributions waiting in the outbox")
    context.set_offline(False)
    expect(phone.locator("#outbox-items > li.outbox-refused")).to_have_count(1)
    expect(phone.locator("#outbox-items > li.outbox-sent")).to_have_count(1)
    check(phone, "participant back online, one sent and one refused")
    assert len(found) == 3
    assert not any(found.values()), "serious or critical axe violations:\n" + _report(found)


def _keys(page: Page, key: str, until: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    """Press ``key`` until the focused control satisfies ``until``; each one on the way must show
    a visible focus outline. Returns the focused control."""
    seen = []
    for _ in range(40):
        page.keyboard.press(key)
        focus: dict[str, Any] | None = page.evaluate(FOCUS)
        if focus is None:  # focus went back to the document (e.g. its control was swapped)
            continue
        seen.append(focus)
        assert focus["outline"] != "none" and focus["width"] != "0px", f"focus not shown: {focus}"
        if until(focus):
            return focus
    raise AssertionError(f"never reached the control after {key}: {seen}")


def test_posting_upvoting_and_voting_by_keyboard_alone(
    server: LiveServer, new_context: Callable[..., Any]
) -> None:
    with visitor(server.url) as other, staff(server.url) as facilitator:
        theirs = other.post("Put the patient rights in plain English, on one page.")
        facilitator.make_current("Rights and pledges")
        facilitator.poll(POLL, "open")
    page = new_context(**DESKTOP).new_page()
    page.goto(f"{server.url}/e/demo")
    wait_connected(page)

    # The skip link comes first and takes focus past the header.
    skip = _keys(page, "Tab", lambda f: f["tag"] == "a")
    assert skip["text"] == "Skip to content"
    page.keyboard.press("Enter")

    # Vote: into the radio group, Space to choose, Tab to the button and back, Enter to vote.
    first = _keys(page, "Tab", lambda f: f["name"] == "option")
    page.keyboard.press("Space")
    expect(page.locator(f"#poll input[value='{first['value']}']")).to_be_checked()
    assert _keys(page, "Tab", lambda f: f["tag"] == "button")["text"] == "Vote"
    again = _keys(page, "Shift+Tab", lambda f: f["tag"] == "input")
    assert again["value"] == first["value"]
    _keys(page, "Tab", lambda f: f["tag"] == "button")
    page.keyboard.press("Enter")
    expect(page.locator("#poll .mine")).to_contain_text("You voted for")
    expect(page.locator("#poll .total")).to_have_text("1 vote")

    # Post: Tab to the kinds (a required choice, none preset), Space to choose, Tab to the
    # text box, type, Tab past the (optional) name to Send, Enter.
    _keys(page, "Tab", lambda f: f["name"] == "kind")
    page.keyboard.press("Space")
    _keys(page, "Tab", lambda f: f["id"] == "text")
    page.keyboard.type("Typed and sent with the keyboard alone.")
    assert _keys(page, "Tab", lambda f: f["tag"] == "button")["text"] == "Send"
    page.keyboard.press("Enter")
    expect(page.locator("#feed-items > li").first).to_contain_text("with the keyboard alone")
    expect(page.locator("#flash")).to_contain_text("Sent.")

    # Upvote someone else's contribution with Space.
    _keys(page, "Tab", lambda f: f["item"] == f"c-{theirs}" and f["tag"] == "button")
    page.keyboard.press("Space")
    button = page.locator(f"#c-{theirs} form.upvote button")
    expect(button).to_have_attribute("aria-pressed", "true")
    expect(page.locator(f"#c-{theirs}-up")).to_have_text("1")


# (label, path) of every page that must reflow; the console needs the facilitator logged in.
PAGES = [
    ("participant", "/e/demo"),
    ("console", "/console/demo"),
    ("screen", "/screen/demo"),
    ("login", "/login"),
    ("join", "/j"),
]
# (label, context options, the pages to check): 360 px wide, and 200% zoom of a 1280×900 window
# (640×450 CSS px at two device pixels each) and of a 720×1280 phone (360×640 CSS px).
VIEWS: list[tuple[str, dict[str, Any], list[tuple[str, str]]]] = [
    ("360px", {"viewport": {"width": 360, "height": 740}}, PAGES),
    ("zoom200", {"viewport": {"width": 640, "height": 450}, "device_scale_factor": 2}, PAGES),
    (
        "phone-zoom200",
        {"viewport": {"width": 360, "height": 640}, "device_scale_factor": 2},
        PAGES[:1],
    ),
]


def test_pages_reflow_at_360px_and_200_percent_zoom(
    server: LiveServer, new_context: Callable[..., Any], artifacts: Path
) -> None:
    with staff(server.url) as facilitator:
        _stage(server.url, facilitator)
    login = new_context(**DESKTOP).new_page()
    log_in(login, server.url)
    logged_in = login.context.storage_state()
    wide: dict[str, dict[str, Any]] = {}
    for view, options, pages in VIEWS:
        page = new_context(storage_state=logged_in, **options).new_page()
        for label, path in pages:
            page.goto(server.url + path)
            expect(page.locator("#main")).to_be_visible()
            if label == "participant":
                expect(page.locator("#feed-items > li", has_text="averylong")).to_be_visible()
            seen = overflow(page)
            assert seen["width"] == options["viewport"]["width"]
            if seen["scroll"] > seen["width"]:
                wide[f"{label} at {view}"] = seen
            page.screenshot(path=artifacts / f"{label}-{view}.png", full_page=True)
    assert wide == {}, f"pages wider than the window: {wide}"


@pytest.mark.timeout(120)
def test_the_public_story_passes_axe_and_reflows_at_360px(
    server: LiveServer, settings: Any, new_context: Callable[..., Any]
) -> None:
    """Issue 12: the outcomes story, with a morning's activity, on a desktop and at 360 px."""
    from tests.report_helpers import stage

    stage(server.url, settings.database_url, spread=True)
    found: dict[str, list[dict[str, Any]]] = {}
    for label, options in [
        ("desktop", DESKTOP),
        ("360 px", {"viewport": {"width": 360, "height": 740}}),
    ]:
        page = new_context(bypass_csp=True, **options).new_page()
        page.goto(f"{server.url}/e/demo/outcomes")
        expect(page.locator("#about-title")).to_be_visible()
        found[f"story at {label}"] = axe_violations(page, str(AXE))
        seen = overflow(page)
        assert seen["scroll"] <= seen["width"], seen
        if label == "360 px":  # the drawings give way to their tables of numbers
            expect(page.locator(".chart-svg").first).to_be_hidden()
            expect(page.locator(".chart-table").first).to_be_visible()
        else:
            expect(page.locator(".chart-svg").first).to_be_visible()
    assert not any(found.values()), _report(found)
    # Without JavaScript it is the same page: nothing on it needs a script.
    plain = new_context(java_script_enabled=False, **DESKTOP).new_page()
    plain.goto(f"{server.url}/e/demo/outcomes")
    expect(plain.locator("h2", has_text="Rights and pledges")).to_be_visible()
