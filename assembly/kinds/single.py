"""Single choice: one option per ballot. Its ballots keep the choice in ``option_id`` alone
(no marks), so the hot path stores and counts them exactly as before kinds existed."""

from __future__ import annotations

from collections.abc import Sequence

from assembly.kinds.base import Answer, Form, Groups, option_id_of, require_offered
from assembly.models import Poll


class Single:
    name = "single"
    title = "Single choice"
    form_template = "participant/kinds/_single.html"
    result_template = "results/_single.html"

    def parse(self, form: Form) -> Answer:
        return Answer(self.name, (option_id_of(form.get("option")),))

    def check(self, poll: Poll, offered: Sequence[int], answer: Answer) -> None:
        require_offered(offered, answer.options)

    def store(self, answer: Answer) -> tuple[int | None, str]:
        return answer.options[0], ""

    def read(self, option_id: int | None, marks: str) -> Answer:
        return Answer(self.name, (option_id,) if option_id is not None else ())

    def tally(self, poll: Poll, offered: Sequence[int], groups: Groups) -> dict[int, int]:
        counts: dict[int, int] = {}
        for (option_id, _), n in groups.items():
            if option_id is not None:
                counts[option_id] = counts.get(option_id, 0) + n
        return counts
