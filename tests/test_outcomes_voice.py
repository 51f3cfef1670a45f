"""Share of voice as a pure function (assembly/outcomes/voice.py)."""

from __future__ import annotations

from assembly.outcomes.voice import Counts, seconds_text, share_of_voice


def test_every_channel_and_measure_is_there_even_when_nothing_was_said() -> None:
    voice = share_of_voice({}, {})
    assert set(voice.values) == {"contributions", "upvotes", "featured", "answered", "speaking"}
    for measure in voice.values:
        assert voice.values[measure] == dict.fromkeys(
            ("room", "online", "table", "paper", "external"), 0
        )
        assert sum(voice.shares[measure].values()) == 0
    assert (voice.under_surfaced, voice.sentence) == (False, "")


def test_shares_are_whole_percentages_that_sum_to_100() -> None:
    counts = {"room": Counts(1, 5), "online": Counts(1, 2), "paper": Counts(1, 0)}
    voice = share_of_voice(counts, {"room": 200, "online": 100, "nowhere": 50})
    assert voice.shares["contributions"] == {
        "room": 34, "online": 33, "table": 0, "paper": 33, "external": 0
    }  # fmt: skip
    assert voice.values["upvotes"]["room"] == 5 and voice.totals["upvotes"] == 7
    assert voice.values["speaking"] == {
        "room": 200, "online": 100, "table": 0, "paper": 0, "external": 0
    }  # fmt: skip
    assert voice.shares["speaking"]["room"] == 67


def test_online_under_surfaced_when_its_share_of_featured_and_answered_is_lower() -> None:
    counts = {
        "room": Counts(contributions=4, featured=2, answered=1, surfaced=3),
        "online": Counts(contributions=4, featured=0, answered=1, surfaced=1),
    }
    voice = share_of_voice(counts, {})
    assert voice.under_surfaced
    assert voice.sentence.startswith("Online voices are under-surfaced: online gave 50% of the")
    assert "25% of the featured and answered items (1 of 4)" in voice.sentence


def test_online_heard_in_proportion_or_more_is_not_flagged() -> None:
    even = {"room": Counts(2, surfaced=1), "online": Counts(2, surfaced=1)}
    assert not share_of_voice(even, {}).under_surfaced
    more = {"room": Counts(3, surfaced=0), "online": Counts(1, surfaced=1)}
    assert not share_of_voice(more, {}).under_surfaced


def test_nothing_to_say_before_anything_is_surfaced_or_without_online_voices() -> None:
    assert not share_of_voice({"online": Counts(3), "room": Counts(1)}, {}).under_surfaced
    assert not share_of_voice({"room": Counts(3, surfaced=2)}, {}).under_surfaced


def test_speaking_time_reads_as_minutes_and_seconds() -> None:
    assert [seconds_text(s) for s in (0, 50, 60, 245, -3)] == [
        "0 s", "50 s", "1 min 00 s", "4 min 05 s", "0 s"
    ]  # fmt: skip
