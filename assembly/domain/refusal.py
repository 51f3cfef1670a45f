"""Refused (a request that cannot be done, said in a sentence) and checks on text people write."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.models import MAX_TEXT


class Refused(Exception):
    """A request that cannot be carried out; ``message`` tells the person what to do instead."""

    def __init__(
        self,
        message: str,
        status: int = 400,
        retry_after: int | None = None,
        penalise: bool = False,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.retry_after = retry_after
        self.penalise = penalise  # the caller themselves went too fast (not their network)


def upsert_insert(db: AsyncSession) -> Any:
    """The dialect's ``insert`` (for ``ON CONFLICT``) of the database behind ``db``."""
    return sqlite_insert if db.get_bind().dialect.name == "sqlite" else pg_insert


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _body(value: object, what: str) -> str:
    """Text people wrote, checked: not empty, at most ``MAX_TEXT`` characters."""
    # Browsers send a textarea's line breaks as CRLF; count them as one character, as people do.
    body = _text(value).replace("\r\n", "\n").strip()
    if not body:
        raise Refused(f"{what} is empty. Write something, then send it.", 422)
    if len(body) > MAX_TEXT:
        raise Refused(
            f"{what} is {len(body):,} characters; the limit is {MAX_TEXT:,}. "
            "Please shorten it, or split it in two.",
            422,
        )
    return body


def short_text(value: object, limit: int, what: str, empty: str, then: str) -> str:
    """A short written text (a statement, an open answer) with its whitespace runs as one space,
    or a 422 sentence: ``empty`` when there is nothing, else that ``what`` is too long and to
    shorten it, ``then`` (add it, send it)."""
    text = " ".join(value.split()) if isinstance(value, str) else ""
    if not text:
        raise Refused(empty, 422)
    if len(text) > limit:
        raise Refused(
            f"{what} is {len(text)} characters; the limit is {limit}. Shorten it, then {then}.",
            422,
        )
    return text
