"""The organiser's forms, parsed at the edge into the plan file's dataclasses with the plan's own
rules (``assembly.plan.rules``, ``assembly.streams``): the browser and the file accept and refuse
the same values. Each refusal is a 422 sentence naming the field and what to write instead."""

from __future__ import annotations

from datetime import date

from starlette.datastructures import FormData

from assembly.domain import Refused
from assembly.plan import (
    MODERATIONS,
    POLL_AUDIENCES,
    POLL_MAJORITIES,
    POLL_RESULTS,
    SUPPORTED_KINDS,
    EventPlan,
    PollPlan,
    SessionPlan,
    rules,
)
from assembly.streams import stream_url


def _bad(message: str) -> Refused:
    return Refused(message, 422)


def _raw(form: FormData, key: str) -> str:
    value = form.get(key)
    # Browsers send a textarea's line breaks as CRLF.
    return value.replace("\r\n", "\n").strip() if isinstance(value, str) else ""


def text(form: FormData, key: str, label: str, limit: int, required: bool = False) -> str:
    value = _raw(form, key)
    if required and not value:
        raise _bad(f"The {label} is empty. Write one, then save.")
    if len(value) > limit:
        raise _bad(f"The {label} is {len(value):,} characters; the limit is {limit:,}. Shorten it.")
    return value


def lines(form: FormData, key: str, label: str) -> tuple[str, ...]:
    """One value per line of a textarea: blank lines skipped, each checked, none twice."""
    values = tuple(v for v in (line.strip() for line in _raw(form, key).split("\n")) if v)
    for value in values:
        if len(value) > rules.LIST_ITEM:
            raise _bad(
                f"“{value[:40]}…” in {label} is {len(value)} characters; "
                f"the limit is {rules.LIST_ITEM}. Shorten it."
            )
    twice = rules.duplicate(values)
    if twice is not None:
        raise _bad(f"“{twice}” appears twice in {label}. Keep one.")
    return values


def whole(
    form: FormData, key: str, label: str, minimum: int, maximum: int | None = None
) -> int | None:
    """A whole number, or None when the field is empty."""
    raw = _raw(form, key)
    if not raw:
        return None
    try:
        value = int(raw)
    except ValueError:
        raise _bad(f"The {label} must be a whole number, e.g. {minimum or 30}.") from None
    if value < minimum or (maximum is not None and value > maximum):
        top = f" and {maximum}" if maximum is not None else " or more"
        between = f"between {minimum}{top}" if maximum is not None else f"{minimum}{top}"
        raise _bad(f"The {label} is {value}; it must be {between}.")
    return value


def choice(form: FormData, key: str, label: str, choices: tuple[str, ...]) -> str:
    value = _raw(form, key)
    if value not in choices:
        raise _bad(f"Choose the {label}: one of {', '.join(choices)}.")
    return value


def new_event(form: FormData) -> tuple[str, str]:
    """The title and slug of a new event; the slug is made from the title when left empty."""
    title = text(form, "title", "title", rules.TITLE, required=True)
    slug = _raw(form, "slug").lower() or rules.slug_from_title(title)
    if not slug:
        raise _bad(
            "The title has no letters or digits to make the event's address from. "
            "Write a slug, e.g. town-hall-2027."
        )
    problem = rules.slug_problem(slug)
    if problem:
        raise _bad(f"The slug “{slug[:60]}” {problem}. Write another.")
    return title, slug


def event_settings(form: FormData, slug: str, status: str) -> EventPlan:
    """The settings form of an event (everything but its slug and status)."""
    raw_date = _raw(form, "starts_on")
    try:
        starts_on = date.fromisoformat(raw_date) if raw_date else None
    except ValueError:
        raise _bad("The date must be a day as YYYY-MM-DD, e.g. 2027-01-12.") from None
    call_url = text(form, "call_url", "call link", rules.URL)
    if problem := rules.call_url_problem(call_url):
        raise _bad(f"The call link {problem}.")
    low, high = rules.STREAM_DELAY
    delay = whole(form, "stream_delay", "stream delay", low, high)
    return EventPlan(
        slug=slug,
        status=status,
        title=text(form, "title", "title", rules.TITLE, required=True),
        description=text(form, "description", "description", rules.DESCRIPTION),
        starts_on=starts_on,
        venue=text(form, "venue", "venue", rules.VENUE),
        stream_url=stream_url(_raw(form, "stream_url")),  # a 422 sentence of its own
        stream_delay=30 if delay is None else delay,
        call_url=call_url,
        moderation=choice(form, "moderation", "moderation", MODERATIONS),
        outcomes_public=form.get("outcomes_public") == "on",
        retention_days=whole(form, "retention_days", "retention", rules.RETENTION_MIN),
        groups=lines(form, "groups", "the stakeholder groups"),
        themes=lines(form, "themes", "the themes"),
        word_list=lines(form, "word_list", "the word list"),
    )


def session(form: FormData) -> SessionPlan:
    """A session's form: title, prompt, planned minutes, private."""
    return SessionPlan(
        title=text(form, "title", "session title", rules.TITLE, required=True),
        prompt=text(form, "prompt", "prompt", rules.PROMPT),
        minutes=whole(form, "minutes", "planned minutes", rules.MINUTES_MIN),
        private=form.get("private") == "on",
    )


def poll(form: FormData) -> PollPlan:
    """A poll's form: the question, its kind, its options one per line (at least two; none for
    a scale), and the kind's settings (the fields of other kinds are ignored)."""
    question = text(form, "question", "question", rules.QUESTION, required=True)
    kind = _raw(form, "kind") or "single"
    if kind not in SUPPORTED_KINDS:
        raise _bad(f"Choose the kind of poll: {', '.join(SUPPORTED_KINDS)}.")
    options = tuple(v for v in (x.strip() for x in _raw(form, "options").split("\n")) if v)
    for option in options:
        if len(option) > rules.OPTION:
            raise _bad(f"An option is {len(option)} characters; the limit is {rules.OPTION}.")
    allow_new = kind == "statements" and form.get("allow_new_statements") == "on"
    if kind in ("scale", "open_text"):
        options = ()  # a scale's points are its choices; open text has answers, not options
    elif kind == "statements":
        if not options and not allow_new:
            raise _bad(
                "A statements poll needs at least one statement, one per line, or "
                "“participants may add statements” ticked."
            )
    elif len(options) < rules.MIN_OPTIONS:
        raise _bad("A poll needs at least two options, one per line. Add another.")
    twice = rules.duplicate(options)
    if twice is not None:
        raise _bad(f"The option “{twice}” appears twice. Keep one.")
    audience = _raw(form, "audience") or "everyone"
    if audience not in POLL_AUDIENCES:
        raise _bad("Choose who may vote: everyone, the members only, or the room only.")
    secret = form.get("secret") == "on"
    if secret and kind not in rules.SECRET_KINDS:
        raise _bad(
            "A secret ballot is for single, multiple, scale and ranking polls: statements and "
            "open text answers are shown as they come. Untick “secret” or choose another kind."
        )
    n = len(options)
    low, high = rules.SCALE_POINTS
    max_choices = rank_top = points = None
    labels: tuple[str, ...] = ()
    if kind == "multiple":
        max_choices = whole(form, "max_choices", "most choices", 1, n)
    elif kind == "ranking":
        rank_top = whole(form, "rank_top", "number of places to rank", 2, n)
    elif kind == "scale":
        points = whole(form, "points", "number of points", low, high) or rules.DEFAULT_POINTS
        ends = ("label_low", "lowest point's label"), ("label_high", "highest point's label")
        labels = tuple(text(form, key, label, rules.LABEL) for key, label in ends)
        labels = labels if all(labels) else rules.DEFAULT_LABELS
    results = _raw(form, "results") or "live"
    if results not in POLL_RESULTS:
        raise _bad("Choose when the room sees the result: live, on reveal, or never.")
    majority = _raw(form, "majority") or "none"
    if majority not in POLL_MAJORITIES:
        raise _bad("Choose the majority rule: simple, two thirds, or none.")
    quorum = share(form, "quorum", "quorum")
    if majority != "none" and kind not in rules.MAJORITY_KINDS:
        raise _bad(
            "A majority rule is for single choice, support scale and ranking polls: "
            f"choose “none” for this {kind} poll."
        )
    return PollPlan(
        question=question,
        options=options,
        kind=kind,
        max_choices=max_choices,
        points=points,
        labels=labels,
        rank_top=rank_top,
        audience=audience,
        results=results,
        majority=majority,
        quorum=quorum,
        secret=secret,
        allow_new_statements=allow_new,
    )


def share(form: FormData, key: str, label: str) -> float | None:
    """A share above 0 and at most 1, written 0.5 or 50%; None when the field is empty."""
    raw = _raw(form, key).replace(" ", "")
    if not raw:
        return None
    try:
        value = float(raw[:-1]) / 100 if raw.endswith("%") else float(raw)
    except ValueError:
        value = -1.0
    if not 0 < value <= 1:  # NaN too
        raise _bad(f"The {label} is a share of the checked-in members: 0.5 or 50% for half.")
    return value
