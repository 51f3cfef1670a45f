"""The word list: contributions that match it wait for a moderator, whatever the moderation mode.

Each entry is a word or phrase matched whole and case-insensitively; an entry ending in ``*``
also matches words that start with it ("wank*" holds "wanker").
"""

from __future__ import annotations

import re
from functools import lru_cache

from assembly.models import Event

# New events start with it; organisers edit it on the event's settings page. Common English
# swearing and abuse: enough to hold the obvious, short enough to read through and adjust.
DEFAULT_WORDS: tuple[str, ...] = (
    "arse",
    "arsehole",
    "asshole",
    "bastard",
    "bitch*",
    "bollocks",
    "bullshit",
    "cock",
    "crap",
    "cunt*",
    "dick",
    "dickhead",
    "fuck*",
    "kill yourself",
    "motherfuck*",
    "piss off",
    "prick",
    "retard*",
    "shit*",
    "slag",
    "slut*",
    "twat*",
    "wank*",
    "whore*",
)


@lru_cache(maxsize=256)
def _pattern(words: tuple[str, ...]) -> re.Pattern[str] | None:
    parts = []
    for word in words:
        w = word.strip().lower()
        if not w:
            continue
        stem = w.endswith("*")
        w = w.rstrip("*").strip()
        if w:
            body = r"\s+".join(re.escape(x) for x in w.split())
            parts.append(body + (r"\w*" if stem else ""))
    if not parts:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)", re.IGNORECASE)


def matches_word_list(event: Event, text: str) -> bool:
    """Whether ``text`` contains a word or phrase of ``event``'s word list."""
    pattern = _pattern(tuple(event.word_list or ()))
    return pattern is not None and pattern.search(text) is not None


def initial_status(event: Event, text: str) -> str:
    """A new contribution's status: pending under pre-moderation or when the word list matches."""
    if event.moderation == "pre" or matches_word_list(event, text):
        return "pending"
    return "visible"
