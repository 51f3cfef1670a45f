"""Statements: counts per statement, consensus and division orderings."""

from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from assembly.outcomes.statements import (
    Answer,
    Stance,
    Tally,
    Voter,
    by_consensus,
    by_division,
    tally_statements,
)
from tests.outcomes_helpers import PROPERTY

ROOM_MEMBER = Voter("room", "member", "Patient")
ONLINE_PUBLIC = Voter("online", "public", "Carer")


def _many(stance: Stance, voter: Voter, n: int) -> list[Answer]:
    return [Answer(stance, voter)] * n


def test_counts_and_shares_of_one_statement() -> None:
    answers = _many("agree", ROOM_MEMBER, 6) + _many("disagree", ROOM_MEMBER, 2)
    answers += _many("pass", ROOM_MEMBER, 2)
    (result,) = tally_statements({7: answers})
    assert result.statement == 7
    assert result.everyone == Tally(agree=6, disagree=2, passed=2)
    assert result.everyone.percentages() == (60, 20, 20)
    # The agree share leaves the passes out: 6 of the 8 who took a side.
    assert result.everyone.agree_share == Fraction(3, 4)


def test_a_pass_is_neither_agree_nor_disagree() -> None:
    (result,) = tally_statements({1: _many("pass", ROOM_MEMBER, 5)})
    assert result.everyone == Tally(0, 0, 5)
    assert result.everyone.agree_share is None
    assert result.everyone.percentages() == (0, 0, 100)
    assert result.consensus is None  # nobody took a side: not ranked, not "0% agree"


def test_empty_input_and_a_statement_nobody_answered() -> None:
    assert tally_statements({}) == []
    (result,) = tally_statements({3: []})
    assert result.everyone == Tally(0, 0, 0)
    assert result.everyone.percentages() == (0, 0, 0)
    assert result.consensus is None and result.division is None
    assert by_consensus([result]) == [] and by_division([result]) == []


def test_consensus_ranks_by_the_least_agreeing_subgroup() -> None:
    # Statement 1: 80% overall, but the online public only 25%: a majority carrying it alone.
    one = _many("agree", ROOM_MEMBER, 12) + _many("agree", ONLINE_PUBLIC, 1)
    one += _many("disagree", ONLINE_PUBLIC, 3) + _many("disagree", ROOM_MEMBER, 0)
    # Statement 2: 70% in the room and 66.7% online: less overall, but agreed everywhere.
    two = _many("agree", ROOM_MEMBER, 7) + _many("disagree", ROOM_MEMBER, 3)
    two += _many("agree", ONLINE_PUBLIC, 2) + _many("disagree", ONLINE_PUBLIC, 1)
    results = tally_statements({1: one, 2: two})
    assert [r.statement for r in by_consensus(results)] == [2, 1]
    first, second = results
    assert first.consensus == Fraction(1, 4)
    assert second.consensus == Fraction(2, 3)
    # And by division statement 1 comes first: room 100% against online 25%.
    assert [r.statement for r in by_division(results)] == [1, 2]
    assert first.division == Fraction(3, 4)
    assert first.divided_by == ("channel", "room", "online")


def test_small_subgroups_are_left_out_not_shown_as_zero() -> None:
    answers = _many("agree", ROOM_MEMBER, 10) + _many("disagree", ONLINE_PUBLIC, 2)
    answers += _many("pass", ONLINE_PUBLIC, 5)  # passes do not make a subgroup big enough
    (result,) = tally_statements({1: answers})
    assert ("channel", "online") not in result.subgroups
    assert ("channel", "room") in result.subgroups
    assert result.consensus == Fraction(10, 12)  # everyone's share; online is too small
    assert result.division is None  # one comparable channel, role and group each
    # With min_size 2 the online public counts, and pulls consensus down to 0.
    (result,) = tally_statements({1: answers}, min_size=2)
    assert result.consensus == 0
    assert result.division == 1


def test_no_group_is_not_a_group() -> None:
    nobody = Voter("room", "public", "")
    (result,) = tally_statements({1: _many("agree", nobody, 5)})
    assert set(result.subgroups) == {("channel", "room"), ("role", "public")}


def test_ties_in_consensus_go_to_the_higher_share_then_more_answers_then_the_number() -> None:
    same = _many("agree", ROOM_MEMBER, 3)
    bigger = _many("agree", ROOM_MEMBER, 6)
    results = tally_statements({5: same, 4: same, 9: bigger})
    assert [r.statement for r in by_consensus(results)] == [9, 4, 5]


def test_too_few_answers_overall_are_not_ranked() -> None:
    (result,) = tally_statements({1: _many("agree", ROOM_MEMBER, 2)})
    assert result.consensus is None


VOTERS = st.builds(
    Voter,
    st.sampled_from(["room", "online", "table"]),
    st.sampled_from(["member", "public"]),
    st.sampled_from(["", "Patient", "Carer", "NHS staff"]),
)
ANSWERS = st.lists(st.builds(Answer, st.sampled_from(["agree", "disagree", "pass"]), VOTERS))
POLLS = st.dictionaries(st.integers(min_value=1, max_value=50), ANSWERS, max_size=6)


@PROPERTY
@given(POLLS)
def test_shares_sum_to_100_and_counts_add_up(poll: dict[int, list[Answer]]) -> None:
    for result in tally_statements(poll):
        answers = poll[result.statement]
        assert result.everyone.answers == len(answers)
        shares = result.everyone.percentages()
        assert sum(shares) == (100 if answers else 0)


@PROPERTY
@given(POLLS)
def test_a_pass_never_counts_as_agree(poll: dict[int, list[Answer]]) -> None:
    before = tally_statements(poll)
    # Turning every agree into a pass lowers agree to 0 and leaves disagree as it was.
    passes = {
        s: [Answer("pass", a.voter) if a.stance == "agree" else a for a in answers]
        for s, answers in poll.items()
    }
    for old, new in zip(before, tally_statements(passes), strict=True):
        assert new.everyone.agree == 0
        assert new.everyone.disagree == old.everyone.disagree
        assert new.everyone.passed == old.everyone.passed + old.everyone.agree
    # Adding passes changes no agree share and no consensus score.
    extra = {s: [*a, *(Answer("pass", v.voter) for v in a)] for s, a in poll.items()}
    for old, new in zip(before, tally_statements(extra), strict=True):
        assert new.everyone.agree == old.everyone.agree
        assert new.everyone.agree_share == old.everyone.agree_share
        assert new.consensus == old.consensus


@PROPERTY
@given(POLLS, st.randoms())
def test_orderings_do_not_depend_on_the_order_answers_arrive(
    poll: dict[int, list[Answer]], rnd: object
) -> None:
    import random

    assert isinstance(rnd, random.Random)
    shuffled = {}
    for statement in rnd.sample(sorted(poll), len(poll)):
        answers = list(poll[statement])
        rnd.shuffle(answers)
        shuffled[statement] = answers
    a, b = tally_statements(poll), tally_statements(shuffled)
    assert a == b
    assert by_consensus(a) == by_consensus(b)
    assert by_division(a) == by_division(b)


@PROPERTY
@given(POLLS, st.integers(min_value=1, max_value=6))
def test_consensus_is_at_most_every_compared_share(poll: dict[int, list[Answer]], k: int) -> None:
    for result in tally_statements(poll, min_size=k):
        for tally in result.subgroups.values():
            assert tally.deciding >= k
            if result.consensus is not None:
                assert result.consensus <= (tally.agree_share or 0)
        ranked = by_consensus([result])
        assert (result.consensus is not None) == bool(ranked)
