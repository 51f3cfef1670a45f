"""The public story is built at most once per event every few seconds, and requests that
arrive during a build wait for it rather than start their own."""

from __future__ import annotations

import asyncio

from starlette.testclient import TestClient

from assembly.models import Contribution
from assembly.report.cache import Memo
from tests.conftest import login
from tests.test_contributions import post, rows
from tests.test_privacy import _set


def test_a_value_is_made_once_per_ttl_and_again_after_it() -> None:
    now = [100.0]
    memo = Memo(ttl=30, clock=lambda: now[0])
    made: list[int] = []

    async def make() -> int:
        made.append(1)
        return len(made)

    async def run() -> list[int]:
        first = await memo.get(1, make)
        now[0] += 29
        second = await memo.get(1, make)
        other = await memo.get(2, make)  # another event: its own
        now[0] += 2
        third = await memo.get(1, make)
        return [first, second, other, third]

    assert asyncio.run(run()) == [1, 1, 2, 3]

    async def audited() -> list[int]:  # a new version is made at once, within the ttl
        return [await memo.get(1, make, version=7), await memo.get(1, make, version=7)]

    assert asyncio.run(audited()) == [4, 4]


def test_requests_during_a_build_wait_for_it() -> None:
    memo = Memo(ttl=30)
    builds = 0

    async def make() -> str:
        nonlocal builds
        builds += 1
        await asyncio.sleep(0)  # the build yields, as a database read does
        return "story"

    async def run() -> list[str]:
        return list(await asyncio.gather(*(memo.get("demo", make) for _ in range(20))))

    assert asyncio.run(run()) == ["story"] * 20
    assert builds == 1


def test_the_story_page_is_kept_but_unpublishing_takes_effect_at_once(client: TestClient) -> None:
    _set(client, "update event set outcomes_public = true where slug = 'demo'")
    post(client, "Said before the story was first opened")
    first = client.get("/e/demo/outcomes")
    assert first.status_code == 200 and "Said before the story" in first.text
    post(client, "Said a moment after")
    kept = client.get("/e/demo/outcomes")
    assert "Said before the story" in kept.text and "Said a moment after" not in kept.text
    client.app_state["app"].stories.ttl = 0  # type: ignore[attr-defined]
    assert "Said a moment after" in client.get("/e/demo/outcomes").text
    hidden = "Said before the story"
    [c] = [c for c in rows(client, Contribution) if c.text.startswith(hidden)]
    client.app_state["app"].stories.ttl = 30  # type: ignore[attr-defined]
    assert hidden in client.get("/e/demo/outcomes").text  # kept for half a minute...
    phone = dict(client.cookies)
    token = login(client)
    r = client.post(f"/console/demo/c/{c.id}/hide", data={"csrf_token": token})
    assert r.status_code in (200, 303), r.text
    client.cookies.clear()
    client.cookies.update(phone)
    assert hidden not in client.get("/e/demo/outcomes").text  # ...but a hide shows at once
    _set(client, "update event set outcomes_public = false where slug = 'demo'")
    assert client.get("/e/demo/outcomes").status_code == 404
