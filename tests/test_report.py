"""The outcomes report and the public story over the demo with a morning's activity, made
through the real server (issue 12, points 2, 3 and 5)."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import httpx2 as httpx
import pytest
from markupsafe import escape
from starlette.testclient import TestClient

from assembly.config import Settings
from assembly.report import NEEDS_WEASYPRINT, PdfUnavailable, html_to_pdf
from assembly.report import pdf as pdf_module
from tests.browser.helpers import Staff
from tests.conftest import LiveServer, make_settings, seeded
from tests.report_helpers import HIDDEN, NAMED, PLEDGE, SECRET, Staged, make_organiser
from tests.report_helpers import stage as stage_morning
from tests.test_secret import _set

# One staged morning (a module fixture) serves every test here: keep them on one worker.
pytestmark = pytest.mark.xdist_group("report")


@pytest.fixture(scope="module")
def world(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[LiveServer, Settings, Staged]]:
    """One staged morning for the module's tests, which only read it (or undo what they set)."""
    settings = seeded(make_settings(tmp_path_factory.mktemp("report")))
    with LiveServer(settings) as server:
        staged = stage_morning(server.url, settings.database_url, spread=True)
        make_organiser(settings.database_url)
        yield server, settings, staged


@pytest.fixture(scope="module")
def organiser(world: tuple[LiveServer, Settings, Staged]) -> Iterator[Staff]:
    s = Staff(world[0].url)
    yield s
    s.close()


def _poll_block(html: str, poll: int) -> str:
    start = html.index(f'id="r-poll-{poll}"')
    return html[
        start : html.index('<div class="poll"', start + 1)
        if '<div class="poll"' in html[start + 1 :]
        else len(html)
    ]


def test_the_report_tells_the_morning_with_its_figures_first(
    world: tuple[LiveServer, Settings, Staged], organiser: Staff
) -> None:
    _, _, staged = world
    r = organiser.http.get("/organise/demo/report.html")
    assert r.status_code == 200 and "default-src 'none'" in r.headers["content-security-policy"]
    html = r.text
    assert "<script" not in html and "<link" not in html and "@page" in html  # self-contained
    figures = html[html.index("What difference involvement made") : html.index("Who took part")]
    # 9 people: 2 online visitors, 2 visitors and 3 members in the room, 2 members online.
    assert '<span class="big">9</span> people took part: 5 in the room, 4 online' in figures
    assert '<span class="big">7</span> contributions' in figures  # the hidden one not counted
    assert '<span class="big">29%</span> taken forward (2)' in figures
    assert '<span class="big">14%</span> not taken forward (1)' in figures
    assert "Charging patients is outside the Constitution&#39;s scope." in figures
    assert "median time from a contribution to its first response (3 responded to)" in figures
    assert HIDDEN not in html and NAMED not in html
    # The pledge poll: members and public side by side, as two patterned series.
    pledge = _poll_block(html, staged.pledge_poll)
    assert PLEDGE in pledge and f"url(#chart-poll-{staged.pledge_poll}-hatched)" in pledge
    assert "60% (3) Members" in pledge and "50% (2) Public" in pledge
    # The secret poll: its totals and its outcome only, never split by role.
    secret = _poll_block(html, staged.secret_poll)
    assert SECRET in secret and "Secret ballot: only the totals are shown." in secret
    assert "80% (4) Everyone" not in secret and "80% (4)" in secret
    assert "Members" not in secret.replace("Members only", "") and "Public" not in secret
    assert "Carried by a two-thirds majority" in secret
    # You said, we did: the response and the outcome under the contribution.
    assert "The drafting group will write a one-page summary in plain English." in html
    assert "Share of voice by channel" in html


def test_names_only_when_asked(
    world: tuple[LiveServer, Settings, Staged], organiser: Staff
) -> None:
    assert NAMED in organiser.http.get("/organise/demo/report.html?names=1").text
    assert NAMED not in organiser.http.get("/organise/demo/report.html").text


def test_the_pdf_is_a_pdf(world: tuple[LiveServer, Settings, Staged], organiser: Staff) -> None:
    r = organiser.http.get("/organise/demo/report.pdf")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert r.content.startswith(b"%PDF") and len(r.content) > 5_000


def test_without_weasyprint_the_pdf_says_how_to_get_it(
    monkeypatch: pytest.MonkeyPatch, world: tuple[LiveServer, Settings, Staged], organiser: Staff
) -> None:
    monkeypatch.setattr(pdf_module, "MODULE", "weasyprint_is_not_installed_here")
    with pytest.raises(PdfUnavailable) as caught:
        html_to_pdf("<p>hi</p>")
    assert str(caught.value) == NEEDS_WEASYPRINT
    r = organiser.http.get("/organise/demo/report.pdf")  # the server runs in this process
    assert r.status_code == 501 and escape(NEEDS_WEASYPRINT) in r.text
    assert "Save as PDF" in r.text  # and what to do meanwhile


def test_without_pango_the_pdf_names_the_library(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_pango(name: str) -> None:
        raise OSError("cannot load library 'libpango-1.0-0'")

    monkeypatch.setattr(pdf_module.importlib, "import_module", no_pango)
    with pytest.raises(PdfUnavailable) as caught:
        html_to_pdf("<p>hi</p>")
    assert str(caught.value) == pdf_module.NEEDS_PANGO
    assert not pdf_module.pdf_available()


def test_the_public_story_through_the_real_server(
    world: tuple[LiveServer, Settings, Staged],
) -> None:
    server, settings, staged = world
    with httpx.Client(base_url=server.url) as anyone:
        r = anyone.get("/e/demo/outcomes")
    assert r.status_code == 200
    html = r.text
    assert HIDDEN not in html and NAMED not in html and "Member 0" not in html
    for said in ("What was featured", "What was decided", "What happens next", "About this page"):
        assert said in html
    assert re.search(r'Last updated: <time datetime="\d{4}-\d\d-\d\dT', html)
    assert "Write the rights in plain English, on one page." in html
    assert "Taken to the board meeting in June." in html  # what happens next, with its response
    assert PLEDGE in html and "60% (3) Members" in html
    assert html.index("Welcome: what the NHS Constitution is for") < html.index(
        "Rights and pledges"
    )


def test_the_story_leaves_out_what_the_room_was_not_shown(
    world: tuple[LiveServer, Settings, Staged], organiser: Staff
) -> None:
    server, settings, _ = world
    db = settings.database_url.split("///", 1)[1]
    # As the setup page saves them: changed and audited (the audit makes the public story,
    # kept for half a minute otherwise, built anew at once).
    audited = (
        "insert into audit_entry (event_id, action, target, at) values "
        "((select id from event where slug = 'demo'), 'poll.update', '', datetime('now'))"
    )
    with sqlite3.connect(db) as c:
        c.execute("update poll set results = 'never' where question = ?", (PLEDGE,))
        c.execute("update session set private = 1 where title = 'Shaping it together'")
        c.execute(audited)
    try:
        story = httpx.get(f"{server.url}/e/demo/outcomes").text
        report = organiser.http.get("/organise/demo/report.html").text
    finally:
        with sqlite3.connect(db) as c:
            c.execute("update poll set results = 'live' where question = ?", (PLEDGE,))
            c.execute("update session set private = 0 where title = 'Shaping it together'")
            c.execute(audited)
    assert PLEDGE not in story and "“Shaping it together” was a private session" in story
    assert PLEDGE in report and "Its result was never shown in the room." in report


def test_the_story_is_not_there_until_published(client: TestClient, tmp_path: Path) -> None:
    r = client.get("/e/demo/outcomes")
    assert r.status_code == 404 and "The outcomes of this event are not published." in r.text
    _set(client, "update event set outcomes_public = true, status = 'draft'")
    assert client.get("/e/demo/outcomes").status_code == 404  # a draft tells nothing yet
    _set(client, "update event set status = 'closed'")
    page = client.get("/e/demo").text
    assert 'href="/e/demo/outcomes"' in page  # the closed notice links to it
    r = client.get("/e/demo/outcomes")
    assert r.status_code == 200 and "What became of it" in r.text
    assert "Nobody has taken part yet" in r.text  # an empty event: zeros, said in words
    assert client.get("/e/nope/outcomes").status_code == 404
