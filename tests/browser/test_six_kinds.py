"""Issue 10, done: a facilitator runs the demo's three sessions from the console in a browser,
with a poll of each of the six kinds; a phone in the room and a phone online vote in each (the
online one once after the room's close, in the stream's grace); the big screen shows what the
tally functions give; a poll on reveal shows only its count until Reveal. Screenshots of each
kind's phone view and screen result go to the artifacts folder (docs/screenshots/ holds copies)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from assembly.kinds.tally import borda, count_choices, shares, summarise_scale
from assembly.outcomes.statements import Tally
from assembly.outcomes.words import count_words
from tests.browser.conftest import SCREEN
from tests.browser.helpers import log_in, overflow, wait_connected
from tests.browser.test_kinds import PHONE_360
from tests.browser.test_no_js import _room_code
from tests.conftest import LiveServer

SINGLE = "How well do you know the NHS Constitution?"
MULTIPLE = "Which of these have you relied on in your own care? Tick up to three."
ON_REVEAL = "Should the Constitution be written in plainer language?"
SCALE = "Should the waiting-time pledges become rights that patients can enforce?"
RANKING = "What should the next revision put first? Rank your top three."
STATEMENTS = "Which of these should the NHS Constitution say?"
OPEN_TEXT = "In a few words, what should the NHS Constitution promise you?"


def _ids(phone: Page) -> dict[str, int]:
    """The open poll's choices on a phone, label -> option id."""
    found: dict[str, int] = {}
    for label in phone.locator("#poll label.choice").all():
        found[label.inner_text().strip()] = int(label.locator("input").get_attribute("value") or 0)
    return found


def _vote(phone: Page) -> None:
    phone.locator("#poll form.ballot button[type=submit]").click()
    expect(phone.locator("#poll .mine")).to_be_visible()


def _shoot(page: Page, artifacts: Path, name: str) -> None:
    page.screenshot(path=str(artifacts / f"six-kinds-{name}.png"), full_page=True)


def test_the_demo_runs_a_poll_of_each_kind_from_the_console(
    server: LiveServer, new_context: Callable[..., Any], artifacts: Path
) -> None:
    console = new_context(viewport={"width": 1280, "height": 900}).new_page()
    log_in(console, server.url)
    address = console.locator("#screen-address").get_attribute("value") or ""
    screen = new_context(**SCREEN).new_page()
    screen.goto(address)
    room = new_context(**PHONE_360).new_page()
    room.goto(f"{server.url}/j/{_room_code(server.url)}")
    online = new_context(**PHONE_360).new_page()
    online.goto(f"{server.url}/e/demo")
    for page in (console, screen, room, online):
        wait_connected(page)

    def act(action: str, question: str) -> None:
        name = re.compile(rf"^{action}\s*:\s*{re.escape(question)}$")
        console.get_by_role("button", name=name).click()

    def closed(question: str) -> None:
        act("Close poll", question)
        # The console shows it closed before anything else is clicked (a session change with
        # a poll open asks first).
        expect(console.locator(".poll-admin.status-closed", has_text=question)).to_be_visible()

    def current(title: str) -> None:
        name = re.compile(rf"^Make current\s*:\s*{re.escape(title)}$")
        console.get_by_role("button", name=name).click()
        expect(console.locator("#agenda li.current")).to_contain_text(title)

    def opened(question: str) -> None:
        act("Open poll", question)
        for phone in (room, online):
            expect(phone.locator("#poll h2")).to_contain_text(question)
            expect(phone.locator("#poll form.ballot")).to_be_visible()

    screen_poll = screen.locator("#screen-poll")

    # 1. Single: the room votes, the facilitator closes, the online phone votes in its grace.
    opened(SINGLE)
    ids = _ids(room)
    labels = list(ids)
    room.get_by_role("radio", name=labels[0]).check()
    _vote(room)
    closed(SINGLE)
    expect(room.locator("#poll form.ballot")).to_have_count(0)
    expect(online.locator("#poll .grace")).to_contain_text("more to vote")
    online.get_by_role("radio", name=labels[1]).check()
    _vote(online)
    expected = shares({ids[labels[0]]: 1, ids[labels[1]]: 1}, list(ids.values()))
    expect(screen_poll.locator(".total")).to_contain_text("2 votes")
    for label, option in ids.items():
        n = 1 if label in labels[:2] else 0
        figure = f"{expected[option]}% ({n})"
        expect(screen_poll.locator(f"#o-{option}-label + .figure")).to_have_text(figure)
    _shoot(online, artifacts, "single-phone")
    _shoot(screen, artifacts, "single-screen")

    # 2. Multiple: up to three each.
    opened(MULTIPLE)
    ids = _ids(room)
    labels = list(ids)
    for label in labels[:3]:
        room.get_by_role("checkbox", name=label).check()
    _vote(room)
    online.get_by_role("checkbox", name=labels[2]).check()
    _vote(online)
    chosen = {tuple(sorted(ids[x] for x in labels[:3])): 1, (ids[labels[2]],): 1}
    result = count_choices(chosen, list(ids.values()))
    expect(screen_poll.locator(".total")).to_contain_text("2 ballots")
    for option in ids.values():
        figure = f"{result.shares[option]}% ({result.counts[option]} of 2)"
        expect(screen_poll.locator(f"#o-{option}-label + .figure")).to_have_text(figure)
    _shoot(room, artifacts, "multiple-phone")
    _shoot(screen, artifacts, "multiple-screen")
    closed(MULTIPLE)

    # 3. On reveal (a single choice): only the count until the facilitator reveals it.
    current("Rights and pledges")
    opened(ON_REVEAL)
    ids = _ids(room)
    yes, no = list(ids)[:2]
    room.get_by_role("radio", name=yes).check()
    _vote(room)
    online.get_by_role("radio", name=yes).check()
    _vote(online)
    expect(screen_poll).to_contain_text("2 ballots in")
    expect(screen_poll.locator(f"#o-{ids[yes]}-label")).to_have_count(0)
    expect(room.locator(f"#poll #o-{ids[yes]}-label")).to_have_count(0)
    closed(ON_REVEAL)
    act("Reveal the result", ON_REVEAL)
    expect(screen_poll.locator(f"#o-{ids[yes]}-label + .figure")).to_have_text("100% (2)")
    expect(room.locator(f"#poll #o-{ids[no]}-label + .figure")).to_have_text("0% (0)")

    # 4. Scale.
    current("Shaping it together")
    opened(SCALE)
    room.locator("#poll label.point", has_text="5").click()
    _vote(room)
    online.locator("#poll label.point", has_text="2").click()
    _vote(online)
    summary = summarise_scale([(5, 1), (2, 1)], 5)
    said = f"Mean {summary.mean:.1f}, median {summary.median:g}"
    expect(screen_poll.locator(".summary")).to_contain_text(said)
    _shoot(room, artifacts, "scale-phone")
    _shoot(screen, artifacts, "scale-screen")

    # 5. Ranking: one select per place.
    opened(RANKING)
    options = {
        (o.inner_text() or "").strip(): int(o.get_attribute("value") or 0)
        for o in room.locator("#poll select[name=place1] option").all()
        if o.get_attribute("value")
    }
    names = list(options)
    orders = {room: names[:3], online: [names[3], names[0], names[1]]}
    for phone, order in orders.items():
        for place, name in enumerate(order, 1):
            phone.locator(f"#poll select[name=place{place}]").select_option(label=name)
        _vote(phone)
    ranked = borda(
        {tuple(options[n] for n in order): 1 for order in orders.values()}, list(options.values())
    )
    drawn = screen_poll.locator("ol li .label")
    expect(drawn).to_have_count(len(options))
    by_id = {v: k for k, v in options.items()}
    for i, option in enumerate(ranked.order):
        expect(drawn.nth(i)).to_contain_text(by_id[option])
        points = ranked.points[option]
        figure = f"{points} point{'' if points == 1 else 's'} ({ranked.first[option]} first)"
        expect(screen_poll.locator(f"#o-{option}-label + .figure")).to_have_text(figure)
    _shoot(online, artifacts, "ranking-phone")
    _shoot(screen, artifacts, "ranking-screen")

    # 6. Statements: agree / disagree / pass.
    opened(STATEMENTS)
    first = room.locator("#poll fieldset legend").first.inner_text().strip()
    for phone, stance in ((room, "Agree"), (online, "Pass")):
        group = phone.get_by_role("group", name=first)
        group.get_by_role("radio", name=stance, exact=True).check()
        _vote(phone)
    a, d, p = Tally(agree=1, passed=1).percentages()
    row = screen_poll.locator(".statements-result li", has_text=first)
    expect(row.locator(".figure")).to_have_text(f"{a}% agree · {d}% disagree · {p}% pass (2)")
    _shoot(room, artifacts, "statements-phone")
    _shoot(screen, artifacts, "statements-screen")

    # 7. Open text: a word cloud drawn on the server, with its text alternative.
    opened(OPEN_TEXT)
    answers = {room: "Care close to home", online: "Care without long waits"}
    for phone, text in answers.items():
        phone.get_by_label("Your answer (up to 200 characters)").fill(text)
        _vote(phone)
    words = dict(count_words(answers.values()))
    cloud = screen_poll.locator("svg.word-cloud")
    expect(cloud).to_have_attribute("aria-label", re.compile(rf"care \({words['care']}\)"))
    _shoot(online, artifacts, "open_text-phone")
    _shoot(screen, artifacts, "open_text-screen")

    for phone in (room, online):
        assert overflow(phone)["scroll"] <= 360


def test_making_another_session_current_asks_first_when_a_poll_is_open(
    server: LiveServer, new_context: Callable[..., Any]
) -> None:
    console = new_context(viewport={"width": 1280, "height": 900}).new_page()
    log_in(console, server.url)
    wait_connected(console)
    console.get_by_role(
        "button", name=re.compile(rf"^Open poll\s*:\s*{re.escape(SINGLE)}$")
    ).click()
    expect(console.locator(".poll-admin.status-open")).to_contain_text(SINGLE)
    asked: list[str] = []

    def answer(dialog: Any) -> None:
        asked.append(dialog.message)
        dialog.dismiss()  # changed my mind: nothing happens

    console.once("dialog", answer)
    console.get_by_role(
        "button", name=re.compile(r"^Make current\s*:\s*Rights and pledges$")
    ).click()
    expect(console.locator(".poll-admin.status-open")).to_contain_text(SINGLE)
    assert asked and f"“{SINGLE}” is open" in asked[0] and "30 s to vote" in asked[0]
    console.once("dialog", lambda dialog: dialog.accept())
    console.get_by_role(
        "button", name=re.compile(r"^Make current\s*:\s*Rights and pledges$")
    ).click()
    expect(console.locator("#agenda li.current")).to_contain_text("Rights and pledges")
    expect(console.locator(".flash")).to_contain_text(f"The poll “{SINGLE}” closed")
