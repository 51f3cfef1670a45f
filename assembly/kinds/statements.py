"""Statements: short statements each answered agree, disagree or pass. A ballot answers some or
all of the poll's visible statements (at least one); its ``marks`` hold them as "12:a 13:d 14:p".
The result (``assembly.outcomes.statements``) is per statement, and the statements ordered by
consensus and by division across channel, role and group."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

from assembly.domain.refusal import Refused
from assembly.kinds.base import Answer, ByVoter, Form, Voters, option_id_of, require_offered
from assembly.models import Poll
from assembly.outcomes import statements as outcome
from assembly.outcomes.statements import Stance, StatementResult, Voter

MAX_STATEMENTS = 200  # far more than a poll shows; bounds what a form may name
STANCES: dict[str, Stance] = {"a": "agree", "d": "disagree", "p": "pass"}
# How a subgroup reads in a sentence: "members 80% agree, public 30%".
_SUBGROUP = {"member": "members", "public": "the public", "room": "in the room"}


@dataclass(frozen=True)
class StatementsResult:
    """Per statement (in the poll's order), and the two orderings of those with enough answers."""

    ballots: int
    statements: list[StatementResult]
    consensus: list[StatementResult]
    division: list[StatementResult]

    @staticmethod
    def percent(share: Fraction | None) -> int:
        """A share as a whole percentage (0 for None)."""
        return round(100 * share) if share is not None else 0

    def divided(self, r: StatementResult) -> str:
        """The gap in words: "members 80% agree, the public 30%"."""
        if r.divided_by is None:
            return ""
        dimension, high, low = r.divided_by
        shares = [self.percent(r.subgroups[(dimension, v)].agree_share) for v in (high, low)]
        (hi, lo) = (_SUBGROUP.get(high, high), _SUBGROUP.get(low, low))
        return f"{hi} {shares[0]}% agree, {lo} {shares[1]}%"


@lru_cache(maxsize=50_000)
def stances_of(marks: str) -> tuple[tuple[int, str], ...]:
    """The (statement, stance) pairs ``marks`` holds; anything unreadable is left out. Kept
    between recounts: a poll's ballots are mostly the same from one recount to the next."""
    found = []
    for part in marks.split():
        statement, _, stance = part.partition(":")
        if statement.isdigit() and stance in STANCES:
            found.append((int(statement), stance))
    return tuple(found)


class Statements(ByVoter):
    name = "statements"
    title = "Statements (agree / disagree / pass)"
    form_template = "participant/kinds/_statements.html"
    result_template = "results/_statements.html"

    def parse(self, form: Form) -> Answer:
        given: dict[int, str] = {}
        for raw in form.getlist("statement")[:MAX_STATEMENTS]:
            statement = option_id_of(raw)
            stance = form.get(f"s{statement}")
            if stance in (None, ""):
                continue  # a statement left unanswered: partial ballots are fine
            if stance not in STANCES:
                raise Refused("Answer each statement with agree, disagree or pass.", 422)
            given[statement] = stance
        if not given:
            raise Refused(
                "Answer at least one statement (agree, disagree or pass), then send.", 422
            )
        ordered = sorted(given.items())
        return Answer(self.name, tuple(s for s, _ in ordered), None, tuple(x for _, x in ordered))

    def check(self, poll: Poll, offered: Sequence[int], answer: Answer) -> None:
        require_offered(offered, answer.options)
        if len(answer.stances) != len(answer.options) or any(
            x not in STANCES for x in answer.stances
        ):
            raise Refused("Answer each statement with agree, disagree or pass.", 422)

    def store(self, answer: Answer) -> tuple[int | None, str]:
        return None, " ".join(
            f"{s}:{x}" for s, x in zip(answer.options, answer.stances, strict=True)
        )

    def read(self, option_id: int | None, marks: str) -> Answer:
        pairs = stances_of(marks)
        return Answer(self.name, tuple(s for s, _ in pairs), None, tuple(x for _, x in pairs))

    def tally_voters(self, poll: Poll, offered: Sequence[int], voters: Voters) -> StatementsResult:
        # Counted as plain tuples first: a recount reads one row per distinct ballot and voter,
        # and only the few distinct (statement, stance, voter) keys become outcome objects.
        wanted = set(offered)  # pending or hidden statements are not counted
        counted: Counter[tuple[int, str, str, str, str]] = Counter()
        ballots = 0
        for (_, marks, channel, role, group), n in voters.items():
            ballots += n
            for statement, stance in stances_of(marks):
                if statement in wanted:
                    counted[(statement, stance, channel, role, group)] += n
        answers: dict[int, Counter[outcome.Answer]] = {s: Counter() for s in offered}
        for (statement, stance, channel, role, group), n in counted.items():
            answers[statement][outcome.Answer(STANCES[stance], Voter(channel, role, group))] += n
        results = outcome.tally_counted(answers)
        place = {s: i for i, s in enumerate(offered)}
        results.sort(key=lambda r: place[r.statement])
        return StatementsResult(
            ballots, results, outcome.by_consensus(results), outcome.by_division(results)
        )
