"""You said, we did: a contribution's outcome, its themes, and the counts share of voice reads."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import ColumnElement, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.domain.contributions import contribution
from assembly.domain.records import audit
from assembly.domain.refusal import Refused, _body, _text
from assembly.models import (
    OUTCOMES,
    Contribution,
    ContributionTheme,
    Event,
    FacilitatorAccount,
)
from assembly.outcomes.voice import Counts


async def set_outcome(
    db: AsyncSession,
    event: Event,
    account: FacilitatorAccount,
    contribution_id: int,
    outcome: object,
    reason: object,
) -> Contribution:
    """Set what became of a contribution; "not_taken_forward" needs a reason, the others may
    carry one (open clears it). ``answered`` follows: true exactly when the outcome is answered."""
    chosen = _text(outcome)
    if chosen not in OUTCOMES:
        raise Refused("Choose an outcome: open, answered, taken forward or not taken forward.", 422)
    said = _text(reason).strip()
    if chosen == "not_taken_forward" and not said:
        raise Refused(
            "Say why it is not taken forward: the person who said it will read the reason.", 422
        )
    c = await contribution(db, event, contribution_id)
    c.outcome = chosen
    c.outcome_reason = _body(said, "The reason") if said and chosen != "open" else ""
    c.answered = chosen == "answered"
    audit(db, event, account, f"contribution.outcome.{chosen}", f"contribution:{c.id}")
    return c


async def set_themes(
    db: AsyncSession,
    event: Event,
    account: FacilitatorAccount,
    contribution_id: int,
    themes: list[str],
) -> Contribution:
    """Tag a contribution with exactly ``themes`` (none: untag it); each must be the event's."""
    wanted = {t.strip() for t in themes if t.strip()}
    unknown = sorted(wanted - set(event.themes))
    if unknown:
        if not event.themes:
            raise Refused(
                "This event has no themes yet: an organiser adds them on its settings page.", 422
            )
        raise Refused(
            f"There is no theme “{unknown[0]}” on this event. Choose from: "
            + ", ".join(event.themes)
            + ".",
            422,
        )
    c = await contribution(db, event, contribution_id)
    have = {t.theme for t in c.theme_tags}
    for tag in [t for t in c.theme_tags if t.theme not in wanted]:
        c.theme_tags.remove(tag)
    for theme in sorted(wanted - have):
        c.theme_tags.append(ContributionTheme(contribution_id=c.id, theme=theme))
    c.theme_tags.sort(key=lambda t: t.theme)
    audit(db, event, account, "contribution.themes", f"contribution:{c.id}")
    return c


def _one(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.sum(case((condition, 1), else_=0))


async def voice_counts(
    db: AsyncSession,
    event: Event,
    session_id: int | None = None,
    excluded: Collection[int] = (),
) -> dict[str, Counts]:
    """Each channel's contributions (all but hidden ones), their upvotes, and the items
    featured, answered and either; of one session when ``session_id`` is given; leaving out
    the ``excluded`` sessions' (the public story leaves out private sessions)."""
    q = (
        select(
            Contribution.channel,
            func.count(),
            func.coalesce(func.sum(Contribution.upvotes), 0),
            _one(Contribution.featured.is_(True)),
            _one(Contribution.answered.is_(True)),
            _one(or_(Contribution.featured.is_(True), Contribution.answered.is_(True))),
        )
        .where(Contribution.event_id == event.id, Contribution.status != "hidden")
        .group_by(Contribution.channel)
    )
    if session_id is not None:
        q = q.where(Contribution.session_id == session_id)
    if excluded:
        q = q.where(
            Contribution.session_id.is_(None) | Contribution.session_id.not_in(list(excluded))
        )
    found: dict[str, Counts] = {}
    for channel, n, upvotes, featured, answered, surfaced in await db.execute(q):
        found[channel] = Counts(n, int(upvotes), int(featured), int(answered), int(surfaced))
    return found
