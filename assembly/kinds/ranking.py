"""Ranking: order the options (all of them, or the top ``rank_top``). Without JS the phone
shows one select per place; the answer is the option ids in place order."""

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
    ordinal,
    require_offered,
)
from assembly.kinds.tally import Ranked, borda
from assembly.models import Poll

MAX_PLACES = 50  # far more than any poll has options; bounds what a form may name


def places(poll: Poll, n_options: int) -> int:
    """How many places a ballot fills: ``rank_top`` if set (at most every option), else all."""
    return min(poll.rank_top or n_options, n_options)


class Ranking(OptionsInMarks):
    name = "ranking"
    title = "Ranking"
    form_template = "participant/kinds/_ranking.html"
    result_template = "results/_ranking.html"

    def parse(self, form: Form) -> Answer:
        ranked: list[int] = []
        for place in range(1, MAX_PLACES + 1):
            value = form.get(f"place{place}")
            if value is None:
                break
            if value == "":
                raise Refused(
                    f"The {ordinal(place)} place is empty. Choose an option for every place, "
                    "then vote.",
                    422,
                )
            option = option_id_of(value)
            if option in ranked:
                raise Refused(
                    f"The same option is in {ordinal(ranked.index(option) + 1)} and "
                    f"{ordinal(place)} place. Choose a different option for each place.",
                    422,
                )
            ranked.append(option)
        if not ranked:
            raise Refused("Choose an option for every place, then vote.", 422)
        return Answer(self.name, tuple(ranked))

    def check(self, poll: Poll, offered: Sequence[int], answer: Answer) -> None:
        require_offered(offered, answer.options)
        wanted = places(poll, len(offered))
        if len(answer.options) != wanted:
            raise Refused(
                f"This poll ranks {wanted} places; your ballot fills {len(answer.options)}. "
                "Choose an option for every place, then vote.",
                422,
            )

    def tally(self, poll: Poll, offered: Sequence[int], groups: Groups) -> Ranked:
        return borda(by_marks(groups), offered)
