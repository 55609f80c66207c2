"""No user input may produce a 500: every form, as every kind of user, with odd input."""

from __future__ import annotations

import re

import pytest

from forum.permissions import Role
from tests.conftest import add_user, csrf_token, login

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
    add_user(app, "admin", "admin@example.jp", role=Role.ADMIN)
    if role is not Role.GUEST:
        email = f"{role.value}-2@example.jp"
        add_user(app, f"{role.value}-2", email, role=role)
        login(client, email)
    app.config["RATELIMIT_ENABLED"] = False
    token = csrf_token(client, "/")
    fields = ["handle", "email", "password", "password2", "current_password", "remember", "next",
              "role", "department", "name", "description", "contact", "text_size", "contrast", "lang"]
    for url in _urls(app, "POST"):
        if url == "/logout":
            continue
        for value in ODD_VALUES:
            data = {name: value for name in fields}
            data["csrf_token"] = token
            response = client.post(url, data=data)
            assert response.status_code < 500, (url, value)
        assert client.post(url, data={"csrf_token": token}).status_code < 500, url


def test_every_page_survives_odd_query_strings(app):
    client = app.test_client()
    add_user(app, "admin", "admin@example.jp", role=Role.ADMIN)
    login(client, "admin@example.jp")
    for url in _urls(app, "GET"):
        for value in ODD_VALUES:
            response = client.get(url, query_string={"q": value, "page": value, "role": value,
                                                     "next": value})
            assert response.status_code < 500, (url, value)
