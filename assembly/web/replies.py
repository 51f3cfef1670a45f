"""The phone's poll widget after a ballot, rendered once per tally and answer.

A ballot's reply is the whole poll widget (its form with the voter's answer, and the results
as last counted): 17% of a single-choice ballot's server time once its lookups were batched.
Between two tally pushes every voter of an open poll gets the same widget but for their own
answer and a fresh idempotency key, so the widget is rendered once per (view, event, answer)
with a placeholder for the key, and each reply gets its own key put in.

Only an open poll's widget, for a voter with no grace, is kept: then nothing in it depends on
the time. ``view`` is ``Pusher.latest_view``'s, replaced by every recount; a new view starts
afresh, so what the widget shows can only come from the view, the event's address and the
answer (the template must take nothing else from the voter: it is given nothing else).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from assembly.domain import PollView
from assembly.kinds import Answer
from assembly.models import Event

# Stands for each form's idempotency key in a kept widget (``new_key()`` in _csrf.html):
# random, so no text anyone wrote can contain it.
_KEY_SLOT = f"key-slot-{secrets.token_hex(16)}"
_MAX_POLLS = 16  # polls whose widgets are kept (one is open per event)
_MAX_ANSWERS = 256  # answers kept per poll (a ranking has many): the others are rendered


class PollReplies:
    def __init__(self) -> None:
        self._kept: dict[int, tuple[PollView, dict[tuple[str, Answer], str]]] = {}

    def widget(
        self, render: Callable[..., str], event: Event, view: PollView, mine: Answer, grace: int
    ) -> str:
        """``participant/_poll.html`` for a voter who just cast ``mine``."""

        def draw(**extra: object) -> str:
            return render(
                "participant/_poll.html",
                event=event,
                view=view,
                mine=mine,
                can_vote=True,
                grace=grace,
                csrf="",
                **extra,
            )

        if grace or view.poll.status != "open":
            return draw()
        kept = self._kept.get(view.poll.id)
        if kept is None or kept[0] is not view:
            if len(self._kept) >= _MAX_POLLS:
                self._kept.pop(next(iter(self._kept)))
            kept = self._kept[view.poll.id] = (view, {})
        answers = kept[1]
        html = answers.get((event.slug, mine))
        if html is None:
            html = draw(new_key=lambda: _KEY_SLOT)
            if len(answers) < _MAX_ANSWERS:
                answers[(event.slug, mine)] = html
        first, *rest = html.split(_KEY_SLOT)  # every form its own key, as when rendered
        return first + "".join(secrets.token_urlsafe(12) + part for part in rest)
