"""Domain operations: what participants and facilitators can do, checked and stored.

Every function takes an open session from ``Database.write()`` or ``read()``; the caller commits
(``write()`` does so on exit) before anyone is told the action succeeded.

One module per concept: ``events`` (events and sessions), ``participants``, ``contributions``
(with moderation), ``polls`` (and ballots), ``privacy`` (deleting, leaving, retention),
``queue`` (the speaker queue),
``team`` and ``access`` (who is on an event's team, and what each role may do there),
``invites`` (one-time links onto a team),
``plans`` (an event built from a plan file, and read back into one), ``setup`` (creating an
event, its settings and status), ``agenda`` (editing sessions and polls) and ``records``
(idempotency keys, the audit log); ``refusal`` holds what they all refuse with.
Everything is re-exported here, so callers write ``domain.post_contribution(...)``.
"""

from assembly.domain.access import allows, authorize, is_installation_organiser, role_on
from assembly.domain.agenda import (
    add_poll,
    add_session,
    agenda_poll,
    agenda_session,
    delete_poll,
    delete_session,
    edit_poll,
    edit_session,
    move_poll,
    move_session,
    options_of,
)
from assembly.domain.ballots import (
    cast_ballot,
    check_ballot,
    may_vote,
    my_ballot,
    option_id_of,
)
from assembly.domain.contributions import (
    MODERATION_ACTIONS,
    Moderated,
    console_feed,
    contribution,
    featured,
    moderate,
    post_contribution,
    public_feed,
    respond,
    set_upvote,
    upvoted_by,
    visible_contribution,
)
from assembly.domain.events import (
    NO_SUCH_EVENT,
    current_session,
    event_and_participants,
    event_by_slug,
    sessions_of,
    set_current_session,
)
from assembly.domain.invites import (
    INVITE_GONE,
    accept_invite,
    create_invite,
    open_invite,
    pending_invites,
    withdraw_invite,
)
from assembly.domain.outcomes import (
    set_outcome,
    set_themes,
    voice_counts,
)
from assembly.domain.participants import (
    join,
    participant,
    presence_counts,
    set_display_name,
    set_group,
)
from assembly.domain.plans import export_plan, import_plan, plan_conflict
from assembly.domain.polls import (
    lock_poll,
    poll,
    poll_view,
    polls_changed,
    polls_of_session,
    reveal_poll,
    set_poll_status,
    shown_poll,
)
from assembly.domain.pollview import PollView
from assembly.domain.privacy import (
    Left,
    anonymise,
    contributions_of,
    delete_own_contribution,
    leave,
    purge,
)
from assembly.domain.queue import (
    Hand,
    call_next,
    finish_speaking,
    lower_hand,
    my_hand,
    raise_hand,
    set_alternate,
    speaker_queue,
    speaking_seconds_by_channel,
    start_speaking,
)
from assembly.domain.records import audit, claim_key, key_used
from assembly.domain.refusal import Refused, upsert_insert
from assembly.domain.secret import IN as SECRET_IN
from assembly.domain.setup import (
    CLOSED,
    NOT_OPEN_YET,
    create_event,
    require_open,
    set_status,
    update_settings,
)
from assembly.domain.statements import add_statement, moderate_answer, moderate_statement
from assembly.domain.team import (
    change_team_role,
    events_of,
    installation_organisers,
    remove_from_team,
    set_team_role,
    take_off_team,
    team_of,
)
from assembly.models import OUTCOMES

__all__ = [
    # refusal
    "Refused",
    "upsert_insert",
    # events and sessions
    "NO_SUCH_EVENT",
    "current_session",
    "event_and_participants",
    "event_by_slug",
    "sessions_of",
    "set_current_session",
    # participants
    "join",
    "participant",
    "presence_counts",
    "set_display_name",
    "set_group",
    # contributions and moderation
    "MODERATION_ACTIONS",
    "Moderated",
    "console_feed",
    "contribution",
    "featured",
    "moderate",
    "post_contribution",
    "public_feed",
    "respond",
    "set_upvote",
    "upvoted_by",
    "visible_contribution",
    # you said, we did: outcomes, themes, share of voice
    "OUTCOMES",
    "set_outcome",
    "set_themes",
    "voice_counts",
    # plans
    "export_plan",
    "import_plan",
    "plan_conflict",
    # polls and ballots
    "PollView",
    "cast_ballot",
    "check_ballot",
    "may_vote",
    "lock_poll",
    "my_ballot",
    "option_id_of",
    "poll",
    "poll_view",
    "reveal_poll",
    "polls_changed",
    "polls_of_session",
    "set_poll_status",
    "shown_poll",
    "SECRET_IN",
    # statements participants add, and moderating them and open text answers
    "add_statement",
    "moderate_answer",
    "moderate_statement",
    # privacy
    "Left",
    "anonymise",
    "contributions_of",
    "delete_own_contribution",
    "leave",
    "purge",
    # the speaker queue
    "Hand",
    "call_next",
    "finish_speaking",
    "lower_hand",
    "my_hand",
    "raise_hand",
    "set_alternate",
    "speaker_queue",
    "speaking_seconds_by_channel",
    "start_speaking",
    # idempotency keys and audit
    "audit",
    "claim_key",
    "key_used",
    # setting an event up, and its agenda
    "CLOSED",
    "NOT_OPEN_YET",
    "add_poll",
    "add_session",
    "agenda_poll",
    "agenda_session",
    "create_event",
    "delete_poll",
    "delete_session",
    "edit_poll",
    "edit_session",
    "move_poll",
    "move_session",
    "options_of",
    "require_open",
    "set_status",
    "update_settings",
    # teams and who may do what
    "allows",
    "authorize",
    "is_installation_organiser",
    "events_of",
    "remove_from_team",
    "role_on",
    "set_team_role",
    "team_of",
    "change_team_role",
    "installation_organisers",
    "take_off_team",
    # team invites
    "INVITE_GONE",
    "accept_invite",
    "create_invite",
    "open_invite",
    "pending_invites",
    "withdraw_invite",
]
