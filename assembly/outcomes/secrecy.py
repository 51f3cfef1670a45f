"""When a secret poll's tally may change on screens, and how its ballot rows are written.

Issue 10, point 3: nothing may let anyone join a person to a choice, not row order, ids,
timestamps, nor the moment a tally changes. Each helper closes one of those doors:

* ``should_publish``: if the tally moved each time one ballot arrived, someone watching the
  screen while one person taps "Vote" would see that person's choice. Published only after at
  least ``k`` new ballots, the change mixes at least ``k`` choices; at close it is published
  whatever the count, since closing is the facilitator's act, not a voter's.
* ``shuffled``: rows of one group commit are stored (and read back by id-less scans) in the
  order written; written in arrival order they would line up with the receipts' order. The
  shuffle uses the operating system's randomness, which cannot be replayed from a seed.
* ``secret_rows``: a ballot's time is set to the poll's opening time, so the stored time says
  nothing that the poll does not.
* ``secret_ids``: a ballot's id is drawn at random, so ids say nothing of who came first. They
  are negative: PostgreSQL's sequence only counts up from 1 and never meets them, and SQLite's
  next rowid (the largest plus one) is not moved by them once the table holds any positive id.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import TypeVar

K = 5
T = TypeVar("T")
# Ballot ids are 32-bit integers on PostgreSQL: secret ids come from [-2**31, -1].
LOWEST_ID = -(2**31)

_random = random.SystemRandom()


def should_publish(
    ballots_now: int, ballots_at_last_publish: int, closed: bool, k: int = K
) -> bool:
    """Whether a secret poll's tally may be published now: at close, or ``k`` new ballots on."""
    if k < 1:
        raise ValueError("k must be at least 1")
    if closed:
        return True
    return ballots_now - ballots_at_last_publish >= k


def shuffled(rows: Iterable[T]) -> list[T]:
    """``rows`` in a random order that does not follow the order they arrived in."""
    out = list(rows)
    _random.shuffle(out)
    return out


def secret_rows(
    rows: Iterable[Mapping[str, object]], opened_at: datetime, time_key: str = "cast_at"
) -> list[dict[str, object]]:
    """Ballot rows ready to insert: shuffled, each time set to ``opened_at``, no participant.

    A row carrying ``participant_id`` is refused (ValueError): a secret ballot names no one,
    and failing loudly beats writing it.
    """
    out = []
    for row in rows:
        if row.get("participant_id") is not None:
            raise ValueError("a secret ballot row must not carry a participant_id")
        out.append({**row, time_key: opened_at})
    return shuffled(out)


def secret_ids(n: int) -> list[int]:
    """``n`` distinct random negative ids for secret ballot rows (a caller still handles the
    rare clash with an id already stored, by drawing again)."""
    ids: set[int] = set()
    while len(ids) < n:
        ids.add(_random.randint(LOWEST_ID, -1))
    return shuffled(ids)
