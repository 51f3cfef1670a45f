"""Factory fixtures: each test builds the app it needs on its own SQLite file."""

from __future__ import annotations

import asyncio
import functools
import os
import re
import secrets
import shutil
import socket
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from starlette.testclient import TestClient

from assembly.app import create_app
from assembly.config import Settings
from assembly.db import Database, migrate
from assembly.demo import add_account, create_demo
from assembly.domain import set_team_role

PASSWORD = "correct horse battery staple"
# Each run, and each worker of a parallel run, has its own PostgreSQL database and its own
# prefix on Redis channels and keys: two suites on one machine never see each other's data.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")
RUN = f"{os.getpid()}_{secrets.token_hex(3)}_{WORKER}"
BROKER_PREFIX = f"test-{RUN}:"


@pytest.fixture(autouse=True, scope="session")
def _cheap_argon2() -> Iterator[None]:
    """Hash test passwords with argon2's cheapest parameters. The real cost (most of a second
    per login on this machine) tests argon2, not us; verifying reads the cost from the hash,
    so a server started by a test is fast too."""
    from argon2 import PasswordHasher

    from assembly import security

    real = security._hasher
    security._hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    yield
    security._hasher = real


def make_settings(tmp_path: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_url": f"sqlite+aiosqlite:///{tmp_path}/assembly.db",
        "secret_key": "test-secret-key",
        "tally_interval": 0.02,
        "broker_prefix": BROKER_PREFIX,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


async def _seed(settings: Settings) -> None:
    db = Database(settings.database_url)
    try:
        async with db.write() as s:
            demo = await create_demo(s)
            account, _ = await add_account(s, "facilitator", PASSWORD)
            await set_team_role(s, demo, account, "facilitator")
    finally:
        await db.dispose()


def seeded(settings: Settings) -> Settings:
    migrate(settings.database_url)
    asyncio.run(_seed(settings))
    return settings


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Modules that set ``BOTH_DATABASES = True`` run every test on SQLite and PostgreSQL."""
    if "database" in metafunc.fixturenames and getattr(metafunc.module, "BOTH_DATABASES", False):
        metafunc.parametrize("database", ["sqlite", "postgres"], indirect=True)


@pytest.fixture
def database(request: pytest.FixtureRequest) -> str:
    return str(getattr(request, "param", "sqlite"))


@pytest.fixture(scope="session")
def _seeded_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated and seeded SQLite file; each test gets a copy (migrating is the slow part)."""
    folder = tmp_path_factory.mktemp("template")
    # On another thread: playwright's sync API keeps an event loop running on this one.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(seeded, make_settings(folder)).result()
    return folder / "assembly.db"


@pytest.fixture
def sqlite_copy(tmp_path: Path, _seeded_sqlite: Path) -> Callable[..., Settings]:
    """Make settings (``make_settings`` overrides) for a copy of the seeded SQLite file."""

    def make(**overrides: object) -> Settings:
        shutil.copyfile(_seeded_sqlite, tmp_path / "assembly.db")
        return make_settings(tmp_path, **overrides)

    return make


@pytest.fixture
def settings(
    tmp_path: Path, database: str, _seeded_sqlite: Path, request: pytest.FixtureRequest
) -> Settings:
    """Settings for a migrated database holding the demo event and a facilitator account."""
    if database == "postgres":
        return make_settings(tmp_path, database_url=request.getfixturevalue("postgres_url"))
    shutil.copyfile(_seeded_sqlite, tmp_path / "assembly.db")
    return make_settings(tmp_path)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings), base_url="http://testserver") as c:
        yield c


_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(client: TestClient, path: str = "/e/demo") -> str:
    """Open ``path`` (joining the event if it is a participant page) and return its CSRF token."""
    html = client.get(path).text
    match = _CSRF.search(html)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def post_login(client: TestClient, next_path: str = "/console/demo") -> object:
    token = csrf_of(client, "/login")
    data = {"username": "facilitator", "password": PASSWORD, "next": next_path}
    return client.post("/login", data={**data, "csrf_token": token}, follow_redirects=False)


def in_app(client: TestClient, work: Callable[[Any], Awaitable[Any]]) -> Any:
    """Run ``work(db)`` in one write transaction of the app ``client`` runs, on its loop."""

    async def go() -> Any:
        async with client.app_state["app"].db.write() as db:  # type: ignore[attr-defined]
            return await work(db)

    return client.portal.call(go)  # type: ignore[union-attr]


def login(client: TestClient) -> str:
    """Log the facilitator in; returns the console's CSRF token."""
    r = post_login(client)
    assert r.status_code == 303, r.text  # type: ignore[attr-defined]
    return csrf_of(client, "/console/demo")


class LiveServer:
    """The real uvicorn server (websockets included) on a free port, in a thread."""

    def __init__(
        self, settings: Settings | None = None, app: Any = None, ws_deflate: bool = False
    ) -> None:
        """Serve the application built from ``settings``, or a bare ASGI ``app``."""
        # Bound here and handed to uvicorn, so that no other test (or worker of a parallel run)
        # can take the port between choosing it and listening on it.
        self.socket = socket.socket()
        self.socket.bind(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]
        config = uvicorn.Config(
            create_app(settings) if settings is not None else app,
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            # As `assembly serve` runs it.
            ws_per_message_deflate=settings.ws_deflate if settings is not None else ws_deflate,
        )
        self.server = uvicorn.Server(config)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(self.server.serve(sockets=[self.socket]))

    def call(self, fn: Callable[[Any], object]) -> None:
        """Run ``fn(app_state)`` on the server's own loop (e.g. to drop every socket)."""
        state = self.server.lifespan.state["app"]
        self.loop.call_soon_threadsafe(fn, state)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self.loop.close()
        self.socket.close()


@pytest.fixture
def live_server(settings: Settings) -> Iterator[LiveServer]:
    with LiveServer(settings) as server:
        yield server


def receive_until(ws: object, containing: str, limit: int = 20) -> str:
    """The first pushed message containing ``containing``, skipping (at most ``limit``) others,
    such as presence updates, that share the socket."""
    for _ in range(limit):
        message: str = ws.receive_text()  # type: ignore[attr-defined]
        if containing in message:
            return message
    raise AssertionError(f"no message containing {containing!r} in {limit} messages")


POSTGRES_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)


def _unavailable(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: the service must be there)")
    pytest.skip(reason)


async def _on_server(*statements: str) -> None:
    """Run ``statements`` on the database TEST_POSTGRES_URL names (outside a transaction, as
    CREATE and DROP DATABASE need)."""
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            for statement in statements:
                await conn.execute(text(statement))
    finally:
        await engine.dispose()


async def _create(name: str, seed: bool) -> str:
    """Create the database ``name`` on the TEST_POSTGRES_URL server and return its URL, with
    (when ``seed``) this code's migrations, the demo event, the facilitator, and a copy of
    their rows in the schema ``seed`` to restore between tests."""
    await _on_server(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"')
    url = f"{POSTGRES_URL.rpartition('/')[0]}/{name}"
    if seed:
        await asyncio.to_thread(migrate, url)  # alembic runs its own event loop
        await _seed(make_settings(Path("/nonexistent"), database_url=url))
        await _run_script(url, "CREATE SCHEMA seed;" + _snapshot_script())
    return url


def _tables() -> list[str]:
    from assembly.models import Base

    return [t.name for t in Base.metadata.sorted_tables]  # parents before children


def _snapshot_script() -> str:
    return "".join(f'CREATE TABLE seed."{t}" AS TABLE public."{t}";' for t in _tables())


async def _run_script(url: str, script: str) -> list[Any]:
    """Run ``script`` (several statements, one round trip) on the database at ``url``."""
    import asyncpg  # type: ignore[import-untyped]

    connection = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        if script:
            await connection.execute(script)
        return list(
            await connection.fetch(
                "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public'"
            )
        )
    finally:
        await connection.close()


@functools.cache
def _restore_script(url: str) -> str:
    """Statements that put the rows and the id sequences back as they were after seeding."""
    sequences = asyncio.run(_run_script(url, ""))
    tables = _tables()
    script = [f'DELETE FROM public."{t}"' for t in reversed(tables)]
    script += [f'INSERT INTO public."{t}" SELECT * FROM seed."{t}"' for t in tables]
    for name, value in sequences:
        if value is None:  # never used: start again from its first value
            script.append(f'ALTER SEQUENCE public."{name}" RESTART')
        else:
            script.append(f"SELECT setval('public.\"{name}\"', {value})")
    return ";".join(script)


def _in_thread(fn: Callable[[], Any]) -> Any:
    # On another thread: playwright's sync API keeps an event loop running on this one, and
    # these run their own.
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(fn).result()


@contextmanager
def _database(seed: bool) -> Iterator[str]:
    """This run's (this worker's) own database on the TEST_POSTGRES_URL server, dropped at
    the end. Skips (or fails, with CI=true) when PostgreSQL is not reachable."""
    name = f"test_{RUN}" if seed else f"test_{RUN}_empty"
    try:
        url: str = _in_thread(lambda: asyncio.run(_create(name, seed)))
    except (OSError, ImportError) as exc:
        _unavailable(f"PostgreSQL is not reachable at {POSTGRES_URL}: {exc}")
    try:
        yield url
    finally:
        _in_thread(lambda: asyncio.run(_on_server(f'DROP DATABASE "{name}" WITH (FORCE)')))


@pytest.fixture(scope="session")
def _postgres_database() -> Iterator[str]:
    with _database(seed=True) as url:
        yield url


@pytest.fixture(scope="session")
def _empty_postgres_database() -> Iterator[str]:
    with _database(seed=False) as url:
        yield url


@pytest.fixture
def postgres_url(_postgres_database: str) -> str:
    """This run's PostgreSQL database, migrated, holding only the demo event and the
    facilitator: their rows are restored from a copy before each test (migrating and
    seeding are the slow part, done once)."""
    script = _in_thread(lambda: _restore_script(_postgres_database))
    _in_thread(lambda: asyncio.run(_run_script(_postgres_database, script)))
    return _postgres_database


@pytest.fixture
def empty_postgres_url(_empty_postgres_database: str) -> str:
    """A PostgreSQL database of this run with nothing in it, not even a migration."""

    async def empty() -> None:
        await _run_script(
            _empty_postgres_database, "DROP SCHEMA public CASCADE; CREATE SCHEMA public"
        )

    _in_thread(lambda: asyncio.run(empty()))
    return _empty_postgres_database


REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
def redis_url() -> str:
    """A reachable Redis (this machine's, by default)."""

    async def ping() -> None:
        import redis.asyncio as aioredis

        client = aioredis.from_url(REDIS_URL)
        try:
            await client.ping()
        finally:
            await client.aclose()

    try:
        asyncio.run(ping())
    except Exception as exc:  # any failure to reach it: missing package, refused, timeout
        _unavailable(f"Redis is not reachable at {REDIS_URL}: {exc}")
    return REDIS_URL


@contextmanager
def live_socket(client: TestClient, path: str, **kwargs: Any) -> Iterator[Any]:
    """A test websocket past its greeting (``<!--seq:N-->``, see ``Hub.connect``)."""
    with client.websocket_connect(path, **kwargs) as ws:
        hello = ws.receive_text()
        assert hello.startswith("<!--seq:"), hello
        yield ws


async def closed_after(socket: Any, act: Callable[[], Awaitable[object]]) -> tuple[int, float]:
    """Run ``act``, then read ``socket`` (a websockets client, past its greeting) until the
    server closes it: (the close code, seconds from the start of ``act``). At most 5 s."""
    from websockets.exceptions import ConnectionClosed

    loop = asyncio.get_running_loop()
    start = loop.time()
    await act()
    try:
        async with asyncio.timeout(5):
            while True:
                await socket.recv()
    except ConnectionClosed as closed:
        assert closed.rcvd is not None, "closed without a close frame"
        return closed.rcvd.code, loop.time() - start
    raise AssertionError("unreachable")


async def staff_headers(base: str) -> dict[str, str]:
    """A Cookie header with the facilitator's login on a real server: what opens the big
    screen's socket (``websockets.connect(url, additional_headers=...)``)."""
    import httpx2 as httpx

    async with httpx.AsyncClient(base_url=base) as staff:
        token = _CSRF.search((await staff.get("/login")).text).group(1)  # type: ignore[union-attr]
        data = {"username": "facilitator", "password": PASSWORD, "next": "/"}
        await staff.post("/login", data={**data, "csrf_token": token})
        return {"Cookie": f"asm_staff={staff.cookies['asm_staff']}"}


async def open_poll_over_http(base: str) -> tuple[int, list[int]]:
    """Log the facilitator in on a real server, open the current session's first poll, and
    return its id and option ids."""
    import httpx2 as httpx

    async with httpx.AsyncClient(base_url=base) as staff:
        token = _CSRF.search((await staff.get("/login")).text).group(1)  # type: ignore[union-attr]
        data = {"username": "facilitator", "password": PASSWORD, "next": "/"}
        await staff.post("/login", data={**data, "csrf_token": token})
        console = (await staff.get("/console/demo")).text
        token = _CSRF.search(console).group(1)  # type: ignore[union-attr]
        poll = re.findall(r"/polls/(\d+)/open", console)[0]
        await staff.post(f"/console/demo/polls/{poll}/open", data={"csrf_token": token})
        page = (await staff.get("/e/demo")).text
        return int(poll), [int(o) for o in re.findall(r'name="option" value="(\d+)"', page)]
