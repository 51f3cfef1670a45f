"""Majority rules and quorum: whether a poll's result carries, in one plain sentence.

* ``simple``: more than half of the votes for or against. A tie is not carried.
* ``two_thirds``: at least two thirds of the votes for or against (34 for, 17 against carries).
* ``none``: the counts are reported and nothing is carried or lost.

Abstentions are counted as ballots (for the quorum) but not as votes (for the majority): an
abstention neither helps nor hinders a motion. The quorum is a share of the members checked in:
it is met when at least that share of them cast a ballot (30 of 60 meets a quorum of 0.5). A
majority without a quorum does not carry. Pass the counts of the ballots that decide (the
members' when the public's view is advisory).

The sentences are plain text: user text in them (option names) is escaped by the template.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

from assembly.outcomes.shares import percent, percent_beside

Rule = Literal["simple", "two_thirds", "none"]
_NAME = {"simple": "a simple majority", "two_thirds": "a two-thirds majority"}
_THRESHOLD = {"simple": Fraction(1, 2), "two_thirds": Fraction(2, 3)}


@dataclass(frozen=True)
class Outcome:
    majority_met: bool | None  # None under rule "none"
    quorum_met: bool | None  # None when the poll has no quorum
    carried: bool | None  # majority met and quorum not missed; None under rule "none"
    sentence: str


def majority_met(votes_for: int, votes_against: int, rule: Rule) -> bool | None:
    """Whether ``votes_for`` carries under ``rule`` (None under "none"); a tie never carries."""
    _check_counts(votes_for, votes_against)
    if rule == "none":
        return None
    if rule == "simple":
        return votes_for > votes_against
    if rule == "two_thirds":
        return votes_for > 0 and 3 * votes_for >= 2 * (votes_for + votes_against)
    raise ValueError(f"unknown majority rule {rule!r}")


def quorum_met(
    quorum: float | Fraction | None, checked_in: int, member_ballots: int
) -> bool | None:
    """Whether at least ``quorum`` of the checked-in members cast a ballot (None: no quorum)."""
    _check_counts(checked_in, member_ballots)
    if quorum is None:
        return None
    needed = _share(quorum)
    return checked_in > 0 and member_ballots >= needed * checked_in


def motion_outcome(
    votes_for: int,
    votes_against: int,
    abstentions: int = 0,
    rule: Rule = "simple",
    quorum: float | Fraction | None = None,
    checked_in: int = 0,
    member_ballots: int = 0,
) -> Outcome:
    """The outcome of a for / against / abstain vote, with its sentence."""
    _check_counts(abstentions)
    met = majority_met(votes_for, votes_against, rule)
    has_quorum = quorum_met(quorum, checked_in, member_ballots)
    votes = votes_for + votes_against
    if met is None:
        shown = f"{percent(votes_for, votes)}%"
    else:
        shown = percent_beside(
            Fraction(votes_for, votes or 1), _THRESHOLD[rule], met, rule == "simple"
        )
    counts = _counts(votes_for, votes_against, abstentions, shown)
    if rule == "none":
        first = f"No majority rule: {counts}."
    elif votes == 0:
        first = f"Not carried: {counts}."
    elif met and has_quorum is False:
        first = f"Not carried, for want of a quorum, though {_NAME[rule]} voted for: {counts}."
    elif met:
        first = f"Carried by {_NAME[rule]}: {counts}."
    elif rule == "simple" and votes_for == votes_against:
        first = f"Not carried, a tie: {counts}; a simple majority needs more than half."
    else:
        first = f"Not carried: {counts}; {_NAME[rule]} was needed."
    carried = None if met is None else met and has_quorum is not False
    return Outcome(met, has_quorum, carried, _join(first, quorum, checked_in, member_ballots))


def choice_outcome(
    options: Sequence[tuple[str, int]],
    rule: Rule = "simple",
    quorum: float | Fraction | None = None,
    checked_in: int = 0,
    member_ballots: int = 0,
) -> Outcome:
    """The outcome of a single-choice poll: does the leading option hold the majority?

    ``options`` are (name, ballots). The leader needs more than half (or two thirds) of all
    ballots; two options level at the top is a tie, and nothing wins.
    """
    _check_counts(*(n for _, n in options))
    total = sum(n for _, n in options)
    top = max((n for _, n in options), default=0)
    leaders = [name for name, n in options if n == top]
    has_quorum = quorum_met(quorum, checked_in, member_ballots)
    ballots = _plural(total, "ballot")
    if total == 0:
        met = None if rule == "none" else False
        first = "No ballots yet." if rule == "none" else "No option won: no ballots yet."
    elif len(leaders) > 1:
        met = None if rule == "none" else False
        tie = f"{_and(leaders)} tie with {top:,} of {ballots} each"
        first = f"No majority rule: {tie}." if rule == "none" else f"No option won: {tie}."
    else:
        met = majority_met(top, total - top, rule)
        leader, share = leaders[0], Fraction(top, total)
        if met is None:
            of = f"{top:,} of {ballots} ({percent(top, total)}%)"
            first = f"No majority rule: {leader} leads with {of}."
        else:
            shown = percent_beside(share, _THRESHOLD[rule], met, strict=rule == "simple")
            of = f"{top:,} of {ballots} ({shown})"
            if met and has_quorum is False:
                first = (
                    f"No option won, for want of a quorum, though {leader} had {_NAME[rule]}: {of}."
                )
            elif met:
                first = f"{leader} won by {_NAME[rule]}: {of}."
            else:
                first = f"No option won: {leader} leads with {of}; {_NAME[rule]} was needed."
    carried = None if met is None else met and has_quorum is not False
    return Outcome(met, has_quorum, carried, _join(first, quorum, checked_in, member_ballots))


def quorum_sentence(quorum: float | Fraction, checked_in: int, member_ballots: int) -> str:
    """ "Quorum met: 46 of 60 checked-in members voted (77%, needed 50%)." or not met."""
    needed = _share(quorum)
    met = bool(quorum_met(quorum, checked_in, member_ballots))
    if checked_in == 0:
        return "Quorum not met: no members are checked in."
    shown = percent_beside(Fraction(member_ballots, checked_in), needed, met)
    word = "met" if met else "not met"
    return (
        f"Quorum {word}: {member_ballots:,} of {checked_in:,} checked-in members voted "
        f"({shown}, needed {_threshold_text(needed)})."
    )


def _join(first: str, quorum: float | Fraction | None, checked_in: int, ballots: int) -> str:
    if quorum is None:
        return first
    return f"{first} {quorum_sentence(quorum, checked_in, ballots)}"


def _counts(votes_for: int, votes_against: int, abstentions: int, shown: str) -> str:
    if votes_for + votes_against == 0:
        if abstentions:
            return f"no votes for or against ({_plural(abstentions, 'abstention')})"
        return "no votes for or against"
    text = f"{votes_for:,} for, {votes_against:,} against"
    if abstentions:
        return f"{text}, {_plural(abstentions, 'abstention')} ({shown} of votes for or against)"
    return f"{text} ({shown})"


def _threshold_text(share: Fraction) -> str:
    tenths = share * 1000
    if (share * 100).denominator == 1:
        return f"{share * 100}%"
    rounded = (tenths.numerator * 2 + tenths.denominator) // (2 * tenths.denominator)
    return f"{rounded // 10}.{rounded % 10}%"


def _share(quorum: float | Fraction) -> Fraction:
    # Through str: 0.1 is the decimal one tenth, not the binary float just above it.
    share = quorum if isinstance(quorum, Fraction) else Fraction(str(quorum))
    if not 0 < share <= 1:
        raise ValueError("a quorum is a share of the checked-in members, above 0 and at most 1")
    return share


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}" if n == 1 else f"{n:,} {word}s"


def _and(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _check_counts(*counts: int) -> None:
    if any(c < 0 for c in counts):
        raise ValueError("counts cannot be negative")
