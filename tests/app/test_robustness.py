"""No user input may produce a 500: every form, as every kind of user, with odd input."""

from __future__ import annotations

import re

import pytest

from forum.permissions import Role
from tests.helpers import add_user, csrf_token, login

ODD_VALUES = ["", " ", "x" * 5000, "\x00\x01", "ｱｲｳ\u200b\ufeff", "<b>'\"&", "-1", "999999999999999999999"]


def _urls(app, method: str) -> list[str]:
    urls = []
    for rule in app.url_map.iter_rules():
        if method not in rule.methods or rule.endpoint == "static":
            continue
        url = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: "1" if "id" in m.group(1) else "token", rule.rule)
        urls.append(url)
    return urls


@pytest.mark.parametrize("role", [Role.GUEST, Role.RESIDENT, Role.ADMIN], ids=lambda r: r.value)
def test_every_form_survives_odd_input(app, role):
    client = app.test_client()
    assert app.test_cli_runner().invoke(args=["demo"]).exit_code == 0  # rooms, threads, posts to act on
    add_user(app, "root", "root@example.jp", role=Role.ADMIN)
    if role is not Role.GUEST:
        email = f"{role.value}-2@example.jp"
        add_user(app, f"{role.value}-2", email, role=role)
        login(client, email)
    app.config["RATELIMIT_ENABLED"] = False
    token = csrf_token(client, "/login" if role is Role.GUEST else "/")  # a guest's home page has no token
    fields = [
        "handle",
        "email",
        "password",
        "password2",
        "current_password",
        "remember",
        "next",
        "patterns",
        "regex",
        "params",
        "enabled",
        "action",
        "reason",
        "note",
        "room_id",
        "days",
        "locked",
        "pinned",
        "slow_mode",
        "lock_at",
        "unlock_at",
        "move_to",
        "grant",
        "text",
        "ids",
        "q",
        "sort",
        "since",
        "until",
        "author",
        "area",
        "role",
        "department",
        "name",
        "description",
        "contact",
        "text_size",
        "contrast",
        "lang",
        "title",
        "body",
        "reply_to",
        "to",
        "accept_rules",
        "preview",
        "submit",
        "status",
        "note",
        "purpose",
        "posting_rules",
        "handling",
        "department_id",
        "opens_at",
        "closes_at",
        "coordinators",
        "decline-reason",
        "decline-submit",
        "save",
        "kind",
        "owner",
        "subject",
        "reply",
        "notify_mode",
        "confirm",
        "room",
        "thread",
        "tag",
        "new_tag",
        "choices",
        "format",
        "page",
        "intro",
        "summary",
        "response",
        "reflection",
        "opinions",
        "answer_days",
    ]
    for url in _urls(app, "POST"):
        if url == "/logout":
            continue
        for value in ODD_VALUES:
            data = {name: value for name in fields}
            data["csrf_token"] = token
            response = client.post(url, data=data)
            assert response.status_code < 500, (url, value)
        assert client.post(url, data={"csrf_token": token}).status_code < 500, url


def test_ids_too_large_for_the_database_are_not_found(app):
    client = app.test_client()
    for url in (
        "/rooms/99999999999999999999",
        "/threads/99999999999999999999",
        "/users/99999999999999999999",
        "/posts/9223372036854775808",
        "/boards/99999999999999999999",
    ):
        assert client.get(url).status_code == 404, url


def test_every_page_survives_odd_query_strings(app):
    client = app.test_client()
    assert app.test_cli_runner().invoke(args=["demo"]).exit_code == 0
    add_user(app, "root", "root@example.jp", role=Role.ADMIN)
    login(client, "root@example.jp")
    for url in _urls(app, "GET"):
        for value in ODD_VALUES:
            response = client.get(
                url,
                query_string={
                    "q": value,
                    "page": value,
                    "role": value,
                    "next": value,
                    "order": value,
                    "area": value,
                    "to": value,
                    "sort": value,
                    "since": value,
                    "until": value,
                    "author": value,
                    "per_page": value,
                    "room": value,
                    "board": value,
                },
            )
            assert response.status_code < 500, (url, value)
