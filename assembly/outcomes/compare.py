"""Members and public side by side, and results split by channel, role or group.

A comparison is said only when both sides have at least ``min_size`` ballots: a share of two
ballots says nothing, and in a secret poll it would tell the two voters' neighbours how they
voted. The same rule hides small groups in a split (DESIGN.md: secret ballots).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from assembly.outcomes.shares import percent

MIN_SIZE = 3
T = TypeVar("T")


@dataclass(frozen=True)
class Side:
    """One side's ballots, and how many of them were for (or chose the top option)."""

    in_favour: int
    ballots: int

    def __post_init__(self) -> None:
        if not 0 <= self.in_favour <= self.ballots:
            raise ValueError("in_favour must be between 0 and the number of ballots")


@dataclass(frozen=True)
class Comparison:
    sentence: str
    # Members' percentage minus the public's, in whole points; None when too few to compare.
    points: int | None


def compare(members: Side, public: Side, min_size: int = MIN_SIZE, what: str = "for") -> Comparison:
    """ "Members 62% for, public 48% for: members 14 points more in favour." or why not.

    ``what`` names the side counted, "for" or e.g. "for Bus lanes". The difference is taken
    between the whole percentages shown, so the sentence's own arithmetic always checks out.
    """
    few = [
        name for name, side in (("member", members), ("public", public)) if side.ballots < min_size
    ]
    if few:
        return Comparison(f"Too few {' and '.join(few)} ballots to compare.", None)
    m, p = percent(members.in_favour, members.ballots), percent(public.in_favour, public.ballots)
    shares = f"Members {m}% {what}, public {p}% {what}"
    points = m - p
    if points == 0:
        return Comparison(f"{shares}: no difference.", 0)
    more = "members" if points > 0 else "the public"
    unit = "point" if abs(points) == 1 else "points"
    return Comparison(f"{shares}: {more} {abs(points)} {unit} more in favour.", points)


@dataclass(frozen=True)
class Split(Generic[T]):
    """Ballots grouped by a key, only groups that may be shown; ``hidden`` counts the rest."""

    groups: dict[str, list[T]] = field(default_factory=dict)
    hidden: int = 0


def split(
    ballots: Iterable[T],
    key: Callable[[T], str | None],
    min_size: int = MIN_SIZE,
    weight: Callable[[T], int] = lambda _: 1,
) -> Split[T]:
    """Group ``ballots`` by ``key`` (channel, role, group; None or "" for none), hiding small ones.

    A group under ``min_size`` ballots is hidden. So is the next smallest, while the hidden
    ballots number from 1 to ``min_size - 1``: otherwise the whole result minus the groups
    shown would give the one hidden group's result anyway. Ballots without a key are never a
    group, and count among the hidden. ``weight``: how many ballots an item stands for (1;
    a count when ``ballots`` are already grouped).
    """
    grouped: dict[str, list[T]] = {}
    size: dict[str, int] = {}
    hidden = 0
    for ballot in ballots:
        name, n = key(ballot), weight(ballot)
        if name:
            grouped.setdefault(name, []).append(ballot)
            size[name] = size.get(name, 0) + n
        else:
            hidden += n
    shown = {name: rows for name, rows in grouped.items() if size[name] >= min_size}
    hidden += sum(size[name] for name in grouped if name not in shown)
    # Smallest first, then by name: which group is hidden depends only on the sizes and names.
    while 0 < hidden < min_size and shown:
        smallest = min(shown, key=lambda name: (size[name], name))
        shown.pop(smallest)
        hidden += size[smallest]
    return Split(dict(sorted(shown.items())), hidden)
