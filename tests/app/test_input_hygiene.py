"""Input hygiene at the edge: control characters never reach a view or the database, passwords and
addresses are refused rather than changed, files and odd paths get a clear 4xx, never a 500."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from flask import request
from sqlalchemy import event, select
from wtforms.fields.core import UnboundField

import forum
from forum.extensions import db
from forum.forms import FlaskForm
from forum.models import Post, User
from forum.permissions import Role
from forum.text.controls import has_controls
from forum.views.common import db_id, page_arg
from tests.helpers import PASSWORD, add_user, csrf_token, login, submit
from tests.helpers.rooms import create_city_room, last_thread, people, posts_of, reply, start_thread

REFUSED = "This field contains characters that cannot be used."
FILES_REFUSED = "Files cannot be sent on this site."
CONTROL_VALUES = ["\x00", "1\x00\x08\x7f", "ｱ\x01\x1b[31m\x1f本文\r\n次\r行\x0b\x0c"]
SOURCES = [
    Path(forum.__file__).parent / "views",
    Path(forum.__file__).parent.parent / "moderation" / "views.py",
    Path(forum.__file__).parent / "ui.py",
]


def _names() -> set[str]:
    """Every name a form or query string could carry: the fields of every form class (with the
    prefixes views give them) and every name-like string literal in the views, which is a superset
    of what they read from request.args, request.form and request.values."""
    import forum.views  # noqa: F401  (forms defined next to their views too)

    files = [p for source in SOURCES for p in ([source] if source.is_file() else sorted(source.glob("*.py")))]
    text = "\n".join(p.read_text(encoding="utf-8") for p in files)
    names = set(re.findall(r"""["']([a-z][a-z0-9_-]{0,40})["']""", text))
    forms, todo = set(), [FlaskForm]
    while todo:
        cls = todo.pop()
        forms.add(cls)
        todo.extend(cls.__subclasses__())
    fields = {name for cls in forms for name in dir(cls) if isinstance(getattr(cls, name, None), UnboundField)}
    prefixes = set(re.findall(r'prefix="(\w+)"', text))
    return names | fields | {f"{prefix}-{field}" for prefix in prefixes for field in fields}


def _urls(app, method: str) -> list[str]:
    urls = []
    for rule in app.url_map.iter_rules():
        if method in rule.methods and rule.endpoint != "static":
            urls.append(re.sub(r"<(?:\w+:)?(\w+)>", lambda m: "1" if "id" in m.group(1) else "token", rule.rule))
    return urls


class StatementWatch:
    """Every string the app sends to the database, as PostgreSQL would receive it."""

    def __init__(self, app) -> None:
        self.app, self.bad = app, []

    def __enter__(self):
        with self.app.app_context():
            self.engine = db.engine
        event.listen(self.engine, "before_cursor_execute", self.check)
        return self

    def __exit__(self, *exc) -> None:
        event.remove(self.engine, "before_cursor_execute", self.check)

    def check(self, conn, cursor, statement, parameters, context, executemany) -> None:
        rows = parameters if executemany else [parameters]
        for row in rows:
            values = row.values() if isinstance(row, dict) else row or ()
            self.bad.extend(v for v in values if isinstance(v, str) and (has_controls(v) or "\r" in v))


def _english(client) -> None:
    submit(client, "/preferences", {"lang": "en"}, page="/")


@pytest.mark.parametrize("role", [Role.RESIDENT, Role.ADMIN], ids=lambda r: r.value)
def test_control_characters_in_every_parameter_and_field_never_fail_nor_reach_the_database(app, role):
    assert app.test_cli_runner().invoke(args=["demo"]).exit_code == 0
    client = app.test_client()
    email = f"{role.value}-h@example.jp"
    add_user(app, f"{role.value}-h", email, role=role)
    assert login(client, email).status_code == 303
    app.config["RATELIMIT_ENABLED"] = False
    names = sorted(_names())
    assert {"page", "q", "to", "body", "title", "reason", "ids", "summary", "password", "decline-reason"} <= set(names)
    token = csrf_token(client, "/")
    with StatementWatch(app) as watch:
        for url in _urls(app, "GET"):
            for value in CONTROL_VALUES:
                response = client.get(url, query_string={name: value for name in names})
                assert response.status_code < 500, (url, repr(value))
        for url in _urls(app, "POST"):
            if url == "/logout":
                continue
            for value in CONTROL_VALUES:
                response = client.post(url, data={**{name: value for name in names}, "csrf_token": token})
                assert response.status_code < 500, (url, repr(value))
    assert watch.bad == []


def test_views_read_cleaned_arguments(app):
    with app.test_request_context("/search?page=2%00&to=5%01&q%00=%E3%81%82%7F%0D%0A%E3%81%84"):
        assert page_arg() == 2
        assert db_id(request.args.get("to")) == 5
        assert request.args["q"] == "あ\nい"


def test_a_reply_with_control_characters_is_stored_clean(app):
    who = people(app)
    room = create_city_room(app, who["staff"])
    start_thread(who["himawari"], room, title="題\x00名\x07です")
    thread = last_thread(app)
    assert thread.title == "題名です"
    with StatementWatch(app) as watch:
        assert reply(who["keyaki"], thread.id, "前半\x00後半\r\n次の行\r最後\x1b").status_code == 303
    assert posts_of(app, thread.id)[-1].body == "前半後半\n次の行\n最後"
    assert watch.bad == []


@pytest.mark.parametrize("field", ["email", "password"])
def test_login_with_a_control_character_is_refused_with_a_clear_message(app, client, field):
    add_user(app, "taro", "taro@example.jp")
    _english(client)
    data = {
        "email": "taro@example.jp",
        "password": PASSWORD,
        field: {"email": "taro\x00@example.jp", "password": PASSWORD + "\x00"}[field],
    }
    response = submit(client, "/login", data)
    assert response.status_code == 422
    assert REFUSED in response.get_data(as_text=True)
    assert client.get("/account/").status_code == 302  # not signed in


def test_forgot_password_with_a_control_character_sends_nothing(app, client, mailbox):
    add_user(app, "taro", "taro@example.jp")
    _english(client)
    response = submit(client, "/password/forgot", {"email": "taro@example.jp\x00"})
    assert response.status_code == 200 and REFUSED in response.get_data(as_text=True)
    assert mailbox.messages() == []


def test_password_reset_never_changes_the_new_password_silently(app, client, mailbox):
    add_user(app, "taro", "taro@example.jp")
    _english(client)
    submit(client, "/password/forgot", {"email": "taro@example.jp"})
    link = mailbox.link("taro@example.jp")
    odd = "a brand new\x00secret"
    response = submit(client, link, {"password": odd, "password2": odd})
    assert response.status_code == 200 and REFUSED in response.get_data(as_text=True)
    assert login(client, "taro@example.jp").status_code == 303  # the old password still works
    assert login(app.test_client(), "taro@example.jp", "a brand newsecret").status_code == 422


def test_a_password_with_a_control_character_is_refused_at_registration(app, client):
    _english(client)
    odd = "correct horse\x07battery"
    response = submit(
        client, "/register", {"handle": "みなと花子", "email": "hanako@example.jp", "password": odd, "password2": odd}
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert page.count(REFUSED) >= 2  # both password fields, in the summary and by the field
    with app.app_context():
        assert db.session.scalar(select(User).where(User.email == "hanako@example.jp")) is None


def test_change_password_and_email_refuse_control_characters(app, client):
    add_user(app, "taro", "taro@example.jp")
    login(client, "taro@example.jp")
    _english(client)
    for url, data in [
        (
            "/account/password",
            {"current_password": PASSWORD, "password": "new\x0bsecret words", "password2": "new\x0bsecret words"},
        ),
        ("/account/email", {"email": "new\x00@example.jp", "current_password": PASSWORD}),
    ]:
        response = submit(client, url, data)
        assert response.status_code in (200, 422), url
        assert REFUSED in response.get_data(as_text=True), url
    assert login(app.test_client(), "taro@example.jp").status_code == 303


def test_a_file_in_a_form_is_refused_with_400(app, client):
    _english(client)
    token = csrf_token(client, "/login")
    response = client.post(
        "/login",
        data={"csrf_token": token, "email": (io.BytesIO(b"x"), "a.txt"), "password": PASSWORD},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert FILES_REFUSED in response.get_data(as_text=True)
    # the same form as multipart without a file is fine
    add_user(app, "taro", "taro@example.jp")
    response = client.post(
        "/login",
        data={"csrf_token": token, "email": "taro@example.jp", "password": PASSWORD},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303


def test_a_file_in_a_post_body_is_refused_and_nothing_is_posted(app):
    who = people(app)
    room = create_city_room(app, who["staff"])
    start_thread(who["himawari"], room)
    thread = last_thread(app)
    client = who["keyaki"]
    token = csrf_token(client, f"/threads/{thread.id}")
    response = client.post(
        f"/threads/{thread.id}/reply",
        data={
            "csrf_token": token,
            "body": (io.BytesIO("本文".encode()), "body.txt"),
            "submit": "1",
            "accept_rules": "y",
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "リクエストが正しくありません" in response.get_data(as_text=True)  # the user's language (Japanese)
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Post).where(Post.thread_id == thread.id)) == 1


def test_a_path_with_a_control_character_is_not_found(app):
    client = app.test_client()
    add_user(app, "root", "root@example.jp", role=Role.ADMIN)
    login(client, "root@example.jp")
    for url in [
        "/users/%00",
        "/password/reset/abc%00def",
        "/verify/%01",
        "/account/email/confirm/a%0Ab",
        "/rooms/1/answer-table/download.%7F",
        "/static/style%00.css",
    ]:
        assert client.get(url).status_code == 404, url
    assert client.post("/password/reset/abc%00def", data={"password": "x"}).status_code == 404
    chars = ["%00", "%01", "%09", "%0A", "%0D", "%1F", "%7F"]
    for method in ("GET", "POST"):
        for n, url in enumerate(_urls(app, method)):
            odd = url + chars[n % len(chars)]
            assert client.open(odd, method=method).status_code == 404, (method, odd)
