"""A demo event with realistic activity, made through the running app over plain HTTP (the
report tests and the screenshots share it): contributions from the room, online and members,
upvotes, responses and outcomes, a closed poll with members' and the public's ballots side by
side, a closed secret members' poll, one hidden contribution and one named author."""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass, field

import httpx2 as httpx

from assembly.config import Settings
from assembly.security import room_code
from tests.browser.helpers import Staff, Visitor, contribution_id, csrf_token

HIDDEN = "A remark the facilitators hid: it must not leave the console"
NAMED = "Priya from Leeds"
PLEDGE = "Which pledge matters most to you?"
SECRET = (
    "Recommendation 1: every NHS body should report each year on how it meets the Constitution."
)


@dataclass
class Staged:
    ids: dict[str, int] = field(default_factory=dict)
    pledge_poll: int = 0
    secret_poll: int = 0


def _db(url: str) -> sqlite3.Connection:
    return sqlite3.connect(url.split("///", 1)[1])


def _options(db: sqlite3.Connection, question: str) -> tuple[int, list[int]]:
    [(poll_id,)] = db.execute("select id from poll where question = ?", (question,)).fetchall()
    rows = db.execute(
        "select id from poll_option where poll_id = ? order by position", (poll_id,)
    ).fetchall()
    return int(poll_id), [int(r[0]) for r in rows]


def _members(db: sqlite3.Connection, n: int) -> list[str]:
    """``n`` members on the demo's roster (as an organiser's import adds them); their codes."""
    [(event_id,)] = db.execute("select id from event where slug = 'demo'").fetchall()
    codes = [f"RPRTCD{c}2" for c in "ABCDEFGHJK"[:n]]  # the cards' alphabet: no 0, 1 or O
    for i, code in enumerate(codes):
        db.execute(
            "insert into member (event_id, name, group_name, table_label, table_facilitator, "
            "code, created_at) values (?, ?, ?, ?, 0, ?, CURRENT_TIMESTAMP)",
            (event_id, f"Member {i}", "Patients" if i % 2 else "Carers", str(1 + i % 3), code),
        )
    db.commit()
    return codes


class Member(Visitor):
    """A participant who arrived by ``path``: a member's invite card (role member, their group
    and table), or the room's QR code (channel room)."""

    def __init__(self, base_url: str, path: str) -> None:
        self.event = "demo"
        self.http = httpx.Client(base_url=base_url)
        r = self.http.get(path)
        assert r.status_code in (200, 303), r.text
        self.token = csrf_token(self.page())


def _room_path(db: sqlite3.Connection) -> str:
    [(secret,)] = db.execute("select room_secret from event where slug = 'demo'").fetchall()
    return f"/j/{room_code(secret, Settings().room_code_period)}"


def _vote(who: Visitor, poll: int, option: int) -> None:
    r = who.http.post(
        f"/e/demo/polls/{poll}/ballot", data={"option": str(option), "csrf_token": who.token}
    )
    assert r.status_code == 303, r.text


def _upvote(who: Visitor, contribution: int) -> None:
    r = who.http.post(f"/e/demo/c/{contribution}/upvote", data={"on": "1", "csrf_token": who.token})
    assert r.status_code == 303, r.text


def _outcome(staff: Staff, contribution: int, outcome: str, reason: str = "") -> None:
    staff._post(f"/outcome/{contribution}", outcome=outcome, reason=reason)


def stage(base_url: str, database_url: str, publish: bool = True, spread: bool = False) -> Staged:
    """Run a morning of the demo through the app at ``base_url`` (its SQLite file at
    ``database_url`` only for the roster, which organisers import, and the publish switch)."""
    staged = Staged()
    db = _db(database_url)
    try:
        codes = _members(db, 5)
        room = _room_path(db)
        # No online grace after a close: the secret poll is final at once, so it is counted.
        db.execute("update event set stream_delay = 0 where slug = 'demo'")
        db.commit()
        staged.pledge_poll, pledge = _options(db, PLEDGE)
        staged.secret_poll, secret = _options(db, SECRET)
    finally:
        db.close()
    staff = Staff(base_url)
    public = [Visitor(base_url), Visitor(base_url), Member(base_url, room), Member(base_url, room)]
    members = [Member(base_url, f"/i/{code}") for code in codes]
    for m in members[:3]:  # three members scan the room's code too: they are in the hall
        r = m.http.get(room)
        assert r.status_code in (200, 303), r.text
    try:
        named = public[0]
        r = named.http.post("/e/demo/name", data={"display_name": NAMED, "csrf_token": named.token})
        assert r.status_code == 303, r.text
        # The demo starts on its welcome session: it is current already.
        ids = staged.ids
        ids["records"] = named.post("Let patients read their own records online.", "idea")
        ids["know"] = public[1].post("Most people I know have never heard of it.", "experience")
        ids["who"] = members[0].post("Who checks that hospitals keep the pledges?", "question")
        ids["hidden"] = public[2].post(HIDDEN, "concern")
        staff.moderate(ids["hidden"], "hide")
        staff.make_current("Rights and pledges")
        ids["plain"] = members[1].post("Write the rights in plain English, on one page.", "idea")
        ids["waits"] = public[3].post("Waiting times should be a right, not a pledge.", "concern")
        ids["fees"] = public[1].post("Charge a fee for missed appointments.", "idea")
        ids["carers"] = members[2].post("Carers need their own rights in it.", "experience")
        for who in public + members[:1] + members[2:]:  # not its author
            _upvote(who, ids["plain"])
        for who in members[:3] + public[:2]:
            _upvote(who, ids["waits"])
        _upvote(members[3], ids["carers"])
        staff.moderate(ids["plain"], "feature")
        staff.moderate(ids["carers"], "feature")
        staff.respond(
            ids["plain"], "The drafting group will write a one-page summary in plain English."
        )
        _outcome(staff, ids["plain"], "taken_forward")
        staff.respond(
            ids["who"], "The Care Quality Commission inspects it; the report will say how."
        )
        _outcome(staff, ids["who"], "answered")
        _outcome(
            staff,
            ids["fees"],
            "not_taken_forward",
            "Charging patients is outside the Constitution's scope.",
        )
        staff.respond(ids["waits"], "Taken to the board meeting in June.")
        _outcome(staff, ids["waits"], "taken_forward")
        staff.poll(PLEDGE, "open")
        for who, choice in zip(members, [1, 1, 1, 2, 0], strict=True):
            _vote(who, staged.pledge_poll, pledge[choice])
        for who, choice in zip(public, [0, 0, 3, 1], strict=True):
            _vote(who, staged.pledge_poll, pledge[choice])
        staff.poll(PLEDGE, "close")
        staff.poll(SECRET, "open")
        for who, choice in zip(members, [0, 0, 0, 0, 1], strict=True):
            _vote(who, staged.secret_poll, secret[choice])
        staff.poll(SECRET, "close")
    finally:
        for v in [staff, *public, *members]:
            v.close()
    if spread:
        _spread(database_url)
    if publish:
        set_event(database_url, outcomes_public=1)
    return staged


def _spread(database_url: str) -> None:
    """Move the morning back in time: each contribution posted some minutes before its first
    response (HTTP calls a second apart would make every delay zero), 9 to 30 minutes."""
    db = _db(database_url)
    try:
        ids = [r[0] for r in db.execute("select id from contribution order by id")]
        for i, cid in enumerate(ids):
            db.execute(
                "update contribution set created_at = datetime(created_at, ?) where id = ?",
                (f"-{9 + 3 * i} minutes", cid),
            )
        db.commit()
    finally:
        db.close()


def set_event(database_url: str, **values: object) -> None:
    """Set columns of the demo event (as the organisers' settings page does)."""
    db = _db(database_url)
    try:
        for column, value in values.items():
            assert re.fullmatch(r"[a-z_]+", column)
            db.execute(f"update event set {column} = ? where slug = 'demo'", (value,))
        db.commit()
    finally:
        db.close()


__all__ = ["HIDDEN", "NAMED", "Staged", "contribution_id", "make_organiser", "set_event", "stage"]


def make_organiser(database_url: str) -> None:
    """Make the demo's facilitator one of its organisers (who open the report)."""
    db = _db(database_url)
    try:
        db.execute("update team_member set role = 'organiser'")
        db.commit()
    finally:
        db.close()
