"""The result of a `statements` poll: agree / disagree / pass per statement, and two orderings.

**Consensus** puts first the statements agreed with in every subgroup that answered (each
channel, each role, each stakeholder group): a statement's consensus score is the *lowest* agree
share among the subgroups with at least ``min_size`` agree-or-disagree answers, and among
everyone. This follows the idea of Polis's group-informed consensus (a statement scores well only
when every group is likely to agree, so a large group cannot carry it alone), with the minimum
in place of Polis's product of smoothed probabilities: the minimum is a number an organiser can
read ("at least 71% agree in every channel and group").

**Division** puts first the statements on which subgroups differ most: for each dimension
(channel, role, group) the gap between the subgroup that agrees most and the one that agrees
least, and the largest gap over the dimensions.

A pass is neither agree nor disagree: agree shares are over those who agreed or disagreed, and
a subgroup's size (for ``min_size``) counts only those answers. Small subgroups are left out of
both comparisons, never shown as 0%.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Literal

from assembly.outcomes.shares import percentages

Stance = Literal["agree", "disagree", "pass"]
Dimension = Literal["channel", "role", "group"]
DIMENSIONS: tuple[Dimension, ...] = ("channel", "role", "group")
MIN_SIZE = 3


@dataclass(frozen=True)
class Voter:
    """What a result may be split by: channel (room, online…), role (member, public), group."""

    channel: str
    role: str
    group: str = ""  # "" when the voter chose no stakeholder group: not a subgroup


@dataclass(frozen=True)
class Answer:
    stance: Stance
    voter: Voter


@dataclass(frozen=True)
class Tally:
    """Counts of one statement's answers, for everyone or for one subgroup."""

    agree: int = 0
    disagree: int = 0
    passed: int = 0

    @property
    def answers(self) -> int:
        return self.agree + self.disagree + self.passed

    @property
    def deciding(self) -> int:
        """Answers that agreed or disagreed: the base of the agree share."""
        return self.agree + self.disagree

    @property
    def agree_share(self) -> Fraction | None:
        """Agree among those who agreed or disagreed; None when nobody did."""
        return Fraction(self.agree, self.deciding) if self.deciding else None

    def percentages(self) -> tuple[int, int, int]:
        """Whole percentages of agree, disagree and pass over all answers, summing to 100."""
        a, d, p = percentages([self.agree, self.disagree, self.passed])
        return a, d, p


@dataclass(frozen=True)
class StatementResult:
    statement: int
    everyone: Tally
    # (dimension, value) -> tally, only for subgroups with at least min_size deciding answers.
    subgroups: Mapping[tuple[Dimension, str], Tally] = field(default_factory=dict)
    # Lowest agree share over everyone and the subgroups above; None with too few answers.
    consensus: Fraction | None = None
    # Largest gap in agree share between two subgroups of one dimension, with that dimension and
    # the subgroups agreeing most and least; None without two comparable subgroups.
    division: Fraction | None = None
    divided_by: tuple[Dimension, str, str] | None = None


def tally_statements(
    answers: Mapping[int, Iterable[Answer]],
    min_size: int = MIN_SIZE,
    dimensions: Sequence[Dimension] = DIMENSIONS,
) -> list[StatementResult]:
    """Each statement's counts, comparable subgroups and scores, in statement order."""
    return tally_counted(
        {statement: Counter(given) for statement, given in answers.items()}, min_size, dimensions
    )


def tally_counted(
    answers: Mapping[int, Mapping[Answer, int]],
    min_size: int = MIN_SIZE,
    dimensions: Sequence[Dimension] = DIMENSIONS,
) -> list[StatementResult]:
    """``tally_statements`` of answers already counted (answer -> how many gave it): a poll's
    recount reads one row per distinct answer and voter, not one per ballot."""
    return [
        _result(statement, given, min_size, dimensions)
        for statement, given in sorted(answers.items())
    ]


def by_consensus(results: Iterable[StatementResult]) -> list[StatementResult]:
    """Statements with a consensus score, the most widely agreed first.

    Ties go to the higher agree share among everyone, then to more deciding answers, then to
    the lower statement number, so the order depends only on the counts.
    """
    ranked = [r for r in results if r.consensus is not None]
    return sorted(ranked, key=lambda r: (-_some(r.consensus), *_tiebreak(r)))


def by_division(results: Iterable[StatementResult]) -> list[StatementResult]:
    """Statements with a division score, the one subgroups differ on most first."""
    ranked = [r for r in results if r.division is not None]
    return sorted(ranked, key=lambda r: (-_some(r.division), r.statement))


def _result(
    statement: int,
    answers: Mapping[Answer, int],
    min_size: int,
    dimensions: Sequence[Dimension],
) -> StatementResult:
    everyone = _count(answers.items())
    subgroups: dict[tuple[Dimension, str], Tally] = {}
    for dimension in dimensions:
        values = sorted({getattr(a.voter, dimension) for a in answers} - {""})
        for value in values:
            tally = _count(
                (a, n) for a, n in answers.items() if getattr(a.voter, dimension) == value
            )
            if tally.deciding >= min_size:
                subgroups[(dimension, value)] = tally
    consensus = None
    if everyone.deciding >= min_size:
        shares = [_some(t.agree_share) for t in (everyone, *subgroups.values())]
        consensus = min(shares)
    division, divided_by = _division(subgroups, dimensions)
    return StatementResult(statement, everyone, subgroups, consensus, division, divided_by)


def _division(
    subgroups: Mapping[tuple[Dimension, str], Tally], dimensions: Sequence[Dimension]
) -> tuple[Fraction | None, tuple[Dimension, str, str] | None]:
    best: tuple[Fraction, tuple[Dimension, str, str]] | None = None
    for dimension in dimensions:
        # Sorted by share, then name: the subgroups named for a gap depend only on the counts.
        shares = sorted(
            (_some(t.agree_share), value)
            for (dim, value), t in subgroups.items()
            if dim == dimension
        )
        if len(shares) < 2:
            continue
        (low, low_value), (high, high_value) = shares[0], shares[-1]
        if best is None or high - low > best[0]:
            best = (high - low, (dimension, high_value, low_value))
    return (best[0], best[1]) if best else (None, None)


def _count(answers: Iterable[tuple[Answer, int]]) -> Tally:
    agree = disagree = passed = 0
    for a, n in answers:
        if a.stance == "agree":
            agree += n
        elif a.stance == "disagree":
            disagree += n
        elif a.stance == "pass":
            passed += n
        else:
            raise ValueError(f"unknown stance {a.stance!r}")
    return Tally(agree, disagree, passed)


def _tiebreak(r: StatementResult) -> tuple[Fraction, int, int]:
    return (-(r.everyone.agree_share or Fraction(0)), -r.everyone.deciding, r.statement)


def _some(x: Fraction | None) -> Fraction:
    assert x is not None
    return x
