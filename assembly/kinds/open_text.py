"""Open text: a short answer (up to 200 characters) per ballot, kept in ``marks``. The result is
a word cloud of the answers' normalised words (``assembly.outcomes.words``, drawn by
``assembly.outcomes.cloud``) and the list of answers; answers the facilitators hid
(``Ballot.hidden``) are in neither."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import repeat

from assembly.domain.refusal import short_text
from assembly.kinds.base import Answer, ByVoter, Form, Voters
from assembly.models import Poll
from assembly.outcomes.cloud import cloud_svg
from assembly.outcomes.words import count_word_sets, words_of

LONGEST = 200  # characters of one answer
LISTED = 50  # answers listed under the cloud (the most given first)


@lru_cache(maxsize=20_000)
def _words(answer: str) -> frozenset[str]:
    # Reading words is the costly part of a recount (words.py): each answer is read once.
    return frozenset(words_of(answer))


@dataclass(frozen=True)
class OpenTextResult:
    ballots: int
    answers: list[tuple[str, int]]  # the most given first, at most LISTED
    more: int  # distinct answers not listed
    words: list[tuple[str, int]]
    svg: str  # escaped by cloud.py: safe to put in a page as it is


def text_of(form_value: object) -> str:
    """A short answer as written (line breaks as one space), or a 422 sentence."""
    empty = "Your answer is empty. Write a few words, then send it."
    return short_text(form_value, LONGEST, "Your answer", empty, "send it")


class OpenText(ByVoter):
    name = "open_text"
    title = "Open text (short answers, word cloud)"
    form_template = "participant/kinds/_open_text.html"
    result_template = "results/_open_text.html"

    def parse(self, form: Form) -> Answer:
        return Answer(self.name, text=text_of(form.get("text")))

    def check(self, poll: Poll, offered: Sequence[int], answer: Answer) -> None:
        text_of(answer.text)

    def store(self, answer: Answer) -> tuple[int | None, str]:
        return None, answer.text

    def read(self, option_id: int | None, marks: str) -> Answer:
        return Answer(self.name, text=marks)

    def tally_voters(self, poll: Poll, offered: Sequence[int], voters: Voters) -> OpenTextResult:
        given: dict[str, int] = {}
        for (_, marks, *_), n in voters.items():
            if marks:
                given[marks] = given.get(marks, 0) + n
        ranked = sorted(given.items(), key=lambda tn: (-tn[1], tn[0].casefold(), tn[0]))
        words = count_word_sets(w for text, n in given.items() for w in repeat(_words(text), n))
        svg = cloud_svg(words, label="Word cloud of the answers")
        return OpenTextResult(
            sum(given.values()), ranked[:LISTED], max(0, len(ranked) - LISTED), words, svg
        )
