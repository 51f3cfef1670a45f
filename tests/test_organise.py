"""Organiser pages: the events list, a new event, an event's settings and status, and its plan
file downloaded and uploaded (the agenda's own tests are in test_agenda.py)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from assembly import cli
from assembly.models import AuditEntry, Event, Participant, Poll, Session
from tests.conftest import csrf_of, login
from tests.organise_helpers import add_account, admin, login_as, send, upload
from tests.test_contributions import rows


def _event(client: TestClient, slug: str) -> Event:
    return next(e for e in rows(client, Event) if e.slug == slug)


def _plan(client: TestClient, slug: str) -> str:
    r = client.get(f"/organise/{slug}/plan.yaml")
    assert r.status_code == 200, r.text
    return r.text


def test_the_list_shows_each_event_with_the_role_and_no_new_event_for_staff(
    client: TestClient,
) -> None:
    token = login(client)  # the facilitator on the demo's team
    page = client.get("/organise").text
    assert "NHS" in page and "facilitator" in page and 'href="/console/demo"' in page
    assert 'href="/organise/demo"' not in page  # a facilitator does not set the event up
    assert "New event" not in page and "Import a plan file" not in page
    r = send(client, token, "/organise/events", title="Mine")
    assert r.status_code == 403 and "organisers create events" in r.text
    r = upload(client, token, "/organise/import", "event: {slug: x, title: X}\n")
    assert r.status_code == 403
    assert len(rows(client, Event)) == 1


def test_an_account_on_no_team_is_told_to_ask_for_an_invite(client: TestClient) -> None:
    add_account(client, "newcomer")
    login_as(client, "newcomer")
    r = client.get("/organise")
    assert r.status_code == 200 and "Ask an organiser of your assembly for an invite" in r.text
    assert client.get("/organise/demo", follow_redirects=False).status_code == 403


def test_the_list_needs_a_login(client: TestClient) -> None:
    r = client.get("/organise", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?next=/organise"


def test_an_installation_organiser_creates_a_draft_event(client: TestClient) -> None:
    token = admin(client)
    assert "New event" in client.get("/organise").text
    r = send(client, token, "/organise/events", title="Town hall: 2027's budget", slug="")
    assert r.status_code == 303 and r.headers["location"].startswith("/organise/town-hall-2027s")
    event = _event(client, "town-hall-2027s-budget")
    demo = _event(client, "demo")
    assert (event.title, event.status, event.stream_delay) == (
        "Town hall: 2027's budget",
        "draft",
        30,
    )
    assert len(event.room_secret) == 32 and event.room_secret != demo.room_secret
    assert len(event.screen_key) == 32 and event.screen_key != demo.screen_key
    assert "Setup" in client.get(r.headers["location"]).text
    assert any(a.action == "event.create" for a in rows(client, AuditEntry))


@pytest.mark.parametrize(
    ("title", "slug", "status", "says"),
    [
        ("Again", "demo", 409, "is taken by another event"),
        ("Bad", "Not a slug!", 422, "lower-case letters, digits and hyphens"),
        ("Bad", "-x", 422, "lower-case letters"),
        ("", "empty", 422, "The title is empty"),
        ("¿¿??", "", 422, "no letters or digits"),
        ("x" * 201, "long", 422, "the limit is 200"),
    ],
)
def test_a_new_event_with_a_bad_or_taken_slug_is_refused(
    client: TestClient, title: str, slug: str, status: int, says: str
) -> None:
    token = admin(client)
    r = send(client, token, "/organise/events", title=title, slug=slug)
    assert r.status_code == status and says in r.text
    assert [e.slug for e in rows(client, Event)] == ["demo"]


SETTINGS = {
    "title": "Our assembly",
    "description": "Two lines\nof description",
    "starts_on": "2027-01-12",
    "venue": "Town hall",
    "stream_url": "https://youtu.be/abc123",
    "stream_delay": "45",
    "call_url": "https://meet.example.org/room",
    "moderation": "pre",
    "groups": "Patient\r\nCarer\r\n\r\nStaff",
    "themes": "Access\nMoney",
    "word_list": "rude\nworse",
    "retention_days": "90",
    "outcomes_public": "on",
}


def test_every_setting_round_trips(client: TestClient) -> None:
    token = admin(client)
    r = send(client, token, "/organise/demo/settings", **SETTINGS)
    assert r.status_code == 303, r.text
    e = _event(client, "demo")
    assert (e.title, e.description, e.starts_on, e.venue) == (
        "Our assembly",
        "Two lines\nof description",
        date(2027, 1, 12),
        "Town hall",
    )
    assert (e.stream_url, e.stream_delay, e.call_url, e.moderation) == (
        "https://youtu.be/abc123",
        45,
        "https://meet.example.org/room",
        "pre",
    )
    assert (e.groups, e.themes, e.word_list) == (
        ["Patient", "Carer", "Staff"],
        ["Access", "Money"],
        ["rude", "worse"],
    )
    assert (e.retention_days, e.outcomes_public, e.status, e.slug) == (90, True, "open", "demo")
    page = client.get("/organise/demo").text
    assert "Patient\nCarer\nStaff</textarea>" in page and 'value="2027-01-12"' in page
    # Emptied: no date, no stream, default delay, keep data, outcomes private.
    empty = {k: "" for k in SETTINGS if k != "outcomes_public"}
    r = send(
        client, token, "/organise/demo/settings", **{**empty, "title": "T", "moderation": "post"}
    )
    assert r.status_code == 303, r.text
    e = _event(client, "demo")
    assert (e.starts_on, e.stream_url, e.stream_delay, e.retention_days, e.outcomes_public) == (
        None,
        "",
        30,
        None,
        False,
    )
    assert (
        e.groups == [] and sum(a.action == "event.settings" for a in rows(client, AuditEntry)) == 2
    )


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("title", "", "The title is empty"),
        ("starts_on", "12/01/2027", "YYYY-MM-DD"),
        ("stream_url", "http://youtu.be/abc", "must start with https://"),
        ("stream_url", "https://a.example;frame-ancestors", "“;”"),
        ("stream_delay", "601", "between 0 and 600"),
        ("stream_delay", "-1", "between 0 and 600"),
        ("stream_delay", "half a minute", "whole number"),
        ("call_url", "http://meet.example.org", "https:// address"),
        ("moderation", "later", "one of post, pre"),
        ("groups", "Patient\nPatient", "appears twice"),
        ("themes", "x" * 61, "the limit is 60"),
        ("retention_days", "0", "1 or more"),
        ("description", "x" * 10_001, "the limit is 10,000"),
    ],
)
def test_a_bad_setting_is_refused_and_nothing_is_stored(
    client: TestClient, field: str, value: str, says: str
) -> None:
    token = admin(client)
    before = _plan(client, "demo")
    r = send(client, token, "/organise/demo/settings", **{**SETTINGS, field: value})
    assert r.status_code == 422 and says in r.text
    assert _plan(client, "demo") == before


def test_the_plan_file_refuses_the_same_stream_delay_as_the_form(tmp_path: Path) -> None:
    from assembly.plan import PlanError
    from assembly.plan.read import read_plan

    with pytest.raises(PlanError) as exc:
        read_plan("event:\n  slug: x\n  title: X\n  stream_delay: 601\n")
    assert "line 4: event.stream_delay: is 601; it must be at most 600" in str(exc.value)


def test_status_changes_and_never_back_to_draft_once_people_joined(client: TestClient) -> None:
    token = admin(client)
    staff_token = csrf_of(client, "/console/demo")
    poll = min(rows(client, Poll), key=lambda p: p.id)
    send(client, staff_token, f"/console/demo/polls/{poll.id}/open")
    assert next(p for p in rows(client, Poll) if p.id == poll.id).status == "open"
    r = send(client, token, "/organise/demo/status", status="closed")
    assert r.status_code == 303 and _event(client, "demo").status == "closed"
    assert next(p for p in rows(client, Poll) if p.id == poll.id).status == "closed"
    client.get("/e/demo")  # someone joins
    assert rows(client, Participant)
    r = send(client, token, "/organise/demo/status", status="draft")
    assert r.status_code == 409 and "cannot go back to being a draft" in r.text
    r = send(client, token, "/organise/demo/status", status="gone")
    assert r.status_code == 422
    assert _event(client, "demo").status == "closed"
    assert send(client, token, "/organise/demo/status", status="open").status_code == 303
    assert _event(client, "demo").status == "open"
    actions = [a.action for a in rows(client, AuditEntry)]
    assert "event.closed" in actions and "event.open" in actions


def test_the_download_is_what_the_cli_exports(
    client: TestClient, settings: Any, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    admin(client)
    r = client.get("/organise/demo/plan.yaml")
    assert r.status_code == 200
    assert r.headers["content-disposition"] == 'attachment; filename="demo.yaml"'
    assert r.headers["content-type"].startswith("application/yaml")
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    assert cli.main(["event", "export", "demo"]) == 0
    assert capsys.readouterr().out == r.text


def _draft(client: TestClient, token: str, slug: str = "spring") -> None:
    r = send(client, token, "/organise/events", title="Spring", slug=slug)
    assert r.status_code == 303, r.text


PLAN = """\
event:
  slug: spring
  title: Spring assembly
sessions:
  - title: Opening
    polls:
      - question: Ready?
        options: [Yes please, Not yet]
  - title: Closing
"""


def test_an_upload_replaces_a_draft_plan(client: TestClient) -> None:
    token = admin(client)
    _draft(client, token)
    r = upload(client, token, "/organise/spring/plan", PLAN)
    assert r.status_code == 303, r.text
    event = _event(client, "spring")
    assert event.title == "Spring assembly" and event.status == "draft"
    assert [s.title for s in rows(client, Session) if s.event_id == event.id] == [
        "Opening",
        "Closing",
    ]
    assert "plan.replace" in [a.action for a in rows(client, AuditEntry)]


@pytest.mark.parametrize(
    ("text", "lines"),
    [
        (
            PLAN.replace("options: [Yes please, Not yet]", "options: [Only one]").replace(
                "  title: Spring assembly", "  title: Spring assembly\n  colour: green"
            ),
            [
                "line 4: event.colour: unknown key",
                "line 9: sessions[1].polls[1].options: a poll needs at least two options",
            ],
        ),
        (
            PLAN.replace("slug: spring", "slug: demo"),
            ["line 2: event.slug: this file is the plan of demo, not of this event"],
        ),
        ("event: [\n", ["line 2: YAML syntax"]),
    ],
)
def test_a_bad_upload_lists_every_problem_and_changes_nothing(
    client: TestClient, text: str, lines: list[str]
) -> None:
    token = admin(client)
    _draft(client, token)
    before = _plan(client, "spring")
    r = upload(client, token, "/organise/spring/plan", text)
    assert r.status_code == 422
    for line in lines:
        assert line in r.text
    assert "Nothing was imported" in r.text
    assert _plan(client, "spring") == before


def test_an_open_event_plan_is_not_replaced(client: TestClient) -> None:
    token = admin(client)
    before = _plan(client, "demo")
    r = upload(client, token, "/organise/demo/plan", before)
    assert r.status_code == 409 and "plan can be replaced" in r.text
    assert _plan(client, "demo") == before


def test_a_plan_file_makes_a_new_event_or_lists_its_problems(client: TestClient) -> None:
    token = admin(client)
    bad = PLAN.replace("  - title: Closing", "  - title: Closing\n    minutes: ten")
    r = upload(client, token, "/organise/import", bad)
    assert (
        r.status_code == 422 and "line 10: sessions[2].minutes: expected a whole number" in r.text
    )
    assert [e.slug for e in rows(client, Event)] == ["demo"]
    r = upload(client, token, "/organise/import", PLAN)
    assert r.status_code == 303 and r.headers["location"] == "/organise/spring?said=imported"
    assert _event(client, "spring").status == "draft"
    r = upload(client, token, "/organise/import", PLAN.replace("Spring", "Other"))
    assert r.status_code == 422
    assert "line 2: event.slug: there is already an event called spring" in r.text
    assert "by uploading this file on that event&#39;s setup page" in r.text


def test_an_event_edited_in_the_browser_survives_export_import_export(
    client: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    token = admin(client)
    _draft(client, token)
    send(client, token, "/organise/spring/settings", **{**SETTINGS, "title": "Spring: yes"})
    send(client, token, "/organise/spring/sessions", title="One", prompt="Why?\nSay.", minutes="15")
    send(client, token, "/organise/spring/sessions", title="Two", private="on")
    one = next(s for s in rows(client, Session) if s.title == "One")
    send(
        client,
        token,
        f"/organise/spring/sessions/{one.id}/polls",
        question="No?",
        options="Yes\nNo\non",
    )
    send(client, token, f"/organise/spring/sessions/{one.id}/polls", question="2?", options="a\nb")
    first = _plan(client, "spring")
    assert "- 'on'" in first and "title: 'Spring: yes'" in first
    out = tmp_path / "spring.yaml"
    out.write_text(first, encoding="utf-8")
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path}/empty.db")
    assert cli.main(["event", "import", str(out)]) == 0
    capsys.readouterr()
    assert cli.main(["event", "export", "spring"]) == 0
    assert capsys.readouterr().out == first
