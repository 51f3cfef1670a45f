"""Round-ups per theme: the CSV read back against the database, the HTML page, the zip."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path
from typing import Any

from sqlalchemy import select
from starlette.testclient import TestClient

from assembly.domain import event_by_slug
from assembly.domain.contributions import new_contribution
from assembly.exports.roundups import COLUMNS, slugs, write_roundups
from assembly.models import Contribution, ContributionTheme, Event, Response, Session
from tests.conftest import in_app, login
from tests.organise_helpers import admin

DEMO_SLUGS = ["awareness", "staff-culture", "complaints", "access-to-care", "unthemed"]


async def _seed(db: Any) -> None:
    """Contributions to the demo: tagged, untagged, hidden, pending, answered, with text a
    spreadsheet or a browser would take for code, and an author's name."""
    event = await event_by_slug(db, "demo")

    def add(text: str, upvotes: int, themes: list[str], **more: Any) -> None:
        responses = [Response(text=r) for r in more.pop("responses", [])]
        c = new_contribution(event, more.pop("channel", "room"), "idea", text, **more)
        c.upvotes = upvotes
        c.theme_tags = [ContributionTheme(theme=t) for t in themes]
        c.responses = responses
        db.add(c)

    add("More staff on wards", 3, ["Staff culture"], author_name="Ann Secret")
    add(
        "Tell people their rights <script>alert(1)</script>",
        9,
        ["Awareness", "Staff culture"],
        outcome="answered",
        responses=["We will print leaflets", "And posters"],
        channel="external",
        source="#nhsassembly",
    )
    add(
        '=HYPERLINK("http://evil")',
        5,
        ["Awareness"],
        outcome="not_taken_forward",
        outcome_reason="-Out of scope",
    )
    add("HIDDEN-ONE", 50, ["Awareness"], status="hidden")
    add("PENDING-ONE", 40, ["Awareness"], status="pending")
    add("Nobody sorted me", 1, [])
    add("Tagged with a theme since removed", 2, ["Old theme"])
    await db.flush()


def _db(client: TestClient) -> list[Contribution]:
    async def read(db: Any) -> list[Contribution]:
        return list(await db.scalars(select(Contribution)))

    result: list[Contribution] = in_app(client, read)
    return result


def _sessions(client: TestClient) -> dict[int, str]:
    async def read(db: Any) -> dict[int, str]:
        return {s.id: s.title for s in await db.scalars(select(Session))}

    result: dict[int, str] = in_app(client, read)
    return result


def _write(client: TestClient, out: Path) -> list[Path]:
    async def go(db: Any) -> list[Path]:
        return await write_roundups(db, await event_by_slug(db, "demo"), out)

    result: list[Path] = in_app(client, go)
    return result


def _read_csv(data: bytes) -> list[dict[str, str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
    reader = csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline=""))
    assert reader.fieldnames == COLUMNS
    return list(reader)


def _as_cell(text: str) -> str:
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def test_each_theme_csv_holds_its_visible_contributions_as_stored(
    client: TestClient, tmp_path: Path
) -> None:
    in_app(client, _seed)
    written = _write(client, tmp_path / "out")
    assert sorted(p.name for p in written) == sorted(
        f"{s}.{ext}" for s in DEMO_SLUGS for ext in ("csv", "html")
    )
    stored = {c.id: c for c in _db(client)}
    sessions = _sessions(client)
    themes = {"awareness": "Awareness", "staff-culture": "Staff culture"}
    for slug in DEMO_SLUGS:
        got = _read_csv((tmp_path / "out" / f"{slug}.csv").read_bytes())
        if slug == "unthemed":
            want = [
                c
                for c in stored.values()
                if not {t.theme for t in c.theme_tags}
                & set(["Awareness", "Staff culture", "Complaints", "Access to care"])
            ]
        else:
            want = [
                c for c in stored.values() if themes.get(slug) in {t.theme for t in c.theme_tags}
            ]
        want = sorted((c for c in want if c.status == "visible"), key=lambda c: (-c.upvotes, c.id))
        assert [int(r["contribution_id"]) for r in got] == [c.id for c in want], slug
        for row in got:
            c = stored[int(row["contribution_id"])]
            assert row["text"] == _as_cell(c.text)
            assert row["session"] == sessions[c.session_id]
            assert (row["kind"], row["channel"], row["source"]) == (c.kind, c.channel, c.source)
            assert int(row["upvotes"]) == c.upvotes
            assert (row["outcome"], row["outcome_reason"]) == (
                c.outcome,
                _as_cell(c.outcome_reason),
            )
            assert int(row["response_count"]) == len(c.responses)
            assert row["responses"] == "\n\n".join(r.text for r in c.responses)
            assert row["themes"] == "; ".join(t.theme for t in c.theme_tags)
            assert row["created_at"].startswith(str(c.created_at.date()))
    awareness = _read_csv((tmp_path / "out" / "awareness.csv").read_bytes())
    assert [r["upvotes"] for r in awareness] == ["9", "5"]  # hidden and pending left out
    assert awareness[1]["text"].startswith("'=HYPERLINK")  # never run as a formula
    assert _read_csv((tmp_path / "out" / "complaints.csv").read_bytes()) == []


def test_the_html_escapes_text_names_no_author_and_prints_on_a4(
    client: TestClient, tmp_path: Path
) -> None:
    in_app(client, _seed)
    out = tmp_path / "out"
    _write(client, out)
    page = (out / "awareness.html").read_text()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>" not in page
    assert "size: A4" in page and "<link" not in page  # self-contained
    assert "We will print leaflets" in page and "Not taken forward" in page
    assert "-Out of scope" in page and "External (#nhsassembly)" in page
    assert "HIDDEN-ONE" not in page and "PENDING-ONE" not in page
    staff = (out / "staff-culture.html").read_text()
    assert "More staff on wards" in staff
    for path in out.iterdir():
        assert "Ann Secret" not in path.read_text(encoding="utf-8-sig")
    empty = (out / "complaints.html").read_text()
    assert "No visible contributions are tagged with this theme" in empty


def test_the_organiser_downloads_all_of_them_in_one_zip(client: TestClient) -> None:
    in_app(client, _seed)
    login(client)  # a facilitator: not an organiser
    assert client.get("/organise/demo/roundups.zip").status_code == 403
    client.cookies.clear()
    admin(client)
    r = client.get("/organise/demo/roundups.zip")
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    assert 'filename="demo-roundups.zip"' in r.headers["content-disposition"]
    with zipfile.ZipFile(io.BytesIO(r.content)) as archive:
        names = archive.namelist()
        assert sorted(names) == sorted(f"{s}.{e}" for s in DEMO_SLUGS for e in ("csv", "html"))
        rows = _read_csv(archive.read("awareness.csv"))
    assert len(rows) == 2


def test_one_theme_alone_as_a_page(client: TestClient) -> None:
    in_app(client, _seed)
    admin(client)
    r = client.get("/organise/demo/roundups/awareness.html")
    assert r.status_code == 200 and "Tell people their rights" in r.text
    assert "script-src" not in r.headers["content-security-policy"]  # default-src 'none'
    assert "default-src 'none'" in r.headers["content-security-policy"]
    assert "Nobody sorted me" in client.get("/organise/demo/roundups/unthemed.html").text
    r = client.get("/organise/demo/roundups/nothing.html")
    assert r.status_code == 404 and "Access to care" in r.text


def test_an_event_without_themes_or_activity_gives_one_valid_empty_roundup(
    client: TestClient, tmp_path: Path
) -> None:
    async def bare(db: Any) -> None:
        db.add(Event(slug="bare", title="Bare", room_secret="s" * 32))

    in_app(client, bare)

    async def go(db: Any) -> list[Path]:
        event = await db.scalar(select(Event).where(Event.slug == "bare"))
        return await write_roundups(db, event, tmp_path / "new" / "folder")

    written: list[Path] = in_app(client, go)
    assert sorted(p.name for p in written) == ["unthemed.csv", "unthemed.html"]
    assert _read_csv(written[0].read_bytes()) == []


def test_file_names_differ_for_themes_alike() -> None:
    found = slugs(["Access to care", "access-to-care", "Unthemed", "Ça va?", "!!!"])
    assert list(found.values()) == [
        "access-to-care",
        "access-to-care-2",
        "unthemed-2",
        "ca-va",
        "theme",
    ]
