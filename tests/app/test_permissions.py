"""Every role against a representative route of every permission, and CSRF on every form."""

from __future__ import annotations

from datetime import timedelta

import pytest

from forum import clock
from forum.extensions import db
from forum.models import Board, BoardMember, Department, Room, RoomState
from forum.permissions import TABLE, Permission, Role
from forum.services import accounts
from tests.helpers import add_user, login, submit

# Written out by hand, so that a change to the table has to be a deliberate change here too.
G, R, C, M, S, A = (Role.GUEST, Role.RESIDENT, Role.COORDINATOR, Role.MODERATOR, Role.STAFF, Role.ADMIN)
EXPECTED = {
    Permission.VIEW_PUBLIC: {G, R, C, M, S, A},
    Permission.MANAGE_OWN_ACCOUNT: {R, C, M, S, A},
    Permission.PARTICIPATE: {R, C, M, S, A},
    Permission.MODERATE: {M, A},
    Permission.REVIEW_ROOM_PROPOSALS: {M, A},
    Permission.CREATE_CITY_ROOM: {S, A},
    Permission.ANSWER_OFFICIALLY: {S, A},
    Permission.COORDINATE_ROOM: {C, A},
    Permission.VIEW_STAFF_BOARD: {S, A},
    Permission.HANDLE_LETTERS: {S, A},
    Permission.DEPARTMENT_DESK: {S, A},
    Permission.MANAGE_BOARDS: {A},
    Permission.MANAGE_BOARD_MEMBERS: {R, C, M, S, A},
    Permission.EXPORT_AUDIT_LOG: {A},
    Permission.MANAGE_USERS: {A},
    Permission.MANAGE_DEPARTMENTS: {A},
    Permission.EXPORT_OPINIONS: {S, A},
    Permission.TAG_OPINIONS: {C, M, A},
}

# A representative route per permission, and who gets through on it. For scoped permissions the
# fixtures below make the staff user staff of the room's department, the coordinator the room's
# coordinator and the resident the board's owner; every other role is outside the scope.
WALK = {
    Permission.VIEW_PUBLIC: ("/", {G, R, C, M, S, A}),
    Permission.MANAGE_OWN_ACCOUNT: ("/account/", {R, C, M, S, A}),
    Permission.PARTICIPATE: ("/rooms/propose", {R, C, M, S, A}),
    Permission.MODERATE: ("/moderation/users", {M, A}),
    Permission.REVIEW_ROOM_PROPOSALS: ("/rooms/proposals", {M, A}),
    Permission.CREATE_CITY_ROOM: ("/rooms/new", {S, A}),
    Permission.ANSWER_OFFICIALLY: ("/rooms/{reported}/answer", {S, A}),
    Permission.COORDINATE_ROOM: ("/rooms/{closed}/report", {C, A}),
    Permission.VIEW_STAFF_BOARD: ("/boards/{staff_board}", {S, A}),
    Permission.HANDLE_LETTERS: ("/letters/inbox", {S, A}),
    Permission.DEPARTMENT_DESK: ("/department/", {S, A}),
    Permission.MANAGE_BOARDS: ("/boards/new", {A}),
    Permission.MANAGE_BOARD_MEMBERS: ("/boards/{board}/members", {R, A}),
    Permission.EXPORT_AUDIT_LOG: ("/moderation/audit.csv", {A}),
    Permission.MANAGE_USERS: ("/admin/users", {A}),
    Permission.MANAGE_DEPARTMENTS: ("/admin/departments", {A}),
    Permission.EXPORT_OPINIONS: ("/department/export/?room={reported}", {S, A}),
    Permission.TAG_OPINIONS: ("/rooms/{closed}/opinions", {C, M, A}),
}
#: Places whose existence is not told to those who may not see them: 404, not 403 or a login.
HIDDEN = {Permission.VIEW_STAFF_BOARD}


def test_every_permission_has_a_route_and_an_expectation():
    assert set(WALK) == set(Permission) == set(EXPECTED)
    assert {p: set(roles) for p, roles in TABLE.items()} == EXPECTED


def test_every_view_checks_a_permission(app):
    unguarded = [
        name
        for name, view in app.view_functions.items()
        if name != "static" and not hasattr(view, "required_permission")
    ]
    assert unguarded == []


def _client_as(app, role: Role):
    client = app.test_client()
    if role is Role.GUEST:
        return client
    email = f"{role.value}@example.jp"
    add_user(app, f"{role.value}-user", email, role=role, department="企画政策課" if role is Role.STAFF else None)
    assert login(client, email).status_code == 303
    return client


def _places(app) -> dict[str, int]:
    """A reported and a closed room of 企画政策課, a community board and the staff board."""
    now = clock.now()
    with app.app_context():
        dept = db.session.scalar(db.select(Department).filter_by(name="企画政策課"))
        if dept is None:
            dept = Department(name="企画政策課")
        coordinator = accounts.user_by_email("coordinator@example.jp")
        owner = accounts.user_by_email("resident@example.jp")
        made = {}
        for key, state in (("reported", RoomState.REPORTED), ("closed", RoomState.CLOSED)):
            room = Room(
                area="city",
                title=key,
                purpose="p",
                posting_rules="r",
                handling="h",
                department=dept,
                state=state.value,
                opens_at=now - timedelta(days=9),
                closes_at=now - timedelta(days=1),
            )
            room.coordinators = [coordinator] if coordinator else []
            db.session.add(room)
            made[key] = room
        board = Board(name="自治会", kind="community")
        board.memberships = [BoardMember(user=owner, is_owner=True)] if owner else []
        staff_board = Board(name="庁内", kind="staff")
        db.session.add_all([board, staff_board])
        db.session.commit()
        return {
            "reported": made["reported"].id,
            "closed": made["closed"].id,
            "board": board.id,
            "staff_board": staff_board.id,
        }


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_role_against_every_permission(app, role):
    client = _client_as(app, role)
    if role is not Role.RESIDENT:
        add_user(app, "resident-user", "resident@example.jp")
    if role is not Role.COORDINATOR:
        add_user(app, "coordinator-user", "coordinator@example.jp", role=Role.COORDINATOR)
    places = _places(app)
    for permission, (url, allowed) in WALK.items():
        response = client.get(url.format(**places))
        if role in allowed:
            assert response.status_code == 200, (role, permission, url)
        elif permission in HIDDEN:
            assert response.status_code == 404, (role, permission, url)
        elif role is Role.GUEST:
            assert response.status_code == 302, (permission, url)
            assert "/login?next=" in response.headers["Location"]
        else:
            assert response.status_code == 403, (role, permission, url)
            assert "このページを表示する権限がありません" in response.get_data(as_text=True)


def test_unverified_users_cannot_participate(app):
    add_user(app, "new", "new@example.jp", verified=False)
    client = app.test_client()
    login(client, "new@example.jp")
    assert client.get("/account/").status_code == 200
    assert client.get("/rooms/propose").status_code == 403


@pytest.mark.parametrize("role", [Role.RESIDENT, Role.COORDINATOR, Role.MODERATOR, Role.STAFF], ids=lambda r: r.value)
def test_non_admins_cannot_change_roles_or_departments(app, role):
    client = _client_as(app, role)
    target = add_user(app, "target", "target@example.jp")
    token_page = "/account/"
    assert submit(client, f"/admin/users/{target}", {"role": "admin"}, page=token_page).status_code == 403
    assert submit(client, "/admin/departments/new", {"name": "勝手な課"}, page=token_page).status_code == 403


def test_menu_shows_only_what_the_role_may_use(app):
    staff = _client_as(app, Role.STAFF).get("/").get_data(as_text=True)
    assert "/department/" in staff and "/admin/users" not in staff and "/moderation/" not in staff
    admin = _client_as(app, Role.ADMIN).get("/").get_data(as_text=True)
    assert "/department/" in admin and "/admin/users" in admin and 'href="/moderation/"' in admin


FORMS = [
    ("/register", {"handle": "花子", "email": "h@example.jp", "password": "x" * 10, "password2": "x" * 10}),
    ("/login", {"email": "a@example.jp", "password": "whatever1"}),
    ("/password/forgot", {"email": "a@example.jp"}),
    ("/logout", {}),
]


@pytest.mark.parametrize(("url", "data"), FORMS, ids=[f[0] for f in FORMS])
def test_post_without_csrf_token_is_rejected(app, client, url, data):
    response = client.post(url, data=data)
    assert response.status_code == 400
    assert "フォームの有効期限が切れたか" in response.get_data(as_text=True)
    bad = client.post(url, data={**data, "csrf_token": "forged"})
    assert bad.status_code == 400


def test_display_settings_need_a_token_only_from_members(app, client):
    """A guest's text size, colours and language are only their own cookies: the form carries no
    token and the page writes no session cookie. A member's language is saved on the account,
    so theirs needs the token."""
    page = client.get("/")
    assert "csrf_token" not in page.get_data(as_text=True) and "Set-Cookie" not in page.headers
    chosen = client.post("/preferences", data={"text_size": "large", "lang": "en", "next": "/"})
    assert chosen.status_code == 303
    assert sorted(c.split("=")[0] for c in chosen.headers.getlist("Set-Cookie")) == ["hiroba_lang", "hiroba_text"]
    member = _client_as(app, Role.RESIDENT)
    assert member.post("/preferences", data={"lang": "en", "next": "/"}).status_code == 400
    assert 'name="csrf_token"' in member.get("/").get_data(as_text=True)


def test_post_without_csrf_token_is_rejected_for_signed_in_forms(app):
    client = _client_as(app, Role.ADMIN)
    for url in ("/account/password", "/account/email", "/admin/departments/new", "/admin/users/1", "/verify/resend"):
        assert client.post(url, data={}).status_code == 400, url
