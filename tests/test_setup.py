"""Migrations, the demo event, settings and the CLI."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from assembly import banner, cli
from assembly.config import SETTINGS, Settings
from assembly.db import migrate
from tests.conftest import make_settings

ROOT = Path(__file__).resolve().parent.parent


def _tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as conn:
        return {r[0] for r in conn.execute("select name from sqlite_master where type='table'")}


def test_migrations_run_from_empty_and_again(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    migrate(settings.database_url)
    migrate(settings.database_url)  # idempotent
    tables = _tables(tmp_path / "assembly.db")
    assert {
        "event",
        "session",
        "participant",
        "contribution",
        "upvote",
        "poll",
        "poll_option",
        "ballot",
        "facilitator_account",
        "audit_entry",
        "alembic_version",
    } <= tables
    with sqlite3.connect(tmp_path / "assembly.db") as conn:
        assert conn.execute("pragma journal_mode").fetchone()[0] == "wal"


def test_demo_event_is_created_once(tmp_path: Path, capsys: object) -> None:
    settings = make_settings(tmp_path)
    migrate(settings.database_url)
    asyncio.run(cli._demo(settings, reset=False))
    asyncio.run(cli._demo(settings, reset=False))
    with sqlite3.connect(tmp_path / "assembly.db") as conn:
        assert conn.execute("select slug from event").fetchall() == [("demo",)]
        assert conn.execute("select count(*) from session").fetchone()[0] == 3
        assert conn.execute("select count(*) from facilitator_account").fetchone()[0] == 1
    out = capsys.readouterr().out  # type: ignore[attr-defined]
    assert out.count("Organiser login: organiser / ") == 1  # the password is shown once
    with sqlite3.connect(tmp_path / "assembly.db") as conn:
        # The account `make run` prints is one of the installation's organisers.
        assert conn.execute("select username, role from facilitator_account").fetchall() == [
            ("organiser", "organiser")
        ]


def test_cli_user_add_and_help(tmp_path: Path, monkeypatch: object, capsys: object) -> None:
    monkeypatch.setenv("DATABASE_URL", make_settings(tmp_path).database_url)  # type: ignore[attr-defined]
    assert cli.main(["user", "add", "alex", "--organiser"]) == 0
    assert "Password (shown once):" in capsys.readouterr().out  # type: ignore[attr-defined]
    with sqlite3.connect(tmp_path / "assembly.db") as conn:
        assert conn.execute("select role from facilitator_account").fetchall() == [("organiser",)]


def test_startup_banner_has_urls_a_one_time_login_and_the_qr(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    migrate(settings.database_url)
    asyncio.run(cli._demo(settings, reset=False, quiet=True))
    lines = "\n".join(asyncio.run(banner.startup_facts(settings, "http://h:1")))
    for expected in (
        "http://h:1/e/demo",
        "http://h:1/screen/demo/open/",  # the secret screen address, for the projector
        "http://h:1/console/demo",
        "http://h:1/login/once/",
        "http://h:1/j/",
        "█",
    ):
        assert expected in lines


def test_every_setting_is_documented_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text()
    for s in SETTINGS:
        assert f"`{s.env}`" in readme, f"{s.env} is missing from the README's settings table"


def test_settings_from_env_and_bad_values() -> None:
    s = Settings.from_env({"PORT": "9000", "COOKIE_SECURE": "yes"})
    assert s.port == 9000 and s.cookie_secure is True
    import pytest

    with pytest.raises(SystemExit, match="PORT='eighty' is not a valid int"):
        Settings.from_env({"PORT": "eighty"})


def test_an_unusable_database_gets_a_sentence_not_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "no such folder" / "assembly.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{missing}")
    with pytest.raises(SystemExit) as exc:
        cli.main(["migrate"])
    message = str(exc.value.code)
    assert message.startswith(f"Could not use the database sqlite+aiosqlite:///{missing}: ")
    assert "the database exists" in message
    assert not missing.parent.exists()


@pytest.mark.parametrize("database", ["sqlite", "postgres"])
def test_the_models_and_the_migrations_agree(
    database: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """What `assembly migrate` builds is what the models describe (autogenerate finds nothing)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlalchemy.ext.asyncio import create_async_engine

    from assembly.models import Base

    if database == "postgres":
        url = request.getfixturevalue("empty_postgres_url")
    else:
        url = make_settings(tmp_path).database_url
    migrate(url)

    async def differences() -> list[object]:
        engine = create_async_engine(url)
        try:
            async with engine.connect() as conn:
                return list(
                    await conn.run_sync(
                        lambda c: compare_metadata(MigrationContext.configure(c), Base.metadata)
                    )
                )
        finally:
            await engine.dispose()

    assert asyncio.run(differences()) == []


def test_accounts_with_a_console_wide_role_keep_it_on_every_event_after_0007(
    tmp_path: Path,
) -> None:
    """Before teams, a facilitator or moderator account ran every event's console: migration
    0007 puts it on every existing event's team in that role, and keeps organisers organisers."""
    from alembic import command

    from assembly.db import alembic_config

    url = make_settings(tmp_path).database_url
    command.upgrade(alembic_config(url), "0006")
    with sqlite3.connect(tmp_path / "assembly.db") as conn:
        for slug in ("a", "b"):
            conn.execute(
                "insert into event (slug, title, stream_url, moderation, room_secret, "
                "screen_key, status, created_at) values (?, ?, '', 'post', 's', 'k', 'open', "
                "'2026-12-01')",
                (slug, slug.upper()),
            )
        for name, role in (("fran", "facilitator"), ("mo", "moderator"), ("olu", "organiser")):
            conn.execute(
                "insert into facilitator_account (username, password_hash, role, login_nonce, "
                "link_nonce, created_at) values (?, 'x', ?, '', '', '2026-12-01')",
                (name, role),
            )
    command.upgrade(alembic_config(url), "head")
    with sqlite3.connect(tmp_path / "assembly.db") as conn:
        team = conn.execute(
            "select e.slug, a.username, t.role from team_member t join event e on e.id = "
            "t.event_id join facilitator_account a on a.id = t.account_id order by 1, 2"
        ).fetchall()
        roles = conn.execute(
            "select username, role from facilitator_account order by username"
        ).fetchall()
    assert team == [
        ("a", "fran", "facilitator"),
        ("a", "mo", "moderator"),
        ("b", "fran", "facilitator"),
        ("b", "mo", "moderator"),
    ]
    assert roles == [("fran", "staff"), ("mo", "staff"), ("olu", "organiser")]


def test_every_package_is_in_the_wheel() -> None:
    """pyproject lists packages by name: a new one left out works in a checkout and is missing
    from an installed Assembly."""
    import tomllib

    root = Path(__file__).resolve().parents[1]
    listed = set(
        tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    )
    found = {
        ".".join(init.parent.relative_to(root).parts)
        for top in ("assembly", "live")
        for init in (root / top).rglob("__init__.py")
    }
    assert found - listed == set()
