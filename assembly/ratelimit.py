"""Rate limits per participant and per address, and a growing wait after failed logins.

Moving windows from the ``limits`` library: in memory in one process, in Redis when
``BROKER_URL`` is Redis, so that every worker and host counts against the same windows. A room
shares one address behind its Wi-Fi, so the per-address limits are sized for a full hall, and
the per-participant ones for one busy person.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from limits import RateLimitItem, RateLimitItemPerMinute
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter

from assembly.domain import Refused


@dataclass(frozen=True)
class Rule:
    per_participant: int  # per minute; 0 means no limit of this kind
    per_address: int
    message: str


RULES: dict[str, Rule] = {
    "contribution": Rule(
        6,
        600,
        "You are posting faster than the facilitators can read. Wait a minute, then send it again.",
    ),
    "upvote": Rule(
        60, 3000, "That is a lot of upvotes in a minute. Wait a little, then try again."
    ),
    "ballot": Rule(
        30,
        6000,
        "You have changed your vote many times in a minute. Wait a little, then vote again.",
    ),
    # Raising and lowering a hand (each one re-draws every console's queue).
    "hand": Rule(
        10, 600, "You have raised and lowered your hand many times. Wait a minute, then try again."
    ),
    "name": Rule(10, 600, "You have changed your name many times. Wait a minute, then try again."),
    "join": Rule(
        0,
        120,  # new identities per address: the tight one, since a script can clear cookies
        "Too many people joined from this network in a minute. Wait a moment and reload the page.",
    ),
    # Personal invite codes (/i/{code}) can only be guessed: every try counts, per address.
    "invite": Rule(
        0,
        60,
        "Too many invite codes were tried from this network. Wait a minute, then try again.",
    ),
    "group": Rule(
        10, 600, "You have changed your group many times. Wait a minute, then try again."
    ),
    # Per API key (issue 12): a bridge posting a busy hashtag, not a flood.
    "api": Rule(
        120,
        0,
        "This API key has sent many requests in a minute. Wait a minute, then send the rest.",
    ),
    "login": Rule(
        0, 20, "Too many login attempts from this network. Wait a minute, then try again."
    ),
    # Accounts made from team invite links (each link makes at most one).
    "signup": Rule(
        0, 10, "Too many accounts were made from this network. Wait a minute, then try again."
    ),
}

# After this many failed logins for one username, the next try waits LOGIN_FIRST_WAIT seconds,
# and each further failure doubles the wait, up to LOGIN_MAX_WAIT.
LOGIN_FREE_FAILURES = 5
LOGIN_FIRST_WAIT = 30
LOGIN_MAX_WAIT = 15 * 60


class RateLimiter:
    """Checks and counts actions; ``scale`` multiplies every limit (0 turns them off).

    With ``redis_url`` the windows live in Redis, under keys starting with ``key_prefix``.
    """

    def __init__(
        self,
        scale: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        redis_url: str | None = None,
        key_prefix: str = "",
    ) -> None:
        self.scale = scale
        self._clock = clock
        storage: Storage = MemoryStorage()
        self._pool: Any = None
        if redis_url:
            import redis.asyncio as aioredis

            # redis-py, which the Redis broker already needs (limits defaults to coredis), on a
            # pool of our own so that aclose() can close it.
            self._pool = aioredis.ConnectionPool.from_url(redis_url)
            storage = RedisStorage(
                f"async+{redis_url}",
                implementation="redispy",
                connection_pool=self._pool,
                key_prefix=f"{key_prefix}LIMITS",  # LIMITS: the library's own default
            )
        self._limiter = MovingWindowRateLimiter(storage)
        self._items: dict[tuple[str, str], RateLimitItem] = {}
        self._failures: dict[tuple[str, str], tuple[int, float]] = {}
        for action, rule in RULES.items():
            for who, amount in (("p", rule.per_participant), ("a", rule.per_address)):
                if amount and scale > 0:
                    scaled = max(1, round(amount * scale))
                    self._items[(action, who)] = RateLimitItemPerMinute(scaled, namespace=action)

    async def aclose(self) -> None:
        """Close the connections to Redis, if any."""
        if self._pool is not None:
            await self._pool.aclose()

    async def check(self, action: str, participant: str | None, address: str | None) -> None:
        """Count one ``action``; refuse it with a 429 sentence when a limit is reached."""
        checks = [
            (self._items.get((action, "p")), participant),
            (self._items.get((action, "a")), address),
        ]
        active = [(item, who) for item, who in checks if item is not None and who]
        for item, who in active:
            assert who is not None
            if not await self._limiter.test(item, who):
                # Only the caller's own excess earns the fair-share penalty: a participant's,
                # or an address's when there is no participant cookie (a script). A room's
                # shared address going over must not slow the people behind it.
                own = who == participant or participant is None
                raise Refused(RULES[action].message, 429, retry_after=60, penalise=own)
        for item, who in active:
            assert who is not None
            await self._limiter.hit(item, who)

    # Failed logins are counted per process and per (username, address): someone guessing
    # from one address slows only their own tries, never the real facilitator logging in from
    # another (a shared address is slowed too: the hall's Wi-Fi). With N workers a guesser gets
    # up to N times the free tries; the per-address login limit above is shared.
    def login_wait(self, username: str, address: str) -> int:
        """Seconds ``username`` must still wait from ``address`` after repeated failures there
        (0 when free to try)."""
        count, last = self._failures.get((username, address), (0, 0.0))
        if self.scale <= 0 or count < LOGIN_FREE_FAILURES:
            return 0
        wait = min(LOGIN_FIRST_WAIT * 2 ** (count - LOGIN_FREE_FAILURES), LOGIN_MAX_WAIT)
        return max(0, int(last + wait - self._clock() + 0.999))

    def login_failed(self, username: str, address: str) -> None:
        count, _ = self._failures.get((username, address), (0, 0.0))
        self._failures[(username, address)] = (count + 1, self._clock())
        if len(self._failures) > 10_000:  # bounded memory under a username-spraying attack
            self._failures.pop(next(iter(self._failures)))

    def login_succeeded(self, username: str, address: str) -> None:
        self._failures.pop((username, address), None)
