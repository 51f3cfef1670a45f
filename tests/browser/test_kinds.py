"""A phone votes in a multiple, a scale and a ranking poll (the ranking by keyboard only); the
big screen shows the result the tally functions give; screenshots of each for the record."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from assembly.kinds.tally import borda, count_choices, summarise_scale
from tests.browser.conftest import SCREEN
from tests.browser.helpers import overflow, staff, visitor, wait_connected
from tests.conftest import LiveServer

PHONE_360 = {
    "viewport": {"width": 360, "height": 780},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
}


def _options(phone: Page) -> dict[str, int]:
    """The open poll's options on the phone, label -> id (from the ballot form)."""
    found: dict[str, int] = {}
    for label in phone.locator("#poll label.choice").all():
        found[label.inner_text().strip()] = int(label.locator("input").get_attribute("value") or 0)
    for option in phone.locator("#poll select").first.locator("option").all():
        if option.get_attribute("value"):
            found[option.inner_text().strip()] = int(option.get_attribute("value") or 0)
    return found


def _other_ballot(server: LiveServer, data: dict[str, Any]) -> None:
    """Someone else votes, over plain HTTP (their ballot arrives on the phone as a push)."""
    with visitor(server.url) as other:
        poll = re.findall(r"/polls/(\d+)/ballot", other.page())[0]
        r = other.http.post(
            f"/e/demo/polls/{poll}/ballot", data={**data, "csrf_token": other.token}
        )
        assert r.status_code == 303, r.text


def _shoot(page: Page, artifacts: Path, name: str) -> None:
    page.screenshot(path=str(artifacts / f"kinds-{name}.png"), full_page=True)


def test_a_phone_votes_in_each_kind_and_the_screen_shows_the_tally(
    server: LiveServer, new_context: Callable[..., Any], artifacts: Path
) -> None:
    with staff(server.url) as facilitator:
        screen = new_context(**SCREEN).new_page()
        screen.goto(facilitator.screen_address())
        facilitator.poll(
            "Which of these have you relied on in your own care? Tick up to three.", "open"
        )
        phone = new_context(**PHONE_360).new_page()
        phone.goto(f"{server.url}/e/demo")
        wait_connected(phone)
        wait_connected(screen)

        # Multiple: tick two, vote; someone else ticks one.
        ids = _options(phone)
        mine = ["Seeing my own records", "A second opinion"]
        for label in mine:
            phone.get_by_role("checkbox", name=label).check()
        phone.locator("#poll button[type=submit]").click()
        expect(phone.locator("#poll .mine")).to_contain_text("You chose “Seeing my own records”")
        _other_ballot(server, {"kind": "multiple", "option": [str(ids["Seeing my own records"])]})
        expected = count_choices(
            {tuple(sorted(ids[x] for x in mine)): 1, (ids["Seeing my own records"],): 1},
            list(ids.values()),
        )
        expect(screen.locator("#screen-poll .total")).to_contain_text("2 ballots")
        for option in ids.values():
            figure = f"{expected.shares[option]}% ({expected.counts[option]} of 2)"
            expect(screen.locator(f"#o-{option}-label + .figure")).to_have_text(figure)
        expect(phone.locator("#poll .total")).to_contain_text("2 ballots")  # the push arrived
        for label in ids:  # and my ticks are still mine
            expect(phone.get_by_role("checkbox", name=label)).to_be_checked(checked=label in mine)
        assert overflow(phone)["scroll"] <= 360
        _shoot(phone, artifacts, "multiple-phone")
        _shoot(screen, artifacts, "multiple-screen")

        # Scale: a 4 on the phone, a 1 from someone else.
        facilitator.make_current("Shaping it together")
        facilitator.poll(
            "Should the waiting-time pledges become rights that patients can enforce?", "open"
        )
        expect(phone.locator("#poll legend")).to_contain_text("Strongly oppose")
        phone.locator("#poll label.point", has_text="4").click()
        phone.locator("#poll button[type=submit]").click()
        expect(phone.locator("#poll .mine")).to_be_visible()
        _other_ballot(server, {"kind": "scale", "value": "1"})
        summary = summarise_scale([(4, 1), (1, 1)], 5)
        said = f"Mean {summary.mean:.1f}, median {summary.median:g}"
        expect(screen.locator("#screen-poll .summary")).to_contain_text(said)
        expect(phone.locator("#poll .summary")).to_contain_text(said)
        expect(phone.locator("#poll input[name=value][value='4']")).to_be_checked()
        assert overflow(phone)["scroll"] <= 360
        _shoot(phone, artifacts, "scale-phone")
        _shoot(screen, artifacts, "scale-screen")

        # Ranking, by keyboard only: each place's select by arrow keys, then the 1st and 2nd
        # swapped with the "move down" button, pressed with Enter.
        facilitator.poll("What should the next revision put first? Rank your top three.", "open")
        expect(phone.locator("#poll select")).to_have_count(3)
        ids = _options(phone)
        labels = list(ids)
        for place, steps in ((1, 2), (2, 1), (3, 4)):  # options 2, 1 and 4 of the list
            select = phone.locator(f"#poll select[name=place{place}]")
            select.focus()
            for _ in range(steps):
                phone.keyboard.press("ArrowDown")
        down = phone.get_by_role("button", name="Move the 1st choice down")
        down.focus()
        phone.keyboard.press("Enter")
        ranked = (ids[labels[0]], ids[labels[1]], ids[labels[3]])  # after the swap
        for place, option in enumerate(ranked, 1):
            expect(phone.locator(f"#poll select[name=place{place}]")).to_have_value(str(option))
        phone.locator("#poll button[type=submit]").focus()
        phone.keyboard.press("Enter")
        expect(phone.locator("#poll .mine")).to_be_visible()
        other = (ids[labels[1]], ids[labels[2]], ids[labels[0]])
        _other_ballot(
            server, {"kind": "ranking", **{f"place{i}": str(o) for i, o in enumerate(other, 1)}}
        )
        result = borda({ranked: 1, other: 1}, list(ids.values()))
        expect(screen.locator("#screen-poll .total")).to_contain_text("2 ballots")
        drawn = screen.locator("#screen-poll ol li .label")
        expect(drawn).to_have_count(len(ids))
        names = {v: k for k, v in ids.items()}
        for i, option in enumerate(result.order):
            expect(drawn.nth(i)).to_contain_text(names[option])
            points = result.points[option]
            figure = f"{points} point{'' if points == 1 else 's'} ({result.first[option]} first)"
            expect(screen.locator(f"#o-{option}-label + .figure")).to_have_text(figure)
        for place, option in enumerate(ranked, 1):  # my ranking, after the push
            expect(phone.locator(f"#poll select[name=place{place}]")).to_have_value(str(option))
        assert overflow(phone)["scroll"] <= 360
        _shoot(phone, artifacts, "ranking-phone")
        _shoot(screen, artifacts, "ranking-screen")
