"""Helpers for the room, thread and board tests: act as the people who use them."""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from forum import clock
from forum.extensions import db
from forum.models import Post, Room, Thread
from forum.permissions import Role
from tests.helpers import add_user, login, submit

JST = ZoneInfo("Asia/Tokyo")


def local(delta: timedelta) -> str:
    """A datetime-local form value, Japan time, ``delta`` from now."""
    return (clock.now() + delta).astimezone(JST).strftime("%Y-%m-%dT%H:%M")


def relax_rules(app, *kinds: str) -> None:
    """Switch rule kinds off, as a moderator can on the rules page. The room and thread tests are
    not about moderation: without this every new test resident's first post would be held and
    posts would have to wait 30 seconds apart. The moderation tests keep the default rules."""
    from moderation.models import ModerationRule

    with app.app_context():
        for rule in db.session.scalars(select(ModerationRule).where(ModerationRule.kind.in_(kinds))):
            rule.enabled = False
        db.session.commit()


def people(app, strict: bool = False) -> dict[str, object]:
    """One signed-in client per person of a small city."""
    if not strict:
        relax_rules(app, "rate", "new_resident", "duplicate")
    add_user(app, "管理者", "admin@example.jp", role=Role.ADMIN)
    add_user(app, "運営", "mod@example.jp", role=Role.MODERATOR)
    add_user(app, "企画 職員", "kikaku@example.jp", role=Role.STAFF, department="企画政策課")
    add_user(app, "防災 職員", "bousai@example.jp", role=Role.STAFF, department="防災危機管理課")
    add_user(app, "さくら", "coord@example.jp", role=Role.COORDINATOR)
    add_user(app, "ひまわり", "himawari@example.jp")
    add_user(app, "けやき", "keyaki@example.jp")
    add_user(app, "未確認", "new@example.jp", verified=False)
    clients = {"guest": app.test_client()}
    for name, email in [
        ("admin", "admin@example.jp"),
        ("mod", "mod@example.jp"),
        ("staff", "kikaku@example.jp"),
        ("other_staff", "bousai@example.jp"),
        ("coord", "coord@example.jp"),
        ("himawari", "himawari@example.jp"),
        ("keyaki", "keyaki@example.jp"),
        ("new", "new@example.jp"),
    ]:
        client = app.test_client()
        assert login(client, email).status_code == 303
        clients[name] = client
    return clients


def department_id(app, name: str) -> int:
    from forum.models import Department

    with app.app_context():
        return db.session.scalar(select(Department.id).where(Department.name == name))


def user_id(app, email: str) -> int:
    from forum.services import accounts

    with app.app_context():
        return accounts.user_by_email(email).id


def create_city_room(
    app,
    staff,
    title="防災計画について",
    opens=timedelta(hours=-1),
    closes=timedelta(days=30),
    coordinator=True,
    **extra,
) -> int:
    data = {
        "title": title,
        "purpose": "地域防災計画の見直しについて意見を募集します。",
        "posting_rules": "テーマに沿って発言してください。",
        "handling": "報告にまとめて回答します。",
        "department_id": str(department_id(app, "企画政策課")),
        "opens_at": local(opens),
        "closes_at": local(closes),
    }
    if coordinator:
        data["coordinators"] = str(user_id(app, "coord@example.jp"))
    data.update(extra)
    response = submit(staff, "/rooms/new", data)
    assert response.status_code == 303, response.get_data(as_text=True)[:3000]
    return int(re.search(r"/rooms/(\d+)", response.headers["Location"]).group(1))


def start_thread(
    client, room_id: int, title="避難所の運営", body="避難所の案内をわかりやすくしてほしいです。", accept=True
):
    data = {"title": title, "body": body, "submit": "1"}
    if accept:
        data["accept_rules"] = "y"
    return submit(client, f"/rooms/{room_id}/threads/new", data)


def reply(client, thread_id: int, body: str, to: int | None = None):
    data = {"body": body, "submit": "1", "accept_rules": "y"}
    if to:
        data["reply_to"] = str(to)
    return submit(client, f"/threads/{thread_id}/reply", data)


def last_thread(app) -> Thread:
    with app.app_context():
        thread = db.session.scalar(select(Thread).order_by(Thread.id.desc()))
        db.session.expunge(thread)
        return thread


def posts_of(app, thread_id: int) -> list[Post]:
    with app.app_context():
        found = list(db.session.scalars(select(Post).where(Post.thread_id == thread_id).order_by(Post.number)))
        for post in found:
            db.session.expunge(post)
        return found


def room_state(app, room_id: int) -> str:
    with app.app_context():
        return db.session.get(Room, room_id).state


def send_letter(app, who, author="himawari", department="企画政策課"):
    response = submit(
        who[author],
        "/letters/new",
        {
            "department_id": str(department_id(app, department)),
            "subject": "バス停の屋根",
            "body": "雨の日に待つのがつらいので、屋根をつけてください。",
        },
    )
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    return int(re.search(r"/letters/(\d+)", response.headers["Location"]).group(1))
