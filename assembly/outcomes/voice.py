"""Share of voice: who is heard, by channel, as plain numbers and percentages.

Pure: the counts come in (``assembly.domain.outcomes.voice_counts`` reads them, the speaker
queue gives speaking seconds) and a ``Voice`` comes out, with the sentence the console shows
when online voices are under-surfaced.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction

from assembly.models.base import CHANNELS
from assembly.outcomes.shares import percent, percentages

# The measures, in the order the console shows them, with their headings.
MEASURES = (
    ("contributions", "Contributions"),
    ("upvotes", "Upvotes"),
    ("featured", "Featured"),
    ("answered", "Answered"),
    ("speaking", "Speaking"),
)


@dataclass(frozen=True)
class Counts:
    """One channel's numbers. ``surfaced``: items featured or answered (each counted once)."""

    contributions: int = 0
    upvotes: int = 0
    featured: int = 0
    answered: int = 0
    surfaced: int = 0


@dataclass(frozen=True)
class Voice:
    """Each measure's value and whole percentage by channel, and what the console says."""

    values: dict[str, dict[str, int]] = field(default_factory=dict)  # measure -> channel -> n
    shares: dict[str, dict[str, int]] = field(default_factory=dict)  # measure -> channel -> %
    totals: dict[str, int] = field(default_factory=dict)  # measure -> n
    under_surfaced: bool = False
    sentence: str = ""


def share_of_voice(counts: Mapping[str, Counts], speaking: Mapping[str, int]) -> Voice:
    """The share of each channel in each measure (``speaking``: seconds by channel; channels
    not named count as 0, unknown ones are ignored)."""
    values: dict[str, dict[str, int]] = {}
    for measure, _ in MEASURES:
        if measure == "speaking":
            values[measure] = {ch: max(0, int(speaking.get(ch, 0))) for ch in CHANNELS}
        else:
            values[measure] = {ch: getattr(counts.get(ch, Counts()), measure) for ch in CHANNELS}
    shares = {
        m: dict(zip(CHANNELS, percentages([v[ch] for ch in CHANNELS]), strict=True))
        for m, v in values.items()
    }
    totals = {m: sum(v.values()) for m, v in values.items()}
    under, sentence = _online_heard(counts)
    return Voice(values, shares, totals, under, sentence)


def _online_heard(counts: Mapping[str, Counts]) -> tuple[bool, str]:
    """Whether online's share of the featured and answered items is below its share of the
    contributions, and the sentence that says so. Nothing to say before anything is surfaced
    or while nobody online has said anything."""
    said = sum(counts.get(ch, Counts()).contributions for ch in CHANNELS)
    surfaced = sum(counts.get(ch, Counts()).surfaced for ch in CHANNELS)
    online = counts.get("online", Counts())
    if not said or not surfaced or not online.contributions:
        return False, ""
    of_said = Fraction(online.contributions, said)
    of_surfaced = Fraction(online.surfaced, surfaced)
    if of_surfaced >= of_said:
        return False, ""
    return True, (
        f"Online voices are under-surfaced: online gave {percent(online.contributions, said)}% "
        f"of the contributions but has {percent(online.surfaced, surfaced)}% of the featured "
        "and answered items "
        f"({online.surfaced} of {surfaced}). Consider featuring or answering one from online."
    )


def seconds_text(seconds: int) -> str:
    """Speaking time as people read it: "4 min 05 s", "50 s"."""
    minutes, rest = divmod(max(0, seconds), 60)
    return f"{minutes} min {rest:02d} s" if minutes else f"{rest} s"
