"""A support scale of 2–10 points with two end labels: one point per ballot."""

from __future__ import annotations

from collections.abc import Sequence

from assembly.domain.refusal import Refused
from assembly.kinds.base import Answer, Form, Groups, by_marks
from assembly.kinds.tally import ScaleSummary, summarise_scale
from assembly.models import Poll
from assembly.plan.rules import DEFAULT_LABELS


def labels_of(poll: Poll) -> tuple[str, str]:
    """The scale's two end labels (the defaults when the poll has none)."""
    labels = poll.labels or []
    return (labels[0], labels[1]) if len(labels) == 2 else DEFAULT_LABELS


class Scale:
    name = "scale"
    title = "Support scale"
    form_template = "participant/kinds/_scale.html"
    result_template = "results/_scale.html"

    def parse(self, form: Form) -> Answer:
        value = form.get("value")
        try:
            point = int(value if isinstance(value, str) else "")
        except ValueError:
            raise Refused("Choose a point on the scale, then vote.", 422) from None
        return Answer(self.name, (), point)

    def check(self, poll: Poll, offered: Sequence[int], answer: Answer) -> None:
        if answer.value is None or not 1 <= answer.value <= poll.points:
            raise Refused(
                f"This scale runs from 1 to {poll.points}. Choose one of its points, then vote.",
                422,
            )

    def store(self, answer: Answer) -> tuple[int | None, str]:
        return None, str(answer.value)

    def read(self, option_id: int | None, marks: str) -> Answer:
        return Answer(self.name, (), int(marks) if marks.strip().isdigit() else None)

    def tally(self, poll: Poll, offered: Sequence[int], groups: Groups) -> ScaleSummary:
        values = [(v[0], n) for v, n in by_marks(groups).items() if len(v) == 1]
        return summarise_scale(values, poll.points)
