"""Where live updates go: the topic of each audience, and the out-of-band wrappers htmx swaps in.

Topics: ``event:{id}:public`` (participants), ``event:{id}:console`` (consoles whose role does
not run the agenda), ``event:{id}:console:run`` (those that do), ``event:{id}:screen`` and
``participant:{id}``.
"""

from __future__ import annotations

from assembly.models import Contribution


def public_topic(event_id: int) -> str:
    return f"event:{event_id}:public"


def console_topic(event_id: int) -> str:
    return f"event:{event_id}:console"


def console_run_topic(event_id: int) -> str:
    """The console of those who run the agenda and polls: everything on ``console_topic`` and
    the agenda and poll fragments, which moderators and helpers never receive."""
    return f"event:{event_id}:console:run"


def console_topic_for(event_id: int, runs: bool) -> str:
    """The one console topic a socket subscribes to (one topic: its sequence is exact)."""
    return console_run_topic(event_id) if runs else console_topic(event_id)


def screen_topic(event_id: int) -> str:
    return f"event:{event_id}:screen"


def participant_topic(participant_id: str) -> str:
    return f"participant:{participant_id}"


def oob_insert(html: str, target: str) -> str:
    return f'<div hx-swap-oob="afterbegin:{target}">{html}</div>'


def queue_append(html: str) -> str:
    # The queue reads oldest first: a new pending item goes at its end.
    return f'<div hx-swap-oob="beforeend:#modqueue-items">{html}</div>'


def oob_delete(c: Contribution) -> str:
    return f'<li id="c-{c.id}" hx-swap-oob="delete"></li>'
