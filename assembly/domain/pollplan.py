"""A poll's settings as columns and as a plan: the one mapping between ``PollPlan`` (the plan
file, the organiser's and the console's forms) and ``Poll``, both ways."""

from __future__ import annotations

from typing import Any

from assembly.models import Poll
from assembly.plan import PollPlan, rules


def poll_settings(plan: PollPlan) -> dict[str, Any]:
    """The poll's columns for its kind's settings in ``plan``."""
    return {
        "max_choices": plan.max_choices if plan.kind == "multiple" else None,
        "points": plan.points or rules.DEFAULT_POINTS,
        "labels": list(plan.labels) if plan.kind == "scale" and plan.labels else None,
        "rank_top": plan.rank_top if plan.kind == "ranking" else None,
        "audience": plan.audience,
        "results": plan.results,
        "majority": plan.majority,
        "quorum": plan.quorum,
        "secret": plan.secret,
        "allow_statements": plan.kind == "statements" and plan.allow_new_statements,
    }


def plan_of_poll(poll: Poll, options: tuple[str, ...]) -> PollPlan:
    """The plan of a poll with these options: only its own kind's settings, a scale's always."""
    scale = poll.kind == "scale"
    return PollPlan(
        question=poll.question,
        options=options,
        kind=poll.kind,
        max_choices=poll.max_choices if poll.kind == "multiple" else None,
        points=poll.points if scale else None,
        labels=tuple(poll.labels or rules.DEFAULT_LABELS) if scale else (),
        rank_top=poll.rank_top if poll.kind == "ranking" else None,
        audience=poll.audience,
        results=poll.results,
        majority=poll.majority,
        quorum=poll.quorum,
        secret=poll.secret,
        allow_new_statements=poll.kind == "statements" and poll.allow_statements,
    )
