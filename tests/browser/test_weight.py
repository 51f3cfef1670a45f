"""The participant page is light on a cheap phone's data plan and calls on nobody else."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import Request

from tests.browser.conftest import PHONE
from tests.browser.helpers import wait_connected
from tests.conftest import LiveServer

LIMIT_KB = 60


def test_the_participant_page_is_light_and_first_party(
    server: LiveServer, new_context: Callable[..., Any], artifacts: Path
) -> None:
    page = new_context(**PHONE).new_page()
    requested: list[str] = []
    finished: list[Request] = []
    failed: list[str] = []
    sockets: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    page.on("requestfinished", lambda r: finished.append(r))
    page.on("requestfailed", lambda r: failed.append(f"{r.url} {r.failure}"))
    page.on("websocket", lambda ws: sockets.append(ws.url))

    page.goto(f"{server.url}/e/demo", wait_until="networkidle")
    wait_connected(page)
    assert page.locator("iframe").count() == 0  # the demo has no stream to embed

    assert failed == []
    assert sorted(r.url for r in finished) == sorted(requested)
    hosts = {urlsplit(url).hostname for url in requested + sockets}
    assert hosts == {"127.0.0.1"}, f"requests to other hosts: {requested + sockets}"
    sizes = {r.url: r.sizes() for r in finished}
    for r in finished:
        response = r.response()
        assert response is not None and response.status == 200, r.url
        if r.sizes()["responseBodySize"] > 500:  # anything bigger comes compressed
            assert response.header_value("content-encoding") == "gzip", r.url
    total = sum(s["responseBodySize"] + s["responseHeadersSize"] for s in sizes.values())
    kb = total / 1024
    lines = [
        f"{s['responseBodySize'] + s['responseHeadersSize']:>7} B  {u}" for u, s in sizes.items()
    ]
    report = f"participant page first load: {kb:.1f} KB in {len(sizes)} responses\n"
    report += "\n".join(lines) + "\n"
    (artifacts / "weight.txt").write_text(report)
    print(report)
    assert any(u.endswith("/e/demo") for u in sizes) and len(sizes) >= 4, sizes
    assert kb < LIMIT_KB, report
