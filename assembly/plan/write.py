"""Writing a plan file: every key in a fixed order, always, so one plan has one spelling."""

from __future__ import annotations

import dataclasses
from typing import Any

import yaml

from assembly.plan import Plan, PollPlan, SessionPlan

HEADER = (
    "# An Assembly plan file (docs/plan.md).\n"
    "# `assembly event import FILE` creates the event; `assembly event export SLUG` writes one.\n"
)


class _Dumper(yaml.SafeDumper):
    """Lists indented under their key, and text with line breaks as a literal block."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text)


def _fields(shape: Any) -> dict[str, Any]:
    """A dataclass's compared fields in their declared order, tuples as lists."""
    return {
        f.name: list(value) if isinstance(value := getattr(shape, f.name), tuple) else value
        for f in dataclasses.fields(shape)
        if f.compare
    }


def _session(session: SessionPlan) -> dict[str, Any]:
    return {**_fields(session), "polls": [_poll(p) for p in session.polls]}


def _poll(poll: PollPlan) -> dict[str, Any]:
    data: dict[str, Any] = {"question": poll.question, "kind": poll.kind}
    if poll.kind == "statements":
        data["statements"] = list(poll.options)
    elif poll.options or poll.kind not in ("scale", "open_text"):
        data["options"] = list(poll.options)
    # The kind's own keys, and only those that are set.
    for key in ("max_choices", "points", "labels", "rank_top"):
        value = getattr(poll, key)
        if value is not None and value != ():
            data[key] = list(value) if isinstance(value, tuple) else value
    if poll.audience != "everyone":  # settings at their default stay out of the file
        data["audience"] = poll.audience
    if poll.results != "live":
        data["results"] = poll.results
    if poll.majority != "none":
        data["majority"] = poll.majority
    if poll.quorum is not None:
        data["quorum"] = float(poll.quorum)  # one spelling: 1.0, not 1
    if poll.secret:
        data["secret"] = True
    if poll.allow_new_statements:
        data["allow_new_statements"] = True
    return data


def write_plan(plan: Plan) -> str:
    """The plan file's text: ``read_plan`` reads it back to ``plan``."""
    data = {"event": _fields(plan.event), "sessions": [_session(s) for s in plan.sessions]}
    body = yaml.dump(
        data,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=1000,  # a prompt stays on its line rather than folded
    )
    return HEADER + body
