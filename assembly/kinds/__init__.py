"""Poll kinds as data: ``KINDS`` maps each kind's name to what it does (see ``base.PollKind``)."""

from __future__ import annotations

from assembly.domain.refusal import Refused
from assembly.kinds.base import Answer, ByVoter, Form, PollKind, Voters, ordinal
from assembly.kinds.multiple import Multiple
from assembly.kinds.open_text import OpenText
from assembly.kinds.ranking import Ranking, places
from assembly.kinds.scale import Scale
from assembly.kinds.scale import labels_of as scale_labels
from assembly.kinds.single import Single
from assembly.kinds.statements import Statements

KINDS: dict[str, PollKind] = {
    k.name: k for k in (Single(), Multiple(), Scale(), Ranking(), Statements(), OpenText())
}


def parse_ballot(form: Form) -> Answer:
    """The answer a phone's ballot form gives; its hidden ``kind`` field (single when absent)
    picks the parser, and the writer checks it against the poll's real kind."""
    kind = KINDS.get(form.get("kind") or "single")
    if kind is None:
        raise Refused("This kind of poll is not known. Reload the page and vote again.", 422)
    return kind.parse(form)


__all__ = [
    "KINDS",
    "Answer",
    "ByVoter",
    "PollKind",
    "Voters",
    "ordinal",
    "parse_ballot",
    "places",
    "scale_labels",
]
