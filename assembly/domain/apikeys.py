"""API keys: organisers make them per event (each shown once, stored hashed, revocable); a
program sends one to post external contributions (channel ``external``) to that event only.

A key is 32 random bytes (``secrets.token_urlsafe``). Only its sha256 is stored: a slow hash
(argon2, as for passwords) protects guessable secrets, but nobody can guess 256 random bits, so
a fast hash loses nothing, and it lets a request find its key by the stored hash in one indexed
lookup instead of trying every key of the event.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.domain.contributions import new_contribution
from assembly.domain.invites import token_hash  # a random key's sha256, as an invite's
from assembly.domain.records import audit
from assembly.domain.refusal import Refused, _body, short_text
from assembly.domain.setup import require_open
from assembly.domain.words import matches_word_list
from assembly.models import (
    KEY_PREFIX,
    KINDS,
    MAX_NAME,
    MAX_SOURCE,
    ApiKey,
    Contribution,
    Event,
    FacilitatorAccount,
    utcnow,
)

NO_KEY = (
    "This needs the event's API key, sent as the header “Authorization: Bearer <key>”. "
    "An organiser makes keys on the event's “API keys” page."
)
UNKNOWN_KEY = (
    "This API key is not known. Check that you copied all of it, "
    "or ask an organiser of the event for a new one."
)
OTHER_EVENT = (
    "This API key belongs to another event: a key works only for the event it was made on. "
    "Use a key from this event's “API keys” page."
)
MAX_TOKEN = 200  # characters: longer than any key we make, so never a key


async def create_key(
    db: AsyncSession, event: Event, by: FacilitatorAccount | None, label: object
) -> tuple[ApiKey, str]:
    """A new key for ``event`` named ``label``, with the key itself (not stored: shown once);
    audited."""
    text = short_text(
        label,
        MAX_NAME,
        "The label",
        "Give the key a label that says what uses it (“Social media bridge”).",
        "make the key",
    )
    token = secrets.token_urlsafe(32)
    key = ApiKey(
        event_id=event.id,
        label=text,
        prefix=token[:KEY_PREFIX],
        hash=token_hash(token),
        created_by=by.id if by else None,
    )
    db.add(key)
    await db.flush()
    audit(db, event, by, "api_key.create", f"api_key:{key.id} {text}"[:80])
    return key, token


async def keys_of(db: AsyncSession, event: Event) -> list[ApiKey]:
    """``event``'s keys, revoked ones included, newest first."""
    rows = await db.scalars(
        select(ApiKey).where(ApiKey.event_id == event.id).order_by(ApiKey.id.desc())
    )
    return list(rows)


async def revoke_key(db: AsyncSession, event: Event, by: FacilitatorAccount, key_id: int) -> ApiKey:
    """Revoke one of ``event``'s keys: every later request with it is refused; audited."""
    key = await db.get(ApiKey, key_id)
    if key is None or key.event_id != event.id:
        raise Refused("That API key does not exist on this event. Reload the page.", 404)
    if key.revoked_at is not None:
        raise Refused(f"The key “{key.label}” is already revoked.", 409)
    key.revoked_at = utcnow()
    audit(db, event, by, "api_key.revoke", f"api_key:{key.id} {key.label}"[:80])
    return key


async def event_for_key(db: AsyncSession, slug: str, token: str | None) -> tuple[Event, ApiKey]:
    """The event ``slug`` names and the key ``token`` is, when that key is the event's and not
    revoked; else a 401 (no key, an unknown or revoked one) or 403 (another event's) sentence."""
    if not token:
        raise Refused(NO_KEY, 401)
    found = None
    if len(token) <= MAX_TOKEN:
        # Found by its hash: comparing hashes leaks nothing an attacker could use (a timing
        # difference would tell them about a sha256 preimage, which they cannot make). The key
        # and its event in one read.
        found = (
            await db.execute(
                select(ApiKey, Event)
                .join(Event, Event.id == ApiKey.event_id)
                .where(ApiKey.hash == token_hash(token))
            )
        ).first()
    if found is None:
        raise Refused(UNKNOWN_KEY, 401)
    key, event = found
    if key.revoked_at is not None:
        raise Refused(
            f"This API key (“{key.label}”) was revoked on {key.revoked_at:%-d %b %Y}. "
            "Ask an organiser of the event for a new one.",
            401,
        )
    if event.slug != slug:
        raise Refused(OTHER_EVENT, 403)
    return event, key


@dataclass(frozen=True)
class External:
    """An external contribution as the API's JSON gives it, checked."""

    kind: str
    text: str
    source: str
    author: str


def _string(data: dict[str, object], name: str) -> str:
    """A string field of the JSON (missing or null: empty). JSON's escapes can say what no
    form can: a NUL (PostgreSQL stores none) or half a surrogate pair (not text at all)."""
    value = data.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise Refused(f"“{name}” must be a string.", 422)
    if "\x00" in value or any("\ud800" <= ch <= "\udfff" for ch in value):
        raise Refused(
            f"“{name}” holds a character that is not text (NUL or a lone surrogate).", 422
        )
    return value


def _short(data: dict[str, object], name: str, limit: int) -> str:
    text = " ".join(_string(data, name).split())
    if len(text) > limit:
        raise Refused(f"“{name}” is {len(text)} characters; the limit is {limit}.", 422)
    return text


def parse_external(data: object) -> External:
    """The API's JSON object (``text``, ``kind``, optional ``source`` and ``author``), checked
    like a participant's contribution; a 422 sentence for anything else."""
    if not isinstance(data, dict):
        raise Refused(
            'Send a JSON object: {"text": "...", "kind": "idea", "source": "...", '
            '"author": "..."}.',
            400,
        )
    kind = data.get("kind")
    if kind not in KINDS:
        raise Refused("“kind” must be one of: " + ", ".join(KINDS) + ".", 422)
    return External(
        kind=str(kind),
        text=_body(_string(data, "text"), "The text"),
        source=_short(data, "source", MAX_SOURCE),
        author=_short(data, "author", MAX_NAME),
    )


async def post_external(
    db: AsyncSession, event: Event, key: ApiKey, item: External
) -> Contribution:
    """Add ``item`` to ``event``'s current session on the channel ``external``, moderated as
    the event's settings say (pre-moderation or the word list hold it as pending), as every
    other contribution is; marks the key used."""
    require_open(event)
    c = new_contribution(
        event, "external", item.kind, item.text, author_name=item.author, source=item.source
    )
    if matches_word_list(event, f"{item.author} {item.source}"):
        c.status = "pending"  # a handle or hashtag from the word list is shown with the text
    db.add(c)
    key.last_used_at = utcnow()
    await db.flush()
    return c
