"""`assembly event export` and `assembly event import`: an event's plan file (docs/plan.md)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

from assembly import domain
from assembly.config import Settings
from assembly.db import migrate, opened
from assembly.plan.checked import checked_plan
from assembly.plan.write import write_plan


def add_parser(sub: Any) -> None:
    """The `event` command and its two subcommands, on the CLI's subparsers ``sub``."""
    event = sub.add_parser("event", help="an event's plan file (YAML; see docs/plan.md)")
    event_sub = event.add_subparsers(dest="event_command", required=True)
    export = event_sub.add_parser(
        "export",
        help="write an event's plan (settings, sessions, polls; no participants or secrets)",
    )
    export.add_argument("event", help="the event's slug, e.g. demo")
    export.add_argument("--out", metavar="FILE", help="write it to FILE (default: print it)")
    load = event_sub.add_parser(
        "import", help="create an event from a plan file; nothing is imported if it has a problem"
    )
    load.add_argument("file", metavar="FILE", help="the plan file (YAML)")
    load.add_argument(
        "--replace", action="store_true", help="replace the plan of the draft event with its slug"
    )


def run(settings: Settings, args: argparse.Namespace) -> int:
    migrate(settings.database_url)
    if args.event_command == "export":
        return asyncio.run(_export(settings, args.event, args.out))
    return asyncio.run(_import(settings, args.file, args.replace))


async def _export(settings: Settings, slug: str, out: str | None) -> int:
    async with opened(settings.database_url) as db:
        async with db.read() as s:
            try:
                plan = await domain.export_plan(s, slug)
            except domain.Refused as exc:
                print(exc.message, file=sys.stderr)
                return 1
    text = write_plan(plan)
    if out is None:
        sys.stdout.write(text)
        return 0
    try:
        Path(out).write_text(text, encoding="utf-8")
    except OSError as exc:
        print(f"Could not write {out}: {exc.strerror}. Check the folder exists.", file=sys.stderr)
        return 2
    print(f"Wrote the plan of {slug} to {out}.")
    return 0


async def _import(settings: Settings, path: str, replace: bool) -> int:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "it is not UTF-8 text"
        print(f"Could not read {path}: {reason}. Nothing was imported.", file=sys.stderr)
        return 2
    async with opened(settings.database_url) as db:
        async with db.write() as s:
            plan, problems = await checked_plan(s, text, replace)
            if problems or plan is None:
                for problem in problems:
                    print(problem, file=sys.stderr)
                print(f"Nothing was imported from {path}.", file=sys.stderr)
                return 2
            _, replaced = await domain.import_plan(s, plan, replace)
    polls = sum(len(session.polls) for session in plan.sessions)
    print(
        f"{'Replaced the plan of' if replaced else 'Created'} the event {plan.event.slug} "
        f"({plan.event.status}): {len(plan.sessions)} session(s), {polls} poll(s)."
    )
    return 0
