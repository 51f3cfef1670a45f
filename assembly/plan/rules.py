"""The rules an event's settings, sessions and polls follow, wherever they come from: the plan
file (``read``) and the organiser's forms (``assembly.domain.setup``) check with these, so both
accept and refuse the same values. Each check returns what is wrong, or None."""

from __future__ import annotations

import re
import unicodedata

from assembly.models import MAX_NAME

SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,58}[a-z0-9])?$")
SLUG_RULE = (
    "must be lower-case letters, digits and hyphens, e.g. nhs-2026 "
    "(it is the event's address: /e/SLUG)"
)
CALL_URL_RULE = "must be an https:// address, e.g. https://meet.example.org/room"

# Characters (or the numbers' ranges) each value may take.
TITLE = 200
DESCRIPTION = 10_000
VENUE = 200
URL = 500
PROMPT = 10_000
QUESTION = 300
OPTION = 200
LIST_ITEM = MAX_NAME  # a group, a theme, a word of the word list
STREAM_DELAY = (0, 600)  # seconds
MINUTES_MIN = 1
RETENTION_MIN = 1
MIN_OPTIONS = 2


def slug_problem(slug: str) -> str | None:
    return None if SLUG.match(slug) else SLUG_RULE


def call_url_problem(url: str) -> str | None:
    if url and not (url.startswith("https://") and " " not in url):
        return CALL_URL_RULE
    return None


def slug_from_title(title: str) -> str:
    """A slug made from a title ("Cardiff: the city's budget" -> "cardiff-the-citys-budget");
    "" when the title has no letters or digits to make one of."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    words = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower().replace("'", "")).strip("-")
    return words[:60].rstrip("-")


def duplicate(values: tuple[str, ...]) -> str | None:
    """The first value that appears twice, or None."""
    seen: set[str] = set()
    for value in values:
        if value in seen:
            return value
        seen.add(value)
    return None
