"""Checked values out of YAML nodes, which keep their line numbers: a file is read key by key,
and every problem is collected with its line before the file is refused."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TypeVar

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from assembly.plan import Problem

T = TypeVar("T")

_STR = "tag:yaml.org,2002:str"
_NULL = "tag:yaml.org,2002:null"
_KINDS_OF_SCALAR = {
    "tag:yaml.org,2002:bool": "a yes/no",
    "tag:yaml.org,2002:int": "a number",
    "tag:yaml.org,2002:float": "a number",
    "tag:yaml.org,2002:timestamp": "a date",
    _STR: "text",
}


def line_of(node: Node) -> int:
    return int(node.start_mark.line) + 1


def what(node: Node) -> str:
    """What a node is, in the words of the problem line: "a list", "a yes/no Yes", ..."""
    if isinstance(node, MappingNode):
        return "keys and values"
    if isinstance(node, SequenceNode):
        return "a list"
    if node.tag == _NULL:
        return "nothing"
    return f"{_KINDS_OF_SCALAR.get(node.tag, 'a value')} {node.value}"


class AliasError(yaml.MarkedYAMLError):
    pass


class NoAliasLoader(yaml.SafeLoader):
    """YAML without aliases: ``*name`` reuses a node, and a few nested ones make a walk over
    the tree take exponential time (the "billion laughs"). A plan writes its values out."""

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        if self.check_event(yaml.AliasEvent):
            mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
            raise AliasError(None, None, "aliases (*name) are not allowed in a plan", mark)
        return super().compose_node(parent, index)


class NodeReader:
    """Reads checked values out of YAML nodes, collecting a problem (with its line) for each
    value that is not what it should be instead of stopping at the first."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self._loader = yaml.SafeLoader("")

    def problem(self, node: Node, where: str, message: str) -> None:
        self.problems.append(Problem(line_of(node), where, message))

    def mapping(
        self,
        node: Node,
        path: str,
        keys: tuple[str, ...],
        required: tuple[str, ...],
        not_yet: tuple[str, ...] = (),
        not_yet_why: str = "",
    ) -> Fields:
        """The keys of a mapping node, with a problem for each unknown, repeated or missing key."""
        found: dict[str, Node] = {}
        if not isinstance(node, MappingNode):
            self.problem(
                node, path, f"expected keys and values ({', '.join(keys)}), got {what(node)}"
            )
            return Fields(self, node, path, found)
        for key_node, value in node.value:
            key = str(key_node.value)
            where = f"{path}.{key}" if path else key
            if not (isinstance(key_node, ScalarNode) and key_node.tag == _STR):
                self.problem(key_node, path, f"{what(key_node)} is not a key; keys are words")
            elif key in found:
                self.problem(key_node, where, "appears twice; keep one")
            elif key in not_yet:
                self.problem(key_node, where, f"not supported yet: {not_yet_why}; remove it")
            elif key not in keys:
                self.problem(key_node, where, f"unknown key; the keys here are {', '.join(keys)}")
            else:
                found[key] = value
        for key in required:
            if key not in found:
                where = f"{path}.{key}" if path else key
                self.problem(node, where, f"missing; add `{key}:`")
        return Fields(self, node, path, found)

    def items(self, node: Node | None, path: str, read: Callable[[Node, str], T]) -> tuple[T, ...]:
        if node is None or node.tag == _NULL:
            return ()
        if not isinstance(node, SequenceNode):
            self.problem(node, path, f"expected a list (`- ` before each item), got {what(node)}")
            return ()
        return tuple(read(item, f"{path}[{i}]") for i, item in enumerate(node.value, 1))

    def text(self, node: Node, where: str, limit: int, empty_ok: bool = True) -> str:
        if node.tag == _NULL and empty_ok:
            return ""
        if not (isinstance(node, ScalarNode) and node.tag == _STR):
            quote = f"; put it in quotes: '{node.value}'" if isinstance(node, ScalarNode) else ""
            self.problem(node, where, f"expected text, got {what(node)}{quote}")
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


class Fields:
    """The keys found in one mapping of the file, read one by one into checked values; a key
    that is not there gives its default (a missing required key is already a problem)."""

    def __init__(self, reader: NodeReader, node: Node, path: str, found: dict[str, Node]) -> None:
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

    def number(
        self, key: str, default: int | None, minimum: int, maximum: int | None = None
    ) -> int | None:
        node = self.found.get(key)
        if node is None or (default is None and node.tag == _NULL):
            return default
        value = self.reader.scalar(node, "int")
        if not isinstance(value, int):
            self.bad(key, f"expected a whole number, e.g. {minimum or 30}, got {what(node)}")
            return default
        if value < minimum:
            self.bad(key, f"is {value}; it must be at least {minimum}")
        elif maximum is not None and value > maximum:
            self.bad(key, f"is {value}; it must be at most {maximum}")
        return value

    def share(self, key: str) -> float | None:
        """A number above 0 and at most 1 (e.g. a quorum, 0.5), or None when not given."""
        node = self.found.get(key)
        if node is None or node.tag == _NULL:
            return None
        value = self.reader.scalar(node, "float")
        value = self.reader.scalar(node, "int") if value is None else value
        if not isinstance(value, int | float) or isinstance(value, bool):
            self.bad(key, f"expected a share from above 0 to 1, e.g. 0.5, got {what(node)}")
            return None
        if not 0 < value <= 1:
            self.bad(key, f"is {value:g}; it must be above 0 and at most 1, e.g. 0.5 for half")
            return None
        return float(value)

    def boolean(self, key: str, default: bool) -> bool:
        node = self.found.get(key)
        if node is None:
            return default
        value = self.reader.scalar(node, "bool")
        if not isinstance(value, bool):
            self.bad(key, f"expected true or false, got {what(node)}")
            return default
        return value

    def date(self, key: str) -> date | None:
        node = self.found.get(key)
        if node is None or node.tag == _NULL:
            return None
        value = self.reader.scalar(node, "timestamp")
        if type(value) is not date:
            self.bad(key, f"expected a date as YYYY-MM-DD, e.g. 2026-03-14, got {what(node)}")
            return None
        return value
