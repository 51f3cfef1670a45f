"""Secret polls: when a tally may be published, and rows written shuffled and without time."""

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assembly.outcomes.secrecy import LOWEST_ID, secret_ids, secret_rows, should_publish, shuffled
from tests.outcomes_helpers import PROPERTY


def test_publish_after_k_new_ballots_or_at_close() -> None:
    assert should_publish(5, 0, closed=False)
    assert not should_publish(4, 0, closed=False)
    assert not should_publish(9, 5, closed=False)
    assert should_publish(10, 5, closed=False)
    assert should_publish(6, 5, closed=True)  # at close, whatever came in
    assert should_publish(0, 0, closed=True)
    assert not should_publish(0, 0, closed=False)
    assert should_publish(2, 0, closed=False, k=2)


def test_k_below_one_is_refused() -> None:
    with pytest.raises(ValueError):
        should_publish(3, 0, closed=False, k=0)


@PROPERTY
@given(
    st.integers(min_value=0, max_value=10**6),
    st.integers(min_value=0, max_value=10**6),
    st.integers(min_value=1, max_value=50),
)
def test_never_published_with_fewer_than_k_new_ballots_before_close(
    now: int, last: int, k: int
) -> None:
    if should_publish(now, last, closed=False, k=k):
        assert now - last >= k
    else:
        assert now - last < k
    assert should_publish(now, last, closed=True, k=k)


def test_shuffled_keeps_every_row_and_empty_stays_empty() -> None:
    rows = list(range(200))
    out = shuffled(rows)
    assert sorted(out) == rows
    assert out != rows  # the chance of 200 rows staying in order is 1 in 200!
    assert rows == list(range(200))  # the input is not changed
    assert shuffled([]) == []


def test_shuffled_orders_are_not_repeated() -> None:
    rows = list(range(30))
    assert len({tuple(shuffled(rows)) for _ in range(20)}) == 20


def test_secret_rows_have_the_opening_time_and_no_participant() -> None:
    opened = datetime(2026, 3, 14, 10, 0, tzinfo=UTC)
    rows = [
        {"poll_id": 1, "option_id": i % 3, "channel": "room", "cast_at": datetime.now(UTC)}
        for i in range(50)
    ]
    out = secret_rows(rows, opened)
    assert all(r["cast_at"] == opened for r in out)
    assert sorted(r["option_id"] for r in out) == sorted(r["option_id"] for r in rows)  # type: ignore[type-var]
    assert all(r["cast_at"] != opened for r in rows)  # the given rows are left alone
    assert secret_rows([], opened) == []
    assert secret_rows([{"participant_id": None}], opened) == [
        {"participant_id": None, "cast_at": opened}
    ]


def test_a_row_naming_its_voter_is_refused() -> None:
    with pytest.raises(ValueError):
        secret_rows([{"poll_id": 1, "participant_id": "p-123"}], datetime.now(UTC))


def test_secret_ids_are_distinct_negative_32_bit_and_unordered() -> None:
    ids = secret_ids(1000)
    assert len(set(ids)) == 1000 and all(LOWEST_ID <= i < 0 for i in ids)
    assert ids != sorted(ids) and ids != sorted(ids, reverse=True)
    assert secret_ids(0) == []
