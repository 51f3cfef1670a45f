"""Issue 12's parts together: `assembly export` writes the report (HTML, PDF) and the round-ups,
and the JSON export answers an event's API key, never another event's, and never with names."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from assembly.config import Settings
from assembly.exports.roundups import slugs
from assembly.models import Contribution
from tests.organise_helpers import admin
from tests.test_api import _revoked_key, make_key
from tests.test_contributions import rows
from tests.test_exports import _activity, _cli, _validator

URL = "/api/events/demo/export.json"


def test_the_cli_writes_the_report_and_the_round_ups(
    client: TestClient, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _activity(client)
    [said] = [c.text for c in rows(client, Contribution) if c.text.startswith("Buses")]
    out = tmp_path / "out"
    assert _cli(settings, monkeypatch, "demo", "--format", "html", "--out", str(out)) == 0
    html = (out / "demo-report.html").read_text("utf-8")
    assert html.lstrip().lower().startswith("<!doctype html>")
    assert said in html and "<svg" in html
    assert _cli(settings, monkeypatch, "demo", "--format", "pdf", "--out", str(out)) == 0
    assert (out / "demo-report.pdf").read_bytes().startswith(b"%PDF")
    folder = tmp_path / "roundups"
    assert _cli(settings, monkeypatch, "demo", "--format", "roundups", "--out", str(folder)) == 0
    demo_themes = ["Awareness", "Staff culture", "Complaints", "Access to care"]
    expected = [*slugs(demo_themes).values(), "unthemed"]
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        f"{slug}.{ext}" for slug in expected for ext in ("csv", "html")
    )


def test_the_json_export_takes_the_events_key_and_no_other(client: TestClient) -> None:
    _activity(client)
    client.cookies.clear()
    key = make_key(client)
    r = client.get(URL + "?names=1", headers={"Authorization": f"Bearer {key}"})
    assert r.status_code == 200, r.text
    document = r.json()
    _validator().validate(document)
    assert document["event"]["slug"] == "demo"
    # A key is a program's: display names leave only by an organiser's tick.
    people = document["tables"]["participants"]
    assert people and not any("display_name" in person for person in people)
    other = make_key(client, "other")
    r = client.get(URL, headers={"Authorization": f"Bearer {other}"})
    assert r.status_code == 403 and "another event" in r.json()["error"]
    r = client.get(URL, headers={"Authorization": f"Bearer {_revoked_key(client)}"})
    assert r.status_code == 401
    r = client.get(URL)
    assert r.status_code == 401 and "Authorization: Bearer" in r.json()["error"]


def test_the_exports_page_links_the_report_and_each_round_up(client: TestClient) -> None:
    admin(client)
    page = client.get("/organise/demo/exports").text
    assert 'formaction="/organise/demo/report.pdf"' in page
    assert 'href="/organise/demo/roundups.zip"' in page
    demo_themes = ["Awareness", "Staff culture", "Complaints", "Access to care"]
    for slug in [*slugs(demo_themes).values(), "unthemed"]:
        link = f"/organise/demo/roundups/{slug}.html"
        assert f'href="{link}"' in page and client.get(link).status_code == 200
    archive = client.get("/organise/demo/roundups.zip")
    assert archive.status_code == 200
    with zipfile.ZipFile(io.BytesIO(archive.content)) as z:
        assert "unthemed.csv" in [n.rsplit("/", 1)[-1] for n in z.namelist()]
