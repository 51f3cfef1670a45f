"""What may leave in an export, decided here and nowhere else.

* Participants appear under a stable pseudonymous id: an HMAC of their opaque id with the
  installation's secret key, the same in every export of this installation and useless for
  finding the cookie or the person behind it. The raw id never leaves.
* Display names (participants', contributions' authors') only when the organiser asks
  (``names``: ``--names`` or the page's tick); roster names never.
* Secret polls have no ballot rows: their ballots appear only as totals in the poll results,
  read through ``poll_view``, which shows a secret poll still taking ballots only as its last
  published tally and members and public side by side only when each side is large enough.
* Open text answers the facilitators hid are neither listed nor counted; a hidden answer's
  ballot row keeps its place with an empty answer.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from sqlalchemy import ColumnElement, false
from sqlalchemy.ext.asyncio import AsyncSession

from assembly.models import Instance, Poll

PSEUDONYM_LENGTH = 12  # hex digits: 48 bits, no clash among an event's participants in practice


@dataclass(frozen=True)
class Disclosure:
    """The rules for one export: the installation's key and whether names go with it."""

    key: bytes
    names: bool = False

    def pseudonym(self, participant_id: str | None) -> str:
        """The participant's export id ("" once they left or were purged)."""
        if not participant_id:
            return ""
        digest = hmac.new(self.key, b"export:" + participant_id.encode(), hashlib.sha256)
        return digest.hexdigest()[:PSEUDONYM_LENGTH]

    def name_column(self, name: str) -> list[str]:
        """The name column's header: one when names go with the export, else none."""
        return [name] if self.names else []

    def name(self, display_name: str) -> tuple[str, ...]:
        """The name cell, matching ``name_column``."""
        return (display_name,) if self.names else ()

    @staticmethod
    def ballot_rows() -> ColumnElement[bool]:
        """Which polls' ballots may be listed one by one: never a secret poll's."""
        return Poll.secret == false()

    @staticmethod
    def answer(text: str, hidden: bool) -> str:
        """An open text answer as a ballot row shows it."""
        return "" if hidden else text


async def installation_key(s: AsyncSession, configured: str) -> bytes:
    """The key pseudonyms are made with: the configured SECRET_KEY, else the one the server
    generated on its first start (``app._secret_key``)."""
    if configured:
        return configured.encode()
    row = await s.get(Instance, "secret_key")
    if row is None:
        raise RuntimeError(
            "This database has no secret key yet: start the server once (`assembly serve`) "
            "or set SECRET_KEY, then export again."
        )
    return row.value.encode()
