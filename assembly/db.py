"""The database: engine, read sessions, one serialised writer on SQLite, and migrations."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

MIGRATIONS = Path(__file__).parent / "migrations"
POOL_SIZE = 20  # connections per process


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    # FULL: an acknowledged write survives a power cut, not only a killed process.
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=5000")
    cur.close()


def _pool_options(url: str) -> dict[str, Any]:
    """A fixed pool of ``POOL_SIZE`` connections, kept open. SQLAlchemy's default (five kept, ten
    more opened on demand and closed on return) opened and closed a connection for every four
    ballots of a burst, each with its own aiosqlite thread and pragmas. Beyond ``POOL_SIZE``
    sessions at once, a session waits for a connection instead."""
    u = make_url(url)
    if u.get_backend_name() == "sqlite" and u.database in (None, "", ":memory:"):
        return {}  # one shared connection (StaticPool): nothing to size
    return {"pool_size": POOL_SIZE, "max_overflow": 0}


class Database:
    """Owns the engine. ``read()`` gives a session; ``write()`` a session that commits on exit.

    SQLite allows one writer at a time, and a transaction that reads before it writes can fail
    with "database is locked" instead of waiting; so on SQLite writes take turns in-process.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self.is_sqlite = make_url(url).get_backend_name() == "sqlite"
        self.engine: AsyncEngine = create_async_engine(url, **_pool_options(url))
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self._write_lock = asyncio.Lock() if self.is_sqlite else None

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A session for reading; nothing is committed."""
        async with self.sessions() as session:
            yield session

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """A session whose work is committed when the block ends without an exception."""
        if self._write_lock is None:
            async with self.sessions.begin() as session:
                yield session
            return
        async with self._write_lock, self.sessions.begin() as session:
            yield session

    async def dispose(self) -> None:
        await self.engine.dispose()


@asynccontextmanager
async def opened(url: str) -> AsyncIterator[Database]:
    """A ``Database`` for one command: disposed of (its connections closed) when done."""
    db = Database(url)
    try:
        yield db
    finally:
        await db.dispose()


def alembic_config(url: str) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def migrate(url: str) -> None:
    """Bring the database at ``url`` up to the newest migration (creates it when empty)."""
    from alembic import command

    command.upgrade(alembic_config(url), "head")
