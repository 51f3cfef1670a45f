"""A poll in the report: its result as a chart, its sentences, and what is left out.

Secret polls are shown as totals only (no members and public side by side, no splits), as
exports show them; columns too small to show stay hidden as the console hides them
(``results.side_by_side`` gives no columns under ``compare.MIN_SIZE``).
"""

from __future__ import annotations

from dataclasses import dataclass

from assembly.domain import PollView, results
from assembly.outcomes.shares import percent
from assembly.report.charts import Chart, share_text

KIND_NAMES = {
    "single": "One choice",
    "multiple": "Several choices",
    "scale": "Scale",
    "ranking": "Ranking",
    "statements": "Statements",
    "open_text": "Open text",
}


@dataclass(frozen=True)
class PollReport:
    view: PollView
    chart: Chart | None
    notes: list[str]  # what the reader should know: secret, never shown, members only …
    sides_sentence: str  # members and public compared, in words ("" when not both voted)

    @property
    def question(self) -> str:
        return self.view.poll.question

    @property
    def summary(self) -> str:
        return self.view.summary

    @property
    def outcome(self) -> str:
        return self.view.outcome

    @property
    def kind(self) -> str:
        return KIND_NAMES.get(self.view.poll.kind, self.view.poll.kind)


def _plural(n: int, one: str, many: str) -> str:
    return f"{n:,} {one if n == 1 else many}"


def _notes(view: PollView) -> list[str]:
    poll, notes = view.poll, []
    if poll.audience == "members":
        notes.append("Members only.")
    elif poll.audience == "room":
        notes.append("In the room only.")
    if poll.secret:
        notes.append("Secret ballot: only the totals are shown.")
    if poll.results == "never":
        notes.append("Its result was never shown in the room.")
    elif poll.results == "on_reveal" and poll.revealed_at is None:
        notes.append("Its result was not revealed in the room.")
    if poll.status == "open":
        notes.append("Still open: the figures may change.")
    return notes


def _statements_chart(view: PollView, chart_id: str) -> Chart | None:
    r = view.result
    rows = [(view.label(s.statement), s.everyone) for s in r.statements]
    if not rows:
        return None
    values, texts = [], []
    for _, t in rows:
        agree, disagree, passed = t.percentages()
        values.append([agree])
        texts.append([f"{agree}% agree · {disagree}% disagree · {passed}% pass ({t.answers:,})"])
    return Chart(
        chart_id,
        view.poll.question,
        view.summary + " Bars show the share that agrees with each statement.",
        [label for label, _ in rows],
        ["Agree"],
        values,
        texts,
        heading="Statement",
        titled=False,
    )


def poll_chart(view: PollView, chart_id: str) -> Chart | None:
    """The poll's result as a bar chart: members and public side by side when both voted in
    numbers large enough to show (``results.side_by_side`` decides, as for the room; a secret
    poll's ballots carry the voter's role, not the voter), else everyone's totals."""
    if view.poll.kind == "statements":
        return _statements_chart(view, chart_id)
    rows = results.rows_of(view, view.groups)
    if rows is None or not view.ballots:
        return None
    what = "first preferences" if view.poll.kind == "ranking" else "ballots"
    sides = view.sides
    if sides is not None and sides.columns:
        series = [c.name for c in sides.columns]
        values = [[c.rows[i][2] for c in sides.columns] for i in range(len(rows))]
        texts = [
            [share_text(c.rows[i][1], c.rows[i][2]) for c in sides.columns]
            for i in range(len(rows))
        ]
        caption = " and ".join(
            f"{c.name.lower()}: {_plural(c.ballots, 'ballot', 'ballots')}" for c in sides.columns
        )
        description = (
            f"{view.summary} Members and public side by side, as shares of each side's {what}."
        )
    else:
        n = view.ballots
        series = ["Everyone"]
        caption = _plural(n, "ballot", "ballots")
        values = [[percent(c, n)] for _, c in rows]
        texts = [[share_text(c, percent(c, n))] for _, c in rows]
        description = f"{view.summary} Bars show shares of the {_plural(n, 'ballot', 'ballots')}."
    return Chart(
        chart_id,
        view.poll.question,
        description,
        [label for label, _ in rows],
        series,
        values,
        texts,
        caption=caption[:1].upper()
        + caption[1:]
        + ("; bars show first preferences." if what != "ballots" else "."),
        heading="Point" if view.poll.kind == "scale" else "Answer",
        titled=False,
    )


def poll_report(view: PollView, chart_id: str) -> PollReport:
    """What the report says of one poll."""
    sides = view.sides
    sentence = sides.sentence if sides is not None and sides.columns else ""
    return PollReport(view, poll_chart(view, chart_id), _notes(view), sentence)
