"""Exports (issue 12.1): the CSV, XLSX and JSON files of an event read back with Python's csv
module, openpyxl and jsonschema and checked against the database; secret ballots never as
rows; names only when asked; an empty event; the CLI's errors; a download from the real
server."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jsonschema
import openpyxl
import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from assembly import cli, domain
from assembly.config import Settings
from assembly.exports import TABLES
from assembly.exports.dataset_schema import schema
from assembly.models import (
    Ballot,
    Contribution,
    Event,
    FacilitatorAccount,
    Participant,
    Poll,
    PollOption,
    SpeakerRequest,
)
from tests.conftest import PASSWORD, LiveServer, in_app, login
from tests.test_contributions import post, rows
from tests.test_kinds import _ballot
from tests.test_polls import _session
from tests.test_privacy import _set
from tests.test_secret import _open_secret

# The streaming reads run on both engines (a server-side cursor on PostgreSQL).
BOTH_DATABASES = True
DOCS = Path(__file__).resolve().parent.parent / "docs"
FORMULA = '=HYPERLINK("http://evil.example","click")'


def _validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(
        json.loads((DOCS / "export-schema.json").read_text()),
        format_checker=jsonschema.FormatChecker(),
    )


def _activity(client: TestClient) -> dict[str, Any]:
    """Contributions (named, themed, answered, one a formula), ballots in a normal and a
    secret poll, and a speaker; returns the ids the tests look for."""
    post(client, "Buses should run after midnight")
    post(client, FORMULA, kind="question")
    _set(client, "update participant set display_name = 'Ada Lovelace'")
    first, second = sorted(c.id for c in rows(client, Contribution))

    async def respond(db: Any) -> None:
        event = await domain.event_by_slug(db, "demo")
        account = await db.scalar(select(FacilitatorAccount))
        await domain.respond(db, event, account, first, "We will ask the council.")
        await domain.respond(db, event, account, first, "The council said yes.")
        await domain.set_outcome(db, event, account, first, "taken_forward", "")
        await domain.set_outcome(db, event, account, second, "not_taken_forward", "Out of scope")
        await domain.set_themes(db, event, account, first, ["Access to care", "Awareness"])
        who = await db.scalar(select(Participant))
        start = datetime(2030, 5, 1, 10, 0, tzinfo=UTC)
        db.add(
            SpeakerRequest(
                event_id=event.id,
                participant_id=who.id,
                channel="online",
                status="done",
                raised_at=start,
                called_at=start + timedelta(seconds=30),
                started_at=start + timedelta(seconds=40),
                ended_at=start + timedelta(seconds=130),
            )
        )

    in_app(client, respond)
    token = login(client)
    welcome = _session(client, "Welcome")
    client.post(f"/console/demo/sessions/{welcome.id}/current", data={"csrf_token": token})
    normal = min((p for p in rows(client, Poll) if p.session_id == welcome.id), key=lambda p: p.id)
    client.post(f"/console/demo/polls/{normal.id}/open", data={"csrf_token": token})
    options = sorted(
        (o for o in rows(client, PollOption) if o.poll_id == normal.id), key=lambda o: o.position
    )
    for option in (options[0], options[0], options[1]):
        assert _ballot(client, normal, {"option": str(option.id)}).status_code == 200
    secret, secret_options = _open_secret(client, login(client))
    for option_id in (secret_options[0], secret_options[1], secret_options[0]):
        assert _ballot(client, secret, {"option": str(option_id)}).status_code == 200
    token = login(client)
    client.post(f"/console/demo/polls/{secret.id}/close", data={"csrf_token": token})
    _set(client, "update poll set online_until = null where id = :p", p=secret.id)
    _organiser_now(client)
    return {"first": first, "second": second, "normal": normal.id, "secret": secret.id}


def _organiser_now(client: TestClient) -> None:
    """The logged-in facilitator becomes the demo's organiser (exports are theirs)."""
    _set(client, "update team_member set role = 'organiser'")


def _csvs(client: TestClient, names: bool = False) -> dict[str, list[dict[str, str]]]:
    r = client.get("/organise/demo/export-csv.zip" + ("?names=1" if names else ""))
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    out = {}
    with zipfile.ZipFile(io.BytesIO(r.content)) as archive:
        assert sorted(archive.namelist()) == sorted(f"demo-{t}.csv" for t in TABLES)
        for table in TABLES:
            raw = archive.read(f"demo-{table}.csv")
            assert raw.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs
            out[table] = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    return out


def test_csv_rows_match_the_database(client: TestClient) -> None:
    ids = _activity(client)
    tables = _csvs(client)
    contributions = {int(r["id"]): r for r in tables["contributions"]}
    stored = {c.id: c for c in rows(client, Contribution)}
    assert set(contributions) == set(stored)
    first, second = contributions[ids["first"]], contributions[ids["second"]]
    assert first["text"] == stored[ids["first"]].text
    assert first["themes"] == "Access to care; Awareness"
    assert first["responses"] == "We will ask the council.\nThe council said yes."
    assert first["outcome"] == "taken_forward" and first["channel"] == "online"
    assert second["outcome_reason"] == "Out of scope"
    assert second["text"] == "'" + FORMULA  # a spreadsheet shows it, never runs it
    assert "author_name" not in first and "Ada" not in json.dumps(tables)

    # Ballots: the normal poll's three, by option label; the secret poll's never as rows.
    ballots = tables["ballots"]
    normal = [b for b in rows(client, Ballot) if b.poll_id == ids["normal"]]
    assert len(ballots) == len(normal) == 3
    assert {b["poll_id"] for b in ballots} == {str(ids["normal"])}
    labels = {o.id: o.label for o in rows(client, PollOption)}
    assert sorted(b["answer"] for b in ballots) == sorted(labels[b.option_id] for b in normal)
    secret = [r for r in tables["poll_results"] if r["poll_id"] == str(ids["secret"])]
    assert sum(int(r["count"]) for r in secret) == 3 and {r["secret"] for r in secret} == {"yes"}
    assert all(r["ballots"] == "3" for r in secret)

    # Pseudonyms: stable across tables, never the raw id.
    raw_ids = {p.id for p in rows(client, Participant)}
    people = {r["participant"] for r in tables["participants"]}
    assert len(people) == len(raw_ids) and not people & raw_ids
    assert first["participant"] in people
    assert {b["participant"] for b in ballots} <= people
    everything = json.dumps(tables)
    assert not any(raw in everything for raw in raw_ids)
    [speaker] = tables["speakers"]
    assert speaker["seconds_spoken"] == "90" and speaker["speaker"] in people
    assert speaker["started_at"] == "2030-05-01 10:00:40"
    assert any(a["action"] == "contribution.themes" for a in tables["audit_log"])


def test_names_only_when_asked(client: TestClient) -> None:
    _activity(client)
    tables = _csvs(client, names=True)
    assert "Ada Lovelace" in {r["display_name"] for r in tables["participants"]}
    assert "author_name" in tables["contributions"][0]
    r = client.get("/organise/demo/export/participants.csv")
    assert r.status_code == 200 and "Ada" not in r.text and "display_name" not in r.text


def test_xlsx_sheets_match_the_csv_files(client: TestClient) -> None:
    _activity(client)
    tables = _csvs(client)
    r = client.get("/organise/demo/export.xlsx")
    assert r.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(r.content))
    assert book.sheetnames == list(TABLES)
    for table in TABLES:
        sheet = book[table]
        assert sheet.freeze_panes == "A2"
        values = list(sheet.iter_rows(values_only=True))
        assert list(values[0]) == list(tables[table][0]) if tables[table] else True
        assert len(values) - 1 == len(tables[table])
    sheet = book["contributions"]
    header = [c.value for c in sheet[1]]
    created = sheet.cell(2, header.index("created_at") + 1)
    assert isinstance(created.value, datetime) and created.number_format.startswith("yyyy")
    texts = [sheet.cell(i, header.index("text") + 1) for i in range(2, sheet.max_row + 1)]
    formula = next(c for c in texts if str(c.value).startswith("=HYPERLINK"))
    assert formula.data_type == "s"  # stored as text, not a formula
    assert sheet.column_dimensions["F"].width > len("text")  # sized from the rows


def test_json_export_follows_its_schema(client: TestClient) -> None:
    ids = _activity(client)
    assert json.loads((DOCS / "export-schema.json").read_text()) == schema()
    for names in (False, True):
        r = client.get("/api/events/demo/export.json" + ("?names=1" if names else ""))
        assert r.status_code == 200 and r.headers["content-type"] == "application/json"
        document = r.json()
        _validator().validate(document)
        assert document["names_included"] is names
        ballots = document["tables"]["ballots"]
        assert ids["secret"] not in {b["poll_id"] for b in ballots} and len(ballots) == 3
        [first] = [c for c in document["tables"]["contributions"] if c["id"] == ids["first"]]
        assert first["themes"] == ["Access to care", "Awareness"]
        assert ("author_name" in first) is names


def _empty_event(settings: Settings) -> None:
    async def make() -> None:
        from assembly.db import opened
        from assembly.plan.read import read_plan

        async with opened(settings.database_url) as db:
            async with db.write() as s:
                await domain.import_plan(s, read_plan("event:\n  slug: quiet\n  title: Q\n"))

    asyncio.run(make())


def _cli(settings: Settings, monkeypatch: pytest.MonkeyPatch, *args: str) -> int:
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("SECRET_KEY", settings.secret_key)
    return cli.main(["export", *args])


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_an_event_with_no_activity_gives_valid_empty_files(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str
) -> None:
    _empty_event(settings)
    out = tmp_path / "out"
    assert _cli(settings, monkeypatch, "quiet", "--format", fmt, "--out", str(out)) == 0
    if fmt == "csv":
        assert sorted(p.name for p in out.iterdir()) == sorted(f"quiet-{t}.csv" for t in TABLES)
        for path in out.iterdir():
            found = list(csv.reader(io.StringIO(path.read_text("utf-8-sig"), newline="")))
            assert len(found) == 1 and found[0]  # the header alone
    elif fmt == "xlsx":
        book = openpyxl.load_workbook(out / "quiet.xlsx")
        assert [book[t].max_row for t in TABLES] == [1] * len(TABLES)
    else:
        document = json.loads((out / "quiet.json").read_text())
        _validator().validate(document)
        assert all(rows == [] for rows in document["tables"].values())
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temporary folder left


def test_cli_errors_say_what_to_do(
    settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = str(tmp_path / "out")
    assert _cli(settings, monkeypatch, "nope", "--format", "csv", "--out", out) == 1
    assert "There is no event 'nope'" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_:
        _cli(settings, monkeypatch, "demo", "--format", "docx", "--out", out)
    assert exit_.value.code == 2
    assert "use one of csv, xlsx, json, html, pdf, roundups" in capsys.readouterr().err
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    bad = str(blocker / "out")
    assert _cli(settings, monkeypatch, "demo", "--format", "csv", "--out", bad) == 2
    said = capsys.readouterr().err
    assert said.startswith(f"Cannot write to {bad}") and "Nothing was written." in said


def test_a_failure_half_way_leaves_nothing(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from assembly.exports import files

    real = files.write_csv
    calls = []

    async def failing(dataset: Any, out: Any, tick: Any = None) -> int:
        calls.append(dataset.name)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        return await real(dataset, out, tick)

    monkeypatch.setattr(files, "write_csv", failing)
    out = tmp_path / "out"
    assert _cli(settings, monkeypatch, "demo", "--format", "csv", "--out", str(out)) == 2
    assert list(out.iterdir()) == []


def test_the_export_downloads_from_the_real_server(settings: Settings) -> None:
    import httpx2 as httpx

    with LiveServer(settings) as server, httpx.Client(base_url=server.url) as http:
        url = "/api/events/demo/export.json"
        browser = http.get(url, headers={"accept": "text/html"}, follow_redirects=False)
        assert browser.status_code in (302, 303) and "/login" in browser.headers["location"]
        program = http.get(url)  # no key, no login: a program is told how to send its key
        assert program.status_code == 401 and program.headers["www-authenticate"] == "Bearer"
        token = http.get("/login").text.split('name="csrf_token" value="')[1].split('"')[0]
        data = {"username": "organiser", "password": PASSWORD, "next": "/"}
        _organiser(settings)
        http.post("/login", data={**data, "csrf_token": token})
        page = http.get("/organise/demo/exports")
        assert page.status_code == 200 and 'formaction="/organise/demo/export.xlsx"' in page.text
        document = http.get("/api/events/demo/export.json").json()
        _validator().validate(document)
        assert document["event"]["slug"] == "demo"
        book = openpyxl.load_workbook(io.BytesIO(http.get("/organise/demo/export.xlsx").content))
        assert book.sheetnames == list(TABLES)


def _organiser(settings: Settings) -> None:
    async def make() -> None:
        from assembly.db import opened
        from assembly.demo import add_account

        async with opened(settings.database_url) as db:
            async with db.write() as s:
                event = await s.scalar(select(Event).where(Event.slug == "demo"))
                account, _ = await add_account(s, "organiser", PASSWORD)
                await domain.set_team_role(s, event, account, "organiser")

    asyncio.run(make())


def test_an_unknown_table_is_a_404_with_a_sentence(client: TestClient) -> None:
    login(client)
    _organiser_now(client)
    r = client.get("/organise/demo/export/secrets.csv")
    assert r.status_code == 404 and "Choose one on the Exports page" in r.text
