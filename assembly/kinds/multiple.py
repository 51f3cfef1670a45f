"""Multiple choice: up to ``max_choices`` options per ballot (any number when unset)."""

from __future__ import annotations

from collections.abc import Sequence

from assembly.domain.refusal import Refused
from assembly.kinds.base import (
    Answer,
    Form,
    Groups,
    OptionsInMarks,
    by_marks,
    option_id_of,
    require_offered,
)
from assembly.kinds.tally import ChoiceCount, count_choices
from assembly.models import Poll


class Multiple(OptionsInMarks):
    name = "multiple"
    title = "Multiple choice"
    form_template = "participant/kinds/_multiple.html"
    result_template = "results/_multiple.html"

    def parse(self, form: Form) -> Answer:
        chosen = [option_id_of(v) for v in form.getlist("option")]
        if not chosen:
            raise Refused("Tick at least one option, then vote.", 422)
        return Answer(self.name, tuple(sorted(set(chosen))))

    def check(self, poll: Poll, offered: Sequence[int], answer: Answer) -> None:
        require_offered(offered, answer.options)
        most = poll.max_choices
        if most is not None and len(answer.options) > most:
            raise Refused(
                f"You ticked {len(answer.options)} options; this poll takes at most {most}. "
                "Untick some, then vote.",
                422,
            )

    def tally(self, poll: Poll, offered: Sequence[int], groups: Groups) -> ChoiceCount:
        return count_choices(by_marks(groups), offered)
