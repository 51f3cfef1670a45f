"""The plan file: `assembly event export` and `import`, and the demo built from it."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from assembly import cli
from assembly.config import Settings
from assembly.db import Database
from assembly.demo import demo_plan_text
from assembly.models import Event, Participant, Poll, PollOption, Session
from assembly.plan import (
    POLL_KEYS_NOT_YET,
    EventPlan,
    Plan,
    PollPlan,
    SessionPlan,
)
from assembly.plan.write import write_plan

BOTH_DATABASES = True
ROOT = Path(__file__).resolve().parent.parent

# A small plan; the bad files below are this one with one thing wrong (line numbers as here).
GOOD = """\
event:
  slug: town-hall
  title: Town hall
sessions:
  - title: Opening
    minutes: 10
    polls:
      - question: Ready?
        options: [Yes please, Not yet]
"""


def _counts(url: str) -> dict[str, int]:
    async def count() -> dict[str, int]:
        db = Database(url)
        try:
            async with db.read() as s:
                return {
                    t.__tablename__: await s.scalar(select(func.count()).select_from(t)) or 0
                    for t in (Event, Session, Poll, PollOption)
                }
        finally:
            await db.dispose()

    return asyncio.run(count())


def _use(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("DATABASE_URL", url)


def _empty_url(database: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    if database == "postgres":
        return str(request.getfixturevalue("empty_postgres_url"))
    return f"sqlite+aiosqlite:///{tmp_path}/empty.db"


def _write(tmp_path: Path, text: str, name: str = "plan.yaml") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_export_import_export_gives_the_identical_file(
    database: str,
    settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    request: pytest.FixtureRequest,
) -> None:
    _use(monkeypatch, settings.database_url)
    out = tmp_path / "demo.yaml"
    assert cli.main(["event", "export", "demo", "--out", str(out)]) == 0
    first = out.read_text(encoding="utf-8")
    assert first == demo_plan_text()  # the demo is built from its plan file, and only from it

    _use(monkeypatch, _empty_url(database, tmp_path, request))
    assert cli.main(["event", "import", str(out)]) == 0
    assert "Created the event demo (open): 3 session(s), 10 poll(s)." in capsys.readouterr().out
    assert cli.main(["event", "export", "demo"]) == 0
    assert capsys.readouterr().out == first


def test_every_key_survives_the_round_trip(
    database: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    request: pytest.FixtureRequest,
) -> None:
    plan = Plan(
        EventPlan(
            slug="cardiff-2026",
            title="Cardiff: the city's budget",
            status="closed",
            description="Two days in City Hall.\nOnline for everyone else.",
            starts_on=date(2026, 3, 14),
            venue="City Hall, Cardiff",
            stream_url="https://youtu.be/abc123",
            stream_delay=45,
            call_url="https://meet.example.org/cardiff",
            moderation="pre",
            outcomes_public=True,
            retention_days=90,
            groups=("Residents", "Businesses"),
            themes=("Housing", "Transport"),
            word_list=("bloody", "Scheiße"),
        ),
        (
            SessionPlan("Private briefing", "", 15, True),
            SessionPlan(
                "Budget",
                "Where should the money go?\nSay why.",
                polls=(
                    PollPlan("Yes or no?", ("Yes", "No", "true", "2026")),
                    PollPlan("Members: agreed?", ("Agree", "Disagree"), audience="members"),
                    PollPlan("Room: agreed?", ("Agree", "Disagree"), audience="room"),
                    PollPlan(
                        "Do you agree?",
                        ("Fund buses", "Fix roads first"),
                        kind="statements",
                        allow_new_statements=True,
                    ),
                    PollPlan("What else?", (), kind="open_text"),
                    PollPlan(
                        "Carried?",
                        ("For", "Against", "Abstain"),
                        results="on_reveal",
                        majority="two_thirds",
                        quorum=0.5,
                    ),
                    PollPlan("Hidden?", ("A", "B"), results="never", majority="simple", quorum=1),
                ),
            ),
        ),
    )
    text = write_plan(plan)
    _use(monkeypatch, _empty_url(database, tmp_path, request))
    assert cli.main(["event", "import", _write(tmp_path, text)]) == 0
    capsys.readouterr()
    assert cli.main(["event", "export", "cardiff-2026"]) == 0
    assert capsys.readouterr().out == text


BAD_FILES = {
    "YAML syntax": (GOOD.replace("title: Town hall", "title: Town: hall"), 3, "YAML syntax"),
    "unknown key": (
        GOOD.replace("  title: Town", "  colour: red\n  title: Town"),
        3,
        "event.colour",
    ),
    "wrong type": (GOOD.replace("minutes: 10", "minutes: ten"), 6, "sessions[1].minutes"),
    "missing field": (
        GOOD.replace("- title: Opening", "- prompt: Opening"),
        5,
        "sessions[1].title",
    ),
    "duplicate slug": (GOOD.replace("town-hall", "demo"), 2, "event.slug"),
    "one option": (GOOD.replace(", Not yet", ""), 9, "sessions[1].polls[1].options"),
    "bad stream URL": (
        GOOD.replace("  title: Town", "  stream_url: http://stream.example\n  title: Town"),
        3,
        "event.stream_url",
    ),
    "poll setting not supported yet": (
        GOOD + "        allow_new_statements: true\n",
        10,
        "sessions[1].polls[1].allow_new_statements",
    ),
    "quorum out of range": (
        GOOD + "        quorum: 1.5\n",
        10,
        "sessions[1].polls[1].quorum",
    ),
    "quorum not a number": (
        GOOD + "        quorum: half\n",
        10,
        "sessions[1].polls[1].quorum",
    ),
    "majority unknown": (
        GOOD + "        majority: three_quarters\n",
        10,
        "sessions[1].polls[1].majority",
    ),
    "results unknown": (
        GOOD + "        results: later\n",
        10,
        "sessions[1].polls[1].results",
    ),
    "majority on a multiple poll": (
        GOOD + "        kind: multiple\n        majority: simple\n",
        11,
        "sessions[1].polls[1].majority",
    ),
    "an alias": (
        GOOD.replace("title: Town hall", "title: &t Town hall\n  venue: *t"),
        4,
        "YAML syntax",
    ),
    "options in an open text poll": (
        GOOD + "        kind: open_text\n",
        9,
        "sessions[1].polls[1].options",
    ),
    "a statement added where a poll takes none": (
        GOOD + "        allow_new_statements: true\n",
        10,
        "sessions[1].polls[1].allow_new_statements",
    ),
}


@pytest.mark.parametrize("case", BAD_FILES)
def test_a_bad_file_gets_one_line_per_problem_and_imports_nothing(
    case: str,
    settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    text, line, field = BAD_FILES[case]
    _use(monkeypatch, settings.database_url)
    before = _counts(settings.database_url)
    assert cli.main(["event", "import", _write(tmp_path, text)]) == 2
    err = capsys.readouterr().err.splitlines()
    problems = [e for e in err if e.startswith("line ")]
    assert len(problems) == 1, err
    assert problems[0].startswith(f"line {line}: {field}: "), err
    assert err[-1].startswith("Nothing was imported")
    assert _counts(settings.database_url) == before


def test_every_problem_in_a_file_is_listed_at_once(
    settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    text = (
        GOOD.replace("town-hall", "demo")
        .replace("minutes: 10", "minutes: ten")
        .replace("Yes please", "Not yet")
    )
    _use(monkeypatch, settings.database_url)
    assert cli.main(["event", "import", _write(tmp_path, text)]) == 2
    err = capsys.readouterr().err
    assert "line 2: event.slug: there is already an event called demo" in err
    assert "line 6: sessions[1].minutes: expected a whole number" in err
    assert "line 9: sessions[1].polls[1].options: 'Not yet' appears twice" in err
    # "Yes" alone would be read as true: the line says to quote it.
    bad = GOOD.replace("Yes please", "Yes")
    assert cli.main(["event", "import", _write(tmp_path, bad)]) == 2
    assert "got a yes/no Yes; put it in quotes: 'Yes'" in capsys.readouterr().err


def test_replace_changes_a_draft_and_refuses_an_open_event(
    settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _use(monkeypatch, settings.database_url)
    assert cli.main(["event", "import", _write(tmp_path, GOOD)]) == 0  # a draft by default
    assert "Created the event town-hall (draft)" in capsys.readouterr().out
    before = _counts(settings.database_url)
    changed = GOOD.replace("title: Town hall", "title: Town meeting").replace("Ready?", "Set?")
    assert cli.main(["event", "import", _write(tmp_path, changed)]) == 2
    assert "--replace" in capsys.readouterr().err
    assert cli.main(["event", "import", _write(tmp_path, changed), "--replace"]) == 0
    assert "Replaced the plan of the event town-hall" in capsys.readouterr().out
    assert _counts(settings.database_url) == before  # in place of the old plan, not beside it
    assert cli.main(["event", "export", "town-hall"]) == 0
    exported = capsys.readouterr().out
    assert "title: Town meeting" in exported and "question: Set?" in exported
    assert "Ready?" not in exported

    demo = demo_plan_text().replace("title: How should", "title: Why should")
    assert cli.main(["event", "import", _write(tmp_path, demo), "--replace"]) == 2
    err = capsys.readouterr().err
    assert "line 4: event.slug: the event demo is open, and only a draft's plan" in err
    assert _counts(settings.database_url) == before


def test_the_export_holds_no_secret_and_no_participant(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    async def add_participant() -> tuple[str, str]:
        db = Database(settings.database_url)
        try:
            async with db.write() as s:
                event = await s.scalar(select(Event).where(Event.slug == "demo"))
                assert event is not None
                s.add(
                    Participant(
                        id="p" * 32,
                        event_id=event.id,
                        channel="room",
                        display_name="Ada Quillfeather",
                    )
                )
                return event.room_secret, event.screen_key
        finally:
            await db.dispose()

    room_secret, screen_key = asyncio.run(add_participant())
    _use(monkeypatch, settings.database_url)
    assert cli.main(["event", "export", "demo"]) == 0
    text = capsys.readouterr().out
    for secret in (room_secret, screen_key, "Ada Quillfeather", "p" * 32):
        assert secret not in text
    # (A poll's `secret: true` is a setting, not a secret.)
    assert "room_secret" not in text and "screen" not in text and "participant" not in text


def test_the_entry_point_imports_and_refuses(tmp_path: Path) -> None:
    script = Path(sys.executable).parent / "assembly"
    command = [str(script)] if script.exists() else [sys.executable, "-m", "assembly"]
    env = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/assembly.db"}
    good = _write(tmp_path, GOOD)
    done = subprocess.run(
        [*command, "event", "import", good], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Created the event town-hall")
    again = subprocess.run(
        [*command, "event", "import", good], env=env, capture_output=True, text=True, timeout=60
    )
    assert again.returncode == 2
    assert again.stderr.startswith("line 2: event.slug: there is already an event called town-hall")


def test_every_key_is_documented() -> None:
    doc = (ROOT / "docs" / "plan.md").read_text(encoding="utf-8")
    for shape in (EventPlan, SessionPlan, PollPlan):
        for f in dataclasses.fields(shape):
            assert f"`{f.name}`" in doc, f"{shape.__name__}.{f.name} is missing from docs/plan.md"
    for key in POLL_KEYS_NOT_YET:
        assert f"`{key}`" in doc, f"{key} is missing from docs/plan.md"
    assert "assembly/demo_plan.yaml" in doc
