"""Whole percentages that sum to 100, and percentages that never misread a threshold."""

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assembly.outcomes.shares import percent, percent_beside, percentages
from tests.outcomes_helpers import PROPERTY


def test_thirds_sum_to_100_the_first_gets_the_extra_point() -> None:
    assert percentages([1, 1, 1]) == [34, 33, 33]


def test_largest_remainder_wins_the_missing_point() -> None:
    # 2/7 = 28.57, 2/7, 3/7 = 42.86: floors 28 + 28 + 42 = 98; the two missing points go to
    # the .86, then to the first .57. Equal counts may differ by a point: the sum is exact.
    assert percentages([2, 2, 3]) == [29, 28, 43]
    # 1/6 = 16.67 (.67), 5/6 = 83.33 (.33): the larger remainder gets the point.
    assert percentages([1, 5]) == [17, 83]


def test_empty_and_all_zero_give_zeros() -> None:
    assert percentages([]) == []
    assert percentages([0, 0, 0]) == [0, 0, 0]


def test_negative_counts_are_refused() -> None:
    with pytest.raises(ValueError):
        percentages([3, -1])


@PROPERTY
@given(st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=12))
def test_percentages_sum_to_exactly_100_and_stay_within_a_point(counts: list[int]) -> None:
    shown = percentages(counts)
    total = sum(counts)
    if total == 0:
        assert shown == [0] * len(counts)
        return
    assert sum(shown) == 100
    for c, p in zip(counts, shown, strict=True):
        assert abs(Fraction(100 * c, total) - p) < 1


@PROPERTY
@given(st.lists(st.integers(min_value=0, max_value=1000), min_size=1, max_size=8))
def test_equal_counts_never_get_fewer_points_than_smaller_ones(counts: list[int]) -> None:
    shown = percentages(counts)
    for i in range(len(counts)):
        for j in range(len(counts)):
            if counts[i] > counts[j]:
                assert shown[i] >= shown[j]


def test_percent_rounds_halves_up() -> None:
    assert percent(1, 8) == 13  # 12.5
    assert percent(34, 46) == 74
    assert percent(0, 0) == 0
    assert percent(1, 2) == 50


def test_percent_beside_a_threshold_shows_a_decimal_only_when_whole_would_mislead() -> None:
    two_thirds, half = Fraction(2, 3), Fraction(1, 2)
    assert percent_beside(Fraction(133, 200), two_thirds, met=False) == "66.5%"
    assert percent_beside(Fraction(2, 3), two_thirds, met=True) == "67%"
    assert percent_beside(Fraction(1001, 2001), half, met=True, strict=True) == "50.1%"
    assert percent_beside(Fraction(1, 2), half, met=False, strict=True) == "50%"
    assert percent_beside(Fraction(34, 46), two_thirds, met=True) == "74%"


def _reads(text: str) -> Fraction:
    return Fraction(text.rstrip("%")) / 100


@PROPERTY
@given(
    st.integers(min_value=0, max_value=5000),
    st.integers(min_value=1, max_value=5000),
    st.sampled_from([Fraction(1, 2), Fraction(2, 3), Fraction(1, 3), Fraction(3, 5)]),
    st.booleans(),
)
def test_the_shown_percent_is_always_on_the_true_side(
    part: int, whole: int, threshold: Fraction, strict: bool
) -> None:
    share = Fraction(part, whole)
    met = share > threshold if strict else share >= threshold
    shown = _reads(percent_beside(share, threshold, met, strict))
    assert (shown > threshold if strict else shown >= threshold) == met
    assert abs(shown - share) < Fraction(1, 100)
