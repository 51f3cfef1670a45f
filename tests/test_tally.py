"""The kinds' tallies as pure functions: examples with ties, and properties (hypothesis)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from assembly.kinds.tally import borda, borda_total, count_choices, shares, summarise_scale

A, B, C, D = 11, 12, 13, 14


def test_shares_round_to_exactly_100_with_ties_to_the_earlier_option() -> None:
    assert shares({A: 1, B: 1, C: 1}, [A, B, C]) == {A: 34, B: 33, C: 33}
    assert shares({A: 2, B: 1}, [A, B]) == {A: 67, B: 33}
    assert shares({}, [A, B]) == {A: 0, B: 0}


def test_multiple_counts_each_option_a_ballot_ticked() -> None:
    result = count_choices({(A, B): 3, (B,): 2, (C,): 1}, [A, B, C, D])
    assert result.ballots == 6
    assert result.counts == {A: 3, B: 5, C: 1, D: 0}
    assert result.shares == {A: 33, B: 56, C: 11, D: 0}


def test_scale_mean_and_median_even_and_odd() -> None:
    odd = summarise_scale([(1, 1), (4, 1), (5, 1)], 5)
    assert odd.distribution == {1: 1, 2: 0, 3: 0, 4: 1, 5: 1}
    assert odd.mean == 10 / 3 and odd.median == 4
    even = summarise_scale([(2, 1), (3, 1)], 5)
    assert even.mean == 2.5 and even.median == 2.5  # the two middle ballots' mean
    assert summarise_scale([(3, 4)], 5).median == 3
    empty = summarise_scale([], 7)
    assert empty.mean is None and empty.median is None and len(empty.distribution) == 7
    assert summarise_scale([(9, 1)], 5).ballots == 0  # off the scale: not counted


def test_borda_full_ranking_and_a_tie_broken_by_first_preferences() -> None:
    # Three options: 2 points for 1st, 1 for 2nd, 0 for 3rd.
    result = borda({(A, B, C): 1, (B, C, A): 1, (C, A, B): 1}, [A, B, C])
    assert result.points == {A: 3, B: 3, C: 3} and all(result.tied(o) for o in (A, B, C))
    assert result.first == {A: 1, B: 1, C: 1}
    assert result.order == [A, B, C]  # a full tie keeps the poll's order
    result = borda({(A, B, C): 2, (B, A, C): 1, (B, C, A): 1}, [A, B, C])
    assert result.points == {A: 5, B: 6, C: 1}
    assert result.order == [B, A, C] and not result.tied(B)
    # All tied on points: more first preferences goes first, then the poll's order.
    tie = borda({(A, C, B): 1, (C, A, B): 1, (B, A, C): 1, (B, C, A): 1}, [A, B, C])
    assert tie.points == {A: 4, B: 4, C: 4} and tie.first == {A: 1, B: 2, C: 1}
    assert tie.order == [B, A, C]


def test_borda_top_k_gives_nothing_to_unranked_options() -> None:
    # Four options, top two ranked: 3 points for 1st, 2 for 2nd, 0 for the rest.
    result = borda({(D, C): 2, (C, A): 1}, [A, B, C, D])
    assert result.points == {A: 2, B: 0, C: 7, D: 6}
    assert result.first == {A: 0, B: 0, C: 1, D: 2}
    assert result.order == [C, D, A, B]


OPTIONS = [A, B, C, D]
counts = st.integers(min_value=0, max_value=50)
subsets = st.lists(st.sampled_from(OPTIONS), min_size=1, max_size=4, unique=True)
rankings = st.permutations(OPTIONS).flatmap(
    lambda p: st.integers(min_value=1, max_value=4).map(lambda k: tuple(p[:k]))
)


@given(st.dictionaries(st.sampled_from(OPTIONS), counts))
def test_shares_sum_to_100_or_0(counted: dict[int, int]) -> None:
    total = sum(shares(counted, OPTIONS).values())
    assert total == (100 if sum(counted.values()) else 0)


@given(st.dictionaries(subsets.map(lambda s: tuple(sorted(s))), counts, max_size=8))
def test_multiple_shares_sum_to_100_and_counts_to_the_ticks(
    ballots: dict[tuple[int, ...], int],
) -> None:
    result = count_choices(ballots, OPTIONS)
    ticks = sum(len(b) * n for b, n in ballots.items())
    assert sum(result.counts.values()) == ticks
    assert sum(result.shares.values()) == (100 if ticks else 0)
    assert all(result.counts[o] <= result.ballots for o in OPTIONS)


@given(st.dictionaries(rankings, counts, max_size=10))
def test_borda_points_sum_to_what_the_ballots_give(ballots: dict[tuple[int, ...], int]) -> None:
    result = borda(ballots, OPTIONS)
    assert sum(result.points.values()) == borda_total(ballots, len(OPTIONS))
    assert sum(result.first.values()) == result.ballots == sum(ballots.values())
    assert sorted(result.order) == sorted(OPTIONS)
    ordered = [result.points[o] for o in result.order]
    assert ordered == sorted(ordered, reverse=True)


@given(
    st.integers(min_value=2, max_value=10).flatmap(
        lambda n: st.tuples(st.just(n), st.lists(st.tuples(st.integers(1, n), counts), max_size=12))
    )
)
def test_a_scale_mean_and_median_lie_between_its_lowest_and_highest_ballot(
    case: tuple[int, list[tuple[int, int]]],
) -> None:
    points, values = case
    result = summarise_scale(values, points)
    given_values = [v for v, n in values if n]
    assert result.ballots == sum(n for _, n in values)
    if not given_values:
        assert result.mean is None and result.median is None
        return
    assert result.mean is not None and result.median is not None
    assert min(given_values) <= result.mean <= max(given_values)
    assert min(given_values) <= result.median <= max(given_values)
