"""Every role against a representative route of every permission, and CSRF on every form."""

from __future__ import annotations

import pytest

from forum.permissions import TABLE, Permission, Role
from tests.conftest import add_user, login, submit

ROUTES = {
    Permission.VIEW_PUBLIC: "/",
    Permission.MANAGE_OWN_ACCOUNT: "/account/",
    Permission.MODERATE: "/moderation/users",
    Permission.DEPARTMENT_DESK: "/department/",
    Permission.MANAGE_USERS: "/admin/users",
    Permission.MANAGE_DEPARTMENTS: "/admin/departments",
}

# Written out by hand, so that a change to the table has to be a deliberate change here too.
G, R, C, M, S, A = (Role.GUEST, Role.RESIDENT, Role.COORDINATOR, Role.MODERATOR, Role.STAFF,
                    Role.ADMIN)
EXPECTED = {
    Permission.VIEW_PUBLIC: {G, R, C, M, S, A},
    Permission.MANAGE_OWN_ACCOUNT: {R, C, M, S, A},
    Permission.MODERATE: {M, A},
    Permission.DEPARTMENT_DESK: {S, A},
    Permission.MANAGE_USERS: {A},
    Permission.MANAGE_DEPARTMENTS: {A},
}


def test_every_permission_has_a_route_and_an_expectation():
    assert set(ROUTES) == set(Permission) == set(EXPECTED)
    assert {p: set(roles) for p, roles in TABLE.items()} == EXPECTED


def test_every_view_checks_a_permission(app):
    unguarded = [name for name, view in app.view_functions.items()
                 if name != "static" and not hasattr(view, "required_permission")]
    assert unguarded == []


def _client_as(app, role: Role):
    client = app.test_client()
    if role is Role.GUEST:
        return client
    email = f"{role.value}@example.jp"
    add_user(app, f"{role.value}-user", email, role=role,
             department="企画政策課" if role is Role.STAFF else None)
    assert login(client, email).status_code == 303
    return client


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_role_against_every_permission(app, role):
    client = _client_as(app, role)
    for permission, url in ROUTES.items():
        response = client.get(url)
        if role in EXPECTED[permission]:
            assert response.status_code == 200, (role, permission, url)
        elif role is Role.GUEST:
            assert response.status_code == 302, (permission, url)
            assert "/login?next=" in response.headers["Location"]
        else:
            assert response.status_code == 403, (role, permission, url)
            assert "このページを表示する権限がありません" in response.get_data(as_text=True)


@pytest.mark.parametrize("role", [Role.RESIDENT, Role.COORDINATOR, Role.MODERATOR, Role.STAFF],
                         ids=lambda r: r.value)
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
    assert "/department/" in admin and "/admin/users" in admin and "/moderation/users" in admin


FORMS = [
    ("/register", {"handle": "花子", "email": "h@example.jp", "password": "x" * 10, "password2": "x" * 10}),
    ("/login", {"email": "a@example.jp", "password": "whatever1"}),
    ("/password/forgot", {"email": "a@example.jp"}),
    ("/preferences", {"text_size": "large"}),
    ("/logout", {}),
]


@pytest.mark.parametrize(("url", "data"), FORMS, ids=[f[0] for f in FORMS])
def test_post_without_csrf_token_is_rejected(app, client, url, data):
    response = client.post(url, data=data)
    assert response.status_code == 400
    assert "フォームの有効期限が切れたか" in response.get_data(as_text=True)
    bad = client.post(url, data={**data, "csrf_token": "forged"})
    assert bad.status_code == 400


def test_post_without_csrf_token_is_rejected_for_signed_in_forms(app):
    client = _client_as(app, Role.ADMIN)
    for url in ("/account/password", "/account/email", "/admin/departments/new", "/admin/users/1",
                "/verify/resend"):
        assert client.post(url, data={}).status_code == 400, url
