"""Members and invites: the roster import with its preview, personal codes (/i/{code}),
re-issued cards, check-in at the door, and stakeholder groups on what people post and vote."""

from __future__ import annotations

import html
import re
from typing import Any

from starlette.testclient import TestClient

from assembly.domain.members import ALPHABET
from assembly.models import Ballot, Contribution, Member, Participant, Poll, PollOption
from tests.conftest import PASSWORD, csrf_of, live_socket, login, receive_until
from tests.test_contributions import post, rows
from tests.test_polls import open_first_poll, vote
from tests.test_privacy import _set

# The domain runs on both engines we support.
BOTH_DATABASES = True

GOOD = b"name;group;table\r\nAnn Smith;patient;1\r\nZo\xeb Brown;carer;1\r\nSi\xe2n Evans;;2\r\n"
_HIDDEN = re.compile(r'name="roster" value="([^"]*)"', re.DOTALL)


def _groups(client: TestClient) -> None:
    _set(
        client, """update event set groups = '["patient", "carer", "staff"]' where slug = 'demo'"""
    )


def _as(client: TestClient, username: str, role: str | None, event: str = "demo") -> str:
    """Log in as a new account ``username`` with ``role`` on ``event``'s team (made if needed);
    returns a CSRF token for its forms."""

    async def go() -> None:
        from assembly.demo import add_account
        from assembly.domain import event_by_slug, set_team_role
        from assembly.models import Event

        async with client.app_state["app"].db.write() as db:  # type: ignore[attr-defined]
            account, _ = await add_account(db, username, PASSWORD)
            if event != "demo":
                db.add(Event(slug=event, title="Another assembly", room_secret="s" * 32))
                await db.flush()
            if role:
                await set_team_role(db, await event_by_slug(db, event), account, role)

    client.portal.call(go)  # type: ignore[union-attr]
    client.cookies.clear()
    token = csrf_of(client, "/login")
    data = {"username": username, "password": PASSWORD, "next": "/", "csrf_token": token}
    assert client.post("/login", data=data, follow_redirects=False).status_code == 303
    return csrf_of(client, "/login")


def _upload(client: TestClient, token: str, data: bytes) -> Any:
    return client.post(
        "/organise/demo/members/preview",
        data={"csrf_token": token},
        files={"roster": ("roster.csv", data, "text/csv")},
    )


def _import(client: TestClient, token: str, data: bytes = GOOD) -> list[Member]:
    _groups(client)
    preview = _upload(client, token, data)
    assert preview.status_code == 200, preview.text
    assert "Import these 3 members" in preview.text
    [carried] = _HIDDEN.findall(preview.text)
    r = client.post(
        "/organise/demo/members/import",
        data={"csrf_token": token, "roster": html.unescape(carried)},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"].endswith("said=imported")
    return sorted(rows(client, Member), key=lambda m: m.name)


def _member(client: TestClient, name: str) -> Member:
    return next(m for m in rows(client, Member) if m.name == name)


def test_a_roster_with_problems_is_previewed_and_nothing_is_imported(client: TestClient) -> None:
    _groups(client)
    token = _as(client, "olive", "organiser")
    bad = b"name,group,table\nAnn Smith,patient,2\n,carer,1\nAnn Smith,patient,2\nBo,patients,1\n"
    r = _upload(client, token, bad)
    assert r.status_code == 422
    assert "line 3: the name is missing" in r.text
    assert "line 4: duplicate of line 2 (Ann Smith, table 2)" in r.text
    assert "line 5: group &#39;patients&#39; is not one of this event&#39;s groups" in r.text
    assert "Import these" not in r.text
    assert rows(client, Member) == []
    # The import itself checks again: a tampered or stale preview stores nothing either.
    r = client.post(
        "/organise/demo/members/import", data={"csrf_token": token, "roster": "name\n,"}
    )
    assert r.status_code == 422 and rows(client, Member) == []


def test_a_good_roster_is_imported_with_a_personal_code_each(client: TestClient) -> None:
    _groups(client)
    token = _as(client, "olive", "organiser")
    members = _import(client, token)
    assert [(m.name, m.group_name, m.table_label) for m in members] == [
        ("Ann Smith", "patient", "1"),
        ("Siân Evans", "", "2"),
        ("Zoë Brown", "carer", "1"),
    ]
    codes = {m.code for m in members}
    assert len(codes) == 3 and all(len(c) == 8 and set(c) <= set(ALPHABET) for c in codes)
    page = client.get("/organise/demo/members").text
    assert f"{members[0].code[:4]}-{members[0].code[4:]}" in page and "Zoë Brown" in page
    # The same file again: everyone is already there, nothing is added.
    r = _upload(client, token, GOOD)
    assert r.status_code == 422 and "line 2: Ann Smith, table 1 is already on this event" in r.text
    assert len(rows(client, Member)) == 3


def test_an_invite_code_makes_whoever_opens_it_that_member(client: TestClient) -> None:
    _groups(client)
    _import(client, _as(client, "olive", "organiser"))
    zoe = _member(client, "Zoë Brown")
    client.cookies.clear()
    typed = f"{zoe.code[:4]}-{zoe.code[4:]}".lower()  # as typed off the card
    r = client.get(f"/i/{typed}", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/e/demo"
    [p] = rows(client, Participant)
    assert (p.role, p.group_name, p.table_label) == ("member", "carer", "1")
    zoe = _member(client, "Zoë Brown")
    assert zoe.participant_id == p.id and zoe.checked_in_at is not None
    # Their own group is the roster's: the page says so and the form refuses a change.
    assert "come from the assembly" in client.get("/e/demo").text
    r = client.post("/e/demo/group", data={"group_name": "staff", "csrf_token": csrf_of(client)})
    assert r.status_code == 403 and rows(client, Participant)[0].group_name == "carer"


def test_a_reissued_cards_old_code_stops_working_and_the_new_one_works(client: TestClient) -> None:
    token = _as(client, "olive", "organiser")
    _import(client, token)
    ann = _member(client, "Ann Smith")
    phone = TestClient(client.app)
    with phone:
        assert phone.get(f"/i/{ann.code}", follow_redirects=False).status_code == 303
        r = client.post(f"/organise/demo/members/{ann.id}/reissue", data={"csrf_token": token})
        assert r.status_code == 200  # followed back to the roster
        new = _member(client, "Ann Smith")
        assert new.code != ann.code and new.participant_id is None
        [holder] = rows(client, Participant)
        assert holder.role == "public" and holder.table_label == ""  # one member, one voice
        stranger = TestClient(client.app)
        with stranger:
            r = stranger.get(f"/i/{ann.code}", follow_redirects=False)
            assert r.status_code == 404 and "not (or no longer) valid" in r.text
            assert len(rows(client, Participant)) == 1  # nothing created
            assert stranger.get(f"/i/{new.code}", follow_redirects=False).status_code == 303
        assert _member(client, "Ann Smith").participant_id not in (None, holder.id)


def test_an_organiser_of_another_event_gets_nothing_here(client: TestClient) -> None:
    token = _as(client, "otto", "organiser", event="other")
    assert client.get("/organise/demo/members").status_code == 403
    assert client.get("/organise/demo/cards").status_code == 403
    assert _upload(client, token, GOOD).status_code == 403
    r = client.post(
        "/organise/demo/members/import", data={"csrf_token": token, "roster": "name\nX"}
    )
    assert r.status_code == 403 and rows(client, Member) == []
    assert client.get("/organise/other/members").status_code == 200  # their own event is fine


def test_a_helper_checks_a_member_in_at_the_door_and_can_undo_it(client: TestClient) -> None:
    _import(client, _as(client, "olive", "organiser"))
    token = _as(client, "hal", "helper")
    assert "Members: 0 of 3 checked in" in client.get("/console/demo").text
    page = client.get("/console/demo/checkin", params={"q": "zoË"}).text
    assert "Zoë Brown" in page and "Ann Smith" not in page
    zoe = _member(client, "Zoë Brown")
    url = f"/console/demo/members/{zoe.id}/checkin"
    r = client.post(url, data={"csrf_token": token, "on": "1", "q": "zoë"})
    assert r.status_code == 200 and "Zoë Brown is checked in." in r.text
    assert _member(client, "Zoë Brown").checked_in_at is not None
    console = client.get("/console/demo").text
    assert "Members: 1 of 3 checked in" in console
    assert re.search(r"table 1</th><td>1</td><td>2</td>", console)
    client.post(url, data={"csrf_token": token, "on": "0"})
    assert _member(client, "Zoë Brown").checked_in_at is None
    # Moderators do not check people in.
    token = _as(client, "mo", "moderator")
    assert client.post(url, data={"csrf_token": token, "on": "1"}).status_code == 403
    assert _member(client, "Zoë Brown").checked_in_at is None


def test_a_public_participants_group_lands_on_their_contribution_and_ballot(
    client: TestClient,
) -> None:
    _groups(client)
    poll, options = open_first_poll(client, login(client))
    client.cookies.clear()
    assert 'name="group_name"' in client.get("/e/demo").text
    r = client.post("/e/demo/group", data={"group_name": "carer", "csrf_token": csrf_of(client)})
    assert r.status_code == 200 and "Your group is saved." in r.text
    post(client, "From a carer")
    assert vote(client, poll, options[0].id).status_code == 200  # through the ballot writer
    [c] = rows(client, Contribution)
    [b] = rows(client, Ballot)
    assert c.group_name == "carer" and b.group_name == "carer"
    # Changeable, and the next vote carries the new one.
    client.post("/e/demo/group", data={"group_name": "", "csrf_token": csrf_of(client)})
    vote(client, poll, options[1].id)
    assert rows(client, Ballot)[0].group_name == ""


def test_a_group_not_offered_is_refused_and_nothing_changes(client: TestClient) -> None:
    _groups(client)
    token = csrf_of(client)
    client.post("/e/demo/group", data={"group_name": "staff", "csrf_token": token})
    r = client.post("/e/demo/group", data={"group_name": "aliens", "csrf_token": token})
    assert r.status_code == 422 and "Choose one of this event" in r.text
    assert rows(client, Participant)[0].group_name == "staff"


def test_no_group_form_when_the_event_offers_none(client: TestClient) -> None:
    assert 'name="group_name"' in client.get("/e/demo").text  # the demo offers four
    _set(client, "update event set groups = '[]' where slug = 'demo'")
    assert 'name="group_name"' not in client.get("/e/demo").text


def test_the_cards_page_has_a_card_with_a_qr_per_member(client: TestClient) -> None:
    token = _as(client, "olive", "organiser")
    assert "No members yet" in client.get("/organise/demo/cards").text
    members = _import(client, token)
    page = client.get("/organise/demo/cards").text
    assert page.count('class="card"') == 3 and page.count("<svg") == 3
    assert f"testserver/i/{members[0].code[:4]}-{members[0].code[4:]}" in page


def test_the_consoles_check_in_widget_follows_live(client: TestClient) -> None:
    token = _as(client, "olive", "organiser")
    _import(client, token)
    ann = _member(client, "Ann Smith")
    with live_socket(client, "/ws/console/demo") as console:
        client.post(f"/console/demo/members/{ann.id}/checkin", data={"csrf_token": token})
        assert "Members: 1 of 3 checked in" in receive_until(console, 'id="checkin"')
        client.cookies.clear()  # a phone opening a card (the socket stays open)
        client.get(f"/i/{_member(client, 'Siân Evans').code}")
        assert "Members: 2 of 3 checked in" in receive_until(console, 'id="checkin"')


def test_a_card_opened_on_a_second_phone_brings_its_votes_along(client: TestClient) -> None:
    """One member, one vote, whatever phone: the members poll's ballot moves to the new phone
    and the secret poll's receipt is copied to it, so neither phone votes twice."""
    from tests.test_polls import _session
    from tests.test_secret import _ballots

    token = _as(client, "olive", "organiser")
    ann = _import(client, token)[0]
    session = _session(client, "Rights")
    client.post(f"/console/demo/sessions/{session.id}/current", data={"csrf_token": token})
    members_poll, secret_poll = sorted(
        (p for p in rows(client, Poll) if p.session_id == session.id), key=lambda p: p.id
    )[:2]
    _set(client, "update poll set audience = 'members' where id = :p", p=members_poll.id)
    _set(client, "update poll set secret = true where id = :p", p=secret_poll.id)
    options = {
        p.id: sorted(o.id for o in rows(client, PollOption) if o.poll_id == p.id)
        for p in (members_poll, secret_poll)
    }
    staff = dict(client.cookies.items())

    def phone_votes(poll: Poll) -> Any:
        return client.post(
            f"/e/demo/polls/{poll.id}/ballot",
            data={"csrf_token": csrf_of(client), "kind": "single", "option": options[poll.id][0]},
            headers={"HX-Request": "true"},
        )

    def as_staff_open(poll: Poll) -> None:
        client.cookies.clear()
        for name, value in staff.items():
            client.cookies.set(name, value)
        r = client.post(f"/console/demo/polls/{poll.id}/open", data={"csrf_token": token})
        assert r.status_code in (200, 303)

    def holder() -> str | None:
        return next(m for m in rows(client, Member) if m.id == ann.id).participant_id

    as_staff_open(members_poll)
    client.cookies.clear()
    client.get(f"/i/{ann.code}")  # the first phone
    first_phone = holder()
    assert phone_votes(members_poll).status_code == 200
    as_staff_open(secret_poll)  # (closes the members poll)
    client.cookies.clear()
    client.get(f"/i/{ann.code}")  # a second phone
    second_phone = holder()
    assert second_phone not in (None, first_phone)
    [ballot] = _ballots(client, members_poll)
    assert ballot.participant_id == second_phone  # it moved with the card
    # The secret poll: the second phone votes, then the card is opened on a third phone.
    assert phone_votes(secret_poll).status_code == 200
    client.cookies.clear()
    client.get(f"/i/{ann.code}")
    assert holder() not in (first_phone, second_phone)
    r = phone_votes(secret_poll)
    assert r.status_code == 409 and "already voted in this secret ballot" in r.text
    assert len(_ballots(client, secret_poll)) == 1
