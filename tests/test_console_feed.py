"""Issue 17, the console's server parts: at most three on the big screen, the feed searched
and filtered by session, the filter's address, and a poll left running in a session left
behind kept on the console."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from assembly.models import Contribution
from tests.conftest import login
from tests.test_contributions import post, rows

BOTH_DATABASES = True


def _ids(client: TestClient, texts: list[str]) -> list[int]:
    by_text = {c.text: c.id for c in rows(client, Contribution)}
    return [by_text[t] for t in texts]


def _act(client: TestClient, token: str, path: str) -> Any:
    r = client.post(f"/console/demo{path}", data={"csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303, r.text
    return r


def test_featuring_a_fourth_takes_the_oldest_off_the_screen_and_says_so(
    client: TestClient,
) -> None:
    texts = ["First on screen", "Second on screen", "Third on screen", "Fourth on screen"]
    for t in texts:
        assert post(client, t).status_code == 303
    ids = _ids(client, texts)
    token = login(client)
    for i in ids[:3]:
        _act(client, token, f"/c/{i}/feature")
    r = client.post(
        f"/console/demo/c/{ids[3]}/feature",
        data={"csrf_token": token},
        headers={"HX-Request": "true"},
    )
    assert "three at most, so “First on screen” came off it" in r.text
    featured = {c.text for c in rows(client, Contribution) if c.featured}
    assert featured == set(texts[1:])
    screen = client.get("/screen/demo").text
    assert "First on screen" not in screen and all(t in screen for t in texts[1:])
    # Featuring again one already on the screen takes nothing off.
    _act(client, token, f"/c/{ids[1]}/feature")
    assert {c.text for c in rows(client, Contribution) if c.featured} == set(texts[1:])


def test_the_console_searches_the_feed_with_like_characters_literal(client: TestClient) -> None:
    for t in ("Only 100% of pledges", "Only 1000 pledges", "snake_case words", "snakeXcase"):
        assert post(client, t).status_code == 303
    login(client)
    feed = client.get("/console/demo/w/feed?q=100%25").text
    assert "Only 100% of pledges" in feed and "Only 1000 pledges" not in feed
    feed = client.get("/console/demo/w/feed?q=SNAKE_").text
    assert "snake_case words" in feed and "snakeXcase" not in feed
    page = client.get("/console/demo?q=pledges").text
    assert 'value="pledges"' in page and 'hx-get="/console/demo/w/feed?q=pledges"' in page


def test_the_console_filters_by_session_and_the_address_follows(client: TestClient) -> None:
    assert post(client, "Said in the first session").status_code == 303
    login(client)
    page = client.get("/console/demo").text
    assert "Said in the first session" in page
    import re

    sessions = re.findall(r'<option value="(\d+)">([^<]+)</option>', page)
    other = next(i for i, title in sessions if title == "Rights and pledges")
    first = next(i for i, title in sessions if title.startswith("Welcome"))
    assert (
        "Said in the first session" not in client.get(f"/console/demo/w/feed?session={other}").text
    )
    widget = client.get(
        f"/console/demo/w/feed?session={first}&kind=&q=first",
        headers={"HX-Request": "true", "HX-Trigger": "feed-filters"},
    )
    assert "Said in the first session" in widget.text
    assert widget.headers["HX-Push-Url"] == f"/console/demo?q=first&session={first}"
    # A re-fetch after a reconnect (not the filter form) leaves the address alone.
    assert "HX-Push-Url" not in client.get("/console/demo/w/feed").headers


def test_a_poll_left_open_by_a_session_change_stays_on_the_console(client: TestClient) -> None:
    import re

    token = login(client)
    page = client.get("/console/demo").text
    question = "How well do you know the NHS Constitution?"
    poll = re.search(rf"<strong>{re.escape(question)}</strong>.*?/polls/(\d+)/", page, re.S)
    session = re.search(r"<span>Rights and pledges</span>\s*<form[^>]*/sessions/(\d+)/", page)
    assert poll and session
    _act(client, token, f"/polls/{poll.group(1)}/open")
    _act(client, token, f"/sessions/{session.group(1)}/current")
    agenda = client.get("/console/demo/w/agenda").text
    assert question in agenda and "From “Welcome" in agenda
    assert "Closing for online voters" in agenda


def test_a_widget_re_fetched_reads_only_its_own_part(client: TestClient, monkeypatch: Any) -> None:
    """The search box re-fetches the feed as the facilitator types: that reads the feed, not
    the agenda's polls, the presence, the check-in or the speaker queue."""
    from assembly import domain

    post(client, "Buses after midnight")
    login(client)
    read: list[str] = []
    for name in ("poll_view", "presence_counts", "speaker_queue"):
        real = getattr(domain, name)

        async def counted(*args: Any, _name: str = name, _real: Any = real, **kw: Any) -> Any:
            read.append(_name)
            return await _real(*args, **kw)

        monkeypatch.setattr(domain, name, counted)
    r = client.get("/console/demo/w/feed?q=buses")
    assert r.status_code == 200 and "Buses after midnight" in r.text
    assert read == []
    assert client.get("/console/demo").status_code == 200  # the page reads every part
    assert {"poll_view", "presence_counts", "speaker_queue"} <= set(read)
