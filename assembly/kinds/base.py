"""What every poll kind does: read a phone's form into an answer, check it against the poll,
store it as marks, and count the ballots."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from assembly.domain.refusal import Refused
from assembly.models import Poll

# The ballots of one poll, grouped by what they say: (option_id, marks) -> number of ballots.
Groups = Mapping[tuple[int | None, str], int]
# ... and by who said it, hidden answers left out (``ByVoter`` kinds):
# (option_id, marks, channel, role, group_name) -> number of ballots.
Voters = Mapping[tuple[int | None, str, str, str, str], int]

ORDINALS = ("1st", "2nd", "3rd")


def ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th … (places in a ranking)."""
    return ORDINALS[n - 1] if 0 < n <= len(ORDINALS) else f"{n}th"


class Form(Protocol):
    """A submitted form (Starlette's ``FormData`` or a plain test double)."""

    def get(self, key: str, /) -> Any: ...

    def getlist(self, key: str, /) -> list[Any]: ...


@dataclass(frozen=True)
class Answer:
    """One ballot's answer: the options chosen (single, multiple) or ranked, in place order
    (ranking); the point chosen on a scale; the statements answered with their ``stances``
    (a, d or p, in the same order: statements); or a short ``text`` (open_text)."""

    kind: str
    options: tuple[int, ...] = ()
    value: int | None = None
    stances: tuple[str, ...] = ()
    text: str = ""

    def stance(self, option: int) -> str:
        """The stance given on a statement ("" if none)."""
        return dict(zip(self.options, self.stances, strict=False)).get(option, "")


class PollKind(Protocol):
    """A kind of poll, as data: the registry in ``assembly.kinds`` maps names to these."""

    name: str
    title: str  # what organisers see in the kind select
    form_template: str  # the phone's ballot form (participant/kinds/…)
    result_template: str  # the result, on screen, phones and console (results/…)

    def parse(self, form: Form) -> Answer:
        """The answer a phone's form gives, or a 422 ``Refused`` (nothing stored)."""
        ...

    def check(self, poll: Poll, offered: Sequence[int], answer: Answer) -> None:
        """Refuse an answer this poll does not take (``offered``: its option ids, in order)."""
        ...

    def store(self, answer: Answer) -> tuple[int | None, str]:
        """The ballot's ``option_id`` and ``marks`` for this answer."""
        ...

    def read(self, option_id: int | None, marks: str) -> Answer:
        """The answer a stored ballot holds."""
        ...

    def tally(self, poll: Poll, offered: Sequence[int], groups: Groups) -> Any:
        """The result its template draws, from a pure function of ``assembly.kinds.tally``."""
        ...


def option_id_of(option: object) -> int:
    """An option id a form names, or a 422 sentence."""
    try:
        option_id = int(option if isinstance(option, str) else "")
    except ValueError:
        raise Refused("Choose one of the options, then vote.", 422) from None
    if not 0 < option_id < 2**63:
        raise Refused("That option is not part of this poll. Reload and choose again.", 422)
    return option_id


def require_offered(offered: Sequence[int], chosen: Sequence[int]) -> None:
    if any(o not in offered for o in chosen):
        raise Refused("That option is not part of this poll. Reload and choose again.", 422)


def ids(marks: str) -> tuple[int, ...]:
    """The option ids (or the value) that ``marks`` holds."""
    return tuple(int(x) for x in marks.split())


class OptionsInMarks:
    """Storage for kinds whose answer is options in an order (multiple: as ticked, sorted;
    ranking: by place): the first in ``option_id`` (a first preference), all in ``marks``."""

    name: str

    def store(self, answer: Answer) -> tuple[int | None, str]:
        return answer.options[0], " ".join(map(str, answer.options))

    def read(self, option_id: int | None, marks: str) -> Answer:
        return Answer(self.name, ids(marks))


def by_marks(groups: Groups) -> dict[tuple[int, ...], int]:
    """Ballots per distinct answer, from the grouped rows."""
    found: dict[tuple[int, ...], int] = {}
    for (_, marks), n in groups.items():
        key = ids(marks)
        found[key] = found.get(key, 0) + n
    return found


class ByVoter:
    """A kind whose result needs who answered (channel, role, group) or leaves out the answers
    facilitators hid: ``poll_view`` reads its ballots a second way, only for these kinds, so a
    single choice's recount stays one grouped query."""

    def tally_voters(self, poll: Poll, offered: Sequence[int], voters: Voters) -> Any:
        raise NotImplementedError

    def tally(self, poll: Poll, offered: Sequence[int], groups: Groups) -> Any:
        """The result without the voters' splits (channel, role and group unknown)."""
        return self.tally_voters(
            poll, offered, {(o, m, "", "", ""): n for (o, m), n in groups.items()}
        )
