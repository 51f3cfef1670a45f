"""The `assembly` command: serve, migrate, demo, purge, retention, user, event."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from typing import Any

from sqlalchemy import make_url, select
from sqlalchemy.exc import DBAPIError

from assembly import accounts, cli_event, cli_export, domain
from assembly.banner import startup_facts
from assembly.config import SETTINGS, Settings
from assembly.db import migrate, opened
from assembly.demo import DEMO_SLUG, DEMO_USER, add_account, create_demo, event_count
from assembly.models import TEAM_ROLES, FacilitatorAccount
from live.broker import is_redis


def _parser() -> argparse.ArgumentParser:
    settings_help = "\n".join(
        f"  {s.env:<18} {s.help} (default: {s.default or 'empty'})" for s in SETTINGS
    )
    parser = argparse.ArgumentParser(
        prog="assembly",
        description="Assembly: one live feed for a citizens' assembly in the room and online.",
        epilog="Environment variables:\n" + settings_help,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser(
        "serve",
        help="migrate, create the demo event if there are no events, "
        "print the URLs and a facilitator login, and serve",
    )
    serve.add_argument("--host", help="address to listen on (HOST)")
    serve.add_argument("--port", type=int, help="port to listen on (PORT)")
    serve.add_argument("--no-demo", action="store_true", help="never create the demo event")
    serve.add_argument(
        "--workers",
        type=int,
        default=1,
        help="worker processes (more than 1 needs PostgreSQL and BROKER_URL=redis://...)",
    )

    sub.add_parser("migrate", help="bring the database up to date (creates it when empty)")

    demo = sub.add_parser("demo", help="create the demo event, or reset it to its first state")
    demo.add_argument("--quiet", action="store_true", help="print nothing")

    purge = sub.add_parser(
        "purge", help="anonymise participants older than their event's retention period"
    )
    purge.add_argument("--quiet", action="store_true", help="print nothing")

    retention = sub.add_parser("retention", help="set how long an event keeps participant data")
    retention.add_argument("event", help="the event's slug, e.g. demo")
    retention.add_argument("days", help="days after joining, or 'keep' to keep data until deleted")

    user = sub.add_parser("user", help="facilitator accounts")
    user_sub = user.add_subparsers(dest="user_command", required=True)
    add = user_sub.add_parser("add", help="create an account, or set a new password for one")
    add.add_argument("username")
    add.add_argument("--password", help="the password (default: generate one and print it)")
    add.add_argument(
        "--organiser",
        action="store_true",
        help="make it one of the installation's organisers: they create events and see every event",
    )
    add.add_argument("--event", help="also put it on this event's team (its slug, e.g. demo)")
    add.add_argument(
        "--role", choices=TEAM_ROLES, default="facilitator", help="its role on --event's team"
    )
    user_sub.add_parser("list", help="list the accounts and their roles on each event")
    remove = user_sub.add_parser(
        "remove", help="delete an account: its logins and open consoles end within a second"
    )
    remove.add_argument("username")
    cli_event.add_parser(sub)
    cli_export.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        _check_sqlite_folder(Settings.from_env().database_url)
        return _run(args)
    except (DBAPIError, ConnectionError) as exc:
        # No server, no such database, a wrong password: a sentence, not a traceback.
        _unusable(str(getattr(exc, "orig", None) or exc).splitlines()[0])
        return 2


def _unusable(reason: str) -> None:
    where = make_url(Settings.from_env().database_url).render_as_string(hide_password=True)
    raise SystemExit(
        f"Could not use the database {where}: {reason}. Check DATABASE_URL, that the "
        "database server is running and that the database exists (e.g. createdb NAME)."
    )


def _check_sqlite_folder(url: str) -> None:
    """Refuse a SQLite file in a folder that does not exist before the driver tries: its
    failed connection leaves a thread that later answers an event loop already closed."""
    u = make_url(url)
    if u.get_backend_name() == "sqlite" and u.database not in (None, "", ":memory:"):
        folder = os.path.dirname(os.path.abspath(u.database or ""))
        if not os.path.isdir(folder):
            _unusable(f"the folder {folder} does not exist")


def _run(args: argparse.Namespace) -> int:
    settings = Settings.from_env(host=getattr(args, "host", None), port=getattr(args, "port", None))
    if args.command == "migrate":
        migrate(settings.database_url)
        print("The database is up to date.")
        return 0
    if args.command == "demo":
        migrate(settings.database_url)
        asyncio.run(_demo(settings, reset=True, quiet=args.quiet))
        return 0
    if args.command == "user":
        migrate(settings.database_url)
        return asyncio.run(_user(settings, args))
    if args.command == "purge":
        migrate(settings.database_url)
        counts = asyncio.run(_purge(settings))
        if not args.quiet:
            for slug, n in counts.items():
                print(f"{slug}: {n} participant(s) anonymised.")
            if not counts:
                print("No event has a retention period; nothing to do.")
        return 0
    if args.command == "retention":
        migrate(settings.database_url)
        days = None if args.days == "keep" else _days(args.days)
        asyncio.run(_retention(settings, args.event, days))
        kept = "until deleted" if days is None else f"for {days} day(s) after joining"
        print(f"Participant data of {args.event!r} is kept {kept}; `assembly purge` applies it.")
        return 0
    if args.command == "event":
        return cli_event.run(settings, args)
    if args.command == "export":
        return cli_export.run(settings, args)
    if args.command == "serve":
        return _serve(settings, demo=not args.no_demo, workers=args.workers)
    return 2


def _days(raw: str) -> int:
    if not raw.isdigit():
        raise SystemExit(f"{raw!r} is not a number of days; give e.g. 90, or 'keep'.")
    return int(raw)


async def _purge(settings: Settings) -> dict[str, int]:
    async with opened(settings.database_url) as db:
        async with db.write() as s:
            return await domain.purge(s)


async def _retention(settings: Settings, slug: str, days: int | None) -> None:
    async with opened(settings.database_url) as db:
        async with db.write() as s:
            try:
                event = await domain.event_by_slug(s, slug)
            except domain.Refused as exc:
                raise SystemExit(exc.message) from None
            event.retention_days = days


async def _user(settings: Settings, args: argparse.Namespace) -> int:
    lines: list[str] = []
    async with opened(settings.database_url) as db:
        async with db.write() as s:  # said only once committed
            if args.user_command == "add":
                event = None
                if args.event:
                    try:
                        event = await domain.event_by_slug(s, args.event)
                    except domain.Refused:
                        print(f"There is no event {args.event!r}.", file=sys.stderr)
                        return 2
                account, password = await add_account(
                    s, args.username, args.password, True if args.organiser else None
                )
                what = "an installation organiser" if account.role == "organiser" else "an account"
                lines.append(f"Account {args.username!r} is ready ({what}).")
                if event is not None:
                    await domain.set_team_role(s, event, account, args.role)
                    lines.append(f"It is {args.role} on the team of {event.slug!r}.")
                if not args.password:
                    lines.append(f"Password (shown once): {password}")
                lines.append("Any login or one-time link it had before has ended.")
            elif args.user_command == "list":
                lines += await accounts.listing(s) or [
                    "No accounts yet: `assembly user add NAME` creates one."
                ]
            elif await accounts.remove_account(s, args.username):
                lines.append(f"Account {args.username!r} is removed; its logins have ended.")
            else:
                print(f"There is no account called {args.username!r}.", file=sys.stderr)
                return 1
        print("\n".join(lines))
        return 0


async def _demo(settings: Settings, reset: bool, quiet: bool = False) -> None:
    """Create the demo event (always when ``reset``, else only in an empty database)."""
    async with opened(settings.database_url) as db:
        async with db.write() as s:
            if not reset and await event_count(s) > 0:
                return
            await create_demo(s)
            has_user = await s.scalar(
                select(FacilitatorAccount).where(FacilitatorAccount.username == DEMO_USER)
            )
            password = None
            if has_user is None:
                _, password = await add_account(s, DEMO_USER, organiser=True)
        if not quiet:
            print(f"Created the demo event “{DEMO_SLUG}”.")
            if password:
                print(
                    f"Organiser login: {DEMO_USER} / {password}   (shown once; "
                    f"`assembly user add {DEMO_USER}` sets a new one)"
                )


def _workers_problem(settings: Settings) -> str:
    """Why several workers would not work with these settings, or "" when they would."""
    if not is_redis(settings.broker_url):
        return (
            "--workers needs BROKER_URL=redis://host:6379: with memory:// each worker "
            "would only tell its own sockets."
        )
    if settings.database_url.startswith("sqlite"):
        return (
            "--workers needs PostgreSQL (DATABASE_URL=postgresql+asyncpg://...): SQLite "
            "takes one writer at a time, and one process is already its best use."
        )
    # A generated SECRET_KEY is fine: the banner creates it before the workers start, and
    # every worker reads the same one from the database.
    return ""


def _serve(settings: Settings, demo: bool, workers: int = 1) -> int:
    import uvicorn

    from assembly.app import create_app

    if workers > 1:
        problem = _workers_problem(settings)
        if problem:
            print(problem, file=sys.stderr)
            return 2
    migrate(settings.database_url)
    if demo:
        asyncio.run(_demo(settings, reset=False))
    shown_host = "127.0.0.1" if settings.host in ("0.0.0.0", "::") else settings.host
    base = (settings.public_url or f"http://{shown_host}:{settings.port}").rstrip("/")
    lines = asyncio.run(startup_facts(settings, base))
    print("\nAssembly is starting.\n" + "\n".join(lines))
    if settings.host in ("127.0.0.1", "localhost") and not settings.public_url:
        print(
            "  Phones cannot reach 127.0.0.1: for a real room run with HOST=0.0.0.0 "
            "PUBLIC_URL=http://<this machine's address>:PORT\n"
        )
    sys.stdout.flush()
    if workers > 1:
        # Each worker builds its own app from the same environment (with the overrides).
        os.environ.update(HOST=settings.host, PORT=str(settings.port))
    app: Any = "assembly.app:from_env" if workers > 1 else create_app(settings)
    uvicorn.run(
        app,
        factory=workers > 1,
        workers=workers,
        host=settings.host,
        port=settings.port,
        proxy_headers=True,
        # Off by default: a deflate context per socket costs far more memory than it saves.
        ws_per_message_deflate=settings.ws_deflate,
        access_log=settings.access_log,
        log_level="info",
    )
    return 0
