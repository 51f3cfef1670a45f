"""Idempotency keys: a retried or double-tapped POST is done once."""

from __future__ import annotations

from starlette.testclient import TestClient

from assembly.models import Ballot, Contribution, Response
from tests.conftest import csrf_of, login
from tests.test_contributions import rows
from tests.test_polls import open_first_poll

# The domain runs on both engines we support.
BOTH_DATABASES = True


def _post(client: TestClient, key: str, htmx: bool = False, text: str = "once only") -> object:
    token = csrf_of(client)
    return client.post(
        "/e/demo/contributions",
        data={"kind": "idea", "text": text, "csrf_token": token, "idempotency_key": key},
        headers={"HX-Request": "true"} if htmx else {},
        follow_redirects=False,
    )


def test_every_form_carries_a_fresh_key(client: TestClient) -> None:
    import re

    keys = re.findall(r'name="idempotency_key" value="([^"]+)"', client.get("/e/demo").text)
    assert len(keys) >= 2 and len(set(keys)) == len(keys)


def test_a_retried_contribution_is_stored_once(client: TestClient) -> None:
    first = _post(client, "k-1")
    again = _post(client, "k-1")
    assert first.status_code == again.status_code == 303  # type: ignore[attr-defined]
    r = _post(client, "k-1", htmx=True)
    assert r.status_code == 200 and "Already done" in r.text  # type: ignore[attr-defined]
    assert len(rows(client, Contribution)) == 1
    _post(client, "k-2")
    assert len(rows(client, Contribution)) == 2


def test_keys_belong_to_one_participant(client: TestClient) -> None:
    _post(client, "shared", text="from A")
    client.cookies.clear()
    _post(client, "shared", text="from B")
    assert sorted(c.text for c in rows(client, Contribution)) == ["from A", "from B"]


def test_the_header_works_too_and_overlong_keys_are_refused(client: TestClient) -> None:
    token = csrf_of(client)
    for _ in range(2):
        client.post(
            "/e/demo/contributions",
            data={"kind": "idea", "text": "x", "csrf_token": token},
            headers={"Idempotency-Key": "hdr"},
        )
    assert len(rows(client, Contribution)) == 1
    r = _post(client, "k" * 65)
    assert r.status_code == 422 and "too long" in r.text  # type: ignore[attr-defined]
    assert len(rows(client, Contribution)) == 1  # refused, and nothing stored


def test_a_retried_ballot_and_response_are_done_once(client: TestClient) -> None:
    token = login(client)
    poll, options = open_first_poll(client, token)
    ptoken = csrf_of(client)
    for option in (options[0].id, options[1].id):  # a stale retry must not undo a newer vote
        client.post(
            f"/e/demo/polls/{poll.id}/ballot",
            data={"option": str(option), "csrf_token": ptoken, "idempotency_key": "v1"},
        )
    [b] = rows(client, Ballot)
    assert b.option_id == options[0].id
    _post(client, "c1")
    [c] = rows(client, Contribution)
    for _ in range(3):
        client.post(
            f"/console/demo/c/{c.id}/respond",
            data={"text": "Thanks", "csrf_token": token, "idempotency_key": "r1"},
        )
    assert len(rows(client, Response)) == 1


def test_every_ballot_reply_carries_its_own_fresh_key(client: TestClient) -> None:
    """The reply's widget is rendered once per tally and answer (assembly.web.replies): its
    form's key must still be new in every reply, and the widget otherwise the same."""
    import re

    from tests.test_polls import vote

    token = login(client)
    poll, options = open_first_poll(client, token)
    replies = [vote(client, poll, options[0].id).text for _ in range(3)]
    keys = [re.findall(r'name="idempotency_key" value="([^"]+)"', r) for r in replies]
    assert all(len(k) == 1 for k in keys) and len({k[0] for k in keys}) == 3
    assert not any("key-slot-" in r for r in replies)

    def rest(html: str) -> str:  # the widget's form without its key (the tally may move on)
        form = html[html.index("<form") : html.index("</form>")]
        return re.sub(r'name="idempotency_key" value="[^"]+"', "", form)

    same = {rest(r) for r in replies}
    assert len(same) == 1 and "checked" in replies[0]
    other = vote(client, poll, options[1].id).text  # another answer: its own widget
    assert rest(other) not in same
