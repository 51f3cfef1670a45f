"""Counting ballots, as pure functions of what the ballots say (no database, no templates).

A tally takes ``ballots``: each distinct answer with how many ballots gave it (the database
groups them, so a recount reads one row per distinct answer, not one per ballot).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from assembly.outcomes.shares import percentages

Ballots = Mapping[tuple[int, ...], int]


def shares(counts: Mapping[int, int], keys: Sequence[int]) -> dict[int, int]:
    """Whole percentages of ``counts`` for ``keys`` that sum to exactly 100 (0 when nothing was
    counted): largest remainders round up, ties to the earlier key (``outcomes.shares``)."""
    return dict(zip(keys, percentages([counts.get(k, 0) for k in keys]), strict=True))


@dataclass(frozen=True)
class ChoiceCount:
    """Multiple choice: how many ballots chose each option, and each option's share of all
    the choices made (summing to 100)."""

    ballots: int
    counts: dict[int, int]
    shares: dict[int, int]


def count_choices(ballots: Ballots, options: Sequence[int]) -> ChoiceCount:
    counts = dict.fromkeys(options, 0)
    for chosen, n in ballots.items():
        for option in set(chosen):
            if option in counts:
                counts[option] += n
    return ChoiceCount(sum(ballots.values()), counts, shares(counts, list(options)))


@dataclass(frozen=True)
class ScaleSummary:
    """A support scale: ballots per point 1..N, and their mean and median (None without any)."""

    points: int
    distribution: dict[int, int]
    mean: float | None
    median: float | None

    @property
    def ballots(self) -> int:
        return sum(self.distribution.values())


def summarise_scale(values: Iterable[tuple[int, int]], points: int) -> ScaleSummary:
    """``values``: (point, number of ballots) pairs; points outside 1..``points`` are left out."""
    distribution = dict.fromkeys(range(1, points + 1), 0)
    for value, n in values:
        if value in distribution:
            distribution[value] += n
    total = sum(distribution.values())
    if not total:
        return ScaleSummary(points, distribution, None, None)
    mean = sum(v * n for v, n in distribution.items()) / total
    return ScaleSummary(points, distribution, mean, _median(distribution, total))


def _median(distribution: Mapping[int, int], total: int) -> float:
    """The middle value (the mean of the two middle ones for an even number of ballots)."""
    wanted = [(total - 1) // 2, total // 2]  # 0-based positions of the middle ballot(s)
    found: list[int] = []
    seen = 0
    for value in sorted(distribution):
        seen += distribution[value]
        while wanted and wanted[0] < seen:
            found.append(value)
            wanted.pop(0)
    return sum(found) / 2


@dataclass(frozen=True)
class Ranked:
    """A ranking's result: Borda points and first preferences per option, and the options in
    order (most points first; equal points: more first preferences, then the poll's order)."""

    ballots: int
    points: dict[int, int]
    first: dict[int, int]
    order: list[int]

    def tied(self, option: int) -> bool:
        """Whether another option has the same Borda points."""
        return sum(p == self.points[option] for p in self.points.values()) > 1


def borda(ballots: Ballots, options: Sequence[int]) -> Ranked:
    """Truncated Borda count: with n options, 1st place gets n-1 points, 2nd n-2, and so on;
    an option a ballot leaves unranked (a top-k ranking) gets 0 from it."""
    n = len(options)
    points = dict.fromkeys(options, 0)
    first = dict.fromkeys(options, 0)
    for ranking, count in ballots.items():
        for place, option in enumerate(ranking):
            if option in points:
                points[option] += (n - 1 - place) * count
        if ranking and ranking[0] in first:
            first[ranking[0]] += count
    order = sorted(options, key=lambda o: (-points[o], -first[o], options.index(o)))
    return Ranked(sum(ballots.values()), points, first, order)


def borda_total(ballots: Ballots, n: int) -> int:
    """The points the ballots give in all (for checking a count)."""
    return sum(
        count * sum(n - 1 - place for place in range(len(r))) for r, count in ballots.items()
    )
