"""What the ballot writer (``assembly.writer``) sends to the database for a group: the rows of
its ballots, and its two inserts (request keys, ballots), built once per dialect."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from assembly.kinds import KINDS, Answer
from assembly.models import Ballot, Participant, RequestKey

# The group's two inserts are built once per dialect and run with a list of rows
# (executemany): the same statement each time, so SQLAlchemy compiles it once. Built with the
# rows in it, each group compiled a statement as long as the group (about a tenth of a ballot's
# server time in the profile) and went through the ORM's bulk insert on top.
_STATEMENTS: dict[tuple[Any, str], Any] = {}


def claim_keys(insert: Any) -> Any:
    """INSERT the request keys, returning those that were not there before."""
    stmt = _STATEMENTS.get((insert, "keys"))
    if stmt is None:
        table = RequestKey.__table__
        stmt = insert(table).on_conflict_do_nothing().returning(table.c.actor, table.c.key)
        _STATEMENTS[(insert, "keys")] = stmt
    return stmt


def upsert_ballots(insert: Any) -> Any:
    """INSERT ballots; a participant's ballot in the poll already is replaced."""
    stmt = _STATEMENTS.get((insert, "ballots"))
    if stmt is None:
        table = Ballot.__table__
        stmt = insert(table)
        stmt = stmt.on_conflict_do_update(
            index_elements=[table.c.poll_id, table.c.participant_id],
            set_={
                "option_id": stmt.excluded.option_id,
                "marks": stmt.excluded.marks,
                "group_name": stmt.excluded.group_name,
                "role": stmt.excluded.role,
                "cast_at": stmt.excluded.cast_at,
            },
        )
        _STATEMENTS[(insert, "ballots")] = stmt
    return stmt


def ballot_row(poll_id: int, who: Participant, answer: Answer, now: datetime) -> dict[str, Any]:
    """The ballot row of one request: what it stores is its kind's business, not the writer's."""
    option_id, marks = KINDS[answer.kind].store(answer)
    return {
        "poll_id": poll_id,
        "participant_id": who.id,
        "option_id": option_id,
        "marks": marks,
        "channel": who.channel,
        # The group they had when they voted (loaded with them: no extra query).
        "group_name": who.group_name,
        "role": who.role,
        "cast_at": now,
    }
