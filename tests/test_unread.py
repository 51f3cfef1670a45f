"""Unread replies (issue 17.5) from the server's side: a response marks its author's
participant, their page counts it until they have seen it, and a page load with nothing newer
than what the browser saw looks no further."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from assembly import domain
from assembly.domain import unread as unread_module
from assembly.models import Contribution, FacilitatorAccount, Participant
from tests.conftest import in_app
from tests.test_contributions import post, rows

COUNT = '<span class="n">{}</span> unread'


def _respond(client: TestClient, cid: int, text: str) -> None:
    """A facilitator's response, as the console's route makes it (``domain.respond``)."""

    async def go(db: Any) -> None:
        event = await domain.event_by_slug(db, "demo")
        account = await db.scalar(
            select(FacilitatorAccount).where(FacilitatorAccount.username == "facilitator")
        )
        await domain.respond(db, event, account, cid, text)

    in_app(client, go)


def test_a_reply_is_unread_until_seen_and_a_new_one_counts_again(client: TestClient) -> None:
    post(client, "Who checks that a trust keeps its pledges?", kind="question")
    [c] = rows(client, Contribution)
    [before] = rows(client, Participant)
    assert before.last_reply_id is None
    _respond(client, c.id, "The regulator, every year.")
    [author] = [p for p in rows(client, Participant) if p.id == c.participant_id]
    assert author.last_reply_id is not None
    page = client.get("/e/demo").text
    assert COUNT.format(1) in page and f"#c-{c.id}" in page
    client.get("/e/demo/me")  # where every reply is shown: seen
    assert COUNT.format(1) not in client.get("/e/demo").text
    _respond(client, c.id, "And the report is public.")
    assert COUNT.format(1) in client.get("/e/demo").text


def test_with_nothing_new_a_page_load_looks_for_no_replies(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    post(client, "A contribution that gets an answer")
    [c] = rows(client, Contribution)
    _respond(client, c.id, "Answered.")
    asked: list[Any] = []
    real = unread_module.AsyncSession.execute

    async def counting(self: Any, statement: Any, *args: Any, **kwargs: Any) -> Any:
        if "response" in str(statement).lower() and "max(" in str(statement).lower():
            asked.append(statement)
        return await real(self, statement, *args, **kwargs)

    monkeypatch.setattr(unread_module.AsyncSession, "execute", counting)
    assert COUNT.format(1) in client.get("/e/demo").text
    assert len(asked) == 1  # a reply newer than the browser has seen: looked for
    client.get("/e/demo/me")  # seen: the cookie now holds the newest
    asked.clear()
    assert COUNT.format(1) not in client.get("/e/demo").text
    assert asked == []  # nothing newer than what the browser saw: not looked for
