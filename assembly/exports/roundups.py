"""Round-ups per theme: for each of an event's themes, what people said about it, to hand to the
team that owns the theme; as CSV (for a spreadsheet) and as a one-page printable HTML.

What goes in: the visible contributions tagged with the theme, most upvoted first, with their
kind, channel, session, upvotes, responses and outcome. Pending contributions (nobody approved
them) and hidden ones (a moderator took them down) stay out: the owning team acts on what the
assembly saw. Authors' names never appear. One more round-up, ``unthemed``, holds the visible
contributions tagged with none of the themes, so that what nobody sorted yet is not lost.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import jinja2
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.exports.cells import safe_text
from assembly.exports.dataset import utc
from assembly.exports.dataset_people import session_titles
from assembly.models import OUTCOMES, Contribution, ContributionTheme, Event
from assembly.plan.rules import slug_from_title
from assembly.render import CHANNEL_LABELS, document_env

UNTHEMED = "unthemed"  # the file name of the round-up of contributions with no theme

COLUMNS = [
    "contribution_id",
    "session",
    "kind",
    "channel",
    "source",
    "text",
    "upvotes",
    "outcome",
    "outcome_reason",
    "response_count",
    "responses",
    "themes",
    "created_at",
]


@dataclass
class Roundup:
    """One theme's round-up: its contributions, most upvoted first."""

    theme: str  # "" for the unthemed round-up
    slug: str  # its files' name
    contributions: list[Contribution] = field(default_factory=list)

    @property
    def title(self) -> str:
        return self.theme or "Not themed yet"

    def outcomes(self) -> dict[str, int]:
        """How many contributions have each outcome (every outcome listed, zeros included)."""
        counts = Counter(c.outcome for c in self.contributions)
        return {name: counts.get(name, 0) for name in OUTCOMES}


def slug_of(theme: str) -> str:
    """A file name for a theme: "Access to care" → "access-to-care" (as an event's slug is
    made from its title)."""
    return slug_from_title(theme) or "theme"


def slugs(themes: list[str]) -> dict[str, str]:
    """Each theme's file name, all different, none ``unthemed``, in the themes' order."""
    taken = {UNTHEMED}
    found: dict[str, str] = {}
    for theme in themes:
        base = slug_of(theme)
        slug, n = base, 1
        while slug in taken:
            n += 1
            slug = f"{base}-{n}"
        taken.add(slug)
        found[theme] = slug
    return found


async def roundups(db: AsyncSession, event: Event, only: str = "") -> list[Roundup]:
    """The round-up of each of ``event``'s themes, in the event's order, then the unthemed one;
    with ``only``, just the one of that file name (none if there is no such)."""
    visible = select(Contribution).where(
        Contribution.event_id == event.id, Contribution.status == "visible"
    )
    order = (Contribution.upvotes.desc(), Contribution.id)
    found = []
    for theme, slug in slugs(list(event.themes)).items():
        if only and slug != only:
            continue
        tagged = select(ContributionTheme.contribution_id).where(ContributionTheme.theme == theme)
        rows = await db.scalars(visible.where(Contribution.id.in_(tagged)).order_by(*order))
        found.append(Roundup(theme, slug, list(rows)))
    if only and only != UNTHEMED:
        return found
    themed = select(ContributionTheme.contribution_id).where(
        ContributionTheme.theme.in_(list(event.themes))
    )
    rows = await db.scalars(visible.where(Contribution.id.not_in(themed)).order_by(*order))
    found.append(Roundup("", UNTHEMED, list(rows)))
    return found


def _iso(value: datetime) -> str:
    moment = utc(value)
    return moment.isoformat(timespec="seconds") if moment else ""


def roundup_csv(roundup: Roundup, sessions: dict[int, str]) -> bytes:
    """The round-up as CSV: UTF-8 with a byte order mark, so that Excel reads it as UTF-8."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for c in roundup.contributions:
        writer.writerow(
            [
                c.id,
                safe_text(sessions.get(c.session_id or 0, "")),
                c.kind,
                c.channel,
                safe_text(c.source),
                safe_text(c.text),
                c.upvotes,
                c.outcome,
                safe_text(c.outcome_reason),
                len(c.responses),
                safe_text("\n\n".join(r.text for r in c.responses)),
                safe_text("; ".join(t.theme for t in c.theme_tags)),
                _iso(c.created_at),
            ]
        )
    return ("\ufeff" + out.getvalue()).encode()


def _template() -> jinja2.Template:
    # The pages' environment (autoescaped, the same filters), made once per process.
    return document_env().get_template("roundups/roundup.html")


def roundup_html(
    roundup: Roundup, event: Event, sessions: dict[int, str], at: datetime | None = None
) -> str:
    """The round-up as one self-contained page (inline CSS, no script), printable on A4."""
    return _template().render(
        event=event,
        roundup=roundup,
        sessions=sessions,
        outcomes=roundup.outcomes(),
        made_at=at or datetime.now(UTC),
        channels=CHANNEL_LABELS,
    )


async def roundup_files(db: AsyncSession, event: Event) -> dict[str, bytes]:
    """Every round-up's files by name: ``<theme-slug>.csv`` and ``<theme-slug>.html``."""
    sessions = await session_titles(db, event)
    at = datetime.now(UTC)
    files: dict[str, bytes] = {}
    for r in await roundups(db, event):
        files[f"{r.slug}.csv"] = roundup_csv(r, sessions)
        files[f"{r.slug}.html"] = roundup_html(r, event, sessions, at).encode()
    return files


async def write_roundups(db: AsyncSession, event: Event, out: Path) -> list[Path]:
    """Write every round-up's CSV and HTML into the folder ``out`` (made if missing); returns
    the files written. Everything is built before the first file is written."""
    files = await roundup_files(db, event)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, content in files.items():
        path = out / name
        path.write_bytes(content)
        written.append(path)
    return written


async def roundups_zip(db: AsyncSession, event: Event) -> bytes:
    """The same files as ``write_roundups``, in one zip archive."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in (await roundup_files(db, event)).items():
            archive.writestr(name, content)
    return buffer.getvalue()
