"""The authorization matrix: every route, every kind of caller, every cell exercised.

The routes come from the router itself, so a new route without an entry here fails
``test_every_route_has_an_entry``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import select
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from assembly.app import create_app
from assembly.config import Settings
from assembly.models import Contribution, Poll, PollOption, Session
from assembly.security import room_code
from tests.conftest import PASSWORD, csrf_of, in_app, login
from tests.test_contributions import post, rows
from tests.test_join import _room_secret
from tests.test_privacy import _set

PARTICIPANTS = ["public_room", "public_online", "member_room", "member_online"]
OBSERVERS = ["observer_room", "observer_online"]
# Logged-in accounts with a role on the demo's team; "admin" is an installation organiser (on
# no team, organiser of every event).
STAFF = ["moderator", "facilitator", "organiser", "helper", "admin"]
# "outsider": an organiser of another event's team only, which gives nothing on the demo.
# "screen": a browser that opened the big screen's secret address (the projector's).
ROLES = ["anonymous", *PARTICIPANTS, *OBSERVERS, *STAFF, "outsider", "screen", "api_key"]
EVERYONE = set(ROLES)
BROWSERS = EVERYONE - {"api_key"}  # anything that holds a CSRF cookie and can post a form
RUNNERS = {"facilitator", "organiser", "admin"}
MODERATORS = RUNNERS | {"moderator"}
# The organiser pages of one event: its team's organisers and the installation's organisers.
ORGANISERS = {"organiser", "admin"}
ACCOUNTS = set(STAFF) | {"outsider"}
DOOR = RUNNERS | {"helper"}  # who checks members in

# Who may call each route (by route name). Everyone else must be refused.
MATRIX: dict[str, set[str]] = {
    "home": EVERYONE,
    "healthz": EVERYONE,
    "static": EVERYONE,
    "join_form": EVERYONE,
    "join": EVERYONE,
    "event": EVERYONE,
    "event_widget": EVERYONE,
    "event_socket": EVERYONE,
    "my_page": EVERYONE,
    # The screen shows the live room code: the team, or the screen's secret address, only.
    "screen": set(STAFF) | {"screen"},
    "screen_widget": set(STAFF) | {"screen"},
    "screen_socket": set(STAFF) | {"screen"},
    "open_screen": EVERYONE,  # the secret address is the credential
    "new_screen_key": RUNNERS,
    "login_form": EVERYONE,
    "one_time_login": EVERYONE,  # the signed link is the credential
    "login": BROWSERS,
    "logout": BROWSERS,
    # Participant actions: a browser with no participant cookie becomes a participant.
    "set_name": BROWSERS - set(OBSERVERS),
    # A member's group comes from the roster.
    "set_group": BROWSERS - set(OBSERVERS) - {"member_room", "member_online"},
    "contribute": BROWSERS - set(OBSERVERS),
    "upvote": BROWSERS - set(OBSERVERS),
    "ballot": BROWSERS - set(OBSERVERS),
    "delete_own": set(PARTICIPANTS) | set(OBSERVERS),  # only callers who wrote something
    "leave": BROWSERS,
    # Issue 17: the second step before deleting and leaving, a page (GET). Deleting asks only
    # about one's own contribution; the leave page says what leaving does to anyone.
    "confirm_delete": set(PARTICIPANTS) | set(OBSERVERS),
    "confirm_leave": EVERYONE,
    "console": set(STAFF),
    "console_widget": set(STAFF),
    "console_socket": set(STAFF),
    "moderate": MODERATORS,
    "respond": MODERATORS,
    # You said, we did (issue 11): said about one contribution on its card, as a response is.
    "set_outcome": MODERATORS,
    "set_themes": MODERATORS,
    "share_of_voice": set(STAFF),
    "make_current": RUNNERS,
    "poll_status": RUNNERS,
    "console_poll_add": RUNNERS,
    # Issue 11.1: the agenda's clock is run by those who run the agenda.
    "next_session": RUNNERS,
    "timer": RUNNERS,
    # Statements participants add, like contributions; moderating them and open text answers.
    "add_statement": BROWSERS - set(OBSERVERS),
    "moderate_statement": MODERATORS,
    "moderate_answer": MODERATORS,
    # Organiser pages: the list of one's own events is for any account; creating an event is
    # for the installation's organisers alone; the rest for the event's organisers.
    "organise": set(STAFF) | {"outsider"},
    "new_event": {"admin"},
    "import_event": {"admin"},
    "organise_event": ORGANISERS,
    "event_settings": ORGANISERS,
    "event_status": ORGANISERS,
    "plan_download": ORGANISERS,
    "plan_upload": ORGANISERS,
    "session_add": ORGANISERS,
    "session_edit": ORGANISERS,
    "session_move": ORGANISERS,
    "session_delete": ORGANISERS,
    "poll_add": ORGANISERS,
    "poll_edit": ORGANISERS,
    "poll_move": ORGANISERS,
    "poll_delete": ORGANISERS,
    # The team page of an event: its organisers and the installation's, nobody else.
    "team": ORGANISERS,
    "team_invite": ORGANISERS,
    "team_withdraw": ORGANISERS,
    "team_role": ORGANISERS,
    "team_remove": ORGANISERS,
    # An invite link is its own credential: anyone holding it sees it and may create an
    # account from it; a logged-in account (of any team, or none) may join with it.
    "invite": EVERYONE,
    "invite_signup": BROWSERS,
    "invite_join": ACCOUNTS,
    # One's own account: any logged-in account.
    "account": ACCOUNTS,
    "account_password": ACCOUNTS,
    # The roster and the invite cards: the event's organisers only.
    "members": ORGANISERS,
    "members_preview": ORGANISERS,
    "members_import": ORGANISERS,
    "member_reissue": ORGANISERS,
    "member_remove": ORGANISERS,
    "cards": ORGANISERS,
    "checkin_page": DOOR,
    "checkin": DOOR,
    "member_card": EVERYONE,  # the personal code is the credential
    # The speaker queue: participants raise and lower a hand; those who run the agenda call.
    "raise_hand": BROWSERS - set(OBSERVERS),
    "lower_hand": BROWSERS - set(OBSERVERS),
    "queue_next": RUNNERS,
    "queue_alternate": RUNNERS,
    "queue_mark": RUNNERS,
    # Issue 11's desk: helpers type in paper cards; runners make table facilitators; no caller
    # here is a table's facilitator (test_desk covers the one who is); moderators' queue and log.
    "card_form": DOOR,
    "card_add": DOOR,
    "table_facilitator": RUNNERS,
    "table_summary": set(),
    "queue_decide": MODERATORS,
    "audit": MODERATORS,
    # Issue 12: round-ups and API keys are the event's organisers'; the API takes the event's
    # key alone (no browser's cookie, staff or participant, authorizes it).
    "roundups_zip": ORGANISERS,
    "roundup_html": ORGANISERS,
    "api_keys": ORGANISERS,
    "api_key_create": ORGANISERS,
    "api_key_revoke": ORGANISERS,
    "api_contribution": {"api_key"},
    # Issue 12: the outcomes report is for the event's organisers (it may show names); the
    # public story is for everyone once the organisers publish it.
    "report_html": ORGANISERS,
    "report_pdf": ORGANISERS,
    "outcomes": EVERYONE,
    # Issue 12's exports: the event's organisers; the JSON export also to the event's API key.
    "exports": ORGANISERS,
    "export_xlsx": ORGANISERS,
    "export_csv_zip": ORGANISERS,
    "export_csv": ORGANISERS,
    "api_export": ORGANISERS | {"api_key"},
}


def _route_names() -> set[str]:
    app = create_app(Settings())
    names = set()
    for r in app.routes:
        assert isinstance(r, Route | WebSocketRoute | Mount) and r.name, f"unnamed route {r}"
        names.add(r.name)
    return names


def test_every_route_has_an_entry() -> None:
    assert _route_names() == set(MATRIX)


@dataclass
class World:
    client: TestClient
    role: str
    token: str = ""
    contribution: int = 0
    own: int = 0
    poll: int = 0
    option: int = 0
    session: int = 0
    member: int = 0
    headers: dict[str, str] = field(default_factory=dict)

    def form(self, **data: Any) -> dict[str, Any]:
        return {**data, "csrf_token": self.token} if self.token else data


def _add_account(client: TestClient, username: str, role: str) -> None:
    """An account called ``username``: an installation organiser for "admin", an organiser of
    another event for "outsider", else ``role`` on the demo's team."""

    async def go() -> None:
        from assembly.demo import add_account
        from assembly.domain import event_by_slug, set_team_role
        from assembly.models import Event

        async with client.app_state["app"].db.write() as db:  # type: ignore[attr-defined]
            account, _ = await add_account(db, username, PASSWORD, organiser=role == "admin")
            if role == "outsider":
                other = Event(slug="other", title="Another assembly", room_secret="s" * 32)
                db.add(other)
                await db.flush()
                await set_team_role(db, other, account, "organiser")
            elif role != "admin":
                await set_team_role(db, await event_by_slug(db, "demo"), account, role)

    client.portal.call(go)  # type: ignore[union-attr]


def _world(client: TestClient, settings: Settings, role: str) -> World:
    # Something to act on: someone else's contribution, and an open poll in the current session.
    staff_token = login(client)
    session = next(s for s in rows(client, Session) if s.title.startswith("Rights"))
    client.post(f"/console/demo/sessions/{session.id}/current", data={"csrf_token": staff_token})
    poll = min((p for p in rows(client, Poll) if p.session_id == session.id), key=lambda p: p.id)
    client.post(f"/console/demo/polls/{poll.id}/open", data={"csrf_token": staff_token})
    option = next(o for o in rows(client, PollOption) if o.poll_id == poll.id)
    post(client, "someone else's contribution")
    client.cookies.clear()
    w = World(
        client,
        role,
        member=_add_member(client),
        poll=poll.id,
        option=option.id,
        session=session.id,
        contribution=rows(client, Contribution)[0].id,
    )
    if role == "api_key":
        w.headers = {"Authorization": f"Bearer {_api_key(client)[0]}"}
        return w
    if role in STAFF or role == "outsider":
        if role != "facilitator":
            _add_account(client, role, role)
        token = csrf_of(client, "/login")
        client.post(
            "/login",
            data={"username": role, "password": PASSWORD, "next": "/", "csrf_token": token},
        )
        w.token = csrf_of(client, "/login")
        return w
    if role == "anonymous":
        w.token = csrf_of(client, "/login")
        return w
    if role == "screen":
        client.get(f"/screen/demo/open/{_screen_key(client)}")
        w.token = csrf_of(client, "/login")
        return w
    if role.endswith("_room"):
        client.get(f"/j/{room_code(_room_secret(client), settings.room_code_period)}")
    w.token = csrf_of(client)
    post(client, "my own contribution")
    w.own = max(c.id for c in rows(client, Contribution))
    kind = role.split("_")[0]
    if kind != "public":
        _set(
            client,
            "update participant set role = :r where id = (select participant_id "
            "from contribution where id = :c)",
            r=kind,
            c=w.own,
        )
    return w


def _api_key(client: TestClient, label: str = "Matrix") -> tuple[str, int]:
    """A real API key of the demo event: the key and its id."""

    async def make(db: Any) -> tuple[str, int]:
        from assembly.domain import event_by_slug
        from assembly.domain.apikeys import create_key

        key, token = await create_key(db, await event_by_slug(db, "demo"), None, label)
        return token, key.id

    result: tuple[str, int] = in_app(client, make)
    return result


def _api_post(w: World, path: str, **data: Any) -> bool:
    r = w.client.post(path, json=data, headers=w.headers, follow_redirects=False)
    return _status_allows(r.status_code, r.headers.get("location", ""))


def _add_member(client: TestClient) -> int:
    """A member on the demo's roster (not yet joined); returns their id."""

    async def add() -> int:
        from assembly.domain import event_by_slug
        from assembly.models import Member

        async with client.app_state["app"].db.write() as db:  # type: ignore[attr-defined]
            demo = await event_by_slug(db, "demo")
            m = Member(event_id=demo.id, name="Matrix Member", table_label="1", code="MATRXAB2")
            db.add(m)
            await db.flush()
            return m.id

    return int(client.portal.call(add))  # type: ignore[union-attr]


def _member_code(w: World) -> str:
    """The member's code now (re-issuing it changes it)."""

    async def read() -> str:
        from assembly.models import Member

        async with w.client.app_state["app"].db.read() as db:  # type: ignore[attr-defined]
            m = await db.get(Member, w.member)
            return m.code if m else "GONE2345"

    return str(w.client.portal.call(read))  # type: ignore[union-attr]


def _screen_key(client: TestClient) -> str:
    async def read() -> str:
        from sqlalchemy import select

        from assembly.models import Event

        async with client.app_state["app"].db.read() as db:  # type: ignore[attr-defined]
            return str(await db.scalar(select(Event.screen_key).where(Event.slug == "demo")))

    return str(client.portal.call(read))  # type: ignore[union-attr]


def _status_allows(status: int, location: str = "") -> bool:
    if status in (401, 403) or location.startswith("/login"):
        return False
    assert status < 500, f"server error {status}"
    return True


def _get(w: World, path: str) -> bool:
    r = w.client.get(path, headers=w.headers, follow_redirects=False)
    return _status_allows(r.status_code, r.headers.get("location", ""))


def _post(w: World, path: str, **data: Any) -> bool:
    r = w.client.post(path, data=w.form(**data), headers=w.headers, follow_redirects=False)
    return _status_allows(r.status_code, r.headers.get("location", ""))


def _logout(w: World) -> bool:
    # Logging out lands on the login page: that redirect is success, not a refusal.
    r = w.client.post("/logout", data=w.form(), headers=w.headers, follow_redirects=False)
    return r.status_code == 303 and "asm_staff=;" in r.headers.get("set-cookie", "")


def _socket(w: World, path: str) -> bool:
    # A refused socket may be accepted first, then closed with 1008 and a sentence.
    try:
        with w.client.websocket_connect(path, headers=w.headers) as ws:
            return str(ws.receive_text()).startswith("<!--seq:")
    except WebSocketDisconnect as exc:
        assert exc.code == 1008
        return False


def _keeping_identity(w: World, call: Callable[[], bool]) -> bool:
    """Run a call that logs in as someone else, then put the caller's cookies back."""
    saved = list(w.client.cookies.jar)  # the cookies themselves, domains included
    try:
        return call()
    finally:
        w.client.cookies.clear()
        for cookie in saved:
            w.client.cookies.jar.set_cookie(cookie)


def _one_time(w: World) -> bool:
    async def issue() -> str:
        from sqlalchemy import select

        from assembly.models import FacilitatorAccount

        st = w.client.app_state["app"]  # type: ignore[attr-defined]
        async with st.db.write() as db:
            account = await db.scalar(
                select(FacilitatorAccount).where(FacilitatorAccount.username == "facilitator")
            )
            account.link_nonce = "matrix"
            return str(st.signer.one_time_login(account.id, "matrix"))

    token = w.client.portal.call(issue)  # type: ignore[union-attr]
    return _keeping_identity(w, lambda: _get(w, f"/login/once/{token}"))


def _in_app(w: World, work: Callable[[Any], Any]) -> Any:
    return in_app(w.client, work)


def _invite(w: World, slug: str = "demo") -> tuple[str, int]:
    """A fresh invite link's token (and its id) onto the team of ``slug`` (made if missing) as
    helper."""

    async def make(db: Any) -> tuple[str, int]:
        from assembly.domain import create_invite
        from assembly.domain.plans import import_plan
        from assembly.models import Event, FacilitatorAccount
        from assembly.plan.read import read_plan

        event = await db.scalar(select(Event).where(Event.slug == slug))
        if event is None:
            event, _ = await import_plan(db, read_plan(f"event:\n  slug: {slug}\n  title: T\n"))
        by = await db.scalar(
            select(FacilitatorAccount).where(FacilitatorAccount.username == "facilitator")
        )
        invite, token = await create_invite(db, event, by, "helper", "for the matrix")
        return token, invite.id

    result: tuple[str, int] = _in_app(w, make)
    return result


def _bystander(w: World) -> int:
    """The id of an account on the demo's team as helper, to change and remove."""

    async def make(db: Any) -> int:
        from assembly.demo import add_account
        from assembly.domain import event_by_slug, set_team_role
        from assembly.models import FacilitatorAccount

        found = await db.scalar(
            select(FacilitatorAccount).where(FacilitatorAccount.username == "bystander")
        )
        if found is None:
            found, _ = await add_account(db, "bystander", PASSWORD)
        await set_team_role(db, await event_by_slug(db, "demo"), found, "helper")
        return int(found.id)

    result: int = _in_app(w, make)
    return result


def _signup(w: World) -> bool:
    token, _ = _invite(w)
    data = {"username": f"new-{token[:8]}", "password": PASSWORD, "password_again": PASSWORD}
    return _keeping_identity(w, lambda: _post(w, f"/team/invite/{token}/account", **data))


def _change_password(w: World) -> bool:
    # To the same password: later cells log in with it. The reply logs this browser in again
    # (a new login nonce), so the form token changes with it.
    data = {"current": PASSWORD, "password": PASSWORD, "password_again": PASSWORD}
    allowed = _post(w, "/account/password", **data)
    if allowed:
        w.token = csrf_of(w.client, "/login")
    return allowed


def _story(w: World) -> bool:
    """The public story once published: allowed means the page itself, not a 404."""
    _set(w.client, "update event set outcomes_public = true where slug = 'demo'")
    r = w.client.get("/e/demo/outcomes", headers=w.headers, follow_redirects=False)
    return _status_allows(r.status_code) and r.status_code == 200


# Each cell: how a caller exercises the route. Order matters only in that state-changing
# calls come after the ones that need the state (leave is last).
CELLS: list[tuple[str, Callable[[World], bool]]] = [
    ("home", lambda w: _get(w, "/")),
    ("healthz", lambda w: _get(w, "/healthz")),
    ("static", lambda w: _get(w, "/static/app.css")),
    ("join_form", lambda w: _get(w, "/j")),
    ("join", lambda w: _get(w, "/j/NOTACODE")),
    ("event", lambda w: _get(w, "/e/demo")),
    ("event_widget", lambda w: _get(w, "/e/demo/w/feed")),
    ("event_socket", lambda w: _socket(w, "/ws/e/demo")),
    ("my_page", lambda w: _get(w, "/e/demo/me")),
    ("screen", lambda w: _get(w, "/screen/demo")),
    ("screen_widget", lambda w: _get(w, "/screen/demo/w/qr")),
    ("screen_socket", lambda w: _socket(w, "/ws/screen/demo")),
    (
        "open_screen",
        lambda w: _keeping_identity(
            w, lambda: _get(w, f"/screen/demo/open/{_screen_key(w.client)}")
        ),
    ),
    ("login_form", lambda w: _get(w, "/login")),
    ("console", lambda w: _get(w, "/console/demo")),
    ("console_widget", lambda w: _get(w, "/console/demo/w/feed")),
    ("console_socket", lambda w: _socket(w, "/ws/console/demo")),
    ("set_name", lambda w: _post(w, "/e/demo/name", display_name="Sam")),
    ("set_group", lambda w: _post(w, "/e/demo/group", group_name="")),
    ("contribute", lambda w: _post(w, "/e/demo/contributions", kind="idea", text="hi")),
    ("upvote", lambda w: _post(w, f"/e/demo/c/{w.contribution}/upvote", on="1")),
    ("ballot", lambda w: _post(w, f"/e/demo/polls/{w.poll}/ballot", option=str(w.option))),
    ("confirm_delete", lambda w: _get(w, f"/e/demo/c/{w.own or w.contribution}/delete")),
    ("confirm_leave", lambda w: _get(w, "/e/demo/leave")),
    ("delete_own", lambda w: _post(w, f"/e/demo/c/{w.own or w.contribution}/delete")),
    # The speaker queue: a hand raised and lowered; the next called from an empty queue (409
    # when allowed), and a mark on a hand that does not exist (404 when allowed).
    ("raise_hand", lambda w: _post(w, "/e/demo/hand", topic="A point")),
    ("lower_hand", lambda w: _post(w, "/e/demo/hand/lower")),
    ("queue_next", lambda w: _post(w, "/console/demo/queue/next")),
    ("queue_alternate", lambda w: _post(w, "/console/demo/queue/alternate", on="1")),
    ("queue_mark", lambda w: _post(w, "/console/demo/queue/999999/done")),
    ("moderate", lambda w: _post(w, f"/console/demo/c/{w.contribution}/pin")),
    ("respond", lambda w: _post(w, f"/console/demo/c/{w.contribution}/respond", text="ok")),
    (
        "set_outcome",
        lambda w: _post(w, f"/console/demo/outcome/{w.contribution}", outcome="taken_forward"),
    ),
    ("set_themes", lambda w: _post(w, f"/console/demo/themes/{w.contribution}")),  # untags
    ("share_of_voice", lambda w: _get(w, "/console/demo/voice")),
    ("make_current", lambda w: _post(w, f"/console/demo/sessions/{w.session}/current")),
    ("poll_status", lambda w: _post(w, f"/console/demo/polls/{w.poll}/open")),
    ("new_screen_key", lambda w: _post(w, "/console/demo/screen/key")),
    # A reset changes nothing later cells need (the next session is near the end: it closes
    # the open poll).
    ("timer", lambda w: _post(w, "/console/demo/timer", action="reset")),
    (
        "console_poll_add",
        lambda w: _post(w, "/console/demo/polls/new", question="Now?", options="Yes\nNo"),
    ),
    # The open poll is a single choice: allowed callers hear 409 (no statements) or 404.
    ("add_statement", lambda w: _post(w, f"/e/demo/polls/{w.poll}/statements", text="Hi")),
    (
        "moderate_statement",
        lambda w: _post(w, f"/console/demo/polls/{w.poll}/statements/{w.option}/approve"),
    ),
    ("moderate_answer", lambda w: _post(w, f"/console/demo/polls/{w.poll}/answers/1/hide")),
    ("card_form", lambda w: _get(w, "/console/demo/cards/new")),
    ("card_add", lambda w: _post(w, "/console/demo/cards", kind="i", text="A paper card")),
    ("table_facilitator", lambda w: _post(w, f"/console/demo/members/{w.member}/table", on="1")),
    ("table_summary", lambda w: _post(w, "/e/demo/table", kind="idea", text="Our table")),
    ("queue_decide", lambda w: _post(w, f"/console/demo/modqueue/{w.contribution}/approve")),
    ("audit", lambda w: _get(w, "/console/demo/audit")),
    # Issue 12: round-ups, API keys (revoking a spare one, never the api_key caller's), the API.
    ("roundups_zip", lambda w: _get(w, "/organise/demo/roundups.zip")),
    ("roundup_html", lambda w: _get(w, "/organise/demo/roundups/awareness.html")),
    ("api_keys", lambda w: _get(w, "/organise/demo/api")),
    ("api_key_create", lambda w: _post(w, "/organise/demo/api/keys", label="Matrix bridge")),
    (
        "api_key_revoke",
        lambda w: _post(w, f"/organise/demo/api/keys/{_api_key(w.client, 'Spare')[1]}/revoke"),
    ),
    (
        "api_contribution",
        lambda w: _api_post(w, "/api/events/demo/contributions", kind="idea", text="From outside"),
    ),
    ("report_html", lambda w: _get(w, "/organise/demo/report.html")),
    ("report_pdf", lambda w: _get(w, "/organise/demo/report.pdf")),
    ("outcomes", _story),
    # Organiser cells change nothing later cells need: a refusal (409) counts as allowed.
    ("organise", lambda w: _get(w, "/organise")),
    ("new_event", lambda w: _post(w, "/organise/events", title="Matrix")),
    ("import_event", lambda w: _post(w, "/organise/import")),  # no file: 422 when allowed
    ("organise_event", lambda w: _get(w, "/organise/demo")),
    (
        "event_settings",
        lambda w: _post(w, "/organise/demo/settings", title="NHS", moderation="post"),
    ),
    ("event_status", lambda w: _post(w, "/organise/demo/status", status="open")),
    ("plan_download", lambda w: _get(w, "/organise/demo/plan.yaml")),
    ("plan_upload", lambda w: _post(w, "/organise/demo/plan")),  # open: 409 when allowed
    ("session_add", lambda w: _post(w, "/organise/demo/sessions", title="Matrix")),
    (
        "session_edit",
        lambda w: _post(w, f"/organise/demo/sessions/{w.session}", title="Rights, edited"),
    ),
    (
        "session_move",
        lambda w: _post(w, f"/organise/demo/sessions/{w.session}/move", direction="down"),
    ),
    # It holds contributions: 409 when allowed.
    ("session_delete", lambda w: _post(w, f"/organise/demo/sessions/{w.session}/delete")),
    (
        "poll_add",
        lambda w: _post(
            w, f"/organise/demo/sessions/{w.session}/polls", question="Q", options="A\nB"
        ),
    ),
    # The poll is open: changing its options or deleting it is a 409 when allowed.
    (
        "poll_edit",
        lambda w: _post(w, f"/organise/demo/polls/{w.poll}", question="Q", options="A\nB"),
    ),
    ("poll_move", lambda w: _post(w, f"/organise/demo/polls/{w.poll}/move", direction="down")),
    ("poll_delete", lambda w: _post(w, f"/organise/demo/polls/{w.poll}/delete")),
    ("team", lambda w: _get(w, "/organise/demo/team")),
    ("team_invite", lambda w: _post(w, "/organise/demo/team/invites", role="helper", note="x")),
    (
        "team_withdraw",
        lambda w: _post(w, f"/organise/demo/team/invites/{_invite(w)[1]}/withdraw"),
    ),
    (
        "team_role",
        lambda w: _post(w, f"/organise/demo/team/{_bystander(w)}/role", role="moderator"),
    ),
    ("team_remove", lambda w: _post(w, f"/organise/demo/team/{_bystander(w)}/remove")),
    ("invite", lambda w: _get(w, f"/team/invite/{_invite(w)[0]}")),
    # Onto another event's team, so that joining changes nothing on the demo.
    ("invite_join", lambda w: _post(w, f"/team/invite/{_invite(w, 'elsewhere')[0]}/join")),
    ("invite_signup", _signup),
    ("account", lambda w: _get(w, "/account")),
    ("account_password", _change_password),
    ("members", lambda w: _get(w, "/organise/demo/members")),
    ("members_preview", lambda w: _post(w, "/organise/demo/members/preview")),
    ("members_import", lambda w: _post(w, "/organise/demo/members/import", roster="name\nSam")),
    ("cards", lambda w: _get(w, "/organise/demo/cards")),
    ("exports", lambda w: _get(w, "/organise/demo/exports")),
    ("export_xlsx", lambda w: _get(w, "/organise/demo/export.xlsx")),
    ("export_csv_zip", lambda w: _get(w, "/organise/demo/export-csv.zip")),
    ("export_csv", lambda w: _get(w, "/organise/demo/export/contributions.csv?names=1")),
    ("api_export", lambda w: _get(w, "/api/events/demo/export.json")),
    ("checkin_page", lambda w: _get(w, "/console/demo/checkin?q=matrix")),
    ("checkin", lambda w: _post(w, f"/console/demo/members/{w.member}/checkin", on="1")),
    ("member_reissue", lambda w: _post(w, f"/organise/demo/members/{w.member}/reissue")),
    ("next_session", lambda w: _post(w, "/console/demo/sessions/next")),
    # Opening a member's card makes the caller that member: late, so no cell above sees it
    # (and before logout, which ends a staff caller's login).
    ("member_card", lambda w: _get(w, f"/i/{_member_code(w)}")),
    ("member_remove", lambda w: _post(w, f"/organise/demo/members/{w.member}/remove")),
    ("one_time_login", _one_time),
    (
        "login",
        lambda w: _keeping_identity(
            w, lambda: _post(w, "/login", username="facilitator", password=PASSWORD, next="/")
        ),
    ),
    ("logout", lambda w: _keeping_identity(w, lambda: _logout(w))),
    ("leave", lambda w: _post(w, "/e/demo/leave")),
]


def test_every_entry_has_a_cell() -> None:
    assert [name for name, _ in CELLS] == list(dict.fromkeys(name for name, _ in CELLS))
    assert {name for name, _ in CELLS} == set(MATRIX)


@pytest.mark.parametrize("role", ROLES)
def test_matrix(role: str, sqlite_copy: Any) -> None:
    settings = sqlite_copy(rate_limit_scale=0)
    with TestClient(create_app(settings)) as client:
        w = _world(client, settings, role)
        wrong = []
        for name, cell in CELLS:
            allowed = cell(w)
            if allowed != (role in MATRIX[name]):
                wrong.append(f"{name}: {'allowed' if allowed else 'refused'}")
        assert not wrong, f"{role}: " + "; ".join(wrong)
