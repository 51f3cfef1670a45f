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
STATEMENT = 140  # a statement a participant adds (organisers' statements are options: OPTION)
# The poll kinds' settings (`assembly.kinds`).
SCALE_POINTS = (2, 10)
DEFAULT_POINTS = 5
DEFAULT_LABELS = ("Strongly oppose", "Strongly support")
LABEL = 60  # a scale's end label


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


# Kinds that may be secret: statements and open text show each answer as it comes (the list, the
# split by group), which would tell who said what by when it appeared (docs/secret-ballots.md).
SECRET_KINDS = ("single", "multiple", "scale", "ranking")
SECRET_KINDS_ONLY = "is for single, multiple, scale and ranking polls only; remove it"


# Kinds where a majority rule means something (docs/results.md: "What counts as for").
MAJORITY_KINDS = ("single", "scale", "ranking")
QUORUM_RULE = "a quorum is a share of the checked-in members, above 0 and at most 1 (0.5: half)"


def result_problems(kind: str, majority: str, quorum: float | None) -> list[tuple[str, str]]:
    """What is wrong with a poll's majority rule and quorum, as (key, problem) pairs."""
    found: list[tuple[str, str]] = []
    if majority != "none" and kind not in MAJORITY_KINDS:
        found.append(
            (
                "majority",
                f"is for {', '.join(MAJORITY_KINDS)} polls only (no single winner in "
                f"a {kind} poll); remove it",
            )
        )
    if quorum is not None and not 0 < quorum <= 1:
        found.append(("quorum", f"is {quorum:g}; {QUORUM_RULE}"))
    return found


def poll_problems(
    kind: str,
    options: int,
    max_choices: int | None,
    points: int | None,
    labels: tuple[str, ...],
    rank_top: int | None,
    allow_new_statements: bool = False,
) -> list[tuple[str, str]]:
    """What is wrong with a poll's options and settings for its kind, as (key, problem) pairs;
    ``options`` is how many it has, and a setting of None (or no labels) is not set."""
    found: list[tuple[str, str]] = []
    if kind == "scale":
        if options:
            found.append(("options", "a scale has no options (its points are its choices)"))
    elif kind == "open_text":
        if options:
            found.append(("options", "an open text poll has no options (people write answers)"))
    elif kind == "statements":
        if not options and not allow_new_statements:
            found.append(
                (
                    "options",
                    "a statements poll needs at least one statement, or allow_new_statements: true",
                )
            )
    elif options < MIN_OPTIONS:
        found.append(("options", "a poll needs at least two options; add another"))
    own = {"max_choices": "multiple", "points": "scale", "labels": "scale", "rank_top": "ranking"}
    given = {"max_choices": max_choices, "points": points, "labels": labels or None}
    given["rank_top"] = rank_top
    for key, value in given.items():
        if value is not None and own[key] != kind:
            found.append((key, f"is for {own[key]} polls only; remove it"))
    if kind == "multiple" and max_choices is not None and not 1 <= max_choices <= options:
        found.append(("max_choices", f"is {max_choices}; it must be from 1 to {options}"))
    low, high = SCALE_POINTS
    if kind == "scale" and points is not None and not low <= points <= high:
        found.append(("points", f"is {points}; a scale has {low} to {high} points"))
    if kind == "scale" and labels:
        if len(labels) != 2:
            found.append(("labels", "needs two labels: the lowest point's, then the highest's"))
        elif any(not x or len(x) > LABEL for x in labels):
            found.append(("labels", f"each label is 1 to {LABEL} characters"))
    if allow_new_statements and kind != "statements":
        found.append(("allow_new_statements", "is for statements polls only; remove it"))
    if kind == "ranking" and rank_top is not None and not 2 <= rank_top <= options:
        found.append(("rank_top", f"is {rank_top}; it must be from 2 to {options}"))
    return found
