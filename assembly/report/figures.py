"""What difference involvement made: the figures at the top of the outcomes report.

Pure: the counts and times come in (``assembly.report.read`` reads them) and plain numbers and
sentences come out, so every figure is tested without a database. docs/report.md says how each
is computed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from assembly.models import CHANNELS, OUTCOMES, aware
from assembly.outcomes.shares import percent, percentages
from assembly.outcomes.voice import Counts

ROLE_LABELS = {
    "public": "Public",
    "member": "Members",
    "observer": "Observers",
}
NO_GROUP = "No group given"


@dataclass(frozen=True)
class Tally:
    """Counts under labels, in the order shown, with whole percentages summing to 100."""

    rows: list[tuple[str, int, int]]  # label, count, percent
    total: int


def tally(counts: Iterable[tuple[str, int]]) -> Tally:
    """``counts`` (label, n) as a ``Tally``; labels with 0 are kept, so a zero is said."""
    pairs = list(counts)
    shares = percentages([n for _, n in pairs])
    rows = [(label, n, p) for (label, n), p in zip(pairs, shares, strict=True)]
    return Tally(rows, sum(n for _, n in pairs))


def by_channel(counts: Mapping[str, int], labels: Mapping[str, str]) -> Tally:
    """Every channel, in the fixed order, the silent ones as 0 (equal treatment is visible)."""
    return tally((labels.get(ch, ch), int(counts.get(ch, 0))) for ch in CHANNELS)


def by_role(counts: Mapping[str, int]) -> Tally:
    """Public, members and observers, then any other role the data holds."""
    order = list(ROLE_LABELS) + sorted(set(counts) - set(ROLE_LABELS))
    return tally((ROLE_LABELS.get(r, r.title()), int(counts.get(r, 0))) for r in order)


def by_group(counts: Mapping[str, int]) -> Tally:
    """Stakeholder groups, largest first (ties by name); no group given last."""
    named = sorted(((g, n) for g, n in counts.items() if g), key=lambda gn: (-gn[1], gn[0]))
    rest = [(NO_GROUP, counts[""])] if counts.get("") else []
    return tally(named + rest)


@dataclass(frozen=True)
class Outcomes:
    """What became of the contributions: a ``Tally`` per outcome, and the reasons given for
    not taking one forward, each with how many contributions it was given for."""

    tally: Tally
    settled: int  # answered, taken forward or not taken forward
    reasons: list[tuple[str, int]] = field(default_factory=list)


def outcomes(counts: Mapping[str, int], reasons: Iterable[str]) -> Outcomes:
    """``counts``: contributions per outcome; ``reasons``: one per contribution not taken
    forward (blank ones dropped; the same words given twice are listed once, counted twice)."""
    t = tally((label, int(counts.get(key, 0))) for key, label in OUTCOMES.items())
    said = Counter(r.strip() for r in reasons if r.strip())
    listed = sorted(said.items(), key=lambda rn: (-rn[1], rn[0]))
    settled = t.total - int(counts.get("open", 0))
    return Outcomes(t, settled, listed)


def median(values: Sequence[float]) -> float | None:
    """The middle value (the mean of the two middle ones for an even count); None for none."""
    if not values:
        return None
    ordered = sorted(values)
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return float(ordered[mid])
    return (ordered[mid - 1] + ordered[mid]) / 2


def response_delays(pairs: Iterable[tuple[datetime, datetime | None]]) -> list[float]:
    """Seconds from each contribution to its first response (``None``: never responded to,
    left out); a response stamped before its contribution (clock skew) counts as 0."""
    return [
        max(0.0, (aware(first) - aware(posted)).total_seconds())
        for posted, first in pairs
        if first is not None
    ]


def duration_text(seconds: float | None) -> str:
    """A duration as people read it: "45 s", "12 min", "2 h 05 min", "3 days 4 h"."""
    if seconds is None:
        return "no responses yet"
    s = round(seconds)
    if s < 60:
        return f"{s} s"
    minutes = round(s / 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, rest = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {rest:02d} min"
    days, hours = divmod(hours, 24)
    return f"{days} days {hours} h"


@dataclass(frozen=True)
class OnlineVoice:
    """Online's share of the people, of the contributions and of the items surfaced
    (featured or answered), and the sentence that compares them."""

    people: int  # percent of participants who joined online
    contributions: int  # percent of contributions from online
    surfaced: int  # percent of featured-or-answered items from online
    sentence: str


def online_voice(people: Mapping[str, int], counts: Mapping[str, Counts]) -> OnlineVoice:
    """Online's share of voice against its share of people, in numbers and one sentence."""
    joined = sum(people.values())
    said = sum(c.contributions for c in counts.values())
    surfaced = sum(c.surfaced for c in counts.values())
    online = counts.get("online", Counts())
    of_people = percent(people.get("online", 0), joined)
    of_said = percent(online.contributions, said)
    of_surfaced = percent(online.surfaced, surfaced)
    if not joined or not said:
        sentence = "Nobody has taken part yet, so there is no share of voice to compare."
    else:
        sentence = (
            f"People online were {of_people}% of those who took part and gave {of_said}% "
            "of the contributions"
        )
        if surfaced:
            sentence += f"; {of_surfaced}% of the items featured or answered came from online"
        sentence += "."
        if of_said < of_people:
            sentence += " Online was heard less than its share of the people."
        elif surfaced and of_surfaced < of_said:
            sentence += " Online was surfaced less than it spoke."
    return OnlineVoice(of_people, of_said, of_surfaced, sentence)
