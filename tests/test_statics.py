"""Static files: pages name each with its version, and a second visit fetches none again."""

from __future__ import annotations

import re

from starlette.testclient import TestClient

from assembly.statics import FOREVER, REVALIDATE


def test_pages_name_static_files_with_their_version(client: TestClient) -> None:
    html = client.get("/e/demo").text
    found = re.findall(r'(?:src|href)="(/static/[^"]+)"', html)
    assert {"app.css", "app.js", "phone.js", "outbox.js"} <= {
        re.sub(r"\?v=[0-9a-f]{12}$", "", f.removeprefix("/static/")) for f in found
    }
    for address in found:
        assert re.search(r"\?v=[0-9a-f]{12}$", address), address
        r = client.get(address)
        assert r.status_code == 200
        assert r.headers["cache-control"] == FOREVER, address


def test_an_address_without_the_current_version_is_revalidated(client: TestClient) -> None:
    plain = client.get("/static/app.js")
    assert plain.headers["cache-control"] == REVALIDATE
    assert client.get("/static/app.js?v=000000000000").headers["cache-control"] == REVALIDATE
    again = client.get("/static/app.js", headers={"if-none-match": plain.headers["etag"]})
    assert again.status_code == 304
