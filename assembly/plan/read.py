"""Reading a plan file: the event, its sessions and their polls, checked key by key against the
schema in docs/plan.md (``assembly.plan.nodes`` keeps each problem's line)."""

from __future__ import annotations

import dataclasses

import yaml
from yaml.nodes import Node

from assembly.domain.refusal import Refused
from assembly.plan import (
    EVENT_STATUSES,
    MODERATIONS,
    POLL_AUDIENCES,
    POLL_KEYS_NOT_YET,
    POLL_KINDS,
    POLL_MAJORITIES,
    POLL_RESULTS,
    SUPPORTED_KINDS,
    EventPlan,
    Plan,
    PlanError,
    PollPlan,
    Problem,
    SessionPlan,
    rules,
)
from assembly.plan.nodes import AliasError, NoAliasLoader, NodeReader, line_of
from assembly.streams import stream_url

_SYNTAX_HINT = "check the indentation, and put quotes round text with a colon or a leading symbol"
_NOT_YET_WHY = "this version of Assembly runs polls without these settings (docs/plan.md)"


def _keys(shape: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(shape) if f.compare)


_EVENT_KEYS = _keys(EventPlan)
_SESSION_KEYS = _keys(SessionPlan)
# A statements poll names its options `statements:` (the plan's `options` field holds them).
_POLL_KEYS = (*_keys(PollPlan), "statements")


class _Reader(NodeReader):
    def __init__(self) -> None:
        super().__init__()
        self.slug: str | None = None
        self.slug_line = 1

    def event(self, node: Node) -> EventPlan:
        f = self.mapping(node, "event", _EVENT_KEYS, ("slug", "title"))
        slug = f.text("slug", 60)
        if "slug" in f.found and slug:
            problem = rules.slug_problem(slug)
            if problem:
                f.bad("slug", problem)
            else:
                self.slug, self.slug_line = slug, line_of(f.found["slug"])
        url = f.text("stream_url", rules.URL)
        try:
            url = stream_url(url)
        except Refused as exc:
            f.bad("stream_url", exc.message)
        call_url = f.text("call_url", rules.URL)
        if problem := rules.call_url_problem(call_url):
            f.bad("call_url", problem)
        low, high = rules.STREAM_DELAY
        return EventPlan(
            slug=slug,
            title=f.text("title", rules.TITLE, empty_ok=False),
            status=f.choice("status", EVENT_STATUSES, "draft"),
            description=f.text("description", rules.DESCRIPTION),
            starts_on=f.date("starts_on"),
            venue=f.text("venue", rules.VENUE),
            stream_url=url,
            stream_delay=f.number("stream_delay", 30, minimum=low, maximum=high) or 0,
            call_url=call_url,
            moderation=f.choice("moderation", MODERATIONS, "post"),
            outcomes_public=f.boolean("outcomes_public", False),
            retention_days=f.number("retention_days", None, minimum=rules.RETENTION_MIN),
            groups=f.texts("groups", rules.LIST_ITEM),
            themes=f.texts("themes", rules.LIST_ITEM),
            word_list=f.texts("word_list", rules.LIST_ITEM),
        )

    def session(self, node: Node, path: str) -> SessionPlan:
        f = self.mapping(node, path, _SESSION_KEYS, ("title",))
        return SessionPlan(
            title=f.text("title", rules.TITLE, empty_ok=False),
            prompt=f.text("prompt", rules.PROMPT),
            minutes=f.number("minutes", None, minimum=rules.MINUTES_MIN),
            private=f.boolean("private", False),
            polls=self.items(f.found.get("polls"), f"{path}.polls", self.poll),
        )

    def poll(self, node: Node, path: str) -> PollPlan:
        f = self.mapping(node, path, _POLL_KEYS, ("question",), POLL_KEYS_NOT_YET, _NOT_YET_WHY)
        kind = f.choice("kind", POLL_KINDS, "single")
        if kind not in SUPPORTED_KINDS:
            f.bad("kind", f"kind {kind} is not supported yet; use {', '.join(SUPPORTED_KINDS)}")
        # A statements poll's options are its statements: `statements:` (or `options:`).
        key = "statements" if "statements" in f.found else "options"
        if "statements" in f.found and ("options" in f.found or kind != "statements"):
            f.bad("statements", "is for statements polls, in place of `options:`; keep one")
        options = f.texts(key, rules.OPTION)
        allow_new = f.boolean("allow_new_statements", False)
        if key not in f.found and kind not in ("scale", "open_text"):
            if kind != "statements" or not allow_new:
                f.bad(key, f"missing; add `{key}:`")
        low, high = rules.SCALE_POINTS
        max_choices = f.number("max_choices", None, minimum=1)
        points = f.number("points", None, minimum=low, maximum=high)
        labels = f.texts("labels", rules.LABEL)
        rank_top = f.number("rank_top", None, minimum=2)
        settings = (max_choices, points, labels, rank_top, allow_new)
        for problem_key, problem in rules.poll_problems(kind, len(options), *settings):
            if problem_key != "options" or key in f.found:
                f.bad(key if problem_key == "options" else problem_key, problem)
        secret = f.boolean("secret", False)
        if secret and kind not in rules.SECRET_KINDS:
            f.bad("secret", rules.SECRET_KINDS_ONLY)
        majority = f.choice("majority", POLL_MAJORITIES, "none")
        quorum = f.share("quorum")
        for problem_key, problem in rules.result_problems(kind, majority, quorum):
            f.bad(problem_key, problem)
        if kind == "scale":  # one spelling: a scale always has its points and labels
            points, labels = points or rules.DEFAULT_POINTS, labels or rules.DEFAULT_LABELS
        return PollPlan(
            question=f.text("question", rules.QUESTION, empty_ok=False),
            options=options,
            kind=kind,
            max_choices=max_choices,
            points=points,
            labels=labels,
            rank_top=rank_top,
            audience=f.choice("audience", POLL_AUDIENCES, "everyone"),
            results=f.choice("results", POLL_RESULTS, "live"),
            majority=majority,
            quorum=quorum,
            secret=secret,
            allow_new_statements=allow_new,
        )

    def plan(self, root: Node) -> Plan:
        f = self.mapping(root, "", ("event", "sessions"), ("event",))
        event = self.event(f.found["event"]) if "event" in f.found else EventPlan("", "")
        sessions = self.items(f.found.get("sessions"), "sessions", self.session)
        return Plan(event, sessions, self.slug_line)


def read_plan(text: str) -> Plan:
    """The plan in a file's ``text``; raises ``PlanError`` listing every problem in it."""
    try:
        root = yaml.compose(text, Loader=NoAliasLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        hint = "write the value out" if isinstance(exc, AliasError) else _SYNTAX_HINT
        problem = f"{exc.problem or exc.context}; {hint}"
        raise PlanError([Problem(mark.line + 1 if mark else 1, "YAML syntax", problem)]) from None
    except yaml.YAMLError as exc:  # such as a control character in the file
        raise PlanError([Problem(1, "YAML syntax", str(exc).replace("\n", " "))]) from None
    if root is None:
        raise PlanError(
            [Problem(1, "event", "missing: the file is empty; a plan starts with `event:`")]
        )
    reader = _Reader()
    plan = reader.plan(root)
    if reader.problems:
        problems = sorted(reader.problems, key=lambda p: p.line)  # in file order
        raise PlanError(problems, reader.slug, reader.slug_line)
    return plan
