"""What a poll's result says beyond its tally: who may see it yet, whether it carried (majority
and quorum, ``outcomes.rules``), members and public side by side and the splits by channel and
group (``outcomes.compare``). Pure functions of a ``PollView``; docs/results.md says them in words.

"For" per kind (docs/results.md, "What counts as for"):

* single, as a motion: options For / Against, and optionally Abstain (also Yes / No, Agree /
  Disagree …, in that order): the first is for, the second against, the third an abstention.
* single, any other options, and ranking: the leading option (ranking: by first preferences)
  against all the other ballots.
* scale: points above the middle are for, below it against, the middle point (odd scales) an
  abstention.
* multiple, and kinds not listed here: no majority rule (several options can be chosen); the
  quorum is still said, and splits show each column's ballots.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from assembly.outcomes import compare, rules
from assembly.outcomes.shares import percent

if TYPE_CHECKING:
    from assembly.domain.pollview import PollView

# (option_id, marks, channel, role, group_name) -> ballots: the one grouped read of a poll.
Cell = tuple[int | None, str, str, str, str]
Groups = dict[tuple[int | None, str], int]

FOR = {"for", "yes", "agree", "approve", "support", "aye", "in favour", "in favor"}
AGAINST = {"against", "no", "disagree", "reject", "oppose", "nay"}
ABSTAIN = {"abstain", "abstention", "pass", "neither", "no opinion", "undecided", "don't know"}
MAJORITY_KINDS = ("single", "scale", "ranking")  # where a majority rule means something


def shown_to_room(view: PollView) -> bool:
    """Whether phones and the screen may see the tally (else only the number of ballots)."""
    results = view.poll.results
    return results == "live" or (results == "on_reveal" and view.poll.revealed_at is not None)


def is_motion(view: PollView) -> bool:
    labels = [_word(o.label) for o in view.options]
    if view.poll.kind != "single" or len(labels) not in (2, 3):
        return False
    return labels[0] in FOR and labels[1] in AGAINST and all(x in ABSTAIN for x in labels[2:])


def _word(label: str) -> str:
    return label.strip().strip(".!:").lower()


def rows_of(view: PollView, groups: Groups) -> list[tuple[str, int]] | None:
    """What a column of a split or a side shows: (label, ballots) per option or point, from
    the kind's own tally of ``groups``; None for kinds that show only their ballots here."""
    if view.poll.kind not in ("single", "multiple", "ranking", "scale"):
        return None
    result = view.kind.tally(view.poll, [o.id for o in view.options], groups)
    per_option: Mapping[int, int] | None = {
        "single": lambda: result,
        "multiple": lambda: result.counts,
        "ranking": lambda: result.first,
    }.get(view.poll.kind, lambda: None)()
    if per_option is not None:
        return [(o.label, per_option.get(o.id, 0)) for o in view.options]
    if view.poll.kind == "scale":
        low, high = view.scale_labels
        ends = {1: f"1 · {low}", result.points: f"{result.points} · {high}"}
        return [(ends.get(v, str(v)), n) for v, n in result.distribution.items()]
    return None


@dataclass(frozen=True)
class Stance:
    """The deciding numbers: votes for, against, abstentions, and what "for" means."""

    votes_for: int
    against: int
    abstain: int
    what: str  # "for", "for Bus lanes", "with Trams first"


def _leader(view: PollView) -> int | None:
    """The option the whole room's result puts first (ties: the earlier option)."""
    if not view.options or not view.ballots:
        return None
    if view.poll.kind not in ("single", "multiple", "ranking"):
        return None
    if view.poll.kind == "ranking":
        order: list[int] = view.result.order
        return order[0] if order else None
    counts = view.result if view.poll.kind == "single" else view.result.counts
    return max((o.id for o in view.options), key=lambda oid: counts.get(oid, 0))


def stance(view: PollView, groups: Groups) -> Stance | None:
    kind = view.poll.kind
    if kind == "scale":
        mid = (view.poll.points + 1) / 2
        values = view.kind.tally(view.poll, [], groups).distribution
        above = sum(n for v, n in values.items() if v > mid)
        below = sum(n for v, n in values.items() if v < mid)
        return Stance(above, below, sum(values.values()) - above - below, "for")
    rows = rows_of(view, groups) if kind in ("single", "ranking", "multiple") else None
    if rows is None:
        return None
    if is_motion(view):
        third = rows[2][1] if len(rows) > 2 else 0
        return Stance(rows[0][1], rows[1][1], third, "for")
    leader = _leader(view)
    if leader is None:
        return None
    n = dict(rows)[view.label(leader)]
    ballots = sum(groups.values())
    what = f"with {view.label(leader)} first" if kind == "ranking" else f"for {view.label(leader)}"
    return Stance(n, ballots - n, 0, what)


def _groups(view: PollView, keep: Callable[[Cell], bool]) -> Groups:
    out: Groups = {}
    for cell, n in view.cells.items():
        if keep(cell):
            out[cell[:2]] = out.get(cell[:2], 0) + n
    return out


def _role(role: str) -> Callable[[Cell], bool]:
    return lambda cell: cell[3] == role


def member_ballots(view: PollView) -> int:
    return sum(n for cell, n in view.cells.items() if cell[3] == "member")


def outcome(view: PollView) -> str:
    """Whether the majority and the quorum were met, in words ("" when the poll has neither).
    When members voted, their ballots decide and the public's view is advisory."""
    if view.groups and not view.cells:  # a secret poll's published tally: said at its close
        return ""
    poll, members = view.poll, member_ballots(view)
    quorum, checked_in = poll.quorum, view.checked_in or 0
    rule: Any = poll.majority
    if rule == "none" or poll.kind not in MAJORITY_KINDS:
        return rules.quorum_sentence(quorum, checked_in, members) if quorum is not None else ""
    deciding = _groups(view, _role("member")) if members else view.groups
    advisory = view.ballots - members if members else 0
    note = f"Members' ballots decide; the public's {advisory:,} are advisory. " if advisory else ""
    counts = (quorum, checked_in, members)
    if poll.kind == "single" and not is_motion(view) or poll.kind == "ranking":
        options = rows_of(view, deciding) or []
        said = rules.choice_outcome(options, rule, *counts).sentence
        return note + ("First preferences: " if poll.kind == "ranking" else "") + said
    s = stance(view, deciding)
    if s is None:
        return ""
    return note + rules.motion_outcome(s.votes_for, s.against, s.abstain, rule, *counts).sentence


@dataclass(frozen=True)
class Column:
    name: str
    ballots: int
    rows: list[tuple[str, int, int]]  # label, ballots, percent of the column's ballots


@dataclass(frozen=True)
class Table:
    """Columns side by side (members and public, room and online, groups); ``hidden``: the
    ballots of groups too small to show (``compare.split``)."""

    title: str
    columns: list[Column]
    hidden: int = 0
    sentence: str = ""


def _column(view: PollView, name: str, groups: Groups) -> Column:
    ballots = sum(groups.values())
    rows = [(label, n, percent(n, ballots)) for label, n in rows_of(view, groups) or []]
    return Column(name, ballots, rows)


def split_by(view: PollView, title: str, index: int, names: Mapping[str, str]) -> Table:
    """The result per value of one of the cell's keys (2 channel, 3 role, 4 group)."""

    def key(item: tuple[Cell, int]) -> str:
        return str(item[0][index] or "")

    # Grouped cells weighted by their counts: as cheap at 10,000 ballots as at 10.
    shown = compare.split(view.cells.items(), key, weight=lambda item: item[1])
    columns = []
    for name, items in shown.groups.items():
        groups: Groups = {}
        for cell, n in items:
            groups[cell[:2]] = groups.get(cell[:2], 0) + n
        columns.append(_column(view, names.get(name, name), groups))
    return Table(title, columns, shown.hidden)


def side_by_side(view: PollView) -> Table | None:
    """Members and the public, when both voted: the two columns and the difference in words;
    the columns only when each side has at least ``compare.MIN_SIZE`` ballots."""
    members, public = _groups(view, _role("member")), _groups(view, _role("public"))
    if not members or not public:
        return None
    m, p = stance(view, members), stance(view, public)
    if m is None or p is None:
        sentence = ""
    else:
        sides = [compare.Side(s.votes_for, s.votes_for + s.against) for s in (m, p)]
        sentence = compare.compare(sides[0], sides[1], what=m.what).sentence
    if min(sum(members.values()), sum(public.values())) < compare.MIN_SIZE:
        return Table("Members and public", [], 0, sentence)
    columns = [_column(view, "Members", members), _column(view, "Public", public)]
    return Table("Members and public", columns, 0, sentence)


CHANNELS = {"room": "In the room", "online": "Online"}


def splits(view: PollView) -> list[Table]:
    """The console's splits: by channel and by stakeholder group."""
    return [
        split_by(view, "By channel", 2, CHANNELS),
        split_by(view, "By group", 4, {}),
    ]


def summary(view: PollView) -> str:
    """One sentence a screen reader reads before the figures: who leads, or the scale's mean."""
    n = view.ballots
    if not n:
        return "No ballots yet."
    if view.poll.kind == "scale":
        mean, median = view.result.mean, view.result.median
        return (
            f"Mean {mean:.1f}, median {median:g}, from {n:,} {'ballot' if n == 1 else 'ballots'}."
        )
    rows = rows_of(view, view.groups)
    leader = _leader(view)
    if rows is None or leader is None:
        return f"{_plural(n)}."
    top = dict(rows)[view.label(leader)]
    tied = [label for label, c in rows if c == top]
    level, each = " and ".join(tied), " each" if len(tied) > 1 else ""
    if view.poll.kind == "ranking":
        points = view.result.points
        first = [view.label(o) for o in view.result.order if points[o] == points[leader]]
        if len(first) > 1:
            return (
                f"{' and '.join(first)} tie first by Borda count, {points[leader]:,} points each."
            )
        return f"{first[0]} comes first by Borda count; {top:,} of {_plural(n)} put it first."
    if view.poll.kind == "multiple":
        return f"Chosen most: {level}, on {top:,} of {_plural(n)}{each}."
    if each:
        return f"{level} tie with {top:,} of {_plural(n)} each."
    return f"{level} leads with {top:,} of {_plural(n)} ({percent(top, n)}%)."


def _plural(n: int) -> str:
    return f"{n:,} ballot" if n == 1 else f"{n:,} ballots"
