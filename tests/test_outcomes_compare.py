"""Members and public side by side, and splits that hide small groups."""

from dataclasses import dataclass

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assembly.outcomes.compare import Side, compare, split
from tests.outcomes_helpers import PROPERTY


def test_the_issue_example() -> None:
    result = compare(Side(62, 100), Side(48, 100))
    assert result.sentence == "Members 62% for, public 48% for: members 14 points more in favour."
    assert result.points == 14


def test_the_public_more_in_favour_and_one_point() -> None:
    assert compare(Side(40, 100), Side(52, 100)).sentence == (
        "Members 40% for, public 52% for: the public 12 points more in favour."
    )
    assert compare(Side(51, 100), Side(50, 100)).sentence.endswith(
        "members 1 point more in favour."
    )


def test_a_tie_says_no_difference() -> None:
    result = compare(Side(5, 10), Side(50, 100), what="for Bus lanes")
    assert result.sentence == "Members 50% for Bus lanes, public 50% for Bus lanes: no difference."
    assert result.points == 0


def test_too_few_ballots_are_not_compared() -> None:
    assert compare(Side(30, 40), Side(1, 2)).sentence == "Too few public ballots to compare."
    assert compare(Side(0, 0), Side(10, 20)).sentence == "Too few member ballots to compare."
    both = compare(Side(0, 0), Side(0, 0))
    assert both.sentence == "Too few member and public ballots to compare."
    assert both.points is None
    assert compare(Side(2, 3), Side(1, 3)).points == 34  # 3 is enough; 67 - 33


def test_impossible_sides_are_refused() -> None:
    with pytest.raises(ValueError):
        Side(5, 4)


@PROPERTY
@given(
    st.integers(0, 500).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
    st.integers(0, 500).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
)
def test_the_points_are_the_difference_of_the_percentages_shown(
    m: tuple[int, int], p: tuple[int, int]
) -> None:
    result = compare(Side(*m), Side(*p))
    if m[1] < 3 or p[1] < 3:
        assert result.points is None and result.sentence.startswith("Too few")
        return
    shown = [int(part.split("%")[0].split()[-1]) for part in result.sentence.split(",")[:2]]
    assert result.points == shown[0] - shown[1]


@dataclass(frozen=True)
class Row:
    channel: str
    group: str


def _rows(**sizes: int) -> list[Row]:
    return [Row("room", name) for name, n in sizes.items() for _ in range(n)]


def test_split_groups_and_hides_small_groups_with_the_next_smallest() -> None:
    rows = _rows(Patient=10, Carer=6, Staff=2)
    result = split(rows, lambda r: r.group)
    # Staff (2) alone would be told by subtraction: Carer is hidden with it.
    assert list(result.groups) == ["Patient"]
    assert len(result.groups["Patient"]) == 10
    assert result.hidden == 8


def test_split_keeps_every_group_when_all_are_big_enough() -> None:
    result = split(_rows(Patient=3, Carer=4), lambda r: r.group)
    assert {k: len(v) for k, v in result.groups.items()} == {"Carer": 4, "Patient": 3}
    assert result.hidden == 0


def test_split_hidden_ballots_may_stand_when_they_are_enough() -> None:
    # Staff (2) and Carer (1) are hidden together: 3 hidden ballots say nothing of either.
    result = split(_rows(Patient=10, Carer=1, Staff=2), lambda r: r.group)
    assert list(result.groups) == ["Patient"] and result.hidden == 3


def test_split_no_group_is_not_a_group_and_empty_input() -> None:
    result = split(_rows(**{"": 4, "Patient": 5}), lambda r: r.group or None)
    assert list(result.groups) == ["Patient"] and result.hidden == 4
    empty = split(list[Row](), lambda r: "x")
    assert empty.groups == {} and empty.hidden == 0


@PROPERTY
@given(
    st.lists(st.tuples(st.sampled_from(["", "a", "b", "c", "d"]), st.integers()), max_size=40),
    st.integers(min_value=1, max_value=6),
)
def test_split_never_shows_a_small_group_nor_lets_one_be_subtracted(
    rows: list[tuple[str, int]], k: int
) -> None:
    result = split(rows, lambda r: r[0], min_size=k)
    shown = sum(len(v) for v in result.groups.values())
    assert shown + result.hidden == len(rows)
    assert all(len(v) >= k for v in result.groups.values())
    assert result.hidden == 0 or result.hidden >= k or not result.groups
    for name, members in result.groups.items():
        assert all(r[0] == name for r in members)


@PROPERTY
@given(
    st.dictionaries(st.sampled_from(["", "a", "b", "c", "d"]), st.integers(0, 8), max_size=5),
    st.integers(min_value=1, max_value=6),
)
def test_a_weighted_split_of_counts_is_the_split_of_the_ballots(
    counts: dict[str, int], k: int
) -> None:
    """The console splits grouped counts (one row per group, weighed by its count): the same
    groups shown and hidden as one row per ballot."""
    ballots = [name for name, n in counts.items() for _ in range(n)]
    one_each = split(ballots, lambda b: b, min_size=k)
    weighed = split(counts.items(), lambda c: c[0], min_size=k, weight=lambda c: c[1])
    assert weighed.hidden == one_each.hidden
    assert {g: sum(n for _, n in items) for g, items in weighed.groups.items()} == {
        g: len(items) for g, items in one_each.groups.items()
    }
