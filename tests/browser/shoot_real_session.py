"""Screenshots for issue 17's closing note (not a test run by the suite: run it by name).

    SHOTS=before .venv/bin/python -m pytest -q -n 0 tests/browser/shoot_real_session.py

writes docs/screenshots/real-session/{SHOTS}-console.png (1366x768, 20 posts, some answered)
and {SHOTS}-screen.png (1920x1080, an open poll with votes and three featured posts, one long).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from typing import Any

from tests.browser.conftest import ROOT
from tests.browser.helpers import Visitor, log_in, staff, wait_connected
from tests.conftest import LiveServer

OUT = ROOT / "docs" / "screenshots" / "real-session"
LONG = (
    "My mother waited fourteen months for a hip operation and nobody could tell her where she "
    "stood on the list, which right in the Constitution covered her, or whom to ask. We found "
    "the waiting-time pledge only afterwards, on a leaflet in a different hospital. If the "
    "Constitution is meant to protect patients, it has to be told to them at the moment it "
    "matters, in plain words, by the people treating them, and it has to say what happens "
    "when a pledge is broken: who answers for it, and what the patient can do next."
)
TEXTS = [
    "Could the Constitution be read out at the start of every first appointment?",
    "I had never heard of it before today.",
    "Rights mean little if nobody tells you about them.",
    "How would a patient complain if a pledge is broken?",
    "Carers should be named in it, not only patients.",
    "My GP surgery has a poster, but nobody reads it.",
    "Plain language please: the current text reads like a contract.",
    "What about people who do not speak English?",
    "The waiting-time pledges should be rights.",
    "Online consultations need their own pledge.",
    "Who checks that hospitals keep the pledges?",
    "Young people should help write the next version.",
    "Put it in the NHS app, one tap away.",
    "Mental health waits should be covered the same way.",
    "I was treated with great dignity on my last stay.",
    "Can the Constitution be changed by a public vote?",
    "Dentistry is missing from the conversation.",
    "Staff need time to explain rights, not just leaflets.",
    "Will the recommendations of this assembly be published?",
    LONG,
]


def _id(html: str, text: str) -> int:
    for m in re.finditer(r'<li id="c-(\d+)".*?</li>', html, re.S):
        if text[:40] in m.group(0):
            return int(m.group(1))
    raise AssertionError(text)


def test_shoot(server: LiveServer, new_context: Callable[..., Any]) -> None:
    which = os.environ.get("SHOTS", "before")
    OUT.mkdir(parents=True, exist_ok=True)
    v = Visitor(server.url)
    votes = [Visitor(server.url) for _ in range(5)]
    with staff(server.url) as s:
        posters = [Visitor(server.url) for _ in range(7)]  # a rate limit per participant
        for i, text in enumerate(TEXTS):
            posters[i % 7].post(text, "question" if text.endswith("?") else "idea")
        html = s.console()
        for text in TEXTS[3:12:4]:
            s.respond(_id(html, text), "Thank you: we will take this to session 3.")
        for text in (TEXTS[2], TEXTS[8], LONG):
            s.moderate(_id(html, text), "feature")
        s.poll("How well do you know the NHS Constitution?", "open")
        page = v.page()
        poll = re.search(r"/polls/(\d+)/ballot", page)
        opts = re.findall(r'name="option" value="(\d+)"', page)
        assert poll and opts
        for i, voter in enumerate(votes):
            r = voter.http.post(
                f"/e/demo/polls/{poll.group(1)}/ballot",
                data={"option": opts[i % 3 if i < 4 else 0], "csrf_token": voter.token},
            )
            assert r.status_code in (200, 303), r.text
        screen_url = s.screen_address()
    console = new_context(viewport={"width": 1366, "height": 768}).new_page()
    log_in(console, server.url)
    wait_connected(console)
    console.screenshot(path=str(OUT / f"{which}-console.png"))
    screen = new_context(viewport={"width": 1920, "height": 1080}).new_page()
    screen.goto(screen_url)
    wait_connected(screen)
    screen.screenshot(path=str(OUT / f"{which}-screen.png"))
    visible = console.evaluate(
        """() => [...document.querySelectorAll('#console-feed-items > li')].filter((e) => {
            const r = e.getBoundingClientRect();
            return r.height && r.top < innerHeight && r.bottom > 0;
        }).length"""
    )
    print(
        which,
        "posts in view",
        visible,
        "console height",
        console.evaluate("document.documentElement.scrollHeight"),
        "screen height",
        screen.evaluate("document.documentElement.scrollHeight"),
    )
    for x in (v, *votes, *posters):
        x.close()
