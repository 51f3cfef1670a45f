"""Reading a plan file: YAML composed into nodes, which keep their line numbers, then checked
key by key. Every problem is collected before the file is refused, so one run lists them all."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from datetime import date
from typing import TypeVar

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from assembly.domain.refusal import Refused
from assembly.models import MAX_NAME
from assembly.plan import (
    EVENT_STATUSES,
    MODERATIONS,
    POLL_KEYS_NOT_YET,
    POLL_KINDS,
    SUPPORTED_KINDS,
    EventPlan,
    Plan,
    PlanError,
    PollPlan,
    Problem,
    SessionPlan,
)
from assembly.streams import stream_url

T = TypeVar("T")

_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,58}[a-z0-9])?$")
_SYNTAX_HINT = "check the indentation, and put quotes round text with a colon or a leading symbol"
_STR = "tag:yaml.org,2002:str"
_NULL = "tag:yaml.org,2002:null"
_KINDS_OF_SCALAR = {
    "tag:yaml.org,2002:bool": "a yes/no",
    "tag:yaml.org,2002:int": "a number",
    "tag:yaml.org,2002:float": "a number",
    "tag:yaml.org,2002:timestamp": "a date",
    _STR: "text",
}


def _keys(shape: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(shape) if f.compare)


_EVENT_KEYS = _keys(EventPlan)
_SESSION_KEYS = _keys(SessionPlan)
_POLL_KEYS = _keys(PollPlan)


def _line(node: Node) -> int:
    return int(node.start_mark.line) + 1


def _what(node: Node) -> str:
    """What a node is, in the words of the problem line: "a list", "a yes/no Yes", ..."""
    if isinstance(node, MappingNode):
        return "keys and values"
    if isinstance(node, SequenceNode):
        return "a list"
    if node.tag == _NULL:
        return "nothing"
    return f"{_KINDS_OF_SCALAR.get(node.tag, 'a value')} {node.value}"


class _AliasError(yaml.MarkedYAMLError):
    pass


class _Loader(yaml.SafeLoader):
    """YAML without aliases: ``*name`` reuses a node, and a few nested ones make a walk over
    the tree take exponential time (the "billion laughs"). A plan writes its values out."""

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        if self.check_event(yaml.AliasEvent):
            mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
            raise _AliasError(None, None, "aliases (*name) are not allowed in a plan", mark)
        return super().compose_node(parent, index)


class _Reader:
    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.slug: str | None = None
        self.slug_line = 1
        self._loader = yaml.SafeLoader("")

    def problem(self, node: Node, where: str, message: str) -> None:
        self.problems.append(Problem(_line(node), where, message))

    def mapping(
        self,
        node: Node,
        path: str,
        keys: tuple[str, ...],
        required: tuple[str, ...],
        not_yet: tuple[str, ...] = (),
    ) -> _Fields:
        """The keys of a mapping node, with a problem for each unknown, repeated or missing key."""
        found: dict[str, Node] = {}
        if not isinstance(node, MappingNode):
            self.problem(
                node, path, f"expected keys and values ({', '.join(keys)}), got {_what(node)}"
            )
            return _Fields(self, node, path, found)
        for key_node, value in node.value:
            key = str(key_node.value)
            where = f"{path}.{key}" if path else key
            if not (isinstance(key_node, ScalarNode) and key_node.tag == _STR):
                self.problem(key_node, path, f"{_what(key_node)} is not a key; keys are words")
            elif key in found:
                self.problem(key_node, where, "appears twice; keep one")
            elif key in not_yet:
                self.problem(
                    key_node,
                    where,
                    "not supported yet: this version of Assembly runs single-choice polls "
                    "without settings (docs/plan.md); remove it",
                )
            elif key not in keys:
                self.problem(key_node, where, f"unknown key; the keys here are {', '.join(keys)}")
            else:
                found[key] = value
        for key in required:
            if key not in found:
                where = f"{path}.{key}" if path else key
                self.problem(node, where, f"missing; add `{key}:`")
        return _Fields(self, node, path, found)

    def items(self, node: Node | None, path: str, read: Callable[[Node, str], T]) -> tuple[T, ...]:
        if node is None or node.tag == _NULL:
            return ()
        if not isinstance(node, SequenceNode):
            self.problem(node, path, f"expected a list (`- ` before each item), got {_what(node)}")
            return ()
        return tuple(read(item, f"{path}[{i}]") for i, item in enumerate(node.value, 1))

    def text(self, node: Node, where: str, limit: int, empty_ok: bool = True) -> str:
        if node.tag == _NULL and empty_ok:
            return ""
        if not (isinstance(node, ScalarNode) and node.tag == _STR):
            quote = f"; put it in quotes: '{node.value}'" if isinstance(node, ScalarNode) else ""
            self.problem(node, where, f"expected text, got {_what(node)}{quote}")
            return ""
        value = str(node.value).strip()
        if not value and not empty_ok:
            self.problem(node, where, "is empty; write it, or remove the item")
        elif len(value) > limit:
            self.problem(node, where, f"is {len(value)} characters; the limit is {limit}")
        return value

    def texts(self, node: Node | None, where: str, limit: int) -> tuple[str, ...]:
        """A list of distinct, non-empty texts."""
        values = self.items(node, where, lambda item, at: self.text(item, at, limit, False))
        seen: set[str] = set()
        for item, value in zip(node.value if node is not None else [], values, strict=False):
            if value and value in seen:
                self.problem(item, where, f"'{value}' appears twice; each must differ")
            seen.add(value)
        return values

    def scalar(self, node: Node, tag: str) -> object:
        """The value of a scalar node of the YAML type ``tag``, else None."""
        if isinstance(node, ScalarNode) and node.tag == f"tag:yaml.org,2002:{tag}":
            return self._loader.construct_object(node)
        return None

    def event(self, node: Node) -> EventPlan:
        f = self.mapping(node, "event", _EVENT_KEYS, ("slug", "title"))
        slug = f.text("slug", 60)
        if "slug" in f.found and slug:
            if _SLUG.match(slug):
                self.slug, self.slug_line = slug, _line(f.found["slug"])
            else:
                f.bad(
                    "slug",
                    "must be lower-case letters, digits and hyphens, e.g. nhs-2026 "
                    "(it is the event's address: /e/SLUG)",
                )
        url = f.text("stream_url", 500)
        try:
            url = stream_url(url)
        except Refused as exc:
            f.bad("stream_url", exc.message)
        call_url = f.text("call_url", 500)
        if call_url and not (call_url.startswith("https://") and " " not in call_url):
            f.bad("call_url", "must be an https:// address, e.g. https://meet.example.org/room")
        return EventPlan(
            slug=slug,
            title=f.text("title", 200, empty_ok=False),
            status=f.choice("status", EVENT_STATUSES, "draft"),
            description=f.text("description", 10_000),
            starts_on=f.date("starts_on"),
            venue=f.text("venue", 200),
            stream_url=url,
            stream_delay=f.number("stream_delay", 30, minimum=0) or 0,
            call_url=call_url,
            moderation=f.choice("moderation", MODERATIONS, "post"),
            outcomes_public=f.boolean("outcomes_public", False),
            retention_days=f.number("retention_days", None, minimum=1),
            groups=f.texts("groups", MAX_NAME),
            themes=f.texts("themes", MAX_NAME),
            word_list=f.texts("word_list", MAX_NAME),
        )

    def session(self, node: Node, path: str) -> SessionPlan:
        f = self.mapping(node, path, _SESSION_KEYS, ("title",))
        return SessionPlan(
            title=f.text("title", 200, empty_ok=False),
            prompt=f.text("prompt", 10_000),
            minutes=f.number("minutes", None, minimum=1),
            private=f.boolean("private", False),
            polls=self.items(f.found.get("polls"), f"{path}.polls", self.poll),
        )

    def poll(self, node: Node, path: str) -> PollPlan:
        f = self.mapping(node, path, _POLL_KEYS, ("question", "options"), POLL_KEYS_NOT_YET)
        kind = f.choice("kind", POLL_KINDS, "single")
        if kind not in SUPPORTED_KINDS:
            f.bad("kind", f"kind {kind} is not supported yet; use single (one choice per voter)")
        options = f.texts("options", 200)
        if "options" in f.found and len(options) < 2:
            f.bad("options", "a poll needs at least two options; add another")
        return PollPlan(
            question=f.text("question", 300, empty_ok=False), options=options, kind=kind
        )

    def plan(self, root: Node) -> Plan:
        f = self.mapping(root, "", ("event", "sessions"), ("event",))
        event = self.event(f.found["event"]) if "event" in f.found else EventPlan("", "")
        sessions = self.items(f.found.get("sessions"), "sessions", self.session)
        return Plan(event, sessions, self.slug_line)


class _Fields:
    """The keys found in one mapping of the file, read one by one into checked values; a key
    that is not there gives its default (a missing required key is already a problem)."""

    def __init__(self, reader: _Reader, node: Node, path: str, found: dict[str, Node]) -> None:
        self.reader, self.node, self.path, self.found = reader, node, path, found

    def where(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def bad(self, key: str, message: str) -> None:
        self.reader.problem(self.found.get(key, self.node), self.where(key), message)

    def text(self, key: str, limit: int, empty_ok: bool = True) -> str:
        if key not in self.found:
            return ""
        return self.reader.text(self.found[key], self.where(key), limit, empty_ok)

    def texts(self, key: str, limit: int) -> tuple[str, ...]:
        return self.reader.texts(self.found.get(key), self.where(key), limit)

    def choice(self, key: str, choices: tuple[str, ...], default: str) -> str:
        if key not in self.found:
            return default
        value = self.reader.text(self.found[key], self.where(key), 20, empty_ok=False)
        if value and value not in choices:
            self.bad(key, f"is {value}; it must be one of {', '.join(choices)}")
        return value or default

    def number(self, key: str, default: int | None, minimum: int) -> int | None:
        node = self.found.get(key)
        if node is None or (default is None and node.tag == _NULL):
            return default
        value = self.reader.scalar(node, "int")
        if not isinstance(value, int):
            self.bad(key, f"expected a whole number, e.g. {minimum or 30}, got {_what(node)}")
            return default
        if value < minimum:
            self.bad(key, f"is {value}; it must be at least {minimum}")
        return value

    def boolean(self, key: str, default: bool) -> bool:
        node = self.found.get(key)
        if node is None:
            return default
        value = self.reader.scalar(node, "bool")
        if not isinstance(value, bool):
            self.bad(key, f"expected true or false, got {_what(node)}")
            return default
        return value

    def date(self, key: str) -> date | None:
        node = self.found.get(key)
        if node is None or node.tag == _NULL:
            return None
        value = self.reader.scalar(node, "timestamp")
        if type(value) is not date:
            self.bad(key, f"expected a date as YYYY-MM-DD, e.g. 2026-03-14, got {_what(node)}")
            return None
        return value


def read_plan(text: str) -> Plan:
    """The plan in a file's ``text``; raises ``PlanError`` listing every problem in it."""
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        hint = "write the value out" if isinstance(exc, _AliasError) else _SYNTAX_HINT
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
