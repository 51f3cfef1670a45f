"""The tables, one module per concept: ``base`` (the declarative base, limits and values),
``event`` (installation, events, sessions, participants, the members' roster), ``content``
(contributions, responses, upvotes, polls, options, ballots), ``queue`` (the speaker queue's
raised hands), ``staff`` (accounts, teams, team invites, idempotency keys, the audit log) and
``apikey`` (the integration API's keys).
Everything is re-exported here."""

from assembly.models.apikey import KEY_PREFIX, ApiKey
from assembly.models.base import (
    CHANNELS,
    KINDS,
    MAX_GROUP,
    MAX_MEMBER_NAME,
    MAX_NAME,
    MAX_SOURCE,
    MAX_TABLE,
    MAX_TEXT,
    OUTCOMES,
    TEAM_ROLES,
    Base,
    aware,
    utcnow,
)
from assembly.models.content import (
    Ballot,
    BallotReceipt,
    Contribution,
    ContributionTheme,
    Poll,
    PollOption,
    Response,
    Upvote,
)
from assembly.models.event import Event, Instance, Member, Participant, Session
from assembly.models.queue import HAND_STATUSES, MAX_TOPIC, SpeakerRequest
from assembly.models.staff import (
    MAX_KEY,
    AuditEntry,
    FacilitatorAccount,
    RequestKey,
    TeamInvite,
    TeamMember,
)

__all__ = [
    "CHANNELS",
    "HAND_STATUSES",
    "KEY_PREFIX",
    "KINDS",
    "MAX_GROUP",
    "MAX_KEY",
    "MAX_MEMBER_NAME",
    "MAX_NAME",
    "MAX_SOURCE",
    "MAX_TABLE",
    "MAX_TEXT",
    "MAX_TOPIC",
    "OUTCOMES",
    "TEAM_ROLES",
    "ApiKey",
    "AuditEntry",
    "Ballot",
    "BallotReceipt",
    "Base",
    "Contribution",
    "ContributionTheme",
    "Event",
    "FacilitatorAccount",
    "Instance",
    "Member",
    "Participant",
    "Poll",
    "PollOption",
    "RequestKey",
    "Response",
    "Session",
    "SpeakerRequest",
    "TeamInvite",
    "TeamMember",
    "Upvote",
    "aware",
    "utcnow",
]
