"""A phone at 360 px answers a statements poll (and adds a statement) and an open text poll; the
big screen shows what the tally functions give; a hidden answer leaves the screen; screenshots
of each for the record."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from assembly.outcomes.statements import Tally
from tests.browser.conftest import SCREEN
from tests.browser.helpers import overflow, staff, wait_connected
from tests.browser.test_kinds import PHONE_360, _other_ballot, _shoot
from tests.conftest import LiveServer

STATEMENTS = "Which of these should the NHS Constitution say?"
OPEN_TEXT = "In a few words, what should the NHS Constitution promise you?"
FIRST = "Patients should be able to see their own records online"
SECOND = "Carers should have rights of their own"


def test_a_phone_answers_statements_and_open_text_and_the_screen_shows_the_tally(
    server: LiveServer, new_context: Callable[..., Any], artifacts: Path
) -> None:
    with staff(server.url) as facilitator:
        screen = new_context(**SCREEN).new_page()
        screen.goto(facilitator.screen_address())
        facilitator.make_current("Shaping it together")
        facilitator.poll(STATEMENTS, "open")
        phone = new_context(**PHONE_360).new_page()
        phone.goto(f"{server.url}/e/demo")
        wait_connected(phone)
        wait_connected(screen)

        # Statements: agree with the first, disagree with the second, leave the rest.
        phone.get_by_role("group", name=FIRST).get_by_role(
            "radio", name="Agree", exact=True
        ).check()
        phone.get_by_role("group", name=SECOND).get_by_role("radio", name="Disagree").check()
        phone.locator("#poll form[action$=ballot] button[type=submit]").click()
        expect(phone.locator("#poll .mine")).to_contain_text(
            "You answered 2 statements: 1 agree, 1 disagree, 0 pass."
        )
        ids = [
            int(x.get_attribute("value") or 0)
            for x in phone.locator("#poll input[name=statement]").all()
        ]
        _other_ballot(
            server, {"kind": "statements", "statement": [str(i) for i in ids], f"s{ids[0]}": "p"}
        )
        a, d, p = Tally(agree=1, passed=1).percentages()
        said = f"{a}% agree · {d}% disagree · {p}% pass (2)"
        first = screen.locator("#screen-poll .statements-result li", has_text=FIRST)
        expect(first.locator(".figure")).to_have_text(said)
        expect(screen.locator("#screen-poll .total")).to_contain_text("2 ballots")
        # A statement of my own, while the poll is open (the demo moderates after posting).
        phone.get_by_label("Add a statement for others to answer").fill("Dentists for everyone")
        phone.get_by_role("button", name="Add the statement").click()
        expect(phone.locator(".flash")).to_contain_text("Your statement is added")
        expect(screen.locator("#screen-poll")).to_contain_text("Dentists for everyone")
        # After a reload my stances are still shown, and my statement is there to answer.
        phone.reload()
        group = phone.get_by_role("group", name=FIRST)
        expect(group.get_by_role("radio", name="Agree", exact=True)).to_be_checked()
        expect(phone.get_by_role("group", name="Dentists for everyone")).to_be_visible()
        assert overflow(phone)["scroll"] <= 360
        _shoot(phone, artifacts, "statements-phone")
        _shoot(screen, artifacts, "statements-screen")

        # Open text: my answer, and someone else's, which the facilitator then hides.
        facilitator.poll(OPEN_TEXT, "open")
        box = phone.get_by_label("Your answer (up to 200 characters)")
        box.fill("Care close to home, and no long waits")
        phone.locator("#poll button[type=submit]").click()
        expect(phone.locator("#poll .mine")).to_contain_text(
            "You wrote “Care close to home, and no long waits”."
        )
        _other_ballot(server, {"kind": "open_text", "text": "Rude words about waits"})
        cloud = screen.locator("#screen-poll svg.word-cloud")
        expect(cloud).to_have_attribute("role", "img")
        expect(cloud).to_have_attribute("aria-label", re.compile(r"waits \(2\)"))
        expect(screen.locator("#screen-poll .answers")).to_contain_text("Rude words")
        _shoot(phone, artifacts, "open_text-phone")
        _shoot(screen, artifacts, "open_text-screen")
        html = facilitator.console()
        hide = re.search(r"/polls/(\d+)/answers/(\d+)/hide\"[^<]*<input[^>]*>?", html)
        assert hide, "no answer to hide on the console"
        ballot = re.findall(r"/polls/\d+/answers/(\d+)/hide", html)
        texts = re.findall(r"<li><span>([^<]+)</span>", html)
        rude = ballot[texts.index("Rude words about waits")]
        facilitator._post(f"/polls/{hide.group(1)}/answers/{rude}/hide")
        expect(screen.locator("#screen-poll .answers")).not_to_contain_text("Rude words")
        expect(cloud).to_have_attribute("aria-label", re.compile(r"waits \(1\)"))
        expect(phone.locator("#poll .answers")).not_to_contain_text("Rude words")
        expect(box).to_have_value("Care close to home, and no long waits")  # still mine
        assert overflow(phone)["scroll"] <= 360
