"""A plan file checked against the database too: what `assembly event import` and the
organiser page's upload both run, so a file is accepted or refused the same way by both."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from assembly import domain
from assembly.plan import Plan, PlanError, Problem
from assembly.plan.read import read_plan


async def checked_plan(
    db: AsyncSession,
    text: str,
    replace: bool,
    only_slug: str | None = None,
    how: str = "with --replace",
) -> tuple[Plan | None, list[Problem]]:
    """The plan in ``text`` and every problem with it, in file order: the file's own, and a
    slug already in use (with ``replace``, by an event that is not a draft). ``only_slug``:
    the plan must be that event's (an upload on that event's page). ``how``: how a draft's
    plan is replaced, in the sentence for a slug in use."""
    plan: Plan | None = None
    slug: str | None
    try:
        plan = read_plan(text)
        problems, slug, slug_line = [], plan.event.slug, plan.slug_line
    except PlanError as exc:
        problems, slug, slug_line = list(exc.problems), exc.slug, exc.slug_line
    if only_slug is not None and slug is not None and slug != only_slug:
        problems.append(
            Problem(
                slug_line,
                "event.slug",
                f"this file is the plan of {slug}, not of this event; change its slug to "
                f"{only_slug}, or import it as a new event from the list of your events",
            )
        )
    elif slug:
        # The slug is checked even when the file has other problems: one run lists them all.
        conflict = await domain.plan_conflict(db, slug, replace, how)
        if conflict:
            problems.append(Problem(slug_line, "event.slug", conflict))
    return plan, sorted(problems, key=lambda p: p.line)
