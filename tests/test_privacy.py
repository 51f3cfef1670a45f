"""Privacy: see and delete your own contributions, leave, observers, retention and purge."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from starlette.testclient import TestClient

from assembly import cli
from assembly.config import Settings
from assembly.models import Ballot, Contribution, Participant, utcnow
from tests.conftest import csrf_of, live_socket, login
from tests.test_contributions import post, rows
from tests.test_polls import open_first_poll, vote

# The domain runs on both engines we support.
BOTH_DATABASES = True


def _set(client: TestClient, sql: str, **params: object) -> None:
    async def go() -> None:
        from sqlalchemy import text

        async with client.app_state["app"].db.write() as db:  # type: ignore[attr-defined]
            await db.execute(text(sql), params)

    client.portal.call(go)  # type: ignore[union-attr]


def test_a_participant_sees_and_deletes_their_own_contributions(client: TestClient) -> None:
    post(client, "mine to delete")
    [c] = rows(client, Contribution)
    page = client.get("/e/demo/me").text
    assert "mine to delete" in page and f"/e/demo/c/{c.id}/delete" in page
    token = csrf_of(client)
    with live_socket(client, "/ws/e/demo") as public:
        r = client.post(
            f"/e/demo/c/{c.id}/delete", data={"csrf_token": token}, follow_redirects=False
        )
        assert r.status_code == 303
        assert public.receive_text() == f'<li id="c-{c.id}" hx-swap-oob="delete"></li>'
    assert rows(client, Contribution) == []
    assert "mine to delete" not in client.get("/e/demo").text


def test_nobody_deletes_what_someone_else_wrote(client: TestClient, settings: Settings) -> None:
    from assembly.app import create_app

    with TestClient(create_app(settings)) as other:
        post(other, "not yours")
    [c] = rows(client, Contribution)
    token = csrf_of(client)
    r = client.post(f"/e/demo/c/{c.id}/delete", data={"csrf_token": token})
    assert r.status_code == 403 and "only delete what you wrote" in r.text
    assert len(rows(client, Contribution)) == 1


def test_leaving_deletes_contributions_and_keeps_closed_ballots_anonymous(
    client: TestClient,
) -> None:
    token = login(client)
    closed_poll, options = open_first_poll(client, token)
    vote(client, closed_poll, options[0].id)
    client.post(f"/console/demo/polls/{closed_poll.id}/close", data={"csrf_token": token})
    from tests.test_polls import _session

    session = _session(client, "Rights")
    other = max(
        (p for p in rows(client, type(closed_poll)) if p.session_id == session.id),
        key=lambda p: p.id,
    )
    client.post(f"/console/demo/polls/{other.id}/open", data={"csrf_token": token})
    other_options = [o for o in rows(client, type(options[0])) if o.poll_id == other.id]
    vote(client, other, other_options[0].id)
    post(client, "I will leave")
    r = client.post("/e/demo/leave", data={"csrf_token": csrf_of(client)})
    assert r.status_code == 200 and "You have left" in r.text
    assert "Max-Age=0" in r.headers["set-cookie"]
    assert rows(client, Contribution) == [] and rows(client, Participant) == []
    ballots = rows(client, Ballot)
    # The closed poll's total is unchanged; the open poll's ballot was withdrawn.
    assert [(b.poll_id, b.participant_id) for b in ballots] == [(closed_poll.id, None)]


def test_observers_follow_but_do_not_take_part(client: TestClient) -> None:
    token = csrf_of(client)
    _set(client, "update participant set role = 'observer'")
    r = client.post(
        "/e/demo/contributions", data={"kind": "idea", "text": "hello", "csrf_token": token}
    )
    assert r.status_code == 403 and "Observers can follow" in r.text
    assert rows(client, Contribution) == []
    assert client.get("/e/demo").status_code == 200
    r = client.post("/e/demo/leave", data={"csrf_token": token})
    assert r.status_code == 200 and rows(client, Participant) == []


def test_purge_anonymises_participants_past_the_retention_period(
    client: TestClient, settings: Settings, capsys: object
) -> None:
    post(client, "an old voice")
    old = rows(client, Participant)[0].id
    client.cookies.clear()
    post(client, "a recent voice")
    _set(
        client,
        "update participant set joined_at = :t where id = :id",
        t=utcnow() - timedelta(days=40),
        id=old,
    )
    asyncio.run(cli._retention(settings, "demo", 30))
    counts = asyncio.run(cli._purge(settings))
    assert counts == {"demo": 1}
    people = rows(client, Participant)
    assert [p.id for p in people] != [old] and len(people) == 1
    by_text = {c.text: c for c in rows(client, Contribution)}
    assert by_text["an old voice"].participant_id is None
    assert by_text["an old voice"].author_name == ""
    assert by_text["a recent voice"].participant_id == people[0].id


def test_cli_retention_and_purge(sqlite_copy: object, monkeypatch: object, capsys: object) -> None:
    settings = sqlite_copy()  # type: ignore[operator]
    monkeypatch.setenv("DATABASE_URL", settings.database_url)  # type: ignore[attr-defined]
    assert cli.main(["purge"]) == 0
    assert "nothing to do" in capsys.readouterr().out  # type: ignore[attr-defined]
    assert cli.main(["retention", "demo", "90"]) == 0
    assert cli.main(["purge"]) == 0
    assert "demo: 0 participant(s) anonymised." in capsys.readouterr().out  # type: ignore[attr-defined]
