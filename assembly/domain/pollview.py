"""A poll as pages show it: its options, its ballots grouped (by answer, and by channel, role
and group), and what its kind's tally, its result sentences and its percentages make of them.
``polls.poll_view`` reads one."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import assembly.kinds as kinds  # a module reference: kinds import this package's Refused
from assembly.domain import results
from assembly.models import Poll, PollOption
from assembly.outcomes.shares import percentages


@dataclass
class PollView:
    poll: Poll
    options: list[PollOption]
    counts: dict[int, int]  # ballots per option_id (single: the choice; others: the first)
    # The poll's revision these counts were read at (`Poll.revision`): with several workers two
    # recounts can be published out of order, and pages keep the one with the higher revision.
    revision: int = 0
    # Ballots by what they say, (option_id, marks) -> n: what the kind's tally counts.
    groups: dict[tuple[int | None, str], int] = field(default_factory=dict)
    # The same ballots also by channel, role and group (``results.Cell``): splits, sides.
    cells: dict[results.Cell, int] = field(default_factory=dict)
    checked_in: int | None = None  # members checked in, read only for a poll with a quorum
    # open_text: the latest answers (ballot id, text, hidden), for the console's moderation only.
    answers: list[tuple[int, str, bool]] = field(default_factory=list)

    @property
    def voters(self) -> dict[results.Cell, int]:
        """What ``kinds.ByVoter`` kinds count: the ballots by what they say and who said it."""
        return self.cells

    @property
    def shown(self) -> bool:
        """Whether phones and the screen see the tally yet (else only the ballots' number)."""
        return results.shown_to_room(self)

    @cached_property
    def summary(self) -> str:
        return results.summary(self)

    @cached_property
    def outcome(self) -> str:
        return results.outcome(self)

    @cached_property
    def sides(self) -> results.Table | None:
        return results.side_by_side(self)

    @cached_property
    def splits(self) -> list[results.Table]:
        return results.splits(self)

    @property
    def kind(self) -> kinds.PollKind:
        return kinds.KINDS[self.poll.kind]

    @property
    def visible_options(self) -> list[PollOption]:
        """The options phones offer and tallies count (not statements pending or hidden)."""
        return [o for o in self.options if o.status == "visible"]

    @cached_property
    def result(self) -> Any:
        """The kind's tally of these ballots (what its result template draws)."""
        kind, offered = self.kind, [o.id for o in self.visible_options]
        if isinstance(kind, kinds.ByVoter):
            return kind.tally_voters(self.poll, offered, self.voters)
        return kind.tally(self.poll, offered, self.groups)

    @property
    def ballots(self) -> int:
        return sum(self.groups.values())

    @property
    def scale_labels(self) -> tuple[str, str]:
        return kinds.scale_labels(self.poll)

    @property
    def places(self) -> list[tuple[int, str]]:
        """A ranking's places: (1, "1st"), (2, "2nd") …"""
        n = kinds.places(self.poll, len(self.options))
        return [(i, kinds.ordinal(i)) for i in range(1, n + 1)]

    def label(self, option_id: int) -> str:
        return next((o.label for o in self.options if o.id == option_id), "")

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @cached_property
    def _percents(self) -> dict[int, int]:
        """Each option's whole percentage, summing to 100 (largest remainders, ``outcomes``)."""
        ids = [o.id for o in self.options]
        return dict(zip(ids, percentages([self.counts.get(i, 0) for i in ids]), strict=True))

    def percent(self, option_id: int) -> int:
        return self._percents.get(option_id, 0)
