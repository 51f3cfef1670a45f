"""Majority rules and quorum, and the sentence that says whether a poll carried."""

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assembly.outcomes.rules import (
    Rule,
    choice_outcome,
    majority_met,
    motion_outcome,
    quorum_met,
    quorum_sentence,
)
from tests.outcomes_helpers import PROPERTY


def test_the_issue_example() -> None:
    outcome = motion_outcome(
        34, 12, rule="two_thirds", quorum=0.5, checked_in=60, member_ballots=46
    )
    assert outcome.sentence == (
        "Carried by a two-thirds majority: 34 for, 12 against (74%). "
        "Quorum met: 46 of 60 checked-in members voted (77%, needed 50%)."
    )
    assert (outcome.majority_met, outcome.quorum_met, outcome.carried) == (True, True, True)


def test_a_tie_is_not_carried_and_says_why() -> None:
    outcome = motion_outcome(20, 20)
    assert not outcome.majority_met and not outcome.carried
    assert outcome.sentence == (
        "Not carried, a tie: 20 for, 20 against (50%); a simple majority needs more than half."
    )


def test_simple_majority_needs_more_than_half() -> None:
    assert majority_met(21, 20, "simple") is True
    assert majority_met(20, 20, "simple") is False
    assert majority_met(1, 0, "simple") is True
    assert majority_met(0, 0, "simple") is False


def test_two_thirds_is_reached_at_exactly_two_thirds() -> None:
    assert majority_met(34, 17, "two_thirds") is True
    assert majority_met(33, 17, "two_thirds") is False
    assert majority_met(0, 0, "two_thirds") is False
    outcome = motion_outcome(133, 67, rule="two_thirds")
    # 66.5% must not read "67%" beside a two-thirds rule it failed.
    assert outcome.sentence == (
        "Not carried: 133 for, 67 against (66.5%); a two-thirds majority was needed."
    )


def test_abstentions_count_for_quorum_not_for_majority() -> None:
    outcome = motion_outcome(
        10, 9, abstentions=11, rule="simple", quorum=0.5, checked_in=60, member_ballots=30
    )
    assert outcome.carried
    assert outcome.sentence == (
        "Carried by a simple majority: 10 for, 9 against, 11 abstentions "
        "(53% of votes for or against). "
        "Quorum met: 30 of 60 checked-in members voted (50%, needed 50%)."
    )


def test_a_majority_without_a_quorum_does_not_carry() -> None:
    outcome = motion_outcome(34, 12, rule="simple", quorum=0.5, checked_in=100, member_ballots=46)
    assert outcome.majority_met is True and outcome.quorum_met is False
    assert outcome.carried is False
    assert outcome.sentence.startswith("Not carried, for want of a quorum")
    assert outcome.sentence.endswith(
        "Quorum not met: 46 of 100 checked-in members voted (46%, needed 50%)."
    )


def test_no_rule_reports_and_decides_nothing() -> None:
    outcome = motion_outcome(34, 12, rule="none")
    assert outcome == type(outcome)(None, None, None, "No majority rule: 34 for, 12 against (74%).")
    assert (
        motion_outcome(0, 0, rule="none").sentence == "No majority rule: no votes for or against."
    )


def test_no_votes_at_all() -> None:
    outcome = motion_outcome(0, 0)
    assert outcome.sentence == "Not carried: no votes for or against."
    assert motion_outcome(0, 0, 3).sentence == (
        "Not carried: no votes for or against (3 abstentions)."
    )


def test_quorum_edges() -> None:
    assert quorum_met(None, 60, 10) is None
    assert quorum_met(0.5, 60, 30) is True
    assert quorum_met(0.5, 60, 29) is False
    assert quorum_met(0.1, 10, 1) is True  # one tenth, not the float just above it
    assert quorum_met(0.5, 0, 0) is False
    assert quorum_sentence(0.5, 0, 0) == "Quorum not met: no members are checked in."
    # 59 of 119 is 49.6%: shown as 49.5%, never as "50%, needed 50%".
    assert quorum_sentence(0.5, 119, 59) == (
        "Quorum not met: 59 of 119 checked-in members voted (49.5%, needed 50%)."
    )
    assert "needed 66.7%" in quorum_sentence(Fraction(2, 3), 60, 40)
    assert "1,200 of 1,500" in quorum_sentence(0.5, 1500, 1200)


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError):
        motion_outcome(-1, 3)
    with pytest.raises(ValueError):
        quorum_met(1.5, 10, 5)
    with pytest.raises(ValueError):
        quorum_met(0, 10, 5)
    with pytest.raises(ValueError):
        majority_met(1, 2, "most")  # type: ignore[arg-type]


def test_single_choice_winner_and_tie() -> None:
    won = choice_outcome([("Bus lanes", 34), ("Trams", 10), ("Cycle paths", 2)], "simple")
    assert (
        won.carried
        and won.sentence == "Bus lanes won by a simple majority: 34 of 46 ballots (74%)."
    )
    short = choice_outcome([("Bus lanes", 30), ("Trams", 20)], "two_thirds")
    assert not short.carried
    assert short.sentence == (
        "No option won: Bus lanes leads with 30 of 50 ballots (60%); "
        "a two-thirds majority was needed."
    )
    tie = choice_outcome([("Bus lanes", 12), ("Trams", 12), ("Cycle paths", 3)], "simple")
    assert tie.majority_met is False
    assert tie.sentence == "No option won: Bus lanes and Trams tie with 12 of 27 ballots each."
    # Exactly half is not more than half.
    half = choice_outcome([("Yes", 5), ("No", 3), ("Maybe", 2)], "simple")
    assert half.majority_met is False


def test_single_choice_without_ballots_or_rule() -> None:
    assert choice_outcome([], "simple").sentence == "No option won: no ballots yet."
    assert choice_outcome([("A", 0), ("B", 0)], "none").sentence == "No ballots yet."
    assert choice_outcome([("A", 3), ("B", 1)], "none").sentence == (
        "No majority rule: A leads with 3 of 4 ballots (75%)."
    )


RULES = st.sampled_from(["simple", "two_thirds", "none"])
COUNT = st.integers(min_value=0, max_value=5000)


@PROPERTY
@given(COUNT, COUNT, COUNT, RULES)
def test_majority_matches_its_definition_and_the_sentence_agrees(
    votes_for: int, against: int, abstain: int, rule: Rule
) -> None:
    outcome = motion_outcome(votes_for, against, abstain, rule)
    total = votes_for + against
    if rule == "none":
        assert outcome.majority_met is None and outcome.sentence.startswith("No majority rule")
        return
    expected = total > 0 and (
        2 * votes_for > total if rule == "simple" else 3 * votes_for >= 2 * total
    )
    assert outcome.majority_met is expected
    assert outcome.sentence.startswith("Carried" if expected else "Not carried")
    assert f"{votes_for:,} for" in outcome.sentence or total == 0


@PROPERTY
@given(
    st.integers(min_value=0, max_value=3000),
    st.integers(min_value=0, max_value=3000),
    st.sampled_from([0.25, 0.5, 0.6, 2 / 3, 0.75, 1.0]),
)
def test_quorum_matches_its_definition(checked_in: int, ballots: int, quorum: float) -> None:
    met = quorum_met(quorum, checked_in, ballots)
    needed = Fraction(str(quorum))
    assert met == (checked_in > 0 and ballots >= needed * checked_in)
    sentence = quorum_sentence(quorum, checked_in, ballots)
    assert sentence.startswith("Quorum met" if met else "Quorum not met")


@PROPERTY
@given(st.lists(st.tuples(st.text(min_size=1, max_size=10), COUNT), max_size=6), RULES)
def test_a_choice_tie_at_the_top_never_wins(options: list[tuple[str, int]], rule: Rule) -> None:
    outcome = choice_outcome(options, rule)
    counts = [n for _, n in options]
    top = max(counts, default=0)
    if counts.count(top) > 1 or top == 0:
        assert not outcome.carried
