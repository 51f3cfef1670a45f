"""Templates: one Jinja2 environment for pages, widgets and pushed fragments (autoescaped)."""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jinja2

from assembly.domain import Refused
from assembly.domain.clock import timer_of
from assembly.domain.closing import grace_left
from assembly.kinds import KINDS as KINDS_OF_POLL
from assembly.models import CHANNELS, KINDS, MAX_TEXT, OUTCOMES
from assembly.outcomes.voice import MEASURES as VOICE_MEASURES
from assembly.outcomes.voice import seconds_text
from assembly.plan import rules as plan_rules
from assembly.statics import Versions
from assembly.streams import stream_url

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"

CHANNEL_LABELS = {
    "room": "In the room",
    "online": "Online",
    "table": "Table",
    "paper": "Paper card",
    "external": "External",
}


_VIDEO = re.compile(r"[A-Za-z0-9_-]{1,64}")  # a YouTube video id


def _hhmm(value: datetime | None) -> str:
    if value is None:
        return ""
    if value.tzinfo is None:  # SQLite hands back naive datetimes; we store UTC
        value = value.replace(tzinfo=UTC)
    return value.astimezone().strftime("%H:%M")


def _iso(value: datetime | None) -> str:
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.isoformat(timespec="seconds")


def embed_url(raw: str) -> str:
    """The iframe address for an event's stream: YouTube and Vimeo pages become their players.

    Any other address ``stream_url`` accepts is embedded as it checked it; anything else
    (http, javascript:, one stored before addresses were checked) is not embedded at all.
    """
    try:
        checked = stream_url(raw)
    except Refused:
        return ""
    url = urlsplit(checked)
    host = url.netloc.removeprefix("www.").removeprefix("m.")
    if host == "youtube.com" and url.path == "/watch":
        video = parse_qs(url.query).get("v", [""])[0]
        return f"https://www.youtube-nocookie.com/embed/{video}" if _VIDEO.fullmatch(video) else ""
    if host == "youtu.be":
        video = url.path.strip("/")
        return f"https://www.youtube-nocookie.com/embed/{video}" if _VIDEO.fullmatch(video) else ""
    if host == "vimeo.com" and url.path.strip("/").isdigit():
        return f"https://player.vimeo.com/video/{url.path.strip('/')}"
    return checked


@cache
def document_env() -> jinja2.Environment:
    """The environment for documents made outside a page's request (the outcomes report, the
    round-ups, the CLI's exports): made once per process, so their templates compile once."""
    return make_env()


def make_env(directory: Path = TEMPLATES, versions: Versions | None = None) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(directory),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["hhmm"] = _hhmm
    env.filters["iso"] = _iso
    env.filters["embed_url"] = embed_url
    env.globals.update(
        CHANNELS=CHANNELS,
        KINDS=KINDS,
        CHANNEL_LABELS=CHANNEL_LABELS,
        MAX_TEXT=MAX_TEXT,  # the longest contribution the server takes (its counter, its help)
        # You said, we did (issue 11): outcomes, and the share-of-voice panel's measures.
        OUTCOMES=OUTCOMES,
        VOICE_MEASURES=VOICE_MEASURES,
        seconds_text=seconds_text,
        # A static file's address with its version: cached for a year, fetched again on change.
        static=(versions or Versions()).url,
        # Every form carries a fresh idempotency key: a double tap or a retry is done once.
        new_key=lambda: secrets.token_urlsafe(12),
        # The poll kinds offered, and a scale's end labels unless set (the poll forms').
        POLL_KINDS=[(name, k.title) for name, k in KINDS_OF_POLL.items()],
        DEFAULT_LABELS=plan_rules.DEFAULT_LABELS,
        # Seconds online voters have left on a closed poll, as of this render.
        grace_left=lambda poll: grace_left(poll, datetime.now(UTC)),
        # A session's timer as of this render (pages count down from it themselves).
        timer_of=lambda session: timer_of(session, datetime.now(UTC)),
    )
    return env


class Renderer:
    """Renders a template to a string; pushes use the same templates as the pages."""

    def __init__(self, env: jinja2.Environment) -> None:
        self.env = env

    def __call__(self, name: str, **context: Any) -> str:
        context.setdefault("csrf", "")
        context.setdefault("oob", "")
        return self.env.get_template(name).render(context)
