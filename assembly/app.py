"""The application factory: routes, middleware and the lifespan that opens everything."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.exc import OperationalError, ProgrammingError
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route

from assembly.config import Settings
from assembly.db import Database
from assembly.domain import Refused
from assembly.fairshare import FairShare, FairShareMiddleware
from assembly.guard import Guard
from assembly.headers import SecurityHeadersMiddleware
from assembly.lookups import Lookups
from assembly.models import Instance
from assembly.push import Pusher
from assembly.ratelimit import RateLimiter
from assembly.render import Renderer, make_env
from assembly.security import CSRFCookieMiddleware, Signer
from assembly.statics import CachedStaticFiles, Versions
from assembly.web import (
    account,
    actions,
    agenda,
    api,
    apikeys,
    auth,
    cards,
    checkin,
    clock,
    confirm,
    console,
    desk,
    exports,
    members,
    organise,
    outcome_actions,
    participant,
    queue,
    report,
    roundups,
    screen,
    statements,
    story,
    tables,
    team,
)
from assembly.web.common import State, page, refused
from assembly.writer import BallotWriter
from live import Hub, ServerSendMiddleware, broker_from_url
from live.broker import is_redis


async def _secret_key(db: Database, configured: str) -> str:
    """The configured key, else the one generated on first start and kept in the database."""
    if configured:
        return configured
    try:
        async with db.write() as s:
            row = await s.get(Instance, "secret_key")
            if row is None:
                row = Instance(key="secret_key", value=secrets.token_urlsafe(48))
                s.add(row)
            return row.value
    except (OperationalError, ProgrammingError) as exc:
        raise RuntimeError(
            "The database has no tables yet. Run `assembly migrate` (or `make run`) first."
        ) from exc


async def healthz(request: Request) -> Response:
    async with request.state.app.db.read() as s:
        await s.execute(text("SELECT 1"))
    return JSONResponse({"status": "ok"})


async def home(request: Request) -> Response:
    from assembly.models import Event

    async with request.state.app.db.read() as s:
        events = list(await s.scalars(select(Event).where(Event.status == "open")))
    return page(request, "home.html", events=events)


async def not_found(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        message = "There is nothing at this address. Check the link you were given."
    elif exc.status_code == 405:
        message = "That page cannot be used this way. Go back and use the form on the page."
    else:
        message = exc.detail
    return await refused(request, Refused(message, exc.status_code))


def from_env() -> Starlette:
    """The app for uvicorn's worker processes (`assembly serve --workers N`): settings from the
    environment, parsed once in each worker."""
    return create_app(Settings.from_env())


def create_app(settings: Settings) -> Starlette:
    """Build the application for ``settings``; nothing is opened until the lifespan starts."""

    versions = Versions()  # one per app: the pages' static addresses and the files' headers

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[dict[str, Any]]:
        db = Database(settings.database_url)
        try:
            secret = await _secret_key(db, settings.secret_key)
        except Exception:
            await db.dispose()
            raise
        hub = Hub(broker_from_url(settings.broker_url, settings.broker_prefix))
        await hub.start()
        render = Renderer(make_env(versions=versions))
        push = Pusher(hub, db, render, settings.tally_interval)
        await push.start()
        ballots = BallotWriter(db)
        await ballots.start()
        guard = Guard(hub, db)
        await guard.start()
        st = State(
            settings=settings,
            db=db,
            hub=hub,
            push=push,
            render=render,
            signer=Signer(secret),
            limits=RateLimiter(
                settings.rate_limit_scale,
                # Many processes share their windows through Redis when they share a broker.
                redis_url=settings.broker_url if is_redis(settings.broker_url) else None,
                key_prefix=settings.broker_prefix,
            ),
            fair=FairShare(),
            ballots=ballots,
            guard=guard,
            lookups=Lookups(db),
        )
        try:
            yield {"app": st}
        finally:
            await guard.stop()
            await ballots.stop()
            await push.stop()
            await hub.stop()
            await st.limits.aclose()
            await db.dispose()

    routes = [
        Route("/", home, name="home"),
        Route("/healthz", healthz, name="healthz"),
        *participant.routes,
        *actions.routes,
        *confirm.routes,  # issue 17: a second step before delete and leave
        *auth.routes,
        *clock.routes,  # before the console's: its paths are more specific
        *console.routes,
        *outcome_actions.routes,
        *screen.routes,
        *organise.routes,
        *agenda.routes,
        *team.routes,
        *account.routes,
        *members.routes,
        *checkin.routes,
        *statements.routes,
        *queue.routes,
        # Issue 11's desk: paper cards, tables, the moderation queue and the audit log.
        *cards.routes,
        *tables.routes,
        *desk.routes,
        # Issue 12: round-ups per theme, API keys and the integration API.
        *roundups.routes,
        *apikeys.routes,
        *api.routes,
        # Issue 12: the outcomes report (organisers) and the public story.
        *report.routes,
        *story.routes,
        *exports.routes,  # issue 12: the organiser's downloads and the JSON export
        # Versioned addresses (base.html) are cached for a year: a second visit fetches none.
        Mount("/static", CachedStaticFiles(versions), name="static"),
    ]
    return Starlette(
        routes=routes,
        # Compressed, the participant page's first load (htmx included) stays well under 60 KB.
        middleware=[
            # First, so it sees the server's own send: the hub writes frames straight to it.
            Middleware(ServerSendMiddleware),
            Middleware(GZipMiddleware, minimum_size=500),
            Middleware(SecurityHeadersMiddleware),
            Middleware(FairShareMiddleware),
            Middleware(CSRFCookieMiddleware),
        ],
        exception_handlers={
            Refused: refused,
            auth.LoginRequired: auth.login_required,
            HTTPException: not_found,
        },
        lifespan=lifespan,
    )
