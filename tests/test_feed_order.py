"""Issue 11.9: phones and the console sort the feed newest or most upvoted first, and show
questions only; plain links and forms without JS, the feed widget alone with htmx."""

from __future__ import annotations

import re

from starlette.testclient import TestClient

from tests.conftest import csrf_of, live_socket, login, receive_until
from tests.test_contributions import post

BOTH_DATABASES = True


def _order(html: str, *texts: str) -> list[str]:
    """``texts`` in the order they appear in ``html``."""
    return sorted(texts, key=html.index)


def _upvote(client: TestClient, text: str, times: int) -> None:
    """``times`` different phones upvote the contribution saying ``text``."""
    page = client.get("/e/demo").text
    found = re.search(r'id="c-(\d+)"[^>]*>(?:(?!</li>).)*?' + re.escape(text), page, re.S)
    assert found, text
    for _ in range(times):
        with TestClient(client.app) as phone:  # type: ignore[arg-type]
            token = csrf_of(phone)
            r = phone.post(
                f"/e/demo/c/{found.group(1)}/upvote", data={"on": "1", "csrf_token": token}
            )
            assert r.status_code < 400, r.text


def _seed(client: TestClient) -> None:
    post(client, "Q-old: who decides what the pledges mean?", kind="question")
    post(client, "I-mid: an idea many like", kind="idea")
    post(client, "Q-new: how are complaints answered?", kind="question")
    _upvote(client, "Q-old", 2)
    _upvote(client, "I-mid", 3)


def test_phones_sort_by_newest_or_most_upvoted_and_filter_to_questions(
    client: TestClient,
) -> None:
    _seed(client)
    newest = client.get("/e/demo").text
    assert _order(newest, "Q-old", "I-mid", "Q-new") == ["Q-new", "I-mid", "Q-old"]
    assert 'hx-get="/e/demo/w/feed" hx-trigger="resync' in newest  # the default: no query
    top = client.get("/e/demo?order=top").text
    assert _order(top, "Q-old", "I-mid", "Q-new") == ["I-mid", "Q-old", "Q-new"]
    questions = client.get("/e/demo?order=top&kind=question").text
    feed = questions[questions.index('id="feed"') :]
    assert "I-mid" not in feed
    assert _order(feed, "Q-old", "Q-new") == ["Q-old", "Q-new"]
    # Pushed ideas stay out of a questions-only list (CSS, by its data-kind).
    assert 'id="feed-items" class="feed" data-order="top" data-kind="question"' in feed
    # The links say which view is on, and work without JS (the page) and with htmx (the widget).
    assert 'id="feed-order-top" href="/e/demo?order=top&amp;kind=question#feed-title"' in feed
    assert 'hx-get="/e/demo/w/feed?order=top&amp;kind=question"' in feed
    assert re.search(r'id="feed-kind-question"[^>]*aria-current="true"', feed)
    widget = client.get("/e/demo/w/feed?order=top&kind=question").text
    assert widget.startswith('<div id="feed"') and "I-mid" not in widget
    # The widget re-fetches itself, after a reconnect, in the same view.
    assert 'hx-get="/e/demo/w/feed?order=top&amp;kind=question" hx-trigger="resync' in widget
    # Anything unknown is the default view, never an error.
    odd = client.get("/e/demo/w/feed?order=%3Cb%3E&kind=rude")
    assert odd.status_code == 200 and _order(odd.text, "Q-old", "Q-new")[0] == "Q-new"


def test_the_console_sorts_and_filters_the_same_way(client: TestClient) -> None:
    _seed(client)
    login(client)
    console = client.get("/console/demo?kind=question&order=top").text
    feed = console[console.index('id="console-feed"') :]
    assert "I-mid" not in feed and _order(feed, "Q-old", "Q-new") == ["Q-old", "Q-new"]
    assert '<option value="top" selected>' in console
    assert 'hx-get="/console/demo/w/feed"' in console  # htmx fetches just the feed
    widget = client.get("/console/demo/w/feed?order=top").text
    assert _order(widget, "Q-old", "I-mid", "Q-new") == ["I-mid", "Q-old", "Q-new"]
    assert "order=top" in widget  # its re-fetch keeps the order


def test_a_new_question_is_pushed_to_the_top_in_either_order(client: TestClient) -> None:
    """Pushes carry nobody's view: a new contribution goes first in every list; a list sorted
    by upvotes takes it to its place when sorted again."""
    login(client)
    with live_socket(client, "/ws/e/demo") as public:
        post(client, "Q-pushed: is this heard?", kind="question")
        pushed = receive_until(public, "Q-pushed")
    assert 'hx-swap-oob="afterbegin:#feed-items"' in pushed and 'data-kind="question"' in pushed
